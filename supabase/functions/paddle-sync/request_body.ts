/**
 * The request body: nothing, `{}`, `{"restart": true|false}` (the full sync), or
 * `{"events": true}` (catch-up from Paddle's event log; a restart means nothing there). Strict, like the portal's: an
 * unknown field is refused rather than ignored, so a caller who believes it can steer the sync
 * some other way learns at once that it cannot.
 */
import { z } from "zod";
import { type ParsedBody, parseJsonBody, readJsonBody } from "../_shared/bounded_body.ts";

export const MAX_BODY_BYTES = 1024;

export interface SyncRequest {
  restart: boolean;
  /** Present only when asked for, so a full-sync request reads as it always did. */
  events?: true;
}

const schema: z.ZodType<SyncRequest> = z.strictObject({
  restart: z.boolean().optional(),
  events: z.boolean().optional(),
})
  .refine((body) => !(body.events && body.restart))
  .transform((body) => ({
    restart: body.restart ?? false,
    ...(body.events ? { events: true as const } : {}),
  }));

export type BodyResult = ParsedBody<SyncRequest>;

/** An empty body continues the current run: pg_cron's call and `functions.invoke` send none. */
export function parseSyncRequest(text: string): BodyResult {
  return parseJsonBody(text, schema, { restart: false });
}

export function readSyncRequest(request: Request): Promise<BodyResult> {
  return readJsonBody(request, MAX_BODY_BYTES, schema, { restart: false });
}
