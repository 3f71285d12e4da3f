/**
 * One Paddle API call through the official SDK, with what the SDK lacks.
 *
 * The SDK is a bare `fetch`: no timeout, no retry, no HTTP status on its errors. So this module
 * owns the deadline (`PADDLE_TIMEOUT_MS` for all attempts of one call together), retries at most
 * once and only when the failure says Paddle or the path to it is unwell (5xx, network, a body
 * that is not Paddle's JSON), never on a 4xx, and turns every outcome into data a handler maps to
 * a status. Each attempt gets its own `X-Transaction-ID`, which is logged so a support case can be
 * matched with Paddle's records. Every function that calls Paddle per request uses it.
 */
import { Paddle } from "@paddle/paddle-node-sdk";
import { createDeadline, jitteredBackoff, raceWithTimeout, sleep } from "./deadline.ts";
import { classifyPaddleFailure, paddleEnvironment } from "./paddle_env.ts";
import type { PaddleEnv } from "./paddle_key.ts";

export type PaddleCallFailureCode =
  | "paddle_unavailable"
  | "paddle_timeout"
  | "rate_limited"
  | "misconfigured";

export interface PaddleCallFailure {
  ok: false;
  code: PaddleCallFailureCode;
  /** Seconds, from Paddle's `Retry-After`, for `rate_limited`. */
  retryAfterSeconds?: number;
  /** Paddle's error code or the failure class (`network`, `not_json`, `bad_response`). */
  paddleErrorCode?: string;
}

/** What one or more Paddle calls tried, for the log line: Paddle's request ids and the count. */
export interface PaddleAttempts {
  transactionIds: string[];
  attempts: number;
}

export type PaddleCallResult<T> =
  & PaddleAttempts
  & ({ ok: true; value: T } | PaddleCallFailure);

/** What a caller's check makes of a 2xx answer: its value, or why it cannot be used. */
export type Checked<T> = { ok: true; value: T } | { ok: false; paddleErrorCode: string };

export interface PaddleCallOptions {
  apiKey: string;
  paddleEnv: PaddleEnv;
  /** Overrides the base URL (the local simulator). */
  apiUrl?: string;
  timeoutMs: number;
  /** Base of the jittered pause before the single retry. */
  retryBaseMs?: number;
  /**
   * Retries after a retryable failure: 1 (the default) or 0 for a call that changes something in
   * Paddle, where an attempt that failed without an answer may still have been applied.
   */
  retries?: 0 | 1;
  random?: () => number;
  newTransactionId?: () => string;
}

export type PaddleCall = <R, T>(
  request: (paddle: Paddle) => Promise<R>,
  check: (value: R) => Checked<T>,
) => Promise<PaddleCallResult<T>>;

// Below this, a retry could not plausibly finish before the deadline; answering now is better.
const MIN_ATTEMPT_MS = 250;

export type Attempt<T> =
  | { kind: "ok"; value: T }
  | {
    kind: "fail";
    code: PaddleCallFailureCode;
    retryable: boolean;
    paddleErrorCode: string;
    retryAfterSeconds?: number;
  };

type Failed = Attempt<never> & { kind: "fail" };

export function createPaddleCall(options: PaddleCallOptions): PaddleCall {
  const environment = paddleEnvironment(options);
  const retryBaseMs = options.retryBaseMs ?? 300;
  const retries = options.retries ?? 1;
  const random = options.random ?? Math.random;
  const newTransactionId = options.newTransactionId ?? (() => crypto.randomUUID());

  return async function call<R, T>(
    request: (paddle: Paddle) => Promise<R>,
    check: (value: R) => Checked<T>,
  ): Promise<PaddleCallResult<T>> {
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
      const raced = await raceWithTimeout(request(paddle), deadline.remaining());
      if (raced.kind === "timeout") {
        return { ok: false, code: "paddle_timeout", transactionIds, attempts: attempt };
      }
      let last: Attempt<T>;
      if (raced.kind === "value") {
        const checked = check(raced.value);
        last = checked.ok ? { kind: "ok", value: checked.value } : {
          kind: "fail",
          code: "paddle_unavailable",
          retryable: false,
          paddleErrorCode: checked.paddleErrorCode,
        };
      } else {
        last = classifyFailure(raced.error);
      }
      if (last.kind === "ok") {
        return { ok: true, value: last.value, transactionIds, attempts: attempt };
      }
      if (!last.retryable || attempt > retries) return failure(last, transactionIds, attempt);
      const pause = jitteredBackoff(retryBaseMs, random);
      if (deadline.remaining() < pause + MIN_ATTEMPT_MS) {
        return failure(last, transactionIds, attempt);
      }
      await sleep(pause);
    }
  };
}

function failure<T>(
  attempt: Failed,
  transactionIds: string[],
  attempts: number,
): PaddleCallResult<T> {
  return {
    ok: false,
    code: attempt.code,
    paddleErrorCode: attempt.paddleErrorCode,
    retryAfterSeconds: attempt.retryAfterSeconds,
    transactionIds,
    attempts,
  };
}

/** Which failures are worth the single retry: Paddle or the path to it being unwell, never a 4xx. */
export function classifyFailure(error: unknown): Failed {
  const failure = classifyPaddleFailure(error);
  const fail = (code: PaddleCallFailureCode, retryable: boolean): Failed => ({
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
