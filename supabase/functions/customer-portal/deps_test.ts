/**
 * The real wiring end to end, in process: `loadConfig` → `createDeps` → `createHandler`, with real
 * signed tokens, a stand-in PostgREST and a stand-in Paddle on 127.0.0.1 driven by the real SDK.
 */
import assert from "node:assert/strict";
import { loadConfig } from "./config.ts";
import { createDeps, loadDeps, type ModuleLoaders, moduleLoaders } from "./deps.ts";
import { createHandler } from "./handler.ts";
import { type Behaviour, startFakePaddle } from "../_shared/paddle_test_server.ts";
import {
  makeSigningKey,
  signAsymmetric,
  TEST_ISSUER,
  TEST_SUPABASE_URL,
  TEST_USER_ID,
} from "../_shared/test_tokens.ts";

const CUSTOMER = "ctm_01hv8x0000000000000000000a";
const SUB_A = "sub_01hv8y0000000000000000000a";
const key = await makeSigningKey("ES256");

/** Answers rpc/customer_portal_lookup as the SQL function would for a caller with one subscription. */
function fakePostgrest() {
  const seen: URL[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    seen.push(url);
    if (req.method !== "POST" || url.pathname !== "/rest/v1/rpc/customer_portal_lookup") {
      return Response.json({ code: "PGRST202", message: "not found" }, { status: 404 });
    }
    const { p_subscription_id: wanted } = await req.json();
    // auth.uid(): the sub of the token PostgREST verified.
    const token = (req.headers.get("authorization") ?? "").replace(/^Bearer /, "");
    const sub = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).sub;
    if (sub !== TEST_USER_ID) return Response.json({ customer: null });
    const ids = [SUB_A].filter((id) => wanted === null || id === wanted);
    return Response.json({
      customer: { customer_id: CUSTOMER, user_id: TEST_USER_ID, subscription_ids: ids },
      mint: ids.length > 0 || wanted === null ? { taken: true, retry_after_seconds: null } : null,
    });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, seen, close: () => server.shutdown() };
}

async function withStack(
  script: Behaviour[],
  run: (
    handler: (r: Request) => Promise<Response>,
    seen: { db: URL[]; paddle: unknown[]; logs: string[] },
  ) => Promise<void>,
) {
  const db = fakePostgrest();
  const paddle = startFakePaddle(script);
  const logs: string[] = [];
  try {
    const config = loadConfig({
      SUPABASE_URL: db.url,
      SUPABASE_ANON_KEY: "sb_publishable_local",
      SUPABASE_JWKS: JSON.stringify({ keys: [key.publicJwk] }),
      SUPABASE_JWT_ISSUER: TEST_ISSUER,
      PADDLE_API_KEY: "pdl_sdbx_apikey_01hv_test",
      PADDLE_ENV: "sandbox",
      PADDLE_API_URL: paddle.url,
      PADDLE_TIMEOUT_MS: "3000",
    });
    const handler = createHandler({ ...createDeps(config), log: (l) => logs.push(l) });
    await run(handler, { db: db.seen, paddle: paddle.seen, logs });
  } finally {
    await paddle.close();
    await db.close();
  }
}

const call = (token: string, body: unknown = {}) =>
  new Request(`${TEST_SUPABASE_URL}/functions/v1/customer-portal`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

Deno.test("end to end: a signed-in user gets a portal URL; one DB and one Paddle request", async () => {
  await withStack([], async (handler, seen) => {
    const res = await handler(call(await signAsymmetric(key)));
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ["url"]);
    assert.match(body.url, /action=overview/);
    assert.equal(seen.db.length, 1);
    assert.equal(seen.paddle.length, 1);
    const line = JSON.parse(seen.logs[0]);
    assert.equal(line.outcome, "ok");
    assert.equal(line.paddle_transaction_ids.length, 1);
    assert.ok(!seen.logs[0].includes("https://"));
  });
});

Deno.test("end to end: refusals reach neither PostgREST nor Paddle", async () => {
  await withStack([], async (handler, seen) => {
    const other = await makeSigningKey("ES256", key.kid);
    const tokens = [
      await signAsymmetric(other),
      await signAsymmetric(key, { role: "anon" }),
      await signAsymmetric(key, { is_anonymous: true }),
      await signAsymmetric(key, { iss: "https://elsewhere.supabase.co/auth/v1" }),
      await signAsymmetric(key, { exp: Math.floor(Date.now() / 1000) - 10 }),
    ];
    for (const token of tokens) {
      assert.equal((await handler(call(token))).status, 401);
    }
    const good = await signAsymmetric(key);
    assert.equal((await handler(call(good, { extra: true }))).status, 400);
    assert.equal(seen.db.length, 0);
    assert.equal(seen.paddle.length, 0);
  });
});

Deno.test("end to end: a deep link to someone else's subscription is refused before Paddle", async () => {
  await withStack([], async (handler, seen) => {
    const res = await handler(
      call(await signAsymmetric(key), {
        target: "cancel_subscription",
        subscriptionId: "sub_01zzzzzzzzzzzzzzzzzzzzzzzz",
      }),
    );
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, "subscription_not_found");
    assert.equal(seen.paddle.length, 0);
  });
});

Deno.test("end to end: a user without a customer row gets no_paddle_customer", async () => {
  await withStack([], async (handler, seen) => {
    const res = await handler(call(await signAsymmetric(key, { sub: crypto.randomUUID() })));
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, "no_paddle_customer");
    assert.equal(seen.paddle.length, 0);
  });
});

Deno.test("end to end: Paddle 5xx once is retried and the caller gets the URL", async () => {
  await withStack(["500"], async (handler, seen) => {
    const res = await handler(call(await signAsymmetric(key)));
    assert.equal(res.status, 200);
    assert.equal(seen.paddle.length, 2);
    assert.equal(JSON.parse(seen.logs[0]).paddle_attempts, 2);
  });
});

Deno.test("end to end: Paddle 429 → 503 rate_limited with Retry-After", async () => {
  await withStack(["429"], async (handler) => {
    const res = await handler(call(await signAsymmetric(key)));
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "17");
    assert.equal((await res.json()).error.code, "rate_limited");
  });
});

Deno.test("loadDeps with a broken environment answers misconfigured, with CORS, and says why at start", async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (m: string) => errors.push(m);
  let deps;
  try {
    deps = loadDeps({ SUPABASE_URL: "http://127.0.0.1:54321" });
  } finally {
    console.error = original;
  }
  assert.match(errors.join("\n"), /PADDLE_API_KEY/);
  const handler = createHandler({ ...deps, log: () => {} });
  const res = await handler(call("x.y.z"));
  assert.equal(res.status, 500);
  assert.equal((await res.json()).error.code, "misconfigured");
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
});

/** The real loaders, counted: which request-path modules were asked for, and when. */
function countingLoaders() {
  const loaded: string[] = [];
  const loaders: ModuleLoaders = {
    tokenVerifier: () => (loaded.push("tokenVerifier"), moduleLoaders.tokenVerifier()),
    customerLookup: () => (loaded.push("customerLookup"), moduleLoaders.customerLookup()),
    paddlePortal: () => (loaded.push("paddlePortal"), moduleLoaders.paddlePortal()),
  };
  return { loaders, loaded };
}

const localConfig = () =>
  loadConfig({
    SUPABASE_URL: "http://127.0.0.1:9",
    SUPABASE_ANON_KEY: "sb_publishable_local",
    SUPABASE_JWKS: JSON.stringify({ keys: [key.publicJwk] }),
    PADDLE_API_KEY: "pdl_sdbx_apikey_01hv_test",
    PADDLE_ENV: "sandbox",
  });

Deno.test("the request path's modules load only after the preflight's answer is ready", async () => {
  const { loaders, loaded } = countingLoaders();
  const handler = createHandler({ ...createDeps(localConfig(), loaders), log: () => {} });
  assert.deepEqual(loaded, [], "nothing heavy at start");
  const pre = await handler(
    new Request("http://localhost/", {
      method: "OPTIONS",
      headers: { origin: "https://a.example" },
    }),
  );
  assert.equal(pre.status, 204);
  assert.deepEqual(loaded, [], "the preflight is answered before any load starts");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(loaded.sort(), ["customerLookup", "paddlePortal", "tokenVerifier"]);
  await handler(new Request("http://localhost/", { method: "OPTIONS" }));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(loaded.length, 3, "each module loads once per isolate");
});

Deno.test("a POST that arrives first waits for the load and is answered", async () => {
  const { loaders, loaded } = countingLoaders();
  const handler = createHandler({ ...createDeps(localConfig(), loaders), log: () => {} });
  const res = await handler(call("not-a-token"));
  assert.equal(res.status, 401);
  assert.equal((await res.json()).error.code, "not_authenticated");
  assert.ok(loaded.includes("tokenVerifier"));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(loaded.sort(), ["customerLookup", "paddlePortal", "tokenVerifier"]);
});

Deno.test("a failed load answers 500 internal_error with CORS, and the next request loads again", async () => {
  const { loaders, loaded } = countingLoaders();
  let fail = true;
  const handler = createHandler({
    ...createDeps(localConfig(), {
      ...loaders,
      tokenVerifier: () =>
        fail ? Promise.reject(new Error("module not found")) : loaders.tokenVerifier(),
    }),
    log: () => {},
  });
  const res = await handler(call("x.y.z"));
  assert.equal(res.status, 500);
  assert.equal((await res.json()).error.code, "internal_error");
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  fail = false;
  const again = await handler(call("x.y.z"));
  assert.equal(again.status, 401);
  assert.ok(loaded.includes("tokenVerifier"));
  // Each POST scheduled the other modules' warm-up after its answer: let it run inside the test,
  // or its timers outlive it (a leak the sanitizer reports whenever the loads were quick).
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual([...new Set(loaded)].sort(), [
    "customerLookup",
    "paddlePortal",
    "tokenVerifier",
  ]);
});
