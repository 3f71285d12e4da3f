/**
 * What every browser-callable function does around its own logic: a request id, CORS on every
 * exit (a thrown exception included, answered `internal_error` so the caller still reads a stable
 * code), `X-Request-Id` on the response, and exactly one JSON log line per request.
 */
import { type AllowedOrigins, corsHeaders, withCors } from "./cors.ts";
import type { ErrorCode } from "./http_errors.ts";
import { errorResponse } from "./json_response.ts";
import { formatLogLine, type LogSink, type RequestLogEntry } from "./request_log.ts";

export interface FrameDeps {
  config: { allowedOrigins: AllowedOrigins };
  log: LogSink;
  now: () => number;
  requestId: () => string;
}

/** Log fields a route fills in as it goes (ids, codes and numbers only). */
export type LogDetail = Omit<
  RequestLogEntry,
  "request_id" | "method" | "outcome" | "status" | "duration_ms"
>;

export interface Outcome {
  response: Response;
  /** `ok`, `preflight`, or the error code sent. */
  outcome: string;
}

export function refuse(code: ErrorCode, headers?: HeadersInit): Outcome {
  return { response: errorResponse(code, headers), outcome: code };
}

/**
 * `exceptionResponse` answers a thrown exception; a function whose callers are not signed-in
 * users (paddle-sync) words it for its own callers.
 */
export async function framed(
  functionName: string,
  request: Request,
  deps: FrameDeps,
  route: (detail: LogDetail) => Promise<Outcome>,
  exceptionResponse: () => Response = () => errorResponse("internal_error"),
): Promise<Response> {
  const started = deps.now();
  const requestId = deps.requestId();
  const detail: LogDetail = {};
  const cors = corsHeaders(deps.config, request.headers.get("origin"));

  let result: Outcome;
  try {
    result = await route(detail);
  } catch (error) {
    // A bug must still answer with CORS and a stable code, or the browser shows a bare network
    // error and support has nothing to go on.
    detail.exception = error instanceof Error ? error.name : typeof error;
    result = { response: exceptionResponse(), outcome: "internal_error" };
  }

  const response = withCors(result.response, cors);
  response.headers.set("X-Request-Id", requestId);
  try {
    deps.log(formatLogLine(functionName, {
      request_id: requestId,
      method: request.method,
      outcome: result.outcome,
      status: response.status,
      duration_ms: Math.max(0, Math.round(deps.now() - started)),
      ...detail,
    }));
  } catch {
    // Losing a log line must not lose the caller's answer.
  }
  return response;
}

/** RFC 9110 makes the scheme case-insensitive; supabase-js sends `Bearer`. */
export function bearerToken(header: string | null): string | null {
  const match = header?.match(/^bearer[ \t]+(\S+)[ \t]*$/i);
  return match ? match[1] : null;
}
