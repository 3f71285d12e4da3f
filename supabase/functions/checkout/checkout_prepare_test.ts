import assert from "node:assert/strict";
import { createCheckoutPrepare } from "./checkout_prepare.ts";
import { fakePostgrest, type Reply } from "../_shared/postgrest_test_server.ts";

const TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl";
const USER_ID = "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b";
const CUSTOMER = "ctm_01hv8x0000000000000000000a";
const PRICE = "pri_01hv8p0000000000000000000a";
const TAKEN = { taken: true, retry_after_seconds: null };

const ADDON = "pri_01hv8p0000000000000000000b";
const ITEMS = [{ price_id: PRICE, quantity: 2 }, { price_id: ADDON, quantity: 3 }];
const KEY = `${PRICE}*2,${ADDON}*3`;
const CLAIM = "0b0c4c8e-0000-4000-8000-000000000001";
const CREATE = { action: "create", claim: CLAIM, cancel_transaction_id: null };

async function prepareWith(reply: Reply, timeoutMs = 1000, country?: string) {
  const pg = fakePostgrest(reply);
  try {
    const prepare = createCheckoutPrepare({
      supabaseUrl: pg.url,
      anonKey: "sb_publishable_test",
      timeoutMs,
      mintLimitPerMinute: 7,
    });
    const result = await prepare({
      token: TOKEN,
      userId: USER_ID,
      priceId: PRICE,
      quantity: 2,
      addons: [{ priceId: ADDON, quantity: 3 }],
      ...(country ? { country } : {}),
    });
    return { result, seen: pg.seen };
  } finally {
    await pg.close();
  }
}

const ready = (extra: Record<string, unknown>) => ({
  status: 200,
  body: {
    outcome: "ready",
    user_id: USER_ID,
    mint: TAKEN,
    customer_id: null,
    email: null,
    items: ITEMS,
    items_key: KEY,
    checkout: CREATE,
    ...extra,
  },
});

Deno.test("one POST to rpc/checkout_prepare as the caller, with the items and limit", async () => {
  const { result, seen } = await prepareWith(ready({ customer_id: CUSTOMER }));
  assert.deepEqual(result, {
    ok: true,
    outcome: "ready",
    buyer: { customerId: CUSTOMER },
    mint: { taken: true },
    items: [{ priceId: PRICE, quantity: 2 }, { priceId: ADDON, quantity: 3 }],
    itemsKey: KEY,
    checkout: { action: "create", claim: CLAIM, cancelTransactionId: null },
  });
  assert.equal(seen.length, 1);
  assert.equal(seen[0].method, "POST");
  assert.equal(seen[0].url.pathname, "/rest/v1/rpc/checkout_prepare");
  assert.equal(seen[0].headers.get("authorization"), `Bearer ${TOKEN}`);
  assert.equal(seen[0].headers.get("apikey"), "sb_publishable_test");
  assert.deepEqual(JSON.parse(seen[0].body), {
    p_price_id: PRICE,
    p_quantity: 2,
    p_addons: [{ price_id: ADDON, quantity: 3 }],
    p_mint_limit: 7,
  });
});

Deno.test("a country goes to the RPC as p_country (the database puts it in the items key)", async () => {
  const { result, seen } = await prepareWith(
    ready({ customer_id: CUSTOMER, items_key: `${KEY}@DE` }),
    1000,
    "DE",
  );
  assert.equal(result.ok && result.outcome === "ready" && result.itemsKey, `${KEY}@DE`);
  assert.equal(JSON.parse(seen[0].body).p_country, "DE");
});

Deno.test("no customer: the confirmed email is the buyer; a refused slot is reported", async () => {
  const { result } = await prepareWith(ready({
    email: "carol@example.com",
    mint: { taken: false, retry_after_seconds: 12 },
    checkout: null,
  }));
  assert.deepEqual(result, {
    ok: true,
    outcome: "ready",
    buyer: { email: "carol@example.com" },
    mint: { taken: false, retryAfterSeconds: 12 },
    items: [{ priceId: PRICE, quantity: 2 }, { priceId: ADDON, quantity: 3 }],
    itemsKey: KEY,
  });
});

Deno.test("the open checkout's decision: reuse its URL, or wait for another request", async () => {
  const txn = "txn_01hv0000000000000000000001";
  const url = `https://app.example.com/checkout.html?_ptxn=${txn}`;
  const reuse = await prepareWith(
    ready({ customer_id: CUSTOMER, checkout: { action: "reuse", transaction_id: txn, url } }),
  );
  assert.equal(
    reuse.result.ok && reuse.result.outcome === "ready" && reuse.result.checkout?.action,
    "reuse",
  );
  assert.deepEqual(
    reuse.result.ok && reuse.result.outcome === "ready" && reuse.result.checkout,
    { action: "reuse", transactionId: txn, url },
  );
  const wait = await prepareWith(
    ready({ customer_id: CUSTOMER, checkout: { action: "wait", retry_after_ms: 250 } }),
  );
  assert.deepEqual(
    wait.result.ok && wait.result.outcome === "ready" && wait.result.checkout,
    { action: "wait", retryAfterMs: 250 },
  );
});

Deno.test("each refusal passes through", async () => {
  for (
    const outcome of [
      "price_not_found",
      "invalid_items",
      "invalid_quantity",
      "already_subscribed",
      "email_not_confirmed",
      "customer_conflict",
    ]
  ) {
    const body = outcome === "invalid_quantity" ? { outcome, minimum: 1, maximum: 5 } : { outcome };
    const { result } = await prepareWith({ status: 200, body });
    assert.deepEqual(result, { ok: true, outcome });
  }
});

Deno.test("answers that are not the contract are misconfigured", async () => {
  for (
    const [reply, code] of [
      [{ status: 200, body: { outcome: "maybe" } }, "unexpected_shape"],
      [
        ready({ user_id: "00000000-0000-4000-8000-000000000000", customer_id: CUSTOMER }),
        "foreign_row",
      ],
      [ready({}), "email_missing"],
      [ready({ customer_id: "ctm_x" }), "unexpected_shape"],
      [ready({ customer_id: CUSTOMER, mint: null }), "unexpected_shape"],
      [ready({ customer_id: CUSTOMER, checkout: null }), "unexpected_shape"],
      [ready({ customer_id: CUSTOMER, items: [] }), "unexpected_shape"],
      [
        ready({ customer_id: CUSTOMER, checkout: { action: "reuse", transaction_id: "txn_x" } }),
        "unexpected_shape",
      ],
    ] as const
  ) {
    const { result } = await prepareWith(reply);
    assert.deepEqual(result, { ok: false, code: "misconfigured", dbErrorCode: code });
  }
});

Deno.test("database errors are classified; a hang is our timeout", async () => {
  const denied = await prepareWith({ status: 403, body: { code: "42501", message: "denied" } });
  assert.deepEqual(denied.result, { ok: false, code: "misconfigured", dbErrorCode: "42501" });
  const jwt = await prepareWith({ status: 401, body: { code: "PGRST301", message: "jwt" } });
  assert.equal(jwt.result.ok === false && jwt.result.code, "not_authenticated");
  const hang = await prepareWith({ hangMs: 3000 }, 100);
  assert.equal(hang.result.ok === false && hang.result.code, "database_unavailable");
});
