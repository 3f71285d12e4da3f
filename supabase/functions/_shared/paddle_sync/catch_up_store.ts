/**
 * The catch-up's side of the database: the functions of migration 20261206000200, called
 * through PostgREST with the service-role key. `applyPage` applies a page of events and moves
 * the cursor in one transaction. Failures are `SyncStoreError`s, as for the sync's own store.
 */
import { z } from "zod";
import { createStoreRpc, type SyncStoreOptions } from "./store_rpc.ts";
import { RunStatusSchema } from "./sync_store.ts";

const count = z.coerce.number().int().min(0);

export const CatchUpStatusSchema = z.object({
  cursor_event_id: z.string().nullable(),
  cursor_at: z.string().nullable(),
  fallback: z.object({
    event_id: z.string().nullable(),
    started_at: z.string(),
    reason: z.enum(["no_cursor", "cursor_expired"]),
  }).nullable(),
  pages: count,
  events: count,
  refused: count,
  last_page_at: z.string().nullable(),
  sync: z.union([RunStatusSchema, z.object({ status: z.literal("never_run") })]),
});

export type CatchUpStatus = z.infer<typeof CatchUpStatusSchema>;

export type FallbackReason = NonNullable<CatchUpStatus["fallback"]>["reason"];

const ApplyEventsResultSchema = z.discriminatedUnion("applied", [
  z.object({ applied: z.literal(false), status: CatchUpStatusSchema }),
  z.object({
    applied: z.literal(true),
    counts: z.object({ applied: count, stale: count, duplicate: count, refused: count }),
    refused_event_ids: z.array(z.string()),
    status: CatchUpStatusSchema,
  }),
]);

export type ApplyEventsResult = z.infer<typeof ApplyEventsResultSchema>;

export interface ApplyEventsInput {
  /** The cursor the page was read after; the page is refused if the cursor moved on. */
  after: string | null;
  /** The page's mirrored events as the webhook parser left them, oldest first. */
  events: unknown[];
  /** The page's last event id, unmirrored types included. */
  nextEventId: string | null;
  /**
   * Every event up to this moment has now been read: when the reading began if this page is the
   * last, else when the page's last event occurred.
   */
  knownUntil: string;
  /** One event at a time, a refused one skipped (the retry after `invalid_entity`). */
  isolate?: boolean;
}

export interface CatchUpStore {
  begin(): Promise<CatchUpStatus>;
  startFullSync(newestEventId: string | null, reason: FallbackReason): Promise<CatchUpStatus>;
  applyPage(input: ApplyEventsInput): Promise<ApplyEventsResult>;
}

export function createCatchUpStore(options: SyncStoreOptions): CatchUpStore {
  const call = createStoreRpc(options);
  return {
    begin: () => call("paddle_catch_up_begin", {}, CatchUpStatusSchema),
    startFullSync: (newestEventId, reason) =>
      call(
        "paddle_catch_up_start_full_sync",
        { p_newest_event_id: newestEventId, p_reason: reason },
        CatchUpStatusSchema,
      ),
    applyPage: (input) =>
      call("paddle_catch_up_apply_page", {
        p_after: input.after,
        p_events: input.events,
        p_next_event_id: input.nextEventId,
        p_known_until: input.knownUntil,
        p_isolate: input.isolate ?? false,
      }, ApplyEventsResultSchema),
  };
}
