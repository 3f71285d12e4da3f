/**
 * The real wiring end to end, in process: `loadConfig` → `createDeps` → `createHandler`, with real
 * signed tokens, a stand-in PostgREST answering both RPCs and a stand-in Paddle driven by the
 * real SDK.
 */
import assert from "node:assert/strict";
import { loadConfig } from "./config.ts";
import { createDeps, loadDeps, type ModuleLoaders, moduleLoaders } from "./deps.ts";
import { createHandler } from "./handler.ts";
import { startFakePaddle } from "../_shared/paddle_test_server.ts";
import {
  makeSigningKey,
  signAsymmetric,
  TEST_ISSUER,
  TEST_SUPABASE_URL,
  TEST_USER_ID,
} from "../_shared/test_tokens.ts";

const LINKED = "ctm_01hv8x0000000000000000000a";
const PRICE = "pri_01hv8p0000000000000000000a";
const SERVICE = "service-role-key";
const CLAIM = "0b0c4c8e-0000-4000-8000-000000000001";
const key = await makeSigningKey("ES256");

/** Answers checkout_prepare (linked or not) and checkout_link_customer as the SQL would. */
function fakePostgrest(linked: boolean) {
  const seen: { path: string; authorization: string | null; body: Record<string, unknown> }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const body = await req.json();
    seen.push({ path, authorization: req.headers.get("authorization"), body });
    if (path === "/rest/v1/rpc/checkout_prepare") {
      return Response.json({
        outcome: "ready",
        user_id: TEST_USER_ID,
        customer_id: linked ? LINKED : null,
        email: linked ? null : "carol@example.com",
        mint: { taken: true, retry_after_seconds: null },
        items: [{ price_id: body.p_price_id, quantity: body.p_quantity }],
        items_key: `${body.p_price_id}*${body.p_quantity}`,
        checkout: { action: "create", claim: CLAIM, cancel_transaction_id: null },
      });
    }
    if (path === "/rest/v1/rpc/checkout_settle") {
      return Response.json({ outcome: "settled" });
    }
    if (path === "/rest/v1/rpc/checkout_link_customer") {
      return Response.json({ outcome: "linked", customer_id: body.p_customer.id });
    }
    return Response.json({ code: "PGRST202", message: "not found" }, { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, seen, close: () => server.shutdown() };
}

async function withStack(
  linked: boolean,
  run: (
    handler: (r: Request) => Promise<Response>,
    seen: {
      db: ReturnType<typeof fakePostgrest>["seen"];
      paddle: { method: string; path: string }[];
    },
  ) => Promise<void>,
) {
  const db = fakePostgrest(linked);
  const paddle = startFakePaddle([]);
  try {
    const config = loadConfig({
      SUPABASE_URL: db.url,
      SUPABASE_ANON_KEY: "sb_publishable_local",
      SUPABASE_SERVICE_ROLE_KEY: SERVICE,
      SUPABASE_JWKS: JSON.stringify({ keys: [key.publicJwk] }),
      SUPABASE_JWT_ISSUER: TEST_ISSUER,
      PADDLE_API_KEY: "pdl_sdbx_apikey_01hv_test",
      PADDLE_ENV: "sandbox",
      PADDLE_API_URL: paddle.url,
      PADDLE_TIMEOUT_MS: "3000",
      PADDLE_CHECKOUT_URL: "https://app.example.com/checkout.html",
    });
    const handler = createHandler({ ...createDeps(config), log: () => {} });
    await run(handler, { db: db.seen, paddle: paddle.seen });
  } finally {
    await paddle.close();
    await db.close();
  }
}

const call = (token: string, body: unknown = { priceId: PRICE }) =>
  new Request(`${TEST_SUPABASE_URL}/functions/v1/checkout`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

Deno.test("end to end, linked buyer: prepare with the caller's token, one Paddle call, settled with the service key", async () => {
  await withStack(true, async (handler, seen) => {
    const token = await signAsymmetric(key);
    const res = await handler(call(token));
    assert.equal(res.status, 200);
    const { url } = await res.json();
    assert.match(url, /^https:\/\/app\.example\.com\/checkout\.html\?_ptxn=txn_/);
    assert.deepEqual(seen.db.map((r) => [r.path, r.authorization]), [
      ["/rest/v1/rpc/checkout_prepare", `Bearer ${token}`],
      ["/rest/v1/rpc/checkout_settle", `Bearer ${SERVICE}`],
    ]);
    assert.equal(seen.db[1].body.p_claim, CLAIM);
    assert.equal(seen.db[1].body.p_url, url);
    assert.deepEqual(seen.paddle.map((r) => `${r.method} ${r.path}`), ["POST /transactions"]);
  });
});

Deno.test("end to end, first purchase: prepare, create customer, service-role link, transaction", async () => {
  await withStack(false, async (handler, seen) => {
    const res = await handler(call(await signAsymmetric(key)));
    assert.equal(res.status, 200);
    assert.deepEqual(seen.db.map((r) => r.path), [
      "/rest/v1/rpc/checkout_prepare",
      "/rest/v1/rpc/checkout_link_customer",
      "/rest/v1/rpc/checkout_settle",
    ]);
    assert.equal(seen.db[1].authorization, `Bearer ${SERVICE}`);
    assert.equal(seen.db[1].body.p_user_id, TEST_USER_ID);
    assert.deepEqual(seen.paddle.map((r) => `${r.method} ${r.path}`), [
      "POST /customers",
      "POST /transactions",
    ]);
  });
});

Deno.test("end to end: refusals reach neither PostgREST nor Paddle", async () => {
  await withStack(true, async (handler, seen) => {
    assert.equal((await handler(call("not-a-token"))).status, 401);
    const token = await signAsymmetric(key);
    assert.equal((await handler(call(token, { priceId: PRICE, email: "x@y.z" }))).status, 400);
    assert.equal(seen.db.length, 0);
    assert.equal(seen.paddle.length, 0);
  });
});

Deno.test("loadDeps with a broken environment answers misconfigured, with CORS, and says why", async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (m: string) => errors.push(m);
  let deps;
  try {
    deps = loadDeps({ SUPABASE_URL: "http://127.0.0.1:54321", PADDLE_CHECKOUT_URL: "x" });
  } finally {
    console.error = original;
  }
  assert.match(errors.join("\n"), /PADDLE_CHECKOUT_URL/);
  const res = await createHandler({ ...deps, log: () => {} })(call("x.y.z"));
  assert.equal(res.status, 500);
  assert.equal((await res.json()).error.code, "misconfigured");
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
});

Deno.test("a preflight warms what every POST needs (not the first-purchase link) after its answer", async () => {
  const loaded: string[] = [];
  const loaders: ModuleLoaders = {
    tokenVerifier: () => (loaded.push("tokenVerifier"), moduleLoaders.tokenVerifier()),
    checkoutPrepare: () => (loaded.push("checkoutPrepare"), moduleLoaders.checkoutPrepare()),
    customerLink: () => (loaded.push("customerLink"), moduleLoaders.customerLink()),
    openCheckout: () => (loaded.push("openCheckout"), moduleLoaders.openCheckout()),
    paddleCheckout: () => (loaded.push("paddleCheckout"), moduleLoaders.paddleCheckout()),
  };
  const config = loadConfig({
    SUPABASE_URL: "http://127.0.0.1:9",
    SUPABASE_ANON_KEY: "sb_publishable_local",
    SUPABASE_SERVICE_ROLE_KEY: SERVICE,
    SUPABASE_JWKS: JSON.stringify({ keys: [key.publicJwk] }),
    PADDLE_API_KEY: "pdl_sdbx_apikey_01hv_test",
    PADDLE_ENV: "sandbox",
  });
  const handler = createHandler({ ...createDeps(config, loaders), log: () => {} });
  assert.deepEqual(loaded, []);
  const pre = await handler(new Request("http://localhost/", { method: "OPTIONS" }));
  assert.equal(pre.status, 204);
  assert.deepEqual(loaded, [], "the preflight is answered before any load starts");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(loaded.sort(), [
    "checkoutPrepare",
    "openCheckout",
    "paddleCheckout",
    "tokenVerifier",
  ]);
});
