/**
 * paddle-sync's refusals, worded for the operator who runs it (pg_cron, a deploy script, someone
 * with the project's keys), not for a signed-in user: the codes and statuses are the shared table's
 * (`_shared/http_errors.ts`), only the messages differ. "Sign in to manage your subscription" told
 * an operator with the wrong key nothing they could act on.
 */
import { type ErrorBody, errorStatus } from "../_shared/http_errors.ts";
import { jsonResponse } from "../_shared/json_response.ts";
import type { Outcome } from "../_shared/request_frame.ts";

/** Every code paddle-sync can answer with. */
export type OperatorErrorCode =
  | "invalid_request"
  | "not_authenticated"
  | "method_not_allowed"
  | "payload_too_large"
  | "misconfigured"
  | "internal_error"
  | "paddle_unavailable"
  | "rate_limited"
  | "database_unavailable"
  | "paddle_timeout";

export const OPERATOR_MESSAGES: Record<OperatorErrorCode, string> = {
  invalid_request:
    'The body must be empty, {}, {"restart": true|false} or {"events": true}; nothing else is ' +
    "accepted.",
  not_authenticated:
    "paddle-sync runs only for the project's service-role key or an sb_secret_ key, as " +
    "Authorization: Bearer or apikey.",
  method_not_allowed: "Use POST.",
  payload_too_large:
    'The body is too large: send nothing, {}, {"restart": true|false} or {"events": true}.',
  misconfigured:
    "paddle-sync is not configured correctly: check its secrets (the Paddle API key and " +
    "environment, the Supabase keys) and its log line for the reason.",
  internal_error:
    "paddle-sync failed unexpectedly; its log line (by X-Request-Id) says where. The next " +
    "call resumes after the last committed page.",
  paddle_unavailable:
    "Paddle did not answer the sync properly; the error is recorded in the sync state and the " +
    "next call resumes after the last committed page.",
  rate_limited:
    "Paddle rate-limited the sync; call again after Retry-After, and it resumes after the last " +
    "committed page.",
  database_unavailable:
    "The database did not take the sync's page; the next call resumes after the last committed " +
    "page.",
  paddle_timeout:
    "Paddle took too long to answer the sync; the next call resumes after the last committed page.",
};

export function operatorErrorBody(code: OperatorErrorCode): ErrorBody {
  return { error: { code, message: OPERATOR_MESSAGES[code] } };
}

export function operatorErrorResponse(
  code: OperatorErrorCode,
  headers: HeadersInit = {},
): Response {
  return jsonResponse(operatorErrorBody(code), errorStatus(code), headers);
}

export function refuseOperator(code: OperatorErrorCode, headers?: HeadersInit): Outcome {
  return { response: operatorErrorResponse(code, headers), outcome: code };
}
