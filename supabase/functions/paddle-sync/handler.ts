/**
 * `POST /functions/v1/paddle-sync`: runs one slice of the Paddle → mirror sync and reports where
 * the run stands. Meant for pg_cron (docs/sync.md), not for browsers: only a caller presenting the
 * service-role key or an `sb_secret_` key gets any work done; anyone else gets 401 before the body
 * is read, the database is asked or Paddle is called.
 *
 * 200: `{"status": "syncing" | "done", run_id, started_at, finished_at, pages, records, written,
 * entities: [...], slice: {...}}`. A slice stopped by a failure answers that failure's status
 * and stable code (`rate_limited` with Retry-After, `paddle_unavailable`, `paddle_timeout`,
 * `database_unavailable`, `misconfigured`) with the same report beside it; the error is also
 * recorded in the sync state, and the next call resumes after the last committed page.
 * `{"events": true}` runs the catch-up from Paddle's event log instead (catch_up_outcome.ts).
 */
import { declaredTooLarge } from "../_shared/bounded_body.ts";
import type { AllowedOrigins } from "../_shared/cors.ts";
import { errorStatus } from "../_shared/http_errors.ts";
import { jsonResponse, retryAfterHeaders } from "../_shared/json_response.ts";
import type { LogSink } from "../_shared/request_log.ts";
import { framed, type LogDetail, type Outcome } from "../_shared/request_frame.ts";
import type { SliceReport } from "../_shared/paddle_sync/run_slice.ts";
import type { CatchUpReport } from "../_shared/paddle_sync/catch_up.ts";
import { type KeyCheck, presentedKeys } from "./caller_key.ts";
import { catchUpOutcome } from "./catch_up_outcome.ts";
import { HTTP_CODE } from "./error_codes.ts";
import {
  operatorErrorBody,
  operatorErrorResponse,
  refuseOperator as refuse,
} from "./operator_errors.ts";
import { MAX_BODY_BYTES, readSyncRequest } from "./request_body.ts";

export const FUNCTION_NAME = "paddle-sync";

export type RunSlice = (options: { restart: boolean }) => Promise<SliceReport>;

export interface SyncDeps {
  config: { allowedOrigins: AllowedOrigins };
  /** Set when configuration failed at start; every request is then answered `misconfigured`. */
  startupError?: string;
  checkKey: KeyCheck;
  runSlice: RunSlice;
  /** `{"events": true}`: catch-up from Paddle's event log (catch_up.ts). */
  catchUp: () => Promise<CatchUpReport>;
  log: LogSink;
  now: () => number;
  requestId: () => string;
}

export function createHandler(deps: SyncDeps): (request: Request) => Promise<Response> {
  return (request) =>
    framed(
      FUNCTION_NAME,
      request,
      deps,
      (d) => route(request, deps, d),
      () => operatorErrorResponse("internal_error"),
    );
}

async function route(request: Request, deps: SyncDeps, detail: LogDetail): Promise<Outcome> {
  if (request.method === "OPTIONS") {
    return { response: new Response(null, { status: 204 }), outcome: "preflight" };
  }
  if (request.method !== "POST") return refuse("method_not_allowed", { Allow: "POST, OPTIONS" });
  if (deps.startupError !== undefined) return refuse("misconfigured");

  const keys = presentedKeys(request.headers);
  if (keys.length === 0) {
    detail.auth_failure = "missing_key";
    return refuse("not_authenticated");
  }
  if (!await deps.checkKey(keys)) {
    detail.auth_failure = "wrong_key";
    return refuse("not_authenticated");
  }

  if (declaredTooLarge(request, MAX_BODY_BYTES)) return refuse("payload_too_large");
  const body = await readSyncRequest(request);
  if (!body.ok) return refuse(body.code);
  if (body.value.events) return catchUpOutcome(await deps.catchUp(), detail);
  detail.sync_restart = body.value.restart;

  const report = await deps.runSlice({ restart: body.value.restart });
  detail.sync_stopped = report.slice.stopped;
  detail.sync_pages = report.slice.pages;
  detail.sync_records = report.slice.records;
  detail.sync_written = report.slice.written;
  if (report.run) detail.sync_status = report.status;

  const summary = report.run ? { ...report.run, slice: report.slice } : { slice: report.slice };
  if (report.error === undefined) {
    return { response: jsonResponse(summary, 200), outcome: "ok" };
  }
  const code = HTTP_CODE[report.error.code];
  detail.sync_entity_type = report.error.entity_type;
  if (report.error.code === "database_unavailable" || report.error.code === "invalid_entity") {
    detail.db_error_code = report.error.detail;
  } else {
    detail.paddle_error_code = report.error.detail ?? report.error.code;
  }
  const retryAfter = report.error.retry_after_seconds;
  return {
    response: jsonResponse(
      { ...summary, ...operatorErrorBody(code) },
      errorStatus(code),
      retryAfterHeaders(retryAfter),
    ),
    outcome: code,
  };
}
