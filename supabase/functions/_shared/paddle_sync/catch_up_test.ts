/**
 * The catch-up engine against an in-memory store that keeps the SQL functions' contract (the
 * cursor moves with the page; a page read after a stale cursor is refused; a finished fallback
 * sync becomes the cursor) and a scripted event log. The real database, SDK and simulator are
 * exercised by tests/paddle_catch_up_test.ts.
 */
import assert from "node:assert/strict";
import { ApiError } from "@paddle/paddle-node-sdk";
import {
  type CatchUpDeps,
  CURSOR_MAX_AGE_MS,
  type ParsedEvent,
  runCatchUp,
  UNPACED_REQUESTS,
} from "./catch_up.ts";
import type {
  ApplyEventsInput,
  ApplyEventsResult,
  CatchUpStatus,
  CatchUpStore,
  FallbackReason,
} from "./catch_up_store.ts";
import type { EventLogReader, RawEvent } from "./event_pages.ts";
import type { RequestPacer } from "./request_pacer.ts";
import type { SliceReport } from "./run_slice.ts";
import { SyncStoreError } from "./store_rpc.ts";

const NOW = Date.UTC(2026, 5, 1);
const iso = (ms: number) => new Date(ms).toISOString();

class MemoryStore implements CatchUpStore {
  cursor: string | null = null;
  cursorAt: string | null = null;
  fallback: CatchUpStatus["fallback"] = null;
  syncDone = false;
  applied: ApplyEventsInput[] = [];
  refuse = new Set<string>();
  calls: string[] = [];

  status(): CatchUpStatus {
    return {
      cursor_event_id: this.cursor,
      cursor_at: this.cursorAt,
      fallback: this.fallback,
      pages: this.applied.length,
      events: 0,
      refused: 0,
      last_page_at: null,
      sync: { status: "never_run" },
    };
  }
  begin() {
    this.calls.push("begin");
    if (this.fallback && this.syncDone) {
      this.cursor = this.fallback.event_id;
      this.cursorAt = this.fallback.started_at;
      this.fallback = null;
    }
    return Promise.resolve(this.status());
  }
  startFullSync(newest: string | null, reason: FallbackReason) {
    this.calls.push(`fallback:${newest}:${reason}`);
    this.fallback = { event_id: newest, started_at: iso(NOW), reason };
    this.syncDone = false;
    return Promise.resolve(this.status());
  }
  applyPage(input: ApplyEventsInput): Promise<ApplyEventsResult> {
    this.calls.push(`apply:${input.after}${input.isolate ? ":isolated" : ""}`);
    if (this.fallback || input.after !== this.cursor) {
      return Promise.resolve({ applied: false, status: this.status() });
    }
    const ids = (input.events as RawEvent[]).map((e) => e.event_id as string);
    const refused = ids.filter((id) => this.refuse.has(id));
    if (refused.length > 0 && !input.isolate) {
      return Promise.reject(new SyncStoreError("invalid_entity", "22023"));
    }
    this.applied.push(input);
    this.cursor = input.nextEventId ?? this.cursor;
    this.cursorAt = input.knownUntil;
    return Promise.resolve({
      applied: true,
      counts: {
        applied: ids.length - refused.length,
        stale: 0,
        duplicate: 0,
        refused: refused.length,
      },
      refused_event_ids: refused,
      status: this.status(),
    });
  }
}

function eventLog(events: RawEvent[], perPage = 2) {
  const failures: unknown[] = [];
  const requests: string[] = [];
  const reader: EventLogReader = {
    open(after) {
      let position = after === null ? 0 : events.findIndex((e) => e.event_id === after) + 1;
      return {
        next() {
          requests.push(`after=${position === 0 ? null : events[position - 1].event_id}`);
          const failure = failures.shift();
          if (failure) return Promise.reject(failure);
          const page = events.slice(position, position + perPage);
          position += page.length;
          return Promise.resolve({
            events: page,
            lastEventId: (page.at(-1)?.event_id as string | undefined) ?? null,
            lastOccurredAt: (page.at(-1)?.occurred_at as string | undefined) ?? null,
            hasMore: position < events.length,
          });
        },
      };
    },
    newestEventId() {
      requests.push("newest");
      return Promise.resolve((events.at(-1)?.event_id as string | undefined) ?? null);
    },
  };
  return { reader, failures, requests };
}

const events = (n: number, type = "customer.updated"): RawEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    event_id: `evt_${String(i).padStart(26, "0")}`,
    event_type: i % 3 === 2 ? "transaction.completed" : type,
    // Events from 100 minutes ago on, a minute apart.
    occurred_at: iso(NOW - (100 - i) * 60_000),
  }));

/** The webhook parser's verdicts, by event type. */
const parse = (event: unknown): ParsedEvent => {
  const e = event as RawEvent;
  if (e.event_type === "transaction.completed") return { kind: "ignored" };
  if (e.event_type === "broken.event") return { kind: "invalid", eventId: e.event_id as string };
  return { kind: "mirrored", event: e };
};

function sliceReport(done: boolean): SliceReport {
  return {
    status: done ? "done" : "syncing",
    run: null,
    slice: {
      pages: 1,
      records: 10,
      written: 0,
      duration_ms: 5,
      paddle_wait_ms: 1,
      database_ms: 1,
      stopped: done ? "done" : "time",
    },
  };
}

function setup(log = eventLog(events(7)), store = new MemoryStore()) {
  const syncCalls: number[] = [];
  const sleeps: number[] = [];
  let clock = NOW;
  const deps: CatchUpDeps = {
    store,
    events: log.reader,
    parse,
    syncSlice: () => {
      syncCalls.push(1);
      return Promise.resolve(sliceReport(store.syncDone));
    },
    now: () => clock,
    sleep: (ms) => {
      sleeps.push(ms);
      clock += ms;
      return Promise.resolve();
    },
  };
  return { deps, store, log, syncCalls, sleeps };
}

function fresh(store: MemoryStore, cursor: string | null) {
  store.cursor = cursor;
  store.cursorAt = iso(NOW - 60_000);
  return store;
}

Deno.test("no cursor: the newest event is recorded, a full sync runs, and the answer says so", async () => {
  const { deps, store, log, syncCalls } = setup();
  const report = await runCatchUp(deps);
  assert.equal(report.mode, "full_sync");
  assert.equal(report.status, "syncing");
  assert.equal(report.fallback_reason, "no_cursor");
  assert.match(report.note!, /full sync/);
  assert.equal(syncCalls.length, 1);
  assert.deepEqual(store.calls, ["begin", `fallback:evt_${"6".padStart(26, "0")}:no_cursor`]);
  assert.deepEqual(log.requests, ["newest"], "no event page before the sync is done");

  // The run finishes (this call's slices or the scheduled sync's): the recorded event becomes
  // the cursor, and only what came after it is read.
  store.syncDone = true;
  const next = await runCatchUp(deps);
  assert.equal(next.mode, "events");
  assert.equal(next.status, "done");
  assert.equal(next.events, 0);
  assert.equal(store.cursor, `evt_${"6".padStart(26, "0")}`);
  assert.equal(syncCalls.length, 1, "no sync once the cursor is set");
  assert.deepEqual(log.requests, ["newest", `after=evt_${"6".padStart(26, "0")}`]);
});

Deno.test("a cursor older than Paddle keeps events falls back with cursor_expired", async () => {
  const { deps, store } = setup();
  store.cursor = "evt_00000000000000000000000001";
  store.cursorAt = iso(NOW - CURSOR_MAX_AGE_MS - 1);
  const report = await runCatchUp(deps);
  assert.equal(report.fallback_reason, "cursor_expired");
  assert.match(report.note!, /90 days/);
  const young = setup();
  young.store.cursor = "evt_00000000000000000000000001";
  young.store.cursorAt = iso(NOW - CURSOR_MAX_AGE_MS + 60_000);
  assert.equal((await runCatchUp(young.deps)).mode, "events");
});

Deno.test("reads every page after the cursor, mirrored events to the store, the rest counted", async () => {
  const { deps, store, log } = setup(eventLog(events(7)), fresh(new MemoryStore(), null));
  const report = await runCatchUp(deps);
  assert.equal(report.mode, "events");
  assert.equal(report.status, "done");
  assert.equal(report.pages, 4);
  assert.equal(report.events, 7);
  assert.equal(report.ignored, 2);
  assert.equal(report.applied, 5);
  assert.deepEqual(log.requests, [
    "after=null",
    `after=evt_${"1".padStart(26, "0")}`,
    `after=evt_${"3".padStart(26, "0")}`,
    `after=evt_${"5".padStart(26, "0")}`,
  ]);
  assert.deepEqual(store.applied.map((a) => a.after), [
    null,
    `evt_${"1".padStart(26, "0")}`,
    `evt_${"3".padStart(26, "0")}`,
    `evt_${"5".padStart(26, "0")}`,
  ]);
  assert.equal(store.cursor, `evt_${"6".padStart(26, "0")}`);
  assert.equal(report.cursor?.event_id, store.cursor);
});

Deno.test("maxPages stops early with catching_up; the next call goes on from the cursor", async () => {
  const { deps, store } = setup(eventLog(events(7)), fresh(new MemoryStore(), null));
  const first = await runCatchUp(deps, { maxPages: 2 });
  assert.equal(first.status, "catching_up");
  assert.equal(first.stopped, "pages");
  assert.equal(store.cursor, `evt_${"3".padStart(26, "0")}`);
  // Cut short, the cursor is only as recent as its own event, so a backlog older than Paddle's
  // 90 days still falls back instead of losing the events in between.
  assert.equal(store.cursorAt, iso(NOW - 97 * 60_000));
  const second = await runCatchUp(deps, { maxPages: 2 });
  assert.equal(second.status, "done");
  assert.equal(first.applied + second.applied, 5);
  assert.equal(store.cursorAt, iso(NOW), "read to the end: known up to when the reading began");
});

Deno.test("another catch-up moved the cursor first: this one stops, nothing counted twice", async () => {
  const store = fresh(new MemoryStore(), null);
  const { deps } = setup(eventLog(events(7)), store);
  const apply = store.applyPage.bind(store);
  store.applyPage = (input) => {
    store.cursor = "evt_99999999999999999999999999";
    return apply(input);
  };
  const report = await runCatchUp(deps);
  assert.equal(report.stopped, "concurrent");
  assert.equal(report.applied, 0);
});

Deno.test("an event the dispatcher refuses: the page is applied around it and the event named", async () => {
  const store = fresh(new MemoryStore(), null);
  store.refuse.add(`evt_${"3".padStart(26, "0")}`);
  const log = eventLog([...events(5), {
    event_id: `evt_${"5".padStart(26, "9")}`,
    event_type: "broken.event",
  }]);
  const { deps } = setup(log, store);
  const report = await runCatchUp(deps);
  assert.equal(report.status, "done");
  assert.equal(report.refused, 1);
  assert.deepEqual(report.refused_event_ids, [`evt_${"3".padStart(26, "0")}`]);
  assert.equal(report.invalid, 1);
  assert.deepEqual(report.invalid_event_ids, [`evt_${"5".padStart(26, "9")}`]);
  assert.ok(store.calls.includes(`apply:evt_${"1".padStart(26, "0")}:isolated`));
  assert.equal(store.calls.filter((c) => c.endsWith(":isolated")).length, 1, "only that page");
});

Deno.test("a 429 is waited out when Retry-After fits; otherwise the answer is rate_limited", async () => {
  const limited = () =>
    new ApiError(
      { type: "request_error", code: "too_many_requests", detail: "", documentation_url: "" },
      3,
    );
  const a = setup(eventLog(events(3)), fresh(new MemoryStore(), null));
  a.log.failures.push(limited());
  const waited = await runCatchUp(a.deps, { sliceMs: 25_000 });
  assert.equal(waited.status, "done");
  assert.deepEqual(a.sleeps, [3000]);
  assert.equal(waited.events, 3);

  const b = setup(eventLog(events(3)), fresh(new MemoryStore(), null));
  b.log.failures.push(limited());
  const stopped = await runCatchUp(b.deps, { sliceMs: 2_000 });
  assert.equal(stopped.stopped, "error");
  assert.equal(stopped.error?.code, "rate_limited");
  assert.equal(stopped.error?.retry_after_seconds, 3);
  assert.equal(b.store.applied.length, 0);
});

Deno.test("the database failing at the start: an error answer and no Paddle call", async () => {
  const store = new MemoryStore();
  store.begin = () => Promise.reject(new SyncStoreError("database", "PGRST000"));
  const { deps, log } = setup(eventLog(events(3)), store);
  const report = await runCatchUp(deps);
  assert.equal(report.error?.code, "database_unavailable");
  assert.equal(report.cursor, null);
  assert.deepEqual(log.requests, []);
});

Deno.test("a fallback whose sync finishes in this call reads the log after it at once", async () => {
  const { deps, store, log } = setup();
  deps.syncSlice = () => {
    store.syncDone = true;
    return Promise.resolve(sliceReport(true));
  };
  const report = await runCatchUp(deps);
  assert.equal(report.mode, "full_sync");
  assert.equal(report.status, "done");
  assert.equal(report.sync?.status, "done");
  assert.equal(store.cursor, `evt_${"6".padStart(26, "0")}`);
  assert.deepEqual(log.requests, ["newest", `after=evt_${"6".padStart(26, "0")}`]);
});

Deno.test("a failing fallback sync slice is the answer's error", async () => {
  const { deps } = setup();
  deps.syncSlice = () =>
    Promise.resolve({ ...sliceReport(false), error: { code: "paddle_unavailable" as const } });
  const report = await runCatchUp(deps);
  assert.equal(report.stopped, "error");
  assert.equal(report.error?.code, "paddle_unavailable");
});

Deno.test("a backlog cut short whose last read event is older than 89 days falls back next time", async () => {
  const old = events(5).map((e) => ({ ...e, occurred_at: iso(NOW - 95 * 24 * 60 * 60 * 1000) }));
  const { deps } = setup(eventLog(old), fresh(new MemoryStore(), null));
  const first = await runCatchUp(deps, { maxPages: 1 });
  assert.equal(first.stopped, "pages");
  const second = await runCatchUp(deps, { maxPages: 1 });
  assert.equal(second.mode, "full_sync");
  assert.equal(second.fallback_reason, "cursor_expired");
});

function fakePacer(grant = true) {
  const turns: number[] = [];
  const holds: number[] = [];
  const pacer: RequestPacer = {
    turn: (withinMs) => (turns.push(withinMs), Promise.resolve(grant)),
    hold: (ms) => (holds.push(ms), Promise.resolve()),
  };
  return { pacer, turns, holds };
}

Deno.test("the first 6 requests go at once; a longer backlog takes the sync's pace", async () => {
  const { deps } = setup(eventLog(events(16)), fresh(new MemoryStore(), null));
  const { pacer, turns } = fakePacer();
  deps.pacer = pacer;
  const report = await runCatchUp(deps);
  assert.equal(report.pages, 8);
  assert.equal(report.status, "done");
  assert.equal(turns.length, 8 - UNPACED_REQUESTS);
});

Deno.test("a turn that would come after the call's end stops it with catching_up; nothing lost", async () => {
  const store = fresh(new MemoryStore(), null);
  const { deps } = setup(eventLog(events(16)), store);
  deps.pacer = fakePacer(false).pacer;
  const report = await runCatchUp(deps);
  assert.equal(report.stopped, "time");
  assert.equal(report.status, "catching_up");
  assert.equal(report.pages, UNPACED_REQUESTS);
  assert.equal(store.cursor, `evt_${String(2 * UNPACED_REQUESTS - 1).padStart(26, "0")}`);
});

Deno.test("a 429 is held in the pacer for every caller, and the retry takes its turn", async () => {
  const { deps, log, sleeps } = setup(eventLog(events(3)), fresh(new MemoryStore(), null));
  const { pacer, turns, holds } = fakePacer();
  deps.pacer = pacer;
  log.failures.push(
    new ApiError(
      { type: "request_error", code: "too_many_requests", detail: "", documentation_url: "" },
      4,
    ),
  );
  const report = await runCatchUp(deps, { sliceMs: 25_000 });
  assert.equal(report.status, "done");
  assert.deepEqual(holds, [4000]);
  assert.deepEqual(sleeps, [], "the pacer's turn waits, not the catch-up");
  assert.equal(turns.length, 2, "every request after the 429 is paced");
});
