/**
 * One fresh Paddle customer portal session per call, through the official SDK.
 *
 * The SDK is a bare `fetch`: no timeout, no retry, no HTTP status on its errors. So this module
 * owns the deadline (`PADDLE_TIMEOUT_MS` for all attempts together), retries at most once and only
 * when the failure says Paddle or the path to it is unwell (5xx, network, a body that is not
 * Paddle's JSON), never on a 4xx, and turns every outcome into data the handler maps to a status.
 * Each attempt gets its own `X-Transaction-ID`, which is logged so a support case can be matched
 * with Paddle's records.
 */
import { ApiError, Environment, Paddle } from "@paddle/paddle-node-sdk";
import { z } from "zod";
import { createDeadline, jitteredBackoff, raceWithTimeout, sleep } from "../_shared/deadline.ts";

export interface PortalSession {
  overviewUrl: string;
  subscriptions: { id: string; cancelUrl: string; updatePaymentMethodUrl: string }[];
}

export type PortalFailureCode =
  | "paddle_unavailable"
  | "paddle_timeout"
  | "rate_limited"
  | "misconfigured";

export type PortalSessionResult =
  & { transactionIds: string[]; attempts: number }
  & (
    | { ok: true; session: PortalSession }
    | {
      ok: false;
      code: PortalFailureCode;
      /** Seconds, from Paddle's `Retry-After`, for `rate_limited`. */
      retryAfterSeconds?: number;
      /** Paddle's error code or the failure class (`network`, `not_json`, `bad_response`). */
      paddleErrorCode?: string;
    }
  );

export interface PortalSessionInput {
  customerId: string;
  subscriptionIds: string[];
}

export type CreatePortalSession = (input: PortalSessionInput) => Promise<PortalSessionResult>;

export interface PaddlePortalOptions {
  apiKey: string;
  paddleEnv: "sandbox" | "production";
  /** Overrides the base URL (the local simulator). */
  apiUrl?: string;
  timeoutMs: number;
  /** Base of the jittered pause before the single retry. */
  retryBaseMs?: number;
  random?: () => number;
  newTransactionId?: () => string;
}

/** Codes Paddle answers with 401/403: our key is wrong, revoked, lacks a permission, or is for the other environment. */
const KEY_REFUSED = new Set([
  "authentication_missing",
  "authentication_malformed",
  "authentication_failed",
  "invalid_token",
  "forbidden",
  "permission_denied",
  "unauthorized",
]);

// Below this, a retry could not plausibly finish before the deadline; answering now is better.
const MIN_ATTEMPT_MS = 250;

const url = z.url({ protocol: /^https?$/ });
const sessionSchema = z.object({
  customerId: z.string(),
  urls: z.object({
    general: z.object({ overview: url }),
    subscriptions: z.array(z.object({
      id: z.string(),
      cancelSubscription: url,
      updateSubscriptionPaymentMethod: url,
    })),
  }),
});

export function paddleEnvironment(options: Pick<PaddlePortalOptions, "paddleEnv" | "apiUrl">) {
  // The SDK treats an unknown environment string as its base URL; that is how the simulator is
  // reached. The cast is the SDK's documented way, not a type escape of ours.
  if (options.apiUrl) return options.apiUrl as Environment;
  return options.paddleEnv === "production" ? Environment.production : Environment.sandbox;
}

type Attempt =
  | { kind: "ok"; session: PortalSession }
  | {
    kind: "fail";
    code: PortalFailureCode;
    retryable: boolean;
    paddleErrorCode: string;
    retryAfterSeconds?: number;
  };

export function createPaddlePortal(options: PaddlePortalOptions): CreatePortalSession {
  const environment = paddleEnvironment(options);
  const retryBaseMs = options.retryBaseMs ?? 300;
  const random = options.random ?? Math.random;
  const newTransactionId = options.newTransactionId ?? (() => crypto.randomUUID());

  return async function createPortalSession(input) {
    const deadline = createDeadline(options.timeoutMs);
    const transactionIds: string[] = [];
    for (let attempt = 1;; attempt++) {
      const transactionId = newTransactionId();
      transactionIds.push(transactionId);
      // A client per attempt is how the SDK lets us choose the X-Transaction-ID; it is cheap.
      const paddle = new Paddle(options.apiKey, {
        environment,
        customHeaders: { "X-Transaction-ID": transactionId },
      });
      const raced = await raceWithTimeout(
        paddle.customerPortalSessions.create(input.customerId, input.subscriptionIds),
        deadline.remaining(),
      );
      if (raced.kind === "timeout") {
        return { ok: false, code: "paddle_timeout", transactionIds, attempts: attempt };
      }
      const last = raced.kind === "value"
        ? checkSession(raced.value, input.customerId)
        : classifyFailure(raced.error);
      if (last.kind === "ok") {
        return { ok: true, session: last.session, transactionIds, attempts: attempt };
      }
      if (!last.retryable || attempt === 2) {
        return failure(last, transactionIds, attempt);
      }
      const pause = jitteredBackoff(retryBaseMs, random);
      if (deadline.remaining() < pause + MIN_ATTEMPT_MS) {
        return failure(last, transactionIds, attempt);
      }
      await sleep(pause);
    }
  };
}

function failure(
  attempt: Attempt & { kind: "fail" },
  transactionIds: string[],
  attempts: number,
): PortalSessionResult {
  return {
    ok: false,
    code: attempt.code,
    paddleErrorCode: attempt.paddleErrorCode,
    retryAfterSeconds: attempt.retryAfterSeconds,
    transactionIds,
    attempts,
  };
}

function checkSession(value: unknown, customerId: string): Attempt {
  const parsed = sessionSchema.safeParse(value);
  // A session for another customer would hand this caller someone else's billing: never return it.
  if (!parsed.success || parsed.data.customerId !== customerId) {
    return {
      kind: "fail",
      code: "paddle_unavailable",
      retryable: false,
      paddleErrorCode: "bad_response",
    };
  }
  const { urls } = parsed.data;
  return {
    kind: "ok",
    session: {
      overviewUrl: urls.general.overview,
      subscriptions: urls.subscriptions.map((s) => ({
        id: s.id,
        cancelUrl: s.cancelSubscription,
        updatePaymentMethodUrl: s.updateSubscriptionPaymentMethod,
      })),
    },
  };
}

/**
 * `ApiError` carries no HTTP status, so the class is read from Paddle's `type` (`api_error` is
 * their 5xx) and `code`. Without an `ApiError`, the SDK threw while fetching (TypeError: network)
 * or parsing (SyntaxError: an HTML page from a proxy); both are worth one more try.
 */
export function classifyFailure(error: unknown): Attempt & { kind: "fail" } {
  if (error instanceof ApiError) {
    const code = String(error.code ?? "unknown");
    if (code === "too_many_requests") {
      const seconds = Number(error.retryAfter);
      return {
        kind: "fail",
        code: "rate_limited",
        retryable: false,
        paddleErrorCode: code,
        retryAfterSeconds: Number.isFinite(seconds) && seconds >= 0
          ? Math.ceil(seconds)
          : undefined,
      };
    }
    if (KEY_REFUSED.has(code)) {
      return { kind: "fail", code: "misconfigured", retryable: false, paddleErrorCode: code };
    }
    // Other 4xx (not_found, invalid_field, ...) will not change on a retry.
    return {
      kind: "fail",
      code: "paddle_unavailable",
      retryable: error.type === "api_error",
      paddleErrorCode: code,
    };
  }
  if (error instanceof SyntaxError) {
    return {
      kind: "fail",
      code: "paddle_unavailable",
      retryable: true,
      paddleErrorCode: "not_json",
    };
  }
  if (error instanceof TypeError) {
    return {
      kind: "fail",
      code: "paddle_unavailable",
      retryable: true,
      paddleErrorCode: "network",
    };
  }
  return { kind: "fail", code: "paddle_unavailable", retryable: false, paddleErrorCode: "unknown" };
}
