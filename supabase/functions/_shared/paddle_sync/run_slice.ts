/**
 * One slice of a sync run: continue where the last committed page left off, page through
 * Paddle, apply each page in one database call, and stop when the run is done, the slice's time is
 * up, or something fails. Whatever stops it, the state in the database is exactly the committed
 * pages, so the next slice (the next cron tick, the CLI's next loop) simply carries on.
 *
 * While a page is being applied, the next one is already being fetched: the database and Paddle
 * work at the same time, yet only two pages are ever in memory, and the cursor still moves only
 * when a page has committed.
 *
 * With a pacer (request_pacer.ts), every Paddle request waits for the sync's turn, so the sync
 * never spends more than its share of Paddle's rate limit; a turn that would come after the
 * slice's end ends the slice instead (stopped `time`), and the next slice takes it up.
 *
 * Failures:
 * - Paddle 429: wait Retry-After (for every slice, through the pacer) and fetch the same page
 *   again if that fits in the slice; otherwise stop, with the error recorded.
 * - Paddle 5xx, network, an answer that is not Paddle's JSON, no answer before the slice ends,
 *   our key refused: stop, recorded.
 * - The database refusing or not answering: stop, recorded when it can still be.
 */
import { createDeadline, raceWithTimeout } from "../deadline.ts";
import type { EntityType } from "./entity_types.ts";
import { classifyPaddleError, type OpenPages, type Page } from "./paddle_pages.ts";
import type { RequestPacer } from "./request_pacer.ts";
import { type RunStatus, type SyncStore, SyncStoreError } from "./sync_store.ts";

export const DEFAULT_SLICE_MS = 25_000;

export type SyncErrorCode =
  | "rate_limited"
  | "paddle_unavailable"
  | "paddle_timeout"
  | "misconfigured"
  | "database_unavailable"
  | "invalid_entity";

export interface SyncError {
  code: SyncErrorCode;
  entity_type?: EntityType;
  /** Paddle's or Postgres's error code, or the failure class; never a message. */
  detail?: string;
  retry_after_seconds?: number;
}

export interface SliceReport {
  status: "syncing" | "done";
  /** The run after the slice; null when the database could not be read at all. */
  run: RunStatus | null;
  slice: {
    pages: number;
    records: number;
    written: number;
    duration_ms: number;
    /**
     * Time spent waiting for Paddle's pages (what the prefetch did not hide, the pacer's turns
     * included) and for the database.
     */
    paddle_wait_ms: number;
    database_ms: number;
    /**
     * Why the slice ended. `pages`: its page budget was used up; `concurrent`: another slice
     * moved the cursor first.
     */
    stopped: "done" | "time" | "pages" | "error" | "concurrent";
  };
  error?: SyncError;
}

export interface PageProgress {
  entityType: EntityType;
  run: RunStatus;
  /** Rows the page changed (mirror rows, items, catalog). */
  written: number;
  records: number;
}

export interface SliceDeps {
  store: SyncStore;
  openPages: OpenPages;
  /** Keeps the sync to its share of Paddle's rate limit; none: as fast as Paddle answers. */
  pacer?: RequestPacer;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onPage?: (progress: PageProgress) => void;
}

export interface SliceOptions {
  restart?: boolean;
  sliceMs?: number;
  /**
   * Pages one slice commits at most. The hosted runtime limits CPU time per request (2 s) and a
   * page costs ~10 ms of it (parsing, mapping, serialising 200 entities), so a fast database
   * must not let a slice run into that limit.
   */
  maxPages?: number;
}

// A retry after a 429 needs time for the request itself too.
const MIN_REQUEST_MS = 1_000;

export type PacedFetch<T> =
  | { kind: "value"; value: T }
  | { kind: "error"; error: unknown }
  | { kind: "timeout" }
  // The pacer's next turn comes after the slice's end: nothing was sent.
  | { kind: "deferred" };

type Fetched = PacedFetch<Page>;

export async function runSlice(deps: SliceDeps, options: SliceOptions = {}): Promise<SliceReport> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const started = now();
  const deadline = createDeadline(options.sliceMs ?? DEFAULT_SLICE_MS, now);
  const slice = { pages: 0, records: 0, written: 0, paddle_wait_ms: 0, database_ms: 0 };

  const report = (
    run: RunStatus | null,
    stopped: SliceReport["slice"]["stopped"],
    error?: SyncError,
  ): SliceReport => ({
    status: run?.status === "done" ? "done" : "syncing",
    run,
    slice: {
      ...slice,
      paddle_wait_ms: Math.round(slice.paddle_wait_ms),
      database_ms: Math.round(slice.database_ms),
      duration_ms: Math.max(0, Math.round(now() - started)),
      stopped,
    },
    ...(error ? { error } : {}),
  });

  let run: RunStatus;
  try {
    run = await deps.store.begin(options.restart ?? false);
  } catch (error) {
    // Nothing is known about the run, so Paddle is not called at all.
    return report(null, "error", storeFailure(error));
  }

  const stop = async (stopped: SliceReport["slice"]["stopped"], error?: SyncError) => {
    if (error?.entity_type) {
      const detail = error.detail ? `${error.code}: ${error.detail}` : error.code;
      try {
        run = await deps.store.recordError(run.run_id, error.entity_type, detail);
      } catch {
        // The database being away is often why we stop; the caller still gets the error.
      }
    }
    return report(run, stopped, error);
  };

  for (const entity of run.entities) {
    if (entity.done) continue;
    if (deadline.expired()) return report(run, "time");
    const entityType = entity.entity_type;
    const reader = deps.openPages(entityType, entity.cursor, entity.updated_since);
    const fetchPage = () => fetchPaced(reader, deps.pacer, deadline.remaining() - MIN_REQUEST_MS);
    let after = entity.cursor;
    let fetching: Promise<Fetched> | undefined = fetchPage();

    while (true) {
      const waitStarted = now();
      const fetched = await raceWithTimeout(
        fetching ?? fetchPage(),
        deadline.remaining(),
      ).then((r) => r.kind === "value" ? r.value : r);
      slice.paddle_wait_ms += now() - waitStarted;
      fetching = undefined;
      if (fetched.kind === "timeout") {
        return await stop("error", { code: "paddle_timeout", entity_type: entityType });
      }
      if (fetched.kind === "deferred") return report(run, "time");
      if (fetched.kind === "error") {
        const failure = classifyPaddleError(fetched.error);
        const waitMs = failure.code === "rate_limited"
          ? (failure.retryAfterSeconds ?? 1) * 1000
          : undefined;
        // Held in the pacer, Retry-After binds the next slice too if this one cannot wait it out.
        if (waitMs !== undefined && deps.pacer) await deps.pacer.hold(waitMs);
        if (waitMs !== undefined && waitMs + MIN_REQUEST_MS <= deadline.remaining()) {
          // The pacer's turn waits out the hold; without one, wait here.
          if (!deps.pacer) await sleep(waitMs);
          continue; // the SDK still points at the page that was refused
        }
        return await stop("error", {
          code: failure.code,
          entity_type: entityType,
          detail: failure.detail,
          ...(failure.retryAfterSeconds !== undefined
            ? { retry_after_seconds: failure.retryAfterSeconds }
            : {}),
        });
      }

      const page = fetched.value;
      // The next page travels while this one is written; its cursor is the one about to commit.
      if (page.hasMore && !deadline.expired()) fetching = fetchPage();

      let applied;
      const applyStarted = now();
      try {
        applied = await deps.store.applyPage({
          runId: run.run_id,
          entityType,
          after,
          entities: page.entities,
          nextCursor: page.nextCursor,
          hasMore: page.hasMore,
          // -1 is Paddle's "not counted" (Skip-Count): unknown, not a size.
          estimatedTotal: page.estimatedTotal >= 0 ? page.estimatedTotal : null,
        });
      } catch (error) {
        return await stop("error", { ...storeFailure(error), entity_type: entityType });
      } finally {
        slice.database_ms += now() - applyStarted;
      }
      run = applied.run;
      if (!applied.applied) return report(run, "concurrent");

      const written = sumWritten(applied.result);
      slice.pages++;
      slice.records += page.entities.length;
      slice.written += written;
      after = page.nextCursor;
      deps.onPage?.({ entityType, run, written, records: page.entities.length });

      if (!page.hasMore) break;
      if (deadline.expired()) return report(run, "time");
      if (slice.pages >= (options.maxPages ?? Infinity)) return report(run, "pages");
    }
  }
  return report(run, run.status === "done" ? "done" : "time");
}

/**
 * Takes the pacer's turn (when the turn comes within `withinMs`), then fetches. Never rejects, so
 * a prefetch nobody waits for any more cannot become an unhandled rejection.
 */
export async function fetchPaced<T>(
  reader: { next(): Promise<T> },
  pacer: RequestPacer | undefined,
  withinMs: number,
): Promise<PacedFetch<T>> {
  if (pacer) {
    try {
      if (!await pacer.turn(Math.max(0, withinMs))) return { kind: "deferred" };
    } catch (error) {
      return { kind: "error", error };
    }
  }
  return await reader.next().then(
    (value): PacedFetch<T> => ({ kind: "value", value }),
    (error: unknown): PacedFetch<T> => ({ kind: "error", error }),
  );
}

function sumWritten(result: Record<string, unknown>): number {
  let total = 0;
  for (const key of ["written", "items_written", "catalog_written"]) {
    const n = Number(result[key] ?? 0);
    if (Number.isFinite(n)) total += n;
  }
  return total;
}

export function storeFailure(error: unknown): SyncError {
  if (error instanceof SyncStoreError) {
    return error.kind === "invalid_entity"
      ? { code: "invalid_entity", detail: error.code }
      : { code: "database_unavailable", detail: error.code ?? error.kind };
  }
  return { code: "database_unavailable", detail: error instanceof Error ? error.name : "unknown" };
}
