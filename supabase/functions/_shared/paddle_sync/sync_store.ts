/**
 * The sync's side of the database: the four SQL functions of migration 000250, called through
 * PostgREST with the service-role key. Each call is one transaction; `applyPage` in particular
 * stores a page and moves the cursor together, so whatever happens between calls, the state says
 * exactly which pages are in. Every failure becomes a thrown `SyncStoreError` with PostgREST's /
 * Postgres's code (never the message, which may echo data).
 */
import { createClient } from "@supabase/supabase-js";
import { z } from "zod";
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

export class SyncStoreError extends Error {
  override name = "SyncStoreError";
  constructor(
    readonly kind: "timeout" | "database" | "invalid_entity" | "bad_result",
    readonly code?: string,
  ) {
    super(`sync store: ${kind}${code ? ` (${code})` : ""}`);
  }
}

export interface SyncStoreOptions {
  supabaseUrl: string;
  serviceRoleKey: string;
  /** Per call; PostgREST's own statement timeout (8 s on the platform) is the other bound. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export const DEFAULT_STORE_TIMEOUT_MS = 15_000;

export function createSyncStore(options: SyncStoreOptions): SyncStore {
  const supabase = createClient(options.supabaseUrl, options.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: options.fetch ? { fetch: options.fetch } : undefined,
  });
  const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;

  async function call(fn: string, args: Record<string, unknown>): Promise<unknown> {
    const signal = AbortSignal.timeout(timeoutMs);
    let response;
    try {
      response = await supabase.rpc(fn, args).abortSignal(signal);
    } catch (error) {
      throw new SyncStoreError(
        signal.aborted ? "timeout" : "database",
        error instanceof Error ? error.name : typeof error,
      );
    }
    if (response.error) {
      if (signal.aborted) throw new SyncStoreError("timeout");
      // 22023: apply_paddle_entities refused an entity; the page rolled back.
      if (response.error.code === "22023") throw new SyncStoreError("invalid_entity", "22023");
      throw new SyncStoreError("database", response.error.code || String(response.status));
    }
    return response.data;
  }

  function parse<T>(schema: z.ZodType<T>, data: unknown): T {
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new SyncStoreError("bad_result");
    return parsed.data;
  }

  return {
    async begin(restart) {
      return parse(RunStatusSchema, await call("paddle_sync_begin", { p_restart: restart }));
    },
    async applyPage(input) {
      return parse(
        ApplyPageResultSchema,
        await call("paddle_sync_apply_page", {
          p_run_id: input.runId,
          p_entity_type: input.entityType,
          p_after: input.after,
          p_entities: input.entities,
          p_next_cursor: input.nextCursor,
          p_has_more: input.hasMore,
          p_estimated_total: input.estimatedTotal,
        }),
      );
    },
    async recordError(runId, entityType, code) {
      return parse(
        RunStatusSchema,
        await call("paddle_sync_record_error", {
          p_run_id: runId,
          p_entity_type: entityType,
          p_error: code,
        }),
      );
    },
  };
}
