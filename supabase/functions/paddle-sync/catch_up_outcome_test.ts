import assert from "node:assert/strict";
import type { CatchUpReport } from "../_shared/paddle_sync/catch_up.ts";
import { createKeyCheck } from "./caller_key.ts";
import { createHandler, type SyncDeps } from "./handler.ts";

const SECRET_KEY = "sb_secret_abcdefghijklmnop";

function catchUpReport(more: Partial<CatchUpReport> = {}): CatchUpReport {
  return {
    mode: "events",
    status: "done",
    cursor: { event_id: "evt_01jcursor0000000000000000", at: "2026-06-01T00:00:00Z" },
    pages: 6,
    events: 1020,
    ignored: 255,
    invalid: 0,
    applied: 750,
    stale: 0,
    duplicate: 15,
    refused: 0,
    invalid_event_ids: [],
    refused_event_ids: [],
    duration_ms: 900,
    paddle_wait_ms: 100,
    database_ms: 700,
    stopped: "done",
    ...more,
  };
}

function setup(report: CatchUpReport) {
  const logs: string[] = [];
  const calls: string[] = [];
  const deps: SyncDeps = {
    config: { allowedOrigins: "*" },
    checkKey: createKeyCheck([SECRET_KEY]),
    runSlice: () => Promise.reject(new Error("the catch-up never runs a plain slice")),
    catchUp: () => (calls.push("catchUp"), Promise.resolve(report)),
    log: (line) => logs.push(line),
    now: () => 0,
    requestId: () => "req-1",
  };
  const handler = createHandler(deps);
  const post = (body: string, key = SECRET_KEY) =>
    handler(
      new Request("http://x/paddle-sync", { method: "POST", headers: { apikey: key }, body }),
    );
  return { post, logs, calls };
}

Deno.test('{"events": true} runs the catch-up and answers its report; the log line has the figures', async () => {
  const { post, logs, calls } = setup(catchUpReport());
  const res = await post('{"events":true}');
  assert.equal(res.status, 200);
  assert.deepEqual(calls, ["catchUp"]);
  const body = await res.json();
  assert.equal(body.mode, "events");
  assert.equal(body.events, 1020);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  const line = JSON.parse(logs[0]);
  assert.equal(line.sync_mode, "events");
  assert.equal(line.sync_events, 1020);
  assert.equal(line.sync_pages, 6);
  assert.equal(line.sync_written, 750);
});

Deno.test("a fallback to a full sync is said in the answer and the log", async () => {
  const { post, logs } = setup(catchUpReport({
    mode: "full_sync",
    status: "syncing",
    fallback_reason: "cursor_expired",
    note: "The event cursor is older than Paddle keeps events (90 days)",
    stopped: "syncing",
  }));
  const res = await post('{"events":true}');
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.fallback_reason, "cursor_expired");
  const line = JSON.parse(logs[0]);
  assert.equal(line.sync_mode, "events_full_sync");
  assert.equal(line.sync_fallback, "cursor_expired");
});

Deno.test("a catch-up stopped by a failure answers its status, code and Retry-After beside the report", async () => {
  const { post, logs } = setup(catchUpReport({
    status: "catching_up",
    stopped: "error",
    error: { code: "rate_limited", detail: "too_many_requests", retry_after_seconds: 30 },
  }));
  const res = await post('{"events":true}');
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "30");
  const body = await res.json();
  assert.equal(body.error.code, "rate_limited");
  assert.equal(body.pages, 6);
  assert.equal(JSON.parse(logs[0]).paddle_error_code, "too_many_requests");
});

Deno.test("a refused caller or a bad body never reaches the catch-up", async () => {
  const { post, calls } = setup(catchUpReport());
  assert.equal((await post('{"events":true}', "sb_secret_wrong_key_0000000")).status, 401);
  assert.equal((await post('{"events":true,"restart":true}')).status, 400);
  assert.deepEqual(calls, []);
});
