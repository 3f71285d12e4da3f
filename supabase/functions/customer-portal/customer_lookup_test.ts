import assert from "node:assert/strict";
import { classifyDbError, createCustomerLookup } from "./customer_lookup.ts";
import { fakePostgrest, type Reply } from "../_shared/postgrest_test_server.ts";

const TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl";
const ANON = "sb_publishable_test";
const USER_ID = "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b";
const CUSTOMER = "ctm_01hv8x0000000000000000000a";
const SUB_A = "sub_01hv8y0000000000000000000a";
const SUB_B = "sub_01hv8y0000000000000000000b";

async function lookupWith(
  reply: Reply,
  subscriptionId?: string,
  timeoutMs = 1000,
  mintLimitPerMinute = 10,
) {
  const pg = fakePostgrest(reply);
  try {
    const lookup = createCustomerLookup({
      supabaseUrl: pg.url,
      anonKey: ANON,
      timeoutMs,
      mintLimitPerMinute,
    });
    const result = await lookup({ token: TOKEN, userId: USER_ID, subscriptionId });
    return { result, seen: pg.seen };
  } finally {
    await pg.close();
  }
}

const TAKEN = { taken: true, retry_after_seconds: null };

const answer = (ids: string[], mint: unknown = TAKEN) => ({
  customer: { customer_id: CUSTOMER, user_id: USER_ID, subscription_ids: ids },
  mint,
});

Deno.test("overview: one POST to the lookup RPC with the caller's token and the mint limit", async () => {
  const { result, seen } = await lookupWith(
    { status: 200, body: answer([SUB_B, SUB_A]) },
    undefined,
    1000,
    7,
  );
  assert.deepEqual(result, {
    ok: true,
    customer: { customerId: CUSTOMER, subscriptionIds: [SUB_B, SUB_A], mint: { taken: true } },
  });
  assert.equal(seen.length, 1);
  const { url, method, headers, body } = seen[0];
  assert.equal(method, "POST");
  assert.equal(url.pathname, "/rest/v1/rpc/customer_portal_lookup");
  assert.equal(url.search, "");
  assert.equal(headers.get("authorization"), `Bearer ${TOKEN}`);
  assert.equal(headers.get("apikey"), ANON);
  assert.deepEqual(JSON.parse(body), { p_subscription_id: null, p_mint_limit: 7 });
});

Deno.test("deep link: the RPC is asked about that subscription id only", async () => {
  const { result, seen } = await lookupWith({ status: 200, body: answer([SUB_A]) }, SUB_A);
  assert.deepEqual(result, {
    ok: true,
    customer: { customerId: CUSTOMER, subscriptionIds: [SUB_A], mint: { taken: true } },
  });
  assert.deepEqual(JSON.parse(seen[0].body), { p_subscription_id: SUB_A, p_mint_limit: 10 });
});

Deno.test("deep link to a subscription not found: no ids and no slot", async () => {
  const { result } = await lookupWith({ status: 200, body: answer([], null) }, SUB_A);
  assert.deepEqual(result, {
    ok: true,
    customer: { customerId: CUSTOMER, subscriptionIds: [], mint: null },
  });
});

Deno.test("over the limit: the slot is refused with the seconds until one frees", async () => {
  const { result } = await lookupWith({
    status: 200,
    body: answer([SUB_A], { taken: false, retry_after_seconds: 42 }),
  });
  assert.deepEqual(result, {
    ok: true,
    customer: {
      customerId: CUSTOMER,
      subscriptionIds: [SUB_A],
      mint: { taken: false, retryAfterSeconds: 42 },
    },
  });
});

Deno.test("a customer to mint for but no answer about the slot is misconfigured, never unlimited", async () => {
  for (const mint of [null, undefined]) {
    const body = { customer: answer([SUB_A]).customer, ...(mint === null ? { mint } : {}) };
    const { result } = await lookupWith({ status: 200, body });
    assert.deepEqual(result, { ok: false, code: "misconfigured", dbErrorCode: "mint_missing" });
  }
  const refusedWithoutWhen = answer([SUB_A], { taken: false, retry_after_seconds: null });
  const { result } = await lookupWith({ status: 200, body: refusedWithoutWhen });
  assert.deepEqual(result, { ok: false, code: "misconfigured", dbErrorCode: "unexpected_shape" });
});

Deno.test("no customer", async () => {
  const { result } = await lookupWith({ status: 200, body: { customer: null } });
  assert.deepEqual(result, { ok: true, customer: null });
});

Deno.test("at most 25 ids are kept, and a deep link keeps only its own, even if the server overshares", async () => {
  const ids = Array.from({ length: 30 }, (_, i) => `sub_${String(i).padStart(26, "0")}`);
  const { result } = await lookupWith({ status: 200, body: answer(ids) });
  assert.ok(result.ok && result.customer);
  assert.deepEqual(result.customer.subscriptionIds, ids.slice(0, 25));
  const deep = await lookupWith({ status: 200, body: answer([SUB_B, SUB_A]) }, SUB_A);
  assert.ok(deep.result.ok && deep.result.customer);
  assert.deepEqual(deep.result.customer.subscriptionIds, [SUB_A]);
});

Deno.test("a row for another user is never used", async () => {
  const body = { customer: { ...answer([]).customer, user_id: crypto.randomUUID() }, mint: TAKEN };
  const { result } = await lookupWith({ status: 200, body });
  assert.deepEqual(result, { ok: false, code: "misconfigured", dbErrorCode: "foreign_row" });
});

Deno.test("an answer of an unexpected shape is misconfigured", async () => {
  for (const body of [[{ customer_id: 1 }], { customer: { customer_id: 1 } }, null]) {
    const { result } = await lookupWith({ status: 200, body });
    assert.equal(!result.ok && result.code, "misconfigured");
  }
});

const errorCases: [string, Reply, string][] = [
  ["PostgREST cannot reach the database (503 PGRST001)", {
    status: 503,
    body: { code: "PGRST001", message: "Database client error" },
  }, "database_unavailable"],
  ["a gateway 502 without JSON", { status: 502, body: "bad gateway" }, "database_unavailable"],
  ["statement timeout (57014)", {
    status: 500,
    body: { code: "57014", message: "canceling statement due to statement timeout" },
  }, "database_unavailable"],
  ["JWT rejected (401 PGRST301)", {
    status: 401,
    body: { code: "PGRST301", message: "JWSError" },
  }, "not_authenticated"],
  ["JWT expired (401 PGRST303)", {
    status: 401,
    body: { code: "PGRST303", message: "JWT expired" },
  }, "not_authenticated"],
  ["a missing grant (403 42501)", {
    status: 403,
    body: { code: "42501", message: "permission denied for table customers" },
  }, "misconfigured"],
  ["a missing relationship (400 PGRST200)", {
    status: 400,
    body: { code: "PGRST200", message: "Could not find a relationship" },
  }, "misconfigured"],
  ["a missing table (404 PGRST205)", {
    status: 404,
    body: { code: "PGRST205", message: "Could not find the table" },
  }, "misconfigured"],
];

for (const [name, reply, code] of errorCases) {
  Deno.test(`${name} → ${code}`, async () => {
    const { result } = await lookupWith(reply);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, code);
  });
}

Deno.test("no answer within the timeout → database_unavailable, on time", async () => {
  const started = performance.now();
  const { result } = await lookupWith({ hangMs: 3000 }, undefined, 150);
  const elapsed = performance.now() - started;
  assert.equal(!result.ok && result.code, "database_unavailable");
  assert.ok(elapsed < 1000, `took ${elapsed} ms`);
});

Deno.test("connection refused → database_unavailable without postgrest-js's retries", async () => {
  const pg = fakePostgrest({ status: 200, body: { customer: null } });
  await pg.close();
  const lookup = createCustomerLookup({
    supabaseUrl: pg.url,
    anonKey: ANON,
    timeoutMs: 5000,
    mintLimitPerMinute: 10,
  });
  const started = performance.now();
  const result = await lookup({ token: TOKEN, userId: USER_ID });
  assert.equal(!result.ok && result.code, "database_unavailable");
  assert.ok(performance.now() - started < 500, "must not sit in 1 s + 2 s + 4 s backoff");
});

Deno.test("classifyDbError covers connection-class Postgres codes", () => {
  assert.equal(classifyDbError(500, "08006").ok, false);
  assert.deepEqual(classifyDbError(500, "08006"), {
    ok: false,
    code: "database_unavailable",
    dbErrorCode: "08006",
  });
  assert.deepEqual(classifyDbError(0, ""), {
    ok: false,
    code: "database_unavailable",
    dbErrorCode: "http_0",
  });
});
