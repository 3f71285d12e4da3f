/**
 * Catch-up from Paddle's event log: read `GET /events` after the last event the mirror has read
 * and apply each event the way a webhook would (the webhook's parser, then
 * `apply_paddle_event` through the catch-up's SQL), one page per database call, the cursor moving
 * with the page. What the webhooks already brought is a ledger duplicate; what they lost is
 * applied now. The cost is the number of events since the cursor (200 per request), not the
 * size of the account.
 *
 * When there is no cursor yet, or it stands further back than Paddle keeps events (90 days;
 * anything older is gone from the log, so events in the gap could be lost), the catch-up falls
 * back to a full sync and says so in its answer: it records the newest event in the log,
 * restarts the sync run, and runs its slices on each call until the run is done; the recorded
 * event then becomes the cursor.
 *
 * Failures stop the call the way they stop a sync slice (a 429 is waited out when Retry-After
 * fits in the time left); the next call resumes after the last committed page.
 */
import { createDeadline, raceWithTimeout } from "../deadline.ts";
import type { CatchUpStatus, CatchUpStore, FallbackReason } from "./catch_up_store.ts";
import type { EventLogReader, EventPage } from "./event_pages.ts";
import { classifyPaddleError } from "./paddle_pages.ts";
import type { RequestPacer } from "./request_pacer.ts";
import {
  DEFAULT_SLICE_MS,
  fetchPaced,
  type PacedFetch,
  type SliceReport,
  storeFailure,
  type SyncError,
} from "./run_slice.ts";
import { SyncStoreError } from "./store_rpc.ts";

/** Paddle returns events from the last 90 days only (changelog 2024). */
export const PADDLE_EVENT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;
/** A day short of Paddle's limit, so a slow run or a skewed clock never reads across the edge. */
export const CURSOR_MAX_AGE_MS = PADDLE_EVENT_RETENTION_MS - 24 * 60 * 60 * 1000;
/**
 * Requests a catch-up sends before it takes the sync's pace: 6 are 2.5% of Paddle's 240 a minute,
 * a burst users never notice, and enough for 1,200 events; a longer backlog goes at the sync's
 * pace (request_pacer.ts), so it never starves a user's click either.
 */
export const UNPACED_REQUESTS = 6;
/** Events the report names when refused or invalid; the counts are complete. */
const MAX_NAMED_EVENTS = 10;
// A retry after a 429 needs time for the request itself too.
const MIN_REQUEST_MS = 1_000;

/** What the webhook path's parser says about one event (paddle-webhook/events.ts). */
export type ParsedEvent =
  | { kind: "mirrored"; event: unknown }
  | { kind: "ignored" }
  | { kind: "invalid"; eventId?: string };

export interface CatchUpDeps {
  store: CatchUpStore;
  events: EventLogReader;
  parse: (event: unknown) => ParsedEvent;
  /** One slice of the full sync, continuing the current run (the fallback). */
  syncSlice: () => Promise<SliceReport>;
  /** The sync's pace, for requests past UNPACED_REQUESTS and after a 429. */
  pacer?: RequestPacer;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface CatchUpOptions {
  sliceMs?: number;
  /** Pages of events one call applies at most (the hosted runtime's CPU limit, as for slices). */
  maxPages?: number;
  cursorMaxAgeMs?: number;
}

export interface CatchUpReport {
  /** `full_sync` when this call ran the fallback's sync. */
  mode: "events" | "full_sync";
  /** `syncing`: the fallback is not done; `catching_up`: more events wait for the next call. */
  status: "done" | "catching_up" | "syncing";
  fallback_reason?: FallbackReason;
  /** For the operator: why a full sync runs instead. */
  note?: string;
  cursor: { event_id: string | null; at: string | null } | null;
  pages: number;
  events: number;
  ignored: number;
  invalid: number;
  applied: number;
  stale: number;
  duplicate: number;
  refused: number;
  invalid_event_ids: string[];
  refused_event_ids: string[];
  duration_ms: number;
  /** Time spent waiting for Paddle's pages (what the prefetch did not hide) and for the database. */
  paddle_wait_ms: number;
  database_ms: number;
  stopped: "done" | "time" | "pages" | "error" | "concurrent" | "syncing";
  /** The fallback's sync slice, when one ran. */
  sync?: SliceReport;
  error?: SyncError;
}

const NOTES: Record<FallbackReason, string> = {
  no_cursor: "No event cursor yet: a full sync runs first; catch-up reads the event log after it.",
  cursor_expired:
    "The event cursor is older than Paddle keeps events (90 days): a full sync runs instead; catch-up resumes after it.",
};

type Fetched = PacedFetch<EventPage>;

export async function runCatchUp(
  deps: CatchUpDeps,
  options: CatchUpOptions = {},
): Promise<CatchUpReport> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const started = now();
  const deadline = createDeadline(options.sliceMs ?? DEFAULT_SLICE_MS, now);
  const maxPages = options.maxPages ?? Infinity;
  const tally = {
    pages: 0,
    events: 0,
    ignored: 0,
    invalid: 0,
    applied: 0,
    stale: 0,
    duplicate: 0,
    refused: 0,
    invalid_event_ids: [] as string[],
    refused_event_ids: [] as string[],
  };
  const timing = { paddle_wait_ms: 0, database_ms: 0 };
  let status: CatchUpStatus | null = null;
  let requests = 0;
  const pacerFor = () => requests++ < UNPACED_REQUESTS ? undefined : deps.pacer;
  let fallback: { reason: FallbackReason; sync: SliceReport } | undefined;

  const finish = (stopped: CatchUpReport["stopped"], error?: SyncError): CatchUpReport => ({
    mode: fallback ? "full_sync" : "events",
    status: stopped === "done" ? "done" : stopped === "syncing" ? "syncing" : "catching_up",
    ...(fallback ? { fallback_reason: fallback.reason, note: NOTES[fallback.reason] } : {}),
    cursor: status ? { event_id: status.cursor_event_id, at: status.cursor_at } : null,
    ...tally,
    duration_ms: Math.max(0, Math.round(now() - started)),
    paddle_wait_ms: Math.round(timing.paddle_wait_ms),
    database_ms: Math.round(timing.database_ms),
    stopped,
    ...(fallback ? { sync: fallback.sync } : {}),
    ...(error ? { error } : {}),
  });

  try {
    status = await deps.store.begin();
  } catch (error) {
    return finish("error", storeFailure(error));
  }

  if (!status.fallback) {
    const age = status.cursor_at === null ? null : now() - Date.parse(status.cursor_at);
    const reason: FallbackReason | null = age === null
      ? "no_cursor"
      : age > (options.cursorMaxAgeMs ?? CURSOR_MAX_AGE_MS)
      ? "cursor_expired"
      : null;
    if (reason) {
      requests++;
      const newest = await raceWithTimeout(deps.events.newestEventId(), deadline.remaining());
      if (newest.kind === "timeout") return finish("error", { code: "paddle_timeout" });
      if (newest.kind === "error") return finish("error", paddleFailure(newest.error));
      try {
        status = await deps.store.startFullSync(newest.value, reason);
      } catch (error) {
        return finish("error", storeFailure(error));
      }
    }
  }

  if (status.fallback) {
    const sync = await deps.syncSlice();
    fallback = { reason: status.fallback.reason, sync };
    if (sync.status !== "done") return finish(sync.error ? "error" : "syncing", sync.error);
    try {
      status = await deps.store.begin();
    } catch (error) {
      return finish("error", storeFailure(error));
    }
    if (status.fallback) return finish("syncing");
    if (deadline.expired()) return finish("time");
  }

  const readAt = new Date(now()).toISOString();
  let committed = status.cursor_event_id;
  const reader = deps.events.open(committed);
  const fetchPage = () => fetchPaced(reader, pacerFor(), deadline.remaining() - MIN_REQUEST_MS);
  let fetching: Promise<Fetched> | undefined = fetchPage();
  while (true) {
    const waitStarted = now();
    const fetched = await raceWithTimeout(fetching ?? fetchPage(), deadline.remaining())
      .then((r) => r.kind === "value" ? r.value : r);
    timing.paddle_wait_ms += now() - waitStarted;
    fetching = undefined;
    if (fetched.kind === "timeout") return finish("error", { code: "paddle_timeout" });
    if (fetched.kind === "deferred") return finish("time");
    if (fetched.kind === "error") {
      const failure = paddleFailure(fetched.error);
      const waitMs = failure.code === "rate_limited"
        ? (failure.retry_after_seconds ?? 1) * 1000
        : undefined;
      if (waitMs !== undefined && deps.pacer) {
        // Held for every slice and catch-up; from here on every request takes the pace.
        await deps.pacer.hold(waitMs);
        requests = Math.max(requests, UNPACED_REQUESTS);
      }
      if (waitMs !== undefined && waitMs + MIN_REQUEST_MS <= deadline.remaining()) {
        // The pacer's turn waits out the hold; without one, wait here.
        if (!deps.pacer) await sleep(waitMs);
        continue; // the SDK still points at the page that was refused
      }
      return finish("error", failure);
    }

    const page = fetched.value;
    tally.pages++;
    tally.events += page.events.length;
    // The next page travels while this one is written.
    if (page.hasMore && !deadline.expired() && tally.pages < maxPages) fetching = fetchPage();

    const mirrored: unknown[] = [];
    for (const raw of page.events) {
      const parsed = deps.parse(raw);
      if (parsed.kind === "mirrored") mirrored.push(parsed.event);
      else if (parsed.kind === "ignored") tally.ignored++;
      else {
        tally.invalid++;
        name(tally.invalid_event_ids, parsed.eventId);
      }
    }

    // A cursor whose later events are not all read yet is only as recent as its own event: the
    // 90-day check must not be fooled by a backlog that keeps being cut short.
    const knownUntil = page.hasMore ? page.lastOccurredAt ?? readAt : readAt;
    const input = { after: committed, events: mirrored, nextEventId: page.lastEventId, knownUntil };
    let result;
    const applyStarted = now();
    try {
      result = await deps.store.applyPage(input);
    } catch (error) {
      if (!(error instanceof SyncStoreError && error.kind === "invalid_entity")) {
        return finish("error", storeFailure(error));
      }
      // One event the dispatcher refuses must not hold back the rest: each on its own, the
      // refused ones counted and named.
      try {
        result = await deps.store.applyPage({ ...input, isolate: true });
      } catch (again) {
        return finish("error", storeFailure(again));
      }
    } finally {
      timing.database_ms += now() - applyStarted;
    }
    status = result.status;
    if (!result.applied) return finish("concurrent");
    tally.applied += result.counts.applied;
    tally.stale += result.counts.stale;
    tally.duplicate += result.counts.duplicate;
    tally.refused += result.counts.refused;
    for (const id of result.refused_event_ids) name(tally.refused_event_ids, id);
    committed = page.lastEventId ?? committed;

    if (!page.hasMore) return finish("done");
    if (deadline.expired()) return finish("time");
    if (tally.pages >= maxPages) return finish("pages");
  }
}

function paddleFailure(error: unknown): SyncError {
  const failure = classifyPaddleError(error);
  return {
    code: failure.code,
    detail: failure.detail,
    ...(failure.retryAfterSeconds !== undefined
      ? { retry_after_seconds: failure.retryAfterSeconds }
      : {}),
  };
}

function name(list: string[], id: string | undefined): void {
  if (id !== undefined && list.length < MAX_NAMED_EVENTS) list.push(id);
}
