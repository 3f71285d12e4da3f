import { errorBody, type ErrorCode, errorStatus } from "./http_errors.ts";

/**
 * JSON responses with `Cache-Control: no-store` always: a portal URL is a one-time credential, and
 * an error must not be served from a cache to the next caller either.
 */
export function jsonResponse(
  body: unknown,
  status: number,
  headers: HeadersInit = {},
): Response {
  const h = new Headers(headers);
  h.set("Content-Type", "application/json; charset=utf-8");
  h.set("Cache-Control", "no-store");
  h.set("X-Content-Type-Options", "nosniff");
  return new Response(JSON.stringify(body), { status, headers: h });
}

/**
 * `Retry-After` in whole seconds (RFC 9110's delta-seconds, rounded up so a client never retries
 * early), or no header when the wait is unknown. Every 429/503 that knows its wait uses this.
 */
export function retryAfterHeaders(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { "Retry-After": String(Math.ceil(seconds)) };
}

export function errorResponse(code: ErrorCode, headers: HeadersInit = {}): Response {
  return jsonResponse(errorBody(code), errorStatus(code), headers);
}
