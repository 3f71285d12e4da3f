/**
 * The pacer around its two database calls (scripted here; the SQL behind them is exercised by
 * tests/paddle_sync_pacing_test.ts).
 */
import assert from "node:assert/strict";
import type { CallRpc, RpcResult } from "../postgrest_rpc.ts";
import { createDatabasePacer, DEFAULT_SYNC_REQUESTS_PER_MINUTE } from "./request_pacer.ts";

function harness(answers: RpcResult[]) {
  let t = 1_000;
  const calls: [string, Record<string, unknown>, string][] = [];
  const slept: number[] = [];
  const callRpc: CallRpc = (fn, args, bearer) => {
    calls.push([fn, args, bearer]);
    return Promise.resolve(answers.shift() ?? { ok: true, data: null });
  };
  const pacer = createDatabasePacer({
    callRpc,
    serviceKey: "service-key",
    requestsPerMinute: DEFAULT_SYNC_REQUESTS_PER_MINUTE,
    now: () => t,
    sleep: (ms) => (slept.push(ms), t += ms, Promise.resolve()),
  });
  return { pacer, calls, slept, advance: (ms: number) => (t += ms) };
}

const down: RpcResult = { ok: false, code: "database_unavailable", dbErrorCode: "http_0" };

Deno.test("pacer: half of Paddle's limit is a turn every 500 ms, asked of the database", async () => {
  const h = harness([{ ok: true, data: 0 }, { ok: true, data: 500 }]);
  assert.equal(await h.pacer.turn(10_000), true);
  assert.equal(await h.pacer.turn(10_000), true);
  assert.deepEqual(h.slept, [500]);
  assert.deepEqual(h.calls[0], [
    "paddle_sync_request_turn",
    { p_interval_ms: 500, p_within_ms: 10_000 },
    "service-key",
  ]);
});

Deno.test("pacer: no turn within the slice (database says null): false, nothing slept", async () => {
  const h = harness([{ ok: true, data: null }]);
  assert.equal(await h.pacer.turn(2_000), false);
  assert.deepEqual(h.slept, []);
});

Deno.test("pacer: with the database away it keeps the pace on its own clock", async () => {
  const h = harness([{ ok: true, data: 0 }, down, down]);
  assert.equal(await h.pacer.turn(10_000), true);
  h.advance(100);
  assert.equal(await h.pacer.turn(10_000), true);
  assert.deepEqual(h.slept, [400]);
  // And declines a turn it cannot give within the time left.
  assert.equal(await h.pacer.turn(100), false);
});

Deno.test("pacer: a hold is sent to the database and kept here even if the database says go", async () => {
  const h = harness([{ ok: true, data: null }, { ok: true, data: 0 }]);
  await h.pacer.hold(3_000);
  assert.deepEqual(h.calls[0].slice(0, 2), ["paddle_sync_hold_requests", { p_ms: 3_000 }]);
  assert.equal(await h.pacer.turn(10_000), true);
  assert.deepEqual(h.slept, [3_000]);
  // A hold longer than the time left declines without asking the database.
  await h.pacer.hold(60_000);
  const asked = h.calls.length;
  assert.equal(await h.pacer.turn(25_000), false);
  assert.equal(h.calls.length, asked);
});
