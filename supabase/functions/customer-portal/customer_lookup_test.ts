import assert from "node:assert/strict";
import { classifyDbError, createCustomerLookup } from "./customer_lookup.ts";

const TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl";
const ANON = "sb_publishable_test";
const USER_ID = "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b";
const CUSTOMER = "ctm_01hv8x0000000000000000000a";
const SUB_A = "sub_01hv8y0000000000000000000a";
const SUB_B = "sub_01hv8y0000000000000000000b";

type Reply = { status: number; body: unknown } | { hangMs: number };

/** A stand-in for PostgREST that records each request and answers from a script. */
function fakePostgrest(reply: Reply) {
  const seen: { url: URL; headers: Headers }[] = [];
  const pending = new Set<() => void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    seen.push({ url: new URL(req.url), headers: req.headers });
    if ("hangMs" in reply) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, reply.hangMs);
        function done() {
          clearTimeout(t);
          pending.delete(done);
          resolve();
        }
        pending.add(done);
      });
      return Response.json([]);
    }
    return Response.json(reply.body, { status: reply.status });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    async close() {
      for (const done of [...pending]) done();
      await server.shutdown();
    },
  };
}

async function lookupWith(reply: Reply, subscriptionId?: string, timeoutMs = 1000) {
  const pg = fakePostgrest(reply);
  try {
    const lookup = createCustomerLookup({ supabaseUrl: pg.url, anonKey: ANON, timeoutMs });
    const result = await lookup({ token: TOKEN, userId: USER_ID, subscriptionId });
    return { result, seen: pg.seen };
  } finally {
    await pg.close();
  }
}

const row = (subs: { subscription_id: string; status: string }[]) => [{
  customer_id: CUSTOMER,
  user_id: USER_ID,
  subscriptions: subs,
}];

Deno.test("overview: one request, caller's token, explicit user filter, embedded filter/order/limit", async () => {
  const { result, seen } = await lookupWith({
    status: 200,
    body: row([{ subscription_id: SUB_B, status: "active" }, {
      subscription_id: SUB_A,
      status: "past_due",
    }]),
  });
  assert.deepEqual(result, {
    ok: true,
    customer: { customerId: CUSTOMER, subscriptionIds: [SUB_B, SUB_A] },
  });
  assert.equal(seen.length, 1);
  const { url, headers } = seen[0];
  assert.equal(url.pathname, "/rest/v1/customers");
  assert.equal(headers.get("authorization"), `Bearer ${TOKEN}`);
  assert.equal(headers.get("apikey"), ANON);
  const q = url.searchParams;
  assert.equal(q.get("select"), "customer_id,user_id,subscriptions(subscription_id,status)");
  assert.equal(q.get("user_id"), `eq.${USER_ID}`);
  assert.equal(q.get("subscriptions.status"), "neq.canceled");
  assert.equal(q.get("subscriptions.order"), "created_at.desc,subscription_id.desc");
  assert.equal(q.get("subscriptions.limit"), "25");
  assert.equal(q.has("subscriptions.subscription_id"), false);
});

Deno.test("deep link: the embedded filter is on that subscription id only", async () => {
  const { result, seen } = await lookupWith(
    { status: 200, body: row([{ subscription_id: SUB_A, status: "canceled" }]) },
    SUB_A,
  );
  assert.deepEqual(result, {
    ok: true,
    customer: { customerId: CUSTOMER, subscriptionIds: [SUB_A] },
  });
  const q = seen[0].url.searchParams;
  assert.equal(q.get("subscriptions.subscription_id"), `eq.${SUB_A}`);
  assert.equal(q.has("subscriptions.status"), false);
});

Deno.test("no row: no customer", async () => {
  const { result } = await lookupWith({ status: 200, body: [] });
  assert.deepEqual(result, { ok: true, customer: null });
});

Deno.test("canceled rows are dropped and at most 25 ids are kept even if the server overshares", async () => {
  const subs = Array.from({ length: 30 }, (_, i) => ({
    subscription_id: `sub_${String(i).padStart(26, "0")}`,
    status: i === 0 ? "canceled" : "active",
  }));
  const { result } = await lookupWith({ status: 200, body: row(subs) });
  assert.ok(result.ok && result.customer);
  assert.equal(result.customer.subscriptionIds.length, 25);
  assert.ok(!result.customer.subscriptionIds.includes(subs[0].subscription_id));
});

Deno.test("a row for another user is never used", async () => {
  const body = [{ customer_id: CUSTOMER, user_id: crypto.randomUUID(), subscriptions: [] }];
  const { result } = await lookupWith({ status: 200, body });
  assert.deepEqual(result, { ok: false, code: "misconfigured", dbErrorCode: "foreign_row" });
});

Deno.test("a row of an unexpected shape is misconfigured", async () => {
  const { result } = await lookupWith({ status: 200, body: [{ customer_id: 1 }] });
  assert.equal(!result.ok && result.code, "misconfigured");
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
  const pg = fakePostgrest({ status: 200, body: [] });
  await pg.close();
  const lookup = createCustomerLookup({ supabaseUrl: pg.url, anonKey: ANON, timeoutMs: 5000 });
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
