/**
 * The sync on the real stack: the real SDK paging the simulator, real PostgREST and Postgres with
 * the real migrations. Every test leaves the run done, so the next one starts from a known state.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { control, stackInfo } from "./_stack.ts";
import { clearFaults, paddleRequests, queueFault, resetPaddle } from "./_paddle.ts";
import {
  afters,
  entity,
  loadAccount,
  simulatorCounts,
  slice,
  sql,
  syncToEnd,
} from "./_paddle_sync.ts";
import { PROJECT_ROOT } from "../local/database.ts";
import { PAGE_SIZE } from "../supabase/functions/_shared/paddle_sync/paddle_pages.ts";
import { toApiJson } from "../supabase/functions/_shared/paddle_sync/to_api_json.ts";
import { Paddle, type Subscription } from "@paddle/paddle-node-sdk";
import type { Environment } from "@paddle/paddle-node-sdk";

/** Every entity type recorded exactly what the simulator holds: no page twice, none lost. */
async function assertRunComplete(reports: { run: unknown }[]) {
  const counts = await simulatorCounts();
  const run = reports.at(-1)!.run as Parameters<typeof entity>[0];
  for (const type of ["product", "price", "customer", "subscription"]) {
    const e = entity(run, type);
    assert.equal(e.done, true, `${type} done`);
    assert.equal(e.records, counts[type], `${type}: records = entities in Paddle`);
    assert.equal(e.pages, Math.max(1, Math.ceil(counts[type] / PAGE_SIZE)), `${type}: pages`);
  }
}

Deno.test("a full sync stores every loaded entity with its items and catalog names; a second sync writes nothing", async () => {
  await resetPaddle();
  const account = await loadAccount(450);
  const before = await sql<{ n: number }>(
    "select count(*)::int as n from public.customers where customer_id = any($1)",
    [account.customers.map((c) => c.id)],
  );
  assert.equal(before[0].n, 0);

  const first = await syncToEnd(true);
  await assertRunComplete(first);
  const run = first.at(-1)!.run!;
  assert.ok(entity(run, "customer").written >= 450, "every new customer written");
  assert.ok(entity(run, "subscription").written >= 450, "every new subscription written");

  // Paged as the contract says: 200 per page, by id ascending, every status, cursor = last id.
  const requests = await paddleRequests();
  const customerPages = requests.filter((r) => r.path.startsWith("/customers?"));
  assert.ok(customerPages.length >= 3);
  for (const r of customerPages) {
    const q = new URL(r.path, "http://x").searchParams;
    assert.equal(q.get("per_page"), "200");
    assert.equal(q.get("order_by"), "id[ASC]");
    assert.equal(q.get("status"), "active,archived");
  }

  const customers = await sql<{ customer_id: string; email: string; status: string }>(
    "select customer_id, email, status from public.customers where customer_id = any($1)",
    [account.customers.map((c) => c.id)],
  );
  assert.equal(customers.length, 450);
  const byId = new Map(customers.map((c) => [c.customer_id, c]));
  for (const c of account.customers) {
    assert.equal(byId.get(c.id)?.email, c.email);
    assert.equal(byId.get(c.id)?.status, c.status);
  }

  const subs = await sql<{ subscription_id: string; status: string; items: string[] }>(
    `select s.subscription_id, s.status,
            array_agg(i.price_id order by i.price_id) as items
     from public.subscriptions s join public.subscription_items i using (subscription_id)
     where s.subscription_id = any($1) group by 1, 2`,
    [account.subscriptions.map((s) => s.id)],
  );
  assert.equal(subs.length, account.subscriptions.length);
  const subById = new Map(subs.map((s) => [s.subscription_id, s]));
  for (const s of account.subscriptions) {
    assert.equal(subById.get(s.id)?.status, s.status);
    assert.deepEqual(subById.get(s.id)?.items, s.items.map((i) => i.price.id).sort());
  }

  const names = await sql<{ price_id: string; price_name: string; product_name: string }>(
    `select p.price_id, p.name as price_name, pr.name as product_name
     from public.prices p join public.products pr using (product_id) where p.price_id = any($1)`,
    [account.prices.map((p) => p.id)],
  );
  assert.equal(names.length, account.prices.length);
  for (const p of account.prices) {
    const row = names.find((n) => n.price_id === p.id)!;
    assert.equal(row.price_name, p.name);
    const product = account.products.find((x) => x.id === p.product_id)!;
    assert.equal(row.product_name, product.name);
  }

  // The same account again: nothing changed in Paddle, so nothing is written.
  const second = await syncToEnd(true);
  await assertRunComplete(second);
  const again = second.at(-1)!.run!;
  assert.equal(again.written, 0, JSON.stringify(again.entities));
  assert.equal(second.reduce((n, r) => n + r.slice.written, 0), 0);
});

Deno.test("the mapper gives back the simulator's JSON for every mirrored field (round trip through the SDK)", async () => {
  await resetPaddle();
  const account = await loadAccount(30);
  const info = stackInfo();
  const paddle = new Paddle(info.paddle.apiKey, { environment: info.paddle.apiUrl as Environment });
  const ids = account.subscriptions.map((s) => s.id);
  const collection = paddle.subscriptions.list({ id: ids, perPage: 200 });
  const listed: Subscription[] = await collection.next();
  assert.equal(listed.length, ids.length);
  for (const sdkEntity of listed) {
    const original = account.subscriptions.find((s) => s.id === sdkEntity.id)!;
    const mapped = JSON.parse(JSON.stringify(toApiJson("subscription", sdkEntity)));
    assert.deepEqual(mapped, pickLike(original, mapped), sdkEntity.id);
  }
});

/** The original restricted to the keys the mapped value has, recursively (arrays by index). */
function pickLike(original: unknown, shape: unknown): unknown {
  if (Array.isArray(shape)) return (original as unknown[]).map((v, i) => pickLike(v, shape[i]));
  if (shape !== null && typeof shape === "object" && original !== null) {
    // custom_data is compared whole: it must come back verbatim.
    return Object.fromEntries(
      Object.keys(shape).map((k) => [
        k,
        k === "custom_data" ? (original as Record<string, unknown>)[k] : pickLike(
          (original as Record<string, unknown>)[k],
          (shape as Record<string, unknown>)[k],
        ),
      ]),
    );
  }
  return original;
}

Deno.test("a plain continue after a finished run is one database call and no Paddle call", async () => {
  await syncToEnd(false);
  await resetPaddle();
  const report = await slice({});
  assert.equal(report.status, "done");
  assert.equal(report.slice.pages, 0);
  assert.equal((await paddleRequests()).length, 0);
});

Deno.test("429 mid-sync: the slice waits Retry-After and carries on with the same page", async () => {
  await loadAccount(250);
  await resetPaddle();
  // products, prices and the first customers page pass; the second customers page is refused once.
  await queueFault({ count: 3 });
  await queueFault({ status: 429, headers: { "Retry-After": "2" } });
  const started = Date.now();
  const report = await slice({ restart: true, sliceMs: 20_000 });
  const elapsed = Date.now() - started;
  assert.equal(report.status, "done", JSON.stringify(report.error));
  assert.equal(report.error, undefined);
  assert.ok(elapsed >= 2000, `waited Retry-After (${elapsed} ms)`);
  const customerAfters = afters(await paddleRequests(), "/customers");
  // The refused page was asked for again with the same cursor.
  assert.equal(customerAfters[1], customerAfters[2]);
  assert.notEqual(customerAfters[1], null);
  await assertRunComplete([report]);
});

Deno.test("429 longer than the slice: stops with rate_limited recorded, the next slice resumes", async () => {
  await loadAccount(250);
  await resetPaddle();
  await queueFault({ count: 3 });
  await queueFault({ status: 429, headers: { "Retry-After": "60" } });
  const stopped = await slice({ restart: true, sliceMs: 5_000 });
  assert.equal(stopped.status, "syncing");
  assert.equal(stopped.error?.code, "rate_limited");
  assert.equal(stopped.error?.retry_after_seconds, 60);
  assert.ok(stopped.slice.duration_ms < 5_000, "did not sleep past the slice");
  const [state] = await sql<{ last_error: string; cursor: string; pages: number }>(
    "select last_error, cursor, pages from public.paddle_sync_state where entity_type = 'customer'",
  );
  assert.match(state.last_error, /^rate_limited/);
  assert.equal(state.pages, 1);

  await resetPaddle();
  const rest = await syncToEnd(false);
  assert.equal(afters(await paddleRequests(), "/customers")[0], state.cursor);
  await assertRunComplete(rest);
});

Deno.test("5xx mid-sync: the slice stops with the error recorded; the next resumes after the last committed page", async () => {
  await loadAccount(450);
  await resetPaddle();
  await queueFault({ count: 3 });
  await queueFault({ status: 500 });
  const stopped = await slice({ restart: true });
  assert.equal(stopped.status, "syncing");
  assert.equal(stopped.error?.code, "paddle_unavailable");
  assert.equal(stopped.error?.entity_type, "customer");
  assert.equal(entity(stopped.run, "customer").pages, 1);
  assert.match(entity(stopped.run, "customer").last_error ?? "", /^paddle_unavailable/);
  const cursor = entity(stopped.run, "customer").cursor;
  assert.ok(cursor);

  await resetPaddle();
  const rest = await syncToEnd(false);
  const requests = await paddleRequests();
  assert.equal(afters(requests, "/customers")[0], cursor, "resumed at the committed cursor");
  assert.equal(afters(requests, "/products").length, 0, "finished types are not paged again");
  assert.equal(afters(requests, "/prices").length, 0);
  await assertRunComplete(rest);
});

Deno.test("the database going away mid-sync: the slice stops, nothing half-stored, the next slice resumes", async () => {
  await loadAccount(450);
  await resetPaddle();
  // The second customers page is slow, which leaves time to stop PostgREST under the slice.
  await queueFault({ count: 3 });
  await queueFault({ delayMs: 1500 });
  const running = slice({ restart: true });
  try {
    await waitFor(async () => (await paddleRequests()).length >= 4);
    await control("POST", "/postgrest/stop");
    const stopped = await running;
    assert.equal(stopped.status, "syncing");
    assert.equal(stopped.error?.code, "database_unavailable");
  } finally {
    await control("POST", "/postgrest/start");
  }
  const [state] = await sql<{ cursor: string | null; pages: number; records: number }>(
    "select cursor, pages, records from public.paddle_sync_state where entity_type = 'customer'",
  );
  assert.equal(state.records, state.pages * PAGE_SIZE, "only whole pages are counted");

  await resetPaddle();
  const rest = await syncToEnd(false);
  assert.equal(afters(await paddleRequests(), "/customers")[0], state.cursor);
  await assertRunComplete(rest);
});

Deno.test("a run killed mid-page resumes from the last committed page: no page twice, none lost", async () => {
  await loadAccount(650);
  await resetPaddle();
  const counts = await simulatorCounts();
  // products, prices, customers 1 and 2 answer; customers 3 hangs until the process is killed.
  await queueFault({ count: 4 });
  await queueFault({ hang: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", join(PROJECT_ROOT, "local", "paddle_sync.ts"), "--restart"],
    cwd: PROJECT_ROOT,
    // No rate limit to keep under in the test stack (see local/run_tests.ts).
    env: {
      LOCAL_STACK_FILE: Deno.env.get("LOCAL_STACK_FILE")!,
      PADDLE_SYNC_REQUESTS_PER_MINUTE: "60000",
    },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitFor(async () => (await paddleRequests()).length >= 5);
    // The page before the hung one is committed once the state says so.
    await waitFor(async () => {
      const [s] = await sql<{ pages: number }>(
        "select pages from public.paddle_sync_state where entity_type = 'customer'",
      );
      return s.pages === 2;
    });
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
  await clearFaults();
  const [killed] = await sql<{ cursor: string; pages: number; records: number; done: boolean }>(
    "select cursor, pages, records, done from public.paddle_sync_state where entity_type = 'customer'",
  );
  assert.equal(killed.pages, 2);
  assert.equal(killed.records, 400);
  assert.equal(killed.done, false);

  await resetPaddle();
  const rest = await syncToEnd(false);
  const requests = await paddleRequests();
  const customerAfters = afters(requests, "/customers");
  assert.equal(customerAfters[0], killed.cursor, "resumed after the last committed page");
  assert.ok(!customerAfters.includes(null), "never from the first page again");
  assert.equal(customerAfters.length, Math.ceil(counts.customer / PAGE_SIZE) - 2);
  await assertRunComplete(rest);
  const [{ n }] = await sql<{ n: number }>(
    "select count(*)::int as n from public.customers where customer_id like 'ctm_%'",
  );
  assert.ok(n >= counts.customer);
});

Deno.test("two slices at once: a page is applied by one of them only, and the run still counts each page once", async () => {
  await resetPaddle();
  await slice({ restart: true, sliceMs: 1 }); // a fresh run: one page, then the slice is over
  const both = await Promise.all([slice({ sliceMs: 20_000 }), slice({ sliceMs: 20_000 })]);
  assert.ok(
    both.some((r) => r.slice.stopped === "concurrent"),
    JSON.stringify(both.map((r) => r.slice)),
  );
  const rest = both.some((r) => r.status === "done") ? [] : await syncToEnd(false);
  await assertRunComplete(rest.length ? rest : [both.find((r) => r.status === "done")!]);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}
