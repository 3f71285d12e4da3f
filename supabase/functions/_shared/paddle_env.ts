/**
 * What every function that calls Paddle shares around the SDK: how it is pointed at an
 * environment (or the local simulator), and how its failures are read. The configuration rules
 * that need no SDK are in paddle_key.ts.
 */
import { ApiError, Environment } from "@paddle/paddle-node-sdk";
import type { PaddleEnv } from "./paddle_key.ts";

export function paddleEnvironment(options: { paddleEnv: PaddleEnv; apiUrl?: string }) {
  // The SDK treats an unknown environment string as its base URL; that is how the simulator is
  // reached. The cast is the SDK's documented way, not a type escape of ours.
  if (options.apiUrl) return options.apiUrl as Environment;
  return options.paddleEnv === "production" ? Environment.production : Environment.sandbox;
}

/** Codes Paddle answers with 401/403: our key is wrong, revoked, lacks a permission, or is for the other environment. */
export const KEY_REFUSED_CODES: ReadonlySet<string> = new Set([
  "authentication_missing",
  "authentication_malformed",
  "authentication_failed",
  "invalid_token",
  "forbidden",
  "permission_denied",
  "unauthorized",
]);

export type PaddleFailureKind =
  | "rate_limited"
  | "key_refused"
  /** Paddle's own 5xx (`type: api_error`). */
  | "server_error"
  /** Any other 4xx: it will not change on a retry. */
  | "request_error"
  /** The SDK could not parse the answer (an HTML 502 from a proxy). */
  | "not_json"
  | "network"
  | "unknown";

/**
 * The longest wait we pass on. Paddle's limits are per minute, so a longer `Retry-After` is a
 * fault upstream (or on the path to it); passed through, 99999 would tell browsers and pg_cron to
 * stay away for a day.
 */
export const MAX_RETRY_AFTER_SECONDS = 60;

export interface PaddleFailure {
  kind: PaddleFailureKind;
  /** Paddle's error code, or the failure class for a non-ApiError. */
  code: string;
  /** From `Retry-After`, for `rate_limited`: whole seconds, at most MAX_RETRY_AFTER_SECONDS. */
  retryAfterSeconds?: number;
}

/**
 * `ApiError` carries no HTTP status, so the class is read from Paddle's `type` (`api_error` is
 * their 5xx) and `code`. Without an `ApiError`, the SDK threw while fetching (TypeError: network)
 * or parsing (SyntaxError).
 */
export function classifyPaddleFailure(error: unknown): PaddleFailure {
  if (error instanceof ApiError) {
    const code = String(error.code ?? "unknown");
    if (code === "too_many_requests") {
      const seconds = Number(error.retryAfter);
      return {
        kind: "rate_limited",
        code,
        ...(error.retryAfter !== null && Number.isFinite(seconds) && seconds >= 0
          ? { retryAfterSeconds: Math.min(Math.ceil(seconds), MAX_RETRY_AFTER_SECONDS) }
          : {}),
      };
    }
    if (KEY_REFUSED_CODES.has(code)) return { kind: "key_refused", code };
    return { kind: error.type === "api_error" ? "server_error" : "request_error", code };
  }
  if (error instanceof SyntaxError) return { kind: "not_json", code: "not_json" };
  if (error instanceof TypeError) return { kind: "network", code: "network" };
  return { kind: "unknown", code: "unknown" };
}
