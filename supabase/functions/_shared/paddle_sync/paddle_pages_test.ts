/** The SDK-backed page reader against the Paddle simulator (real HTTP, real SDK). */
import assert from "node:assert/strict";
import { ApiError } from "@paddle/paddle-node-sdk";
import { fakeAccount } from "../../../../local/paddle_simulator/fake_account.ts";
import { startPaddleSimulator } from "../../../../local/paddle_simulator/mod.ts";
import {
  CATALOG,
  catalogStore,
  readyTransaction,
} from "../../../../local/paddle_simulator/selling_fixtures.ts";
import {
  classifyPaddleError,
  createPaddlePages,
  PAGE_SIZE,
  TRANSACTION_PAGE_SIZE,
} from "./paddle_pages.ts";

const API_KEY = "pdl_sdbx_apikey_01jlocalsimulatortestkey000_testsecret";

async function withAccount(
  customers: number,
  test: (url: string) => Promise<void>,
): Promise<void> {
  const simulator = await startPaddleSimulator({
    apiKey: API_KEY,
    entities: fakeAccount({ customers, prices: 10, seed: 3 }),
  });
  try {
    await test(simulator.url);
  } finally {
    await simulator.stop();
  }
}

async function requests(url: string): Promise<{ path: string }[]> {
  return await (await fetch(`${url}/__requests`)).json();
}

Deno.test("pages of 200 by id, every status, after = the last id of the page before", async () => {
  await withAccount(450, async (url) => {
    const open = createPaddlePages({ apiKey: API_KEY, paddleEnv: "sandbox", apiUrl: url });
    const reader = open("customer", null);
    const ids: string[] = [];
    const cursors: (string | null)[] = [];
    while (true) {
      const page = await reader.next();
      ids.push(...page.entities.map((e) => e.id as string));
      cursors.push(page.nextCursor);
      assert.equal(page.estimatedTotal, 450, "archived customers included");
      if (!page.hasMore) break;
    }
    assert.equal(ids.length, 450);
    assert.deepEqual(ids, [...ids].sort(), "ascending ids");
    assert.equal(new Set(ids).size, 450);
    assert.deepEqual(cursors, [ids[PAGE_SIZE - 1], ids[2 * PAGE_SIZE - 1], ids[449]]);

    const paths = (await requests(url)).map((r) => new URL(r.path, url));
    assert.equal(paths.length, 3);
    assert.equal(paths[0].searchParams.get("per_page"), "200");
    assert.equal(paths[0].searchParams.get("order_by"), "id[ASC]");
    assert.equal(paths[0].searchParams.get("status"), "active,archived");
    assert.equal(paths[0].searchParams.get("after"), null);
    assert.equal(paths[1].searchParams.get("after"), ids[199]);
  });
});

Deno.test("a reader opened at a stored cursor starts right after it", async () => {
  await withAccount(450, async (url) => {
    const open = createPaddlePages({ apiKey: API_KEY, paddleEnv: "sandbox", apiUrl: url });
    const all = await open("customer", null).next();
    const cursor = all.entities[9].id as string;
    const page = await open("customer", cursor).next();
    assert.equal(page.entities[0].id, all.entities[10].id);
    assert.equal(page.entities.length, PAGE_SIZE);
  });
});

Deno.test("subscriptions come in Paddle's JSON with their items, every status", async () => {
  await withAccount(20, async (url) => {
    const open = createPaddlePages({ apiKey: API_KEY, paddleEnv: "sandbox", apiUrl: url });
    const page = await open("subscription", null).next();
    assert.equal(page.entities.length, 20);
    assert.equal(page.hasMore, false);
    const statuses = new Set(page.entities.map((s) => s.status));
    assert.ok(statuses.size > 2, [...statuses].join());
    const item = (page.entities[0].items as Record<string, Record<string, unknown>>[])[0];
    assert.match(item.price.id as string, /^pri_/);
    assert.match(item.product.id as string, /^pro_/);
    const path = new URL((await requests(url))[0].path, url);
    assert.equal(path.searchParams.get("status"), "active,canceled,past_due,paused,trialing");
  });
});

Deno.test("after a failed page the reader asks for the same page again", async () => {
  await withAccount(300, async (url) => {
    const open = createPaddlePages({ apiKey: API_KEY, paddleEnv: "sandbox", apiUrl: url });
    const reader = open("customer", null);
    const first = await reader.next();
    await fetch(`${url}/__faults`, {
      method: "POST",
      body: JSON.stringify({ status: 429, headers: { "Retry-After": "7" } }),
    }).then((r) => r.body?.cancel());
    const error = await reader.next().catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.deepEqual(classifyPaddleError(error), {
      code: "rate_limited",
      detail: "too_many_requests",
      retryAfterSeconds: 7,
    });
    const second = await reader.next();
    assert.equal(second.entities.length, 100);
    const afters = (await requests(url)).map((r) => new URL(r.path, url).searchParams.get("after"));
    assert.deepEqual(afters, [null, first.nextCursor, first.nextCursor]);
  });
});

Deno.test("a wrong API key is misconfigured; 5xx and network failures are paddle_unavailable", async () => {
  await withAccount(1, async (url) => {
    const wrong = createPaddlePages({
      apiKey: "pdl_sdbx_apikey_wrong",
      paddleEnv: "sandbox",
      apiUrl: url,
    });
    const refused = await wrong("product", null).next().catch((e) => e);
    assert.equal(classifyPaddleError(refused).code, "misconfigured");
    await fetch(`${url}/__faults`, { method: "POST", body: JSON.stringify({ status: 503 }) })
      .then((r) => r.body?.cancel());
    const open = createPaddlePages({ apiKey: API_KEY, paddleEnv: "sandbox", apiUrl: url });
    const unavailable = await open("product", null).next().catch((e) => e);
    assert.equal(classifyPaddleError(unavailable).code, "paddle_unavailable");
  });
  const gone = createPaddlePages({
    apiKey: API_KEY,
    paddleEnv: "sandbox",
    apiUrl: "http://127.0.0.1:9",
  });
  const network = await gone("product", null).next().catch((e) => e);
  assert.deepEqual(classifyPaddleError(network), { code: "paddle_unavailable", detail: "network" });
});

Deno.test("transactions: pages of 30, every status, and updated_at[GTE] when a bound is given", async () => {
  const store = catalogStore();
  const transactions = Array.from({ length: 65 }, (_, i) => {
    const ready = readyTransaction(store, "ctm_01jpaddlepagestest00000000", {
      createdAt: new Date(Date.parse("2026-03-01T00:00:00Z") + i * 86_400_000).toISOString(),
    });
    return { ...ready, updated_at: ready.created_at };
  });
  const simulator = await startPaddleSimulator({
    apiKey: API_KEY,
    entities: { ...CATALOG, transactions },
  });
  try {
    const open = createPaddlePages({
      apiKey: API_KEY,
      paddleEnv: "sandbox",
      apiUrl: simulator.url,
    });
    const reader = open("transaction", null);
    const sizes: number[] = [];
    let page;
    do {
      page = await reader.next();
      sizes.push(page.entities.length);
    } while (page.hasMore);
    assert.deepEqual(sizes, [TRANSACTION_PAGE_SIZE, TRANSACTION_PAGE_SIZE, 5]);
    const first = new URL((await requests(simulator.url))[0].path, simulator.url);
    assert.equal(first.searchParams.get("per_page"), "30");
    assert.equal(first.searchParams.get("order_by"), "id[ASC]");
    assert.equal(
      first.searchParams.get("status"),
      "draft,ready,billed,paid,completed,canceled,past_due",
    );
    assert.equal(first.searchParams.get("updated_at[GTE]"), null);

    const since = "2026-04-20T00:00:00Z";
    const later = await open("transaction", null, since).next();
    assert.deepEqual(
      later.entities.map((t) => t.id),
      transactions.filter((t) => Date.parse(t.updated_at) >= Date.parse(since)).map((t) => t.id)
        .sort(),
    );
    const last = (await requests(simulator.url)).at(-1)!;
    assert.equal(new URL(last.path, simulator.url).searchParams.get("updated_at[GTE]"), since);
    assert.equal(later.entities[0].status, "ready");
    assert.equal((later.entities[0].details as { totals: { total: string } }).totals.total, "1250");
  } finally {
    await simulator.stop();
  }
});
