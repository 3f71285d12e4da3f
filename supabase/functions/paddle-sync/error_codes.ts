/** What a stopped slice or catch-up answers for each of the sync engine's error codes. */
import type { SyncErrorCode } from "../_shared/paddle_sync/run_slice.ts";
import type { OperatorErrorCode } from "./operator_errors.ts";

export const HTTP_CODE: Record<SyncErrorCode, OperatorErrorCode> = {
  rate_limited: "rate_limited",
  paddle_unavailable: "paddle_unavailable",
  paddle_timeout: "paddle_timeout",
  misconfigured: "misconfigured",
  database_unavailable: "database_unavailable",
  // Paddle sent an entity the mirror refuses: its answer is not one we can store.
  invalid_entity: "paddle_unavailable",
};
