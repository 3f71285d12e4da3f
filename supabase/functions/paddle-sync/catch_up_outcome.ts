/**
 * The answer to `{"events": true}`: the catch-up's report as JSON, 200 when it stopped for a
 * reason other than a failure (done, out of time or pages, another call first, a full sync still
 * running), else the failure's status and stable code beside the same report. A fallback to a
 * full sync is in the answer (`mode`, `fallback_reason`, `note`) and in the log line.
 */
import { errorStatus } from "../_shared/http_errors.ts";
import { jsonResponse, retryAfterHeaders } from "../_shared/json_response.ts";
import type { LogDetail, Outcome } from "../_shared/request_frame.ts";
import type { CatchUpReport } from "../_shared/paddle_sync/catch_up.ts";
import { HTTP_CODE } from "./error_codes.ts";
import { operatorErrorBody } from "./operator_errors.ts";

export function catchUpOutcome(report: CatchUpReport, detail: LogDetail): Outcome {
  detail.sync_mode = report.mode === "full_sync" ? "events_full_sync" : "events";
  detail.sync_fallback = report.fallback_reason;
  detail.sync_stopped = report.stopped;
  detail.sync_pages = report.pages;
  detail.sync_events = report.events;
  detail.sync_written = report.applied;
  const error = report.error;
  if (error === undefined) return { response: jsonResponse(report, 200), outcome: "ok" };
  const code = HTTP_CODE[error.code];
  if (error.code === "database_unavailable" || error.code === "invalid_entity") {
    detail.db_error_code = error.detail;
  } else {
    detail.paddle_error_code = error.detail ?? error.code;
  }
  return {
    response: jsonResponse(
      { ...report, ...operatorErrorBody(code) },
      errorStatus(code),
      retryAfterHeaders(error.retry_after_seconds),
    ),
    outcome: code,
  };
}
