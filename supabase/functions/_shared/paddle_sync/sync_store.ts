/**
 * The sync's side of the database: the four SQL functions of migration 000250, called through
 * PostgREST with the service-role key. Each call is one transaction; `applyPage` in particular
 * stores a page and moves the cursor together, so whatever happens between calls, the state says
 * exactly which pages are in. Every failure becomes a thrown `SyncStoreError` with PostgREST's /
 * Postgres's code (never the message, which may echo data).
 */
import { z } from "zod";
import { createStoreRpc, type SyncStoreOptions } from "./store_rpc.ts";
import { ENTITY_TYPES, type EntityType } from "./entity_types.ts";
import type { ApiJson } from "./to_api_json.ts";

const count = z.coerce.number().int().min(0);

export const EntityStatusSchema = z.object({
  entity_type: z.enum(ENTITY_TYPES),
  done: z.boolean(),
  cursor: z.string().nullable(),
  /** Only entities updated at or after this are paged (transactions on a later run). */
  updated_since: z.string().nullable(),
  pages: count,
  records: count,
  written: count,
  items_written: count,
  catalog_written: count,
  linked: count,
  estimated_total: z.number().int().nullable(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  errors: count,
  last_error: z.string().nullable(),
  last_error_at: z.string().nullable(),
});

export type EntityStatus = z.infer<typeof EntityStatusSchema>;

export const RunStatusSchema = z.object({
  status: z.enum(["syncing", "done"]),
  run_id: z.uuid(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  pages: count,
  records: count,
  written: count,
  entities: z.array(EntityStatusSchema).length(ENTITY_TYPES.length),
});

export type RunStatus = z.infer<typeof RunStatusSchema>;

const ApplyPageResultSchema = z.discriminatedUnion("applied", [
  z.object({ applied: z.literal(false), entity_type: z.enum(ENTITY_TYPES), run: RunStatusSchema }),
  z.object({
    applied: z.literal(true),
    entity_type: z.enum(ENTITY_TYPES),
    /** `apply_paddle_entities`' answer for the page. */
    result: z.looseObject({ received: count, written: count }),
    /** The run after the page committed. */
    run: RunStatusSchema,
  }),
]);

export type ApplyPageResult = z.infer<typeof ApplyPageResultSchema>;

export interface ApplyPageInput {
  runId: string;
  entityType: EntityType;
  /** The cursor the page was fetched with; the page is refused if the state moved on. */
  after: string | null;
  entities: ApiJson[];
  nextCursor: string | null;
  hasMore: boolean;
  estimatedTotal: number | null;
}

export interface SyncStore {
  /** Starts a run (first time, or `restart`) or returns the current one unchanged. */
  begin(restart: boolean): Promise<RunStatus>;
  applyPage(input: ApplyPageInput): Promise<ApplyPageResult>;
  /** Returns the run with the error in it. */
  recordError(runId: string, entityType: EntityType, code: string): Promise<RunStatus>;
}

export function createSyncStore(options: SyncStoreOptions): SyncStore {
  const call = createStoreRpc(options);

  return {
    begin: (restart) => call("paddle_sync_begin", { p_restart: restart }, RunStatusSchema),
    applyPage: (input) =>
      call("paddle_sync_apply_page", {
        p_run_id: input.runId,
        p_entity_type: input.entityType,
        p_after: input.after,
        p_entities: input.entities,
        p_next_cursor: input.nextCursor,
        p_has_more: input.hasMore,
        p_estimated_total: input.estimatedTotal,
      }, ApplyPageResultSchema),
    recordError: (runId, entityType, code) =>
      call("paddle_sync_record_error", {
        p_run_id: runId,
        p_entity_type: entityType,
        p_error: code,
      }, RunStatusSchema),
  };
}

export { DEFAULT_STORE_TIMEOUT_MS, SyncStoreError, type SyncStoreOptions } from "./store_rpc.ts";
