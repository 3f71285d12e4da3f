/**
 * The sync's pace against Paddle's rate limit: the turns the database hands out
 * (migration 20261206000500), and a real sync (SDK → a simulator with Paddle's limits on, PostgREST
 * → Postgres) that keeps to its share while users spend the rest.
 */
import assert from "node:assert/strict";
import { startPaddleSimulator } from "../local/paddle_simulator/mod.ts";
import { fakeAccount } from "../local/paddle_simulator/fake_account.ts";
import { createPaddlePages } from "../supabase/functions/_shared/paddle_sync/paddle_pages.ts";
import { createDatabasePacer } from "../supabase/functions/_shared/paddle_sync/request_pacer.ts";
import { runSlice, type SliceReport } from "../supabase/functions/_shared/paddle_sync/run_slice.ts";
import { createSyncStore } from "../supabase/functions/_shared/paddle_sync/sync_store.ts";
import { createRpcCall } from "../supabase/functions/_shared/postgrest_rpc.ts";
import { sql } from "./_paddle_sync.ts";
import { signedInClient, stackInfo } from "./_stack.ts";

const API_KEY = "pdl_sdbx_apikey_01jpacingtest00000000000000_pacing";

function serviceRpc() {
  const info = stackInfo();
  return createRpcCall({ supabaseUrl: info.apiUrl, apiKey: info.serviceRoleKey, timeoutMs: 5_000 });
}

async function turn(intervalMs: number, withinMs: number): Promise<number | null> {
  const result = await serviceRpc()(
    "paddle_sync_request_turn",
    { p_interval_ms: intervalMs, p_within_ms: withinMs },
    stackInfo().serviceRoleKey,
  );
  if (!result.ok) throw new Error(`paddle_sync_request_turn: ${result.dbErrorCode}`);
  return result.data as number | null;
}

/** Every test starts with a sync that has been quiet. */
async function resetPace() {
  await sql("update public.paddle_sync_pace set next_request_at = '-infinity'");
}

Deno.test("pace: concurrent callers get turns one interval apart, from one clock", async () => {
  await resetPace();
  const waits = (await Promise.all(Array.from({ length: 6 }, () => turn(500, 60_000))))
    .map((w) => w as number).sort((a, b) => a - b);
  assert.ok(waits[0] <= 50, `first turn waits ${waits[0]} ms`);
  for (let i = 1; i < waits.length; i++) {
    // Each wait was measured when its call got the lock: one interval later, less that call's
    // own time in line.
    const gap = waits[i] - waits[i - 1];
    assert.ok(gap > 400 && gap <= 520, `gap ${gap} ms in ${waits}`);
  }
});

Deno.test("pace: a turn beyond the time left is not taken; a hold pushes every turn past it", async () => {
  await resetPace();
  assert.ok((await turn(10_000, 0)) === 0);
  // The next turn is 10 s away: not within 5 s, and asking does not use it up.
  assert.equal(await turn(10_000, 5_000), null);
  assert.equal(await turn(10_000, 5_000), null);
  const next = await turn(10_000, 20_000);
  assert.ok(next !== null && next > 9_000 && next <= 10_000, String(next));

  await resetPace();
  const held = await serviceRpc()(
    "paddle_sync_hold_requests",
    { p_ms: 30_000 },
    stackInfo().serviceRoleKey,
  );
  assert.equal(held.ok, true);
  const afterHold = await turn(1, 60_000);
  assert.ok(afterHold !== null && afterHold > 29_000 && afterHold <= 30_000, String(afterHold));
  // A shorter hold never shortens a longer one.
  await serviceRpc()("paddle_sync_hold_requests", { p_ms: 10 }, stackInfo().serviceRoleKey);
  const still = await turn(1, 60_000);
  assert.ok(still !== null && still > 29_000, String(still));
  await resetPace();
});

Deno.test("pace: bad arguments are refused; users and anon can neither take turns nor read the pace", async () => {
  const bad = await serviceRpc()(
    "paddle_sync_request_turn",
    { p_interval_ms: 0, p_within_ms: 1 },
    stackInfo().serviceRoleKey,
  );
  assert.equal(bad.ok, false);
  assert.equal(!bad.ok && bad.dbErrorCode, "22023");

  const { apiUrl, anonKey } = stackInfo();
  const { accessToken } = await signedInClient("alice@example.com");
  for (const bearer of [anonKey, accessToken]) {
    for (const fn of ["paddle_sync_request_turn", "paddle_sync_hold_requests"]) {
      const res = await fetch(`${apiUrl}/rest/v1/rpc/${fn}`, {
        method: "POST",
        headers: {
          apikey: anonKey,
          authorization: `Bearer ${bearer}`,
          "content-type": "application/json",
        },
        body: JSON.stringify(
          fn === "paddle_sync_hold_requests"
            ? { p_ms: 60_000 }
            : { p_interval_ms: 1, p_within_ms: 1 },
        ),
      });
      await res.body?.cancel();
      assert.ok(
        res.status === 401 || res.status === 403 || res.status === 404,
        `${fn}: ${res.status}`,
      );
    }
    const table = await fetch(`${apiUrl}/rest/v1/paddle_sync_pace`, {
      headers: { apikey: anonKey, authorization: `Bearer ${bearer}` },
    });
    await table.body?.cancel();
    assert.ok(table.status >= 400, `paddle_sync_pace readable: ${table.status}`);
  }
  const [row] = await sql<{ at: string }>(
    "select next_request_at::text as at from public.paddle_sync_pace",
  );
  assert.notEqual(row.at, "infinity");
});

/** Slices until done, as the schedule or the CLI would. */
async function syncAll(deps: Parameters<typeof runSlice>[0]): Promise<SliceReport[]> {
  const reports: SliceReport[] = [];
  for (let i = 0; i < 20; i++) {
    const report = await runSlice(deps, { restart: i === 0, sliceMs: 20_000 });
    reports.push(report);
    if (report.status === "done") return reports;
  }
  throw new Error("not done after 20 slices");
}

Deno.test("a paced sync against Paddle's limits causes no 429 while users spend the rest of the budget", async () => {
  const account = fakeAccount({
    customers: 450,
    prices: 5,
    seed: 4242,
    startMs: Date.UTC(2025, 2, 1) + Math.floor(Math.random() * 1e9),
  });
  const customerId = account.customers[0].id as string;
  // A simulator of its own: the test stack's has the limit off for the other suites' bursts.
  const simulator = await startPaddleSimulator({ apiKey: API_KEY, entities: account });
  const info = stackInfo();
  const portalClick = async () => {
    const res = await fetch(`${simulator.url}/customers/${customerId}/portal-sessions`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: "{}",
    });
    await res.body?.cancel();
    return res.status;
  };
  const deps = (paced: boolean) => ({
    store: createSyncStore({ supabaseUrl: info.apiUrl, serviceRoleKey: info.serviceRoleKey }),
    openPages: createPaddlePages({ apiKey: API_KEY, paddleEnv: "sandbox", apiUrl: simulator.url }),
    ...(paced
      ? {
        pacer: createDatabasePacer({
          callRpc: serviceRpc(),
          serviceKey: info.serviceRoleKey,
          requestsPerMinute: 120,
        }),
      }
      : {}),
  });
  try {
    // Users have spent all but 4 of the 240 a minute; they keep clicking at 2 a second.
    const drained = await Promise.all(Array.from({ length: 236 }, portalClick));
    assert.ok(drained.every((s) => s === 201));
    let clicking = true;
    const clicks: number[] = [];
    const users = (async () => {
      while (clicking) {
        clicks.push(await portalClick());
        await new Promise((r) => setTimeout(r, 500));
      }
    })();

    await resetPace();
    const paced = await syncAll(deps(true));
    clicking = false;
    await users;
    const pages = paced.reduce((n, r) => n + r.slice.pages, 0);
    // products, prices, 450 customers, their subscriptions, and the (empty) transactions page.
    assert.equal(pages, 1 + 1 + 3 + 3 + 1);
    assert.equal(paced.at(-1)?.run?.records, account.products.length + 5 + 450 + 450);
    assert.equal(simulator.rateLimitedCount(), 0, "the paced sync or a user got a 429");
    assert.ok(clicks.length >= 4 && clicks.every((s) => s === 201), String(clicks));
    const [mirrored] = await sql<{ n: number }>(
      "select count(*)::int as n from public.customers where customer_id = any($1)",
      [account.customers.map((c) => c.id)],
    );
    assert.equal(mirrored.n, 450);

    // The same sync unpaced, with the budget drained again, runs into Paddle's 429s: the limit
    // is real, and it is the pace that kept the sync under it.
    await new Promise((r) => setTimeout(r, 1_000));
    const again = await Promise.all(Array.from({ length: 240 }, portalClick));
    assert.ok(again.some((s) => s === 429));
    const refusedBefore = simulator.rateLimitedCount();
    const unpaced = await syncAll(deps(false));
    assert.equal(unpaced.at(-1)?.status, "done");
    assert.ok(simulator.rateLimitedCount() > refusedBefore, "the unpaced sync met no 429");
  } finally {
    await simulator.stop();
  }
});
