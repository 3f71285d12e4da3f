/**
 * The slice engine against an in-memory store that keeps the SQL functions' contract (cursor and
 * page commit together, a page fetched with a stale cursor is refused) and scripted Paddle pages.
 * The real database and SDK are exercised by tests/paddle_sync_test.ts.
 */
import assert from "node:assert/strict";
import { ApiError } from "@paddle/paddle-node-sdk";
import { ENTITY_TYPES, type EntityType } from "./entity_types.ts";
import type { OpenPages, Page } from "./paddle_pages.ts";
import type { RequestPacer } from "./request_pacer.ts";
import { runSlice, type SliceDeps } from "./run_slice.ts";
import type { ApplyPageInput, EntityStatus, RunStatus, SyncStore } from "./sync_store.ts";
import { SyncStoreError } from "./sync_store.ts";
import type { ApiJson } from "./to_api_json.ts";
import { entityStatus } from "./test_fixtures.ts";

class MemoryStore implements SyncStore {
  rows = new Map<EntityType, EntityStatus>();
  runId = "";
  calls: string[] = [];
  applied: ApplyPageInput[] = [];
  failApply = 0;
  failBegin = false;

  status(): RunStatus {
    const entities = ENTITY_TYPES.map((t) => this.rows.get(t)!);
    const done = entities.every((e) => e.done);
    return {
      status: done ? "done" : "syncing",
      run_id: this.runId,
      started_at: "2026-01-01T00:00:00Z",
      finished_at: done ? "2026-01-01T00:01:00Z" : null,
      pages: entities.reduce((n, e) => n + e.pages, 0),
      records: entities.reduce((n, e) => n + e.records, 0),
      written: entities.reduce((n, e) => n + e.written, 0),
      entities: entities.map((e) => ({ ...e })),
    };
  }

  begin(restart: boolean): Promise<RunStatus> {
    this.calls.push(`begin:${restart}`);
    if (this.failBegin) return Promise.reject(new SyncStoreError("database", "PGRST000"));
    if (restart || this.rows.size === 0) {
      this.runId = crypto.randomUUID();
      for (const t of ENTITY_TYPES) this.rows.set(t, entityStatus(t));
    }
    return Promise.resolve(this.status());
  }

  applyPage(input: ApplyPageInput) {
    this.calls.push(`apply:${input.entityType}:${input.after}`);
    if (this.failApply > 0) {
      this.failApply--;
      return Promise.reject(new SyncStoreError("database", "503"));
    }
    const row = this.rows.get(input.entityType)!;
    if (input.runId !== this.runId || row.done || row.cursor !== input.after) {
      return Promise.resolve({
        applied: false as const,
        entity_type: input.entityType,
        run: this.status(),
      });
    }
    this.applied.push(input);
    row.cursor = input.nextCursor ?? row.cursor;
    row.done = !input.hasMore;
    row.pages++;
    row.records += input.entities.length;
    row.written += input.entities.length;
    row.estimated_total = input.estimatedTotal;
    return Promise.resolve({
      applied: true as const,
      entity_type: input.entityType,
      result: { received: input.entities.length, written: input.entities.length },
      run: this.status(),
    });
  }

  errors: string[] = [];
  recordError(_runId: string, entityType: EntityType, code: string): Promise<RunStatus> {
    this.errors.push(`${entityType}:${code}`);
    const row = this.rows.get(entityType)!;
    row.errors++;
    row.last_error = code;
    return Promise.resolve(this.status());
  }
}

/** Paddle with `counts[type]` entities per type, pages of `size`, and scripted failures. */
function fakePaddle(
  counts: Partial<Record<EntityType, number>>,
  size = 2,
  failures: (unknown | "hang")[] = [],
) {
  const requests: string[] = [];
  const open: OpenPages = (entityType, after) => {
    const total = counts[entityType] ?? 0;
    const ids = Array.from(
      { length: total },
      (_, i) => `${entityType}_${String(i).padStart(4, "0")}`,
    );
    let cursor = after;
    return {
      next(): Promise<Page> {
        requests.push(`${entityType}:${cursor}`);
        const failure = failures.shift();
        if (failure === "hang") return new Promise(() => {});
        if (failure !== undefined && failure !== null) return Promise.reject(failure);
        const start = cursor === null ? 0 : ids.indexOf(cursor) + 1;
        const slice = ids.slice(start, start + size);
        if (slice.length) cursor = slice.at(-1)!;
        return Promise.resolve({
          entities: slice.map((id): ApiJson => ({ id })),
          nextCursor: cursor,
          hasMore: start + size < total,
          estimatedTotal: total,
        });
      },
    };
  };
  return { open, requests };
}

function rateLimited(seconds: number | null) {
  return new ApiError(
    { type: "request_error", code: "too_many_requests", detail: "", documentation_url: "" },
    seconds,
  );
}

const serverError = new ApiError({
  type: "api_error",
  code: "internal_error",
  detail: "",
  documentation_url: "",
}, null);

/** A clock that moves only when the engine sleeps or a step says so. */
function fakeClock() {
  let t = 0;
  const slept: number[] = [];
  return {
    now: () => t,
    advance: (ms: number) => (t += ms),
    sleep: (ms: number) => {
      slept.push(ms);
      t += ms;
      return Promise.resolve();
    },
    slept,
  };
}

function deps(store: MemoryStore, open: OpenPages, more: Partial<SliceDeps> = {}): SliceDeps {
  return { store, openPages: open, ...more };
}

const COUNTS = { product: 3, price: 4, customer: 5, subscription: 1, transaction: 3 };

Deno.test("a first slice runs the whole account in entity order, one apply per page", async () => {
  const store = new MemoryStore();
  const paddle = fakePaddle(COUNTS);
  const report = await runSlice(deps(store, paddle.open));
  assert.equal(report.status, "done");
  assert.equal(report.slice.stopped, "done");
  assert.equal(report.slice.pages, 2 + 2 + 3 + 1 + 2);
  assert.equal(report.slice.records, 16);
  assert.deepEqual(
    store.applied.map((a) => `${a.entityType}:${a.after}`),
    [
      "product:null",
      "product:product_0001",
      "price:null",
      "price:price_0001",
      "customer:null",
      "customer:customer_0001",
      "customer:customer_0003",
      "subscription:null",
      "transaction:null",
      "transaction:transaction_0001",
    ],
  );
  assert.equal(store.calls[0], "begin:false");
});

Deno.test("a finished run is not restarted by a plain continue: one store call, no Paddle call", async () => {
  const store = new MemoryStore();
  await runSlice(deps(store, fakePaddle(COUNTS).open));
  store.calls = [];
  const paddle = fakePaddle(COUNTS);
  const report = await runSlice(deps(store, paddle.open));
  assert.equal(report.status, "done");
  assert.deepEqual(store.calls, ["begin:false"]);
  assert.deepEqual(paddle.requests, []);
});

Deno.test("restart begins a new run from the first page", async () => {
  const store = new MemoryStore();
  await runSlice(deps(store, fakePaddle(COUNTS).open));
  const first = store.runId;
  const paddle = fakePaddle(COUNTS);
  const report = await runSlice(deps(store, paddle.open), { restart: true });
  assert.equal(report.status, "done");
  assert.notEqual(store.runId, first);
  assert.equal(paddle.requests[0], "product:null");
});

Deno.test("the time slice ends the slice after a committed page; the next slice continues there", async () => {
  const store = new MemoryStore();
  const clock = fakeClock();
  const paddle = fakePaddle(COUNTS);
  const open: OpenPages = (t, after) => {
    const reader = paddle.open(t, after);
    return { next: () => (clock.advance(400), reader.next()) };
  };
  const first = await runSlice(deps(store, open, clock), { sliceMs: 1000 });
  assert.equal(first.status, "syncing");
  assert.equal(first.slice.stopped, "time");
  assert.ok(first.slice.pages >= 2 && first.slice.pages < 10, String(first.slice.pages));
  const committed = store.applied.length;
  const second = await runSlice(deps(store, paddle.open));
  assert.equal(second.status, "done");
  // Every page applied exactly once across both slices.
  const keys = store.applied.map((a) => `${a.entityType}:${a.after}`);
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(keys.length, 10);
  assert.ok(committed < 10);
});

Deno.test("429 that fits in the slice: waits Retry-After and fetches the same page again", async () => {
  const store = new MemoryStore();
  const clock = fakeClock();
  const paddle = fakePaddle(COUNTS, 2, [undefined, rateLimited(3)]);
  const report = await runSlice(deps(store, paddle.open, clock), { sliceMs: 25_000 });
  assert.equal(report.status, "done");
  assert.deepEqual(clock.slept, [3000]);
  assert.deepEqual(paddle.requests.slice(0, 3), [
    "product:null",
    "product:product_0001",
    "product:product_0001",
  ]);
  assert.equal(store.errors.length, 0);
});

Deno.test("429 longer than the rest of the slice: stops, records rate_limited, passes Retry-After on", async () => {
  const store = new MemoryStore();
  const clock = fakeClock();
  const paddle = fakePaddle(COUNTS, 2, [undefined, rateLimited(60)]);
  const report = await runSlice(deps(store, paddle.open, clock), { sliceMs: 25_000 });
  assert.equal(report.status, "syncing");
  assert.deepEqual(report.error, {
    code: "rate_limited",
    entity_type: "product",
    detail: "too_many_requests",
    retry_after_seconds: 60,
  });
  assert.deepEqual(clock.slept, []);
  assert.deepEqual(store.errors, ["product:rate_limited: too_many_requests"]);
  assert.equal(store.rows.get("product")!.pages, 1, "the page before the 429 is kept");
  assert.equal(report.run?.entities[0].last_error, "rate_limited: too_many_requests");
});

Deno.test("Paddle 5xx: stops at once with the error recorded; the committed page stays", async () => {
  const store = new MemoryStore();
  const paddle = fakePaddle(COUNTS, 2, [undefined, undefined, undefined, serverError]);
  const report = await runSlice(deps(store, paddle.open));
  assert.equal(report.slice.stopped, "error");
  assert.equal(report.error?.code, "paddle_unavailable");
  assert.equal(report.error?.entity_type, "price");
  assert.deepEqual(store.errors, ["price:paddle_unavailable: internal_error"]);
  assert.equal(store.rows.get("price")!.cursor, "price_0001");
  const next = fakePaddle(COUNTS);
  assert.equal((await runSlice(deps(store, next.open))).status, "done");
  assert.equal(next.requests[0], "price:price_0001", "resumed after the committed page");
});

Deno.test("network failure and a non-JSON answer are paddle_unavailable too", async () => {
  for (
    const [failure, detail] of [[new TypeError("x"), "network"], [
      new SyntaxError("x"),
      "not_json",
    ]] as const
  ) {
    const store = new MemoryStore();
    const report = await runSlice(deps(store, fakePaddle(COUNTS, 2, [failure]).open));
    assert.deepEqual(report.error, { code: "paddle_unavailable", entity_type: "product", detail });
  }
});

Deno.test("our key refused by Paddle is misconfigured", async () => {
  const store = new MemoryStore();
  const refused = new ApiError({
    type: "request_error",
    code: "invalid_token",
    detail: "",
    documentation_url: "",
  }, null);
  const report = await runSlice(deps(store, fakePaddle(COUNTS, 2, [refused]).open));
  assert.equal(report.error?.code, "misconfigured");
});

Deno.test("Paddle not answering before the slice ends: paddle_timeout, recorded", async () => {
  const store = new MemoryStore();
  const report = await runSlice(deps(store, fakePaddle(COUNTS, 2, ["hang"]).open), {
    sliceMs: 50,
  });
  assert.equal(report.error?.code, "paddle_timeout");
  assert.deepEqual(store.errors, ["product:paddle_timeout"]);
});

Deno.test("the database failing at begin: no Paddle call at all", async () => {
  const store = new MemoryStore();
  store.failBegin = true;
  const paddle = fakePaddle(COUNTS);
  const report = await runSlice(deps(store, paddle.open));
  assert.equal(report.run, null);
  assert.equal(report.error?.code, "database_unavailable");
  assert.deepEqual(paddle.requests, []);
});

Deno.test("the database failing on a page: stops; the page is fetched again next time", async () => {
  const store = new MemoryStore();
  await store.begin(false);
  store.failApply = 1;
  const paddle = fakePaddle(COUNTS);
  const report = await runSlice(deps(store, paddle.open));
  assert.equal(report.error?.code, "database_unavailable");
  assert.equal(report.error?.entity_type, "product");
  assert.equal(store.rows.get("product")!.pages, 0);
  const next = fakePaddle(COUNTS);
  assert.equal((await runSlice(deps(store, next.open))).status, "done");
  assert.equal(next.requests[0], "product:null");
});

Deno.test("a page refused as stale (another slice moved the cursor) ends the slice without counting", async () => {
  const store = new MemoryStore();
  const apply = store.applyPage.bind(store);
  let moved = false;
  store.applyPage = (input) => {
    if (!moved) {
      // Another slice committed the first page while this one was fetching it.
      moved = true;
      const row = store.rows.get("product")!;
      row.cursor = "product_0001";
      row.pages = 1;
    }
    return apply(input);
  };
  const report = await runSlice(deps(store, fakePaddle(COUNTS).open));
  assert.equal(report.slice.stopped, "concurrent");
  assert.equal(report.slice.pages, 0);
  assert.equal(report.error, undefined);
  assert.equal(store.rows.get("product")!.pages, 1, "only the other slice's page counts");
  assert.equal(store.applied.length, 0);
});

Deno.test("progress is reported per committed page", async () => {
  const store = new MemoryStore();
  const seen: string[] = [];
  await runSlice(
    deps(store, fakePaddle(COUNTS).open, {
      onPage: (p) => seen.push(`${p.entityType}:${p.records}`),
    }),
  );
  assert.deepEqual(seen, [
    "product:2",
    "product:1",
    "price:2",
    "price:2",
    "customer:2",
    "customer:2",
    "customer:1",
    "subscription:1",
    "transaction:2",
    "transaction:1",
  ]);
});

Deno.test("a run that starts from a bound reads transactions updated since then only", async () => {
  const store = new MemoryStore();
  await store.begin(false);
  store.rows.get("transaction")!.updated_since = "2026-07-01T09:00:00+00:00";
  const opened: string[] = [];
  const paddle = fakePaddle(COUNTS);
  const open: OpenPages = (t, after, updatedSince) => {
    opened.push(`${t}:${after}:${updatedSince ?? null}`);
    return paddle.open(t, after);
  };
  assert.equal((await runSlice(deps(store, open))).status, "done");
  assert.deepEqual(opened, [
    "product:null:null",
    "price:null:null",
    "customer:null:null",
    "subscription:null:null",
    "transaction:null:2026-07-01T09:00:00+00:00",
  ]);
});

Deno.test("the slice reports how long it waited for the database", async () => {
  const store = new MemoryStore();
  const clock = fakeClock();
  const apply = store.applyPage.bind(store);
  store.applyPage = (input) => (clock.advance(50), apply(input));
  const report = await runSlice(deps(store, fakePaddle(COUNTS).open, clock));
  assert.equal(report.slice.database_ms, 50 * report.slice.pages);
  assert.equal(report.slice.duration_ms, 50 * report.slice.pages);
});

Deno.test("the page budget ends a slice after that many committed pages; the next carries on", async () => {
  const store = new MemoryStore();
  const first = await runSlice(deps(store, fakePaddle(COUNTS).open), { maxPages: 3 });
  assert.equal(first.slice.stopped, "pages");
  assert.equal(first.slice.pages, 3);
  assert.equal(first.status, "syncing");
  const second = await runSlice(deps(store, fakePaddle(COUNTS).open), { maxPages: 100 });
  assert.equal(second.status, "done");
  assert.equal(first.slice.pages + second.slice.pages, 10);
});

/** The database pacer's contract on the fake clock: turns `intervalMs` apart, holds, deferral. */
function memoryPacer(clock: ReturnType<typeof fakeClock>, intervalMs: number) {
  let next = -Infinity;
  const holds: number[] = [];
  const pacer: RequestPacer = {
    async turn(withinMs) {
      const at = Math.max(next, clock.now());
      if (at - clock.now() > withinMs) return false;
      next = at + intervalMs;
      if (at > clock.now()) await clock.sleep(at - clock.now());
      return true;
    },
    hold(ms) {
      holds.push(ms);
      next = Math.max(next, clock.now() + ms);
      return Promise.resolve();
    },
  };
  return { pacer, holds };
}

/** Paddle pages that note the fake time each request went out. */
function timedPaddle(clock: ReturnType<typeof fakeClock>, failures: unknown[] = []) {
  const paddle = fakePaddle(COUNTS, 2, failures);
  const sentAt: number[] = [];
  const open: OpenPages = (t, after) => {
    const reader = paddle.open(t, after);
    return { next: () => (sentAt.push(clock.now()), reader.next()) };
  };
  return { open, sentAt, requests: paddle.requests };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]);
/** Requests a whole sync of COUNTS takes at two records a page. */
const PAGED_REQUESTS = Object.values(COUNTS).reduce((sum, count) => sum + Math.ceil(count / 2), 0);

Deno.test("paced: every Paddle request waits for its turn, evenly spaced, prefetch included", async () => {
  const store = new MemoryStore();
  const clock = fakeClock();
  const { pacer } = memoryPacer(clock, 500);
  const paddle = timedPaddle(clock);
  const report = await runSlice(deps(store, paddle.open, { ...clock, pacer }));
  assert.equal(report.status, "done");
  assert.equal(paddle.sentAt.length, PAGED_REQUESTS);
  assert.deepEqual(gaps(paddle.sentAt), Array(PAGED_REQUESTS - 1).fill(500));
});

Deno.test("paced: a turn after the slice's end ends the slice unsent; the next slice takes it up", async () => {
  const store = new MemoryStore();
  const clock = fakeClock();
  const { pacer } = memoryPacer(clock, 2_000);
  const paddle = timedPaddle(clock);
  // 4.5 s: the turn at 4 s would leave its request less than the second it needs; two fit.
  const first = await runSlice(deps(store, paddle.open, { ...clock, pacer }), { sliceMs: 4_500 });
  assert.equal(first.slice.stopped, "time");
  assert.equal(first.error, undefined);
  assert.equal(first.slice.pages, 2);
  assert.deepEqual(paddle.sentAt, [0, 2_000]);
  // The next invocation shares the pace: its first request waits for the turn not yet used.
  const second = await runSlice(deps(store, paddle.open, { ...clock, pacer }));
  assert.equal(second.status, "done");
  assert.deepEqual(gaps(paddle.sentAt), Array(PAGED_REQUESTS - 1).fill(2_000));
  const keys = store.applied.map((a) => `${a.entityType}:${a.after}`);
  assert.equal(new Set(keys).size, PAGED_REQUESTS);
});

Deno.test("paced: a 429 holds the pace for Retry-After and the same page goes out after it", async () => {
  const store = new MemoryStore();
  const clock = fakeClock();
  const { pacer, holds } = memoryPacer(clock, 500);
  const paddle = timedPaddle(clock, [undefined, rateLimited(3)]);
  const report = await runSlice(deps(store, paddle.open, { ...clock, pacer }));
  assert.equal(report.status, "done");
  assert.deepEqual(holds, [3_000]);
  assert.deepEqual(paddle.requests.slice(1, 3), ["product:product_0001", "product:product_0001"]);
  assert.equal(paddle.sentAt[2] - paddle.sentAt[1], 3_000);
  assert.deepEqual(gaps(paddle.sentAt.slice(2)), Array(PAGED_REQUESTS - 2).fill(500));
});

Deno.test("paced: a 429 longer than the slice is held for the next slice too, and reported", async () => {
  const store = new MemoryStore();
  const clock = fakeClock();
  const { pacer, holds } = memoryPacer(clock, 500);
  const paddle = timedPaddle(clock, [undefined, rateLimited(60)]);
  const report = await runSlice(deps(store, paddle.open, { ...clock, pacer }), { sliceMs: 25_000 });
  assert.equal(report.error?.code, "rate_limited");
  assert.deepEqual(holds, [60_000]);
  const refusedAt = paddle.sentAt[1];
  // A slice started at once sends nothing: the hold outlasts it.
  const held = await runSlice(deps(store, paddle.open, { ...clock, pacer }));
  assert.equal(held.slice.stopped, "time");
  assert.equal(paddle.sentAt.length, 2);
  clock.advance(60_000);
  const after = await runSlice(deps(store, paddle.open, { ...clock, pacer }));
  assert.equal(after.status, "done");
  assert.ok(paddle.sentAt[2] >= refusedAt + 60_000, `${paddle.sentAt[2]} after ${refusedAt}`);
});
