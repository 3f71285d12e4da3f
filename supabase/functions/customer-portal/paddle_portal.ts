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
import { Paddle } from "@paddle/paddle-node-sdk";
import { z } from "zod";
import { createDeadline, jitteredBackoff, raceWithTimeout, sleep } from "../_shared/deadline.ts";
import { classifyPaddleFailure, paddleEnvironment } from "../_shared/paddle_env.ts";

export { paddleEnvironment };

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

/** Which failures are worth the single retry: Paddle or the path to it being unwell, never a 4xx. */
export function classifyFailure(error: unknown): Attempt & { kind: "fail" } {
  const failure = classifyPaddleFailure(error);
  const fail = (code: PortalFailureCode, retryable: boolean): Attempt & { kind: "fail" } => ({
    kind: "fail",
    code,
    retryable,
    paddleErrorCode: failure.code,
  });
  switch (failure.kind) {
    case "rate_limited":
      return { ...fail("rate_limited", false), retryAfterSeconds: failure.retryAfterSeconds };
    case "key_refused":
      return fail("misconfigured", false);
    case "server_error":
    case "not_json":
    case "network":
      return fail("paddle_unavailable", true);
    default:
      return fail("paddle_unavailable", false);
  }
}
