import assert from "node:assert/strict";
import { bearerToken, createHandler, type PortalDeps } from "./handler.ts";
import type { LookupInput, LookupResult } from "./customer_lookup.ts";
import type { PortalSessionInput, PortalSessionResult } from "./paddle_portal.ts";
import type { TokenVerification } from "../_shared/verify_user_token.ts";
import { assertCommonHeaders, expectError } from "../_shared/handler_test_support.ts";

const TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl";
const USER_ID = "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b";
const CUSTOMER = "ctm_01hv8x0000000000000000000a";
const SUB_A = "sub_01hv8y0000000000000000000a";
const SUB_B = "sub_01hv8y0000000000000000000b";
const SUB_OTHER = "sub_01hv8y0000000000000000000z";
const PORTAL = "https://customer-portal.paddle.com/cpl_01hv";

function portalSession(input: PortalSessionInput, n: number): PortalSessionResult {
  return {
    ok: true,
    transactionIds: [`00000000-0000-4000-8000-00000000000${n}`],
    attempts: 1,
    session: {
      overviewUrl: `${PORTAL}?action=overview&token=pga_${n}`,
      subscriptions: input.subscriptionIds.map((id) => ({
        id,
        cancelUrl: `${PORTAL}?action=cancel_subscription&subscription_id=${id}&token=pga_${n}`,
        updatePaymentMethodUrl:
          `${PORTAL}?action=update_subscription_payment_method&subscription_id=${id}&token=pga_${n}`,
      })),
    },
  };
}

/** Owned subscriptions as the database would answer: a deep link sees only the one asked for. */
function ownedLookup(owned: string[]) {
  return (input: LookupInput): Promise<LookupResult> => {
    const subscriptionIds = input.subscriptionId === undefined
      ? owned
      : owned.filter((s) => s === input.subscriptionId);
    const found = input.subscriptionId === undefined || subscriptionIds.length > 0;
    return Promise.resolve({
      ok: true,
      customer: { customerId: CUSTOMER, subscriptionIds, mint: found ? { taken: true } : null },
    });
  };
}

function setup(overrides: Partial<PortalDeps> = {}) {
  const calls = {
    verify: [] as string[],
    lookup: [] as LookupInput[],
    paddle: [] as PortalSessionInput[],
  };
  const lines: string[] = [];
  let sessions = 0;
  let ids = 0;
  const base: PortalDeps = {
    config: { allowedOrigins: "*" },
    verifyToken: (t) => {
      const r: TokenVerification = t === TOKEN
        ? { ok: true, userId: USER_ID }
        : { ok: false, reason: "bad_signature" };
      return Promise.resolve(r);
    },
    lookupCustomer: ownedLookup([SUB_A, SUB_B]),
    createPortalSession: (input) => Promise.resolve(portalSession(input, ++sessions)),
    log: (line) => lines.push(line),
    now: () => 1000,
    requestId: () => `req-${++ids}`,
  };
  const merged = { ...base, ...overrides };
  const deps: PortalDeps = {
    ...merged,
    verifyToken: (t) => (calls.verify.push(t), merged.verifyToken(t)),
    lookupCustomer: (i) => (calls.lookup.push(i), merged.lookupCustomer(i)),
    createPortalSession: (i) => (calls.paddle.push(i), merged.createPortalSession(i)),
  };
  return { handler: createHandler(deps), calls, lines };
}

function post(body?: unknown, headers: Record<string, string> = {}): Request {
  return new Request("http://localhost/functions/v1/customer-portal", {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

// --- success ---------------------------------------------------------------------------------

Deno.test("200: the overview URL and nothing else, not cacheable", async () => {
  const { handler, calls } = setup();
  const res = await handler(post({}));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { url: `${PORTAL}?action=overview&token=pga_1` });
  assert.equal(res.headers.get("cache-control"), "no-store");
  assertCommonHeaders(res);
  assert.deepEqual(calls.lookup, [{ token: TOKEN, userId: USER_ID, subscriptionId: undefined }]);
  assert.deepEqual(calls.paddle, [{ customerId: CUSTOMER, subscriptionIds: [SUB_A, SUB_B] }]);
});

Deno.test("no body at all means the overview", async () => {
  const { handler } = setup();
  const res = await handler(post());
  assert.equal(res.status, 200);
  assert.match((await res.json()).url, /action=overview/);
});

Deno.test("every call mints a fresh session", async () => {
  const { handler, calls } = setup();
  const a = await (await handler(post({}))).json();
  const b = await (await handler(post({}))).json();
  assert.notEqual(a.url, b.url);
  assert.equal(calls.paddle.length, 2);
});

Deno.test("Paddle gets exactly the ids the lookup returned, for the looked-up customer", async () => {
  const owned = Array.from({ length: 25 }, (_, i) => `sub_${String(i).padStart(26, "0")}`);
  const { handler, calls } = setup({ lookupCustomer: ownedLookup(owned) });
  assert.equal((await handler(post({ target: "overview" }))).status, 200);
  assert.deepEqual(calls.paddle, [{ customerId: CUSTOMER, subscriptionIds: owned }]);
});

Deno.test("a customer without subscriptions still gets the overview (empty id list)", async () => {
  const { handler, calls } = setup({ lookupCustomer: ownedLookup([]) });
  assert.equal((await handler(post({}))).status, 200);
  assert.deepEqual(calls.paddle[0].subscriptionIds, []);
});

Deno.test("deep link cancel_subscription: that subscription's cancel URL, only that id sent", async () => {
  const { handler, calls } = setup();
  const res = await handler(post({ target: "cancel_subscription", subscriptionId: SUB_B }));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    url: `${PORTAL}?action=cancel_subscription&subscription_id=${SUB_B}&token=pga_1`,
  });
  assert.equal(calls.lookup[0].subscriptionId, SUB_B);
  assert.deepEqual(calls.paddle[0].subscriptionIds, [SUB_B]);
});

Deno.test("deep link update_payment_method: the payment-method URL", async () => {
  const { handler } = setup();
  const res = await handler(post({ target: "update_payment_method", subscriptionId: SUB_A }));
  assert.equal(res.status, 200);
  assert.match(
    (await res.json()).url,
    new RegExp(`action=update_subscription_payment_method&subscription_id=${SUB_A}&`),
  );
});

Deno.test("502 when Paddle's answer lacks the requested deep link", async () => {
  const { handler } = setup({
    createPortalSession: (input) => {
      const r = portalSession(input, 1);
      if (r.ok) r.session.subscriptions = [];
      return Promise.resolve(r);
    },
  });
  await expectError(
    await handler(post({ target: "cancel_subscription", subscriptionId: SUB_A })),
    502,
    "paddle_unavailable",
  );
});

// --- 401 not_authenticated -------------------------------------------------------------------

for (
  const [name, headers] of [
    ["no Authorization header", { authorization: "" }],
    ["a non-Bearer scheme", { authorization: `Basic ${TOKEN}` }],
    ["an empty bearer", { authorization: "Bearer " }],
    ["a token the verifier refuses", { authorization: "Bearer eyJ.bad.token" }],
  ] as const
) {
  Deno.test(`401 not_authenticated for ${name}, with no DB or Paddle call`, async () => {
    const { handler, calls } = setup();
    await expectError(await handler(post({}, headers)), 401, "not_authenticated");
    assert.equal(calls.lookup.length, 0);
    assert.equal(calls.paddle.length, 0);
  });
}

Deno.test("401 is decided before the body is looked at", async () => {
  const { handler, calls } = setup();
  await expectError(
    await handler(post("{not json", { authorization: "Bearer x.y.z" })),
    401,
    "not_authenticated",
  );
  assert.equal(calls.lookup.length + calls.paddle.length, 0);
});

Deno.test("401 when PostgREST rejects the token, no Paddle call", async () => {
  const { handler, calls } = setup({
    lookupCustomer: () =>
      Promise.resolve({ ok: false, code: "not_authenticated", dbErrorCode: "PGRST301" }),
  });
  await expectError(await handler(post({})), 401, "not_authenticated");
  assert.equal(calls.paddle.length, 0);
});

Deno.test("the bearer scheme is case-insensitive and the token is taken whole", () => {
  assert.equal(bearerToken("Bearer a.b.c"), "a.b.c");
  assert.equal(bearerToken("bearer a.b.c"), "a.b.c");
  assert.equal(bearerToken("Bearer a.b.c extra"), null);
  assert.equal(bearerToken("Token a.b.c"), null);
  assert.equal(bearerToken(null), null);
});

// --- 404 -------------------------------------------------------------------------------------

Deno.test("404 no_paddle_customer for a signed-in user without a customer, no Paddle call", async () => {
  const { handler, calls } = setup({
    lookupCustomer: () => Promise.resolve({ ok: true, customer: null }),
  });
  await expectError(await handler(post({})), 404, "no_paddle_customer");
  assert.equal(calls.paddle.length, 0);
});

Deno.test("404 subscription_not_found for a subscription the caller cannot see, no Paddle call", async () => {
  const { handler, calls } = setup();
  await expectError(
    await handler(post({ target: "cancel_subscription", subscriptionId: SUB_OTHER })),
    404,
    "subscription_not_found",
  );
  assert.equal(calls.lookup[0].subscriptionId, SUB_OTHER);
  assert.equal(calls.paddle.length, 0);
});

Deno.test("404 no_paddle_customer wins over a deep link when there is no customer", async () => {
  const { handler } = setup({
    lookupCustomer: () => Promise.resolve({ ok: true, customer: null }),
  });
  await expectError(
    await handler(post({ target: "update_payment_method", subscriptionId: SUB_A })),
    404,
    "no_paddle_customer",
  );
});

// --- 400 invalid_request ---------------------------------------------------------------------

for (
  const [name, body] of [
    ["bad JSON", "{"],
    ["a JSON array", "[]"],
    ["JSON null", "null"],
    ["a JSON string", '"overview"'],
    ["an unknown field", { customerId: CUSTOMER }],
    ["an unknown field next to valid ones", { target: "overview", extra: 1 }],
    ["an unknown target", { target: "delete_everything" }],
    ["a malformed subscription id", { target: "cancel_subscription", subscriptionId: "sub_1" }],
    ["an upper-case subscription id", {
      target: "cancel_subscription",
      subscriptionId: SUB_A.toUpperCase().replace("SUB_", "sub_"),
    }],
    ["a deep link without an id", { target: "cancel_subscription" }],
    ["a subscription id with the overview", { subscriptionId: SUB_A }],
    ["a non-string id", { target: "update_payment_method", subscriptionId: 42 }],
  ] as const
) {
  Deno.test(`400 invalid_request for ${name}, with no DB or Paddle call`, async () => {
    const { handler, calls } = setup();
    await expectError(await handler(post(body)), 400, "invalid_request");
    assert.equal(calls.lookup.length + calls.paddle.length, 0);
  });
}

Deno.test("400 for a body that is not UTF-8", async () => {
  const { handler, calls } = setup();
  const res = await handler(
    new Request("http://localhost/", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    }),
  );
  await expectError(res, 400, "invalid_request");
  assert.equal(calls.lookup.length, 0);
});

// --- 405, 413, OPTIONS -----------------------------------------------------------------------

for (const method of ["GET", "PUT", "PATCH", "DELETE", "HEAD"]) {
  Deno.test(`405 method_not_allowed for ${method}, with Allow, and no verification`, async () => {
    const { handler, calls } = setup();
    const res = await handler(
      new Request("http://localhost/", { method, headers: { authorization: `Bearer ${TOKEN}` } }),
    );
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "POST, OPTIONS");
    if (method !== "HEAD") await expectError(res, 405, "method_not_allowed");
    assertCommonHeaders(res);
    assert.equal(calls.verify.length + calls.lookup.length + calls.paddle.length, 0);
  });
}

Deno.test("413 payload_too_large by Content-Length, before the token is verified", async () => {
  const { handler, calls } = setup();
  const big = JSON.stringify({ target: "overview", pad: "x".repeat(17 * 1024) });
  const req = post(big, { "content-length": String(big.length) });
  assert.equal(req.headers.get("content-length"), String(big.length));
  await expectError(await handler(req), 413, "payload_too_large");
  assert.equal(calls.verify.length + calls.lookup.length + calls.paddle.length, 0);
});

Deno.test("413 for a streamed body without Content-Length that exceeds 16 KiB", async () => {
  const { handler, calls } = setup();
  const chunk = new TextEncoder().encode(" ".repeat(4096));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 8) controller.enqueue(chunk);
      else controller.close();
    },
  });
  const req = new Request("http://localhost/", {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}` },
    body: stream,
  });
  assert.equal(req.headers.get("content-length"), null);
  await expectError(await handler(req), 413, "payload_too_large");
  assert.equal(calls.lookup.length + calls.paddle.length, 0);
});

Deno.test("a body of exactly 16 KiB is accepted; one byte more is not", async () => {
  const { handler } = setup();
  const body = "{}" + " ".repeat(16 * 1024 - 2);
  assert.equal((await handler(post(body))).status, 200);
  await expectError(await handler(post(body + " ")), 413, "payload_too_large");
});

Deno.test("413 when Content-Length understates the body", async () => {
  const { handler, calls } = setup();
  const big = "{}" + " ".repeat(20 * 1024);
  await expectError(
    await handler(post(big, { "content-length": "2" })),
    413,
    "payload_too_large",
  );
  assert.equal(calls.lookup.length + calls.paddle.length, 0);
});

Deno.test("OPTIONS preflight: 204 with CORS headers, nothing else runs", async () => {
  const { handler, calls } = setup();
  const res = await handler(
    new Request("http://localhost/", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, x-client-info, apikey, content-type",
      },
    }),
  );
  assert.equal(res.status, 204);
  assert.equal(await res.text(), "");
  assertCommonHeaders(res);
  assert.match(res.headers.get("access-control-allow-methods") ?? "", /POST/);
  assert.equal(calls.verify.length + calls.lookup.length + calls.paddle.length, 0);
});

Deno.test("a preflight starts the warm-up once its answer is ready; a POST starts it too", async () => {
  const warmed: string[] = [];
  const { handler } = setup({ warm: () => warmed.push("warm") });
  const pre = await handler(new Request("http://localhost/", { method: "OPTIONS" }));
  assert.equal(pre.status, 204);
  assert.deepEqual(warmed, ["warm"]);
  assert.equal((await handler(post({}))).status, 200);
  assert.deepEqual(warmed, ["warm", "warm"]);
});

Deno.test("refused methods and a misconfigured isolate do not warm anything", async () => {
  const warmed: string[] = [];
  const { handler } = setup({ warm: () => warmed.push("warm") });
  assert.equal((await handler(new Request("http://localhost/", { method: "GET" }))).status, 405);
  const broken = setup({ warm: () => warmed.push("warm"), startupError: "PADDLE_ENV" });
  assert.equal((await broken.handler(post({}))).status, 500);
  assert.deepEqual(warmed, []);
});

// --- 5xx -------------------------------------------------------------------------------------

Deno.test("500 misconfigured when the lookup says the schema/grants are wrong", async () => {
  const { handler, calls } = setup({
    lookupCustomer: () =>
      Promise.resolve({ ok: false, code: "misconfigured", dbErrorCode: "42501" }),
  });
  await expectError(await handler(post({})), 500, "misconfigured");
  assert.equal(calls.paddle.length, 0);
});

Deno.test("500 misconfigured when Paddle refuses our API key", async () => {
  const { handler } = setup({
    createPortalSession: () =>
      Promise.resolve({
        ok: false,
        code: "misconfigured",
        paddleErrorCode: "invalid_token",
        transactionIds: ["t"],
        attempts: 1,
      }),
  });
  await expectError(await handler(post({})), 500, "misconfigured");
});

Deno.test("500 misconfigured for every request when configuration failed at start", async () => {
  const { handler, calls } = setup({ startupError: "PADDLE_API_KEY is required" });
  await expectError(await handler(post({})), 500, "misconfigured");
  assert.equal(calls.verify.length + calls.lookup.length + calls.paddle.length, 0);
  const pre = await handler(new Request("http://localhost/", { method: "OPTIONS" }));
  assert.equal(pre.status, 204);
});

Deno.test("502 paddle_unavailable", async () => {
  const { handler } = setup({
    createPortalSession: () =>
      Promise.resolve({
        ok: false,
        code: "paddle_unavailable",
        paddleErrorCode: "internal_error",
        transactionIds: ["a", "b"],
        attempts: 2,
      }),
  });
  await expectError(await handler(post({})), 502, "paddle_unavailable");
});

Deno.test("503 rate_limited passes Paddle's Retry-After on", async () => {
  const { handler } = setup({
    createPortalSession: () =>
      Promise.resolve({
        ok: false,
        code: "rate_limited",
        retryAfterSeconds: 42,
        paddleErrorCode: "too_many_requests",
        transactionIds: ["t"],
        attempts: 1,
      }),
  });
  const res = await handler(post({}));
  assert.equal(res.headers.get("retry-after"), "42");
  await expectError(res, 503, "rate_limited");
});

Deno.test("429 too_many_requests over the mint limit: Retry-After, CORS, request id, no Paddle call", async () => {
  const { handler, calls, lines } = setup({
    lookupCustomer: () =>
      Promise.resolve({
        ok: true,
        customer: {
          customerId: CUSTOMER,
          subscriptionIds: [SUB_A],
          mint: { taken: false, retryAfterSeconds: 17 },
        },
      }),
  });
  const res = await handler(post({}));
  assert.equal(res.headers.get("retry-after"), "17");
  await expectError(res, 429, "too_many_requests");
  assert.equal(calls.lookup.length, 1);
  assert.equal(calls.paddle.length, 0);
  const line = JSON.parse(lines[0]);
  assert.equal(line.outcome, "too_many_requests");
  assert.equal(line.mint_retry_after_seconds, 17);
});

Deno.test("500 misconfigured when the lookup found something to mint but took no slot", async () => {
  const { handler, calls } = setup({
    lookupCustomer: () =>
      Promise.resolve({
        ok: true,
        customer: { customerId: CUSTOMER, subscriptionIds: [SUB_A], mint: null },
      }),
  });
  await expectError(await handler(post({})), 500, "misconfigured");
  assert.equal(calls.paddle.length, 0);
});

Deno.test("503 database_unavailable, no Paddle call", async () => {
  const { handler, calls } = setup({
    lookupCustomer: () =>
      Promise.resolve({ ok: false, code: "database_unavailable", dbErrorCode: "http_0" }),
  });
  await expectError(await handler(post({})), 503, "database_unavailable");
  assert.equal(calls.paddle.length, 0);
});

Deno.test("504 paddle_timeout", async () => {
  const { handler } = setup({
    createPortalSession: () =>
      Promise.resolve({ ok: false, code: "paddle_timeout", transactionIds: ["t"], attempts: 1 }),
  });
  await expectError(await handler(post({})), 504, "paddle_timeout");
});

for (const failing of ["verifyToken", "lookupCustomer", "createPortalSession"] as const) {
  Deno.test(`500 internal_error with CORS when ${failing} throws`, async () => {
    const { handler, lines } = setup({
      [failing]: () => Promise.reject(new RangeError(`boom ${TOKEN} alice@example.com`)),
    });
    const res = await handler(post({}));
    await expectError(res, 500, "internal_error");
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]);
    assert.equal(line.outcome, "internal_error");
    assert.equal(line.exception, "RangeError");
    assert.ok(!lines[0].includes(TOKEN) && !lines[0].includes("alice@"));
  });
}

// --- CORS with an origin list ----------------------------------------------------------------

Deno.test("with an origin list, a listed origin is echoed with Vary: Origin, on errors too", async () => {
  const { handler } = setup({ config: { allowedOrigins: ["https://app.example.com"] } });
  for (
    const req of [
      post({}, { origin: "https://app.example.com" }),
      post("{", { origin: "https://app.example.com" }),
    ]
  ) {
    const res = await handler(req);
    assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.match(res.headers.get("vary") ?? "", /Origin/);
  }
  const other = await handler(post({}, { origin: "https://evil.example" }));
  assert.equal(other.headers.get("access-control-allow-origin"), null);
  assert.match(other.headers.get("vary") ?? "", /Origin/);
});

// --- the log line ----------------------------------------------------------------------------

Deno.test("one JSON log line per request with id, outcome, status, duration and Paddle ids", async () => {
  let t = 1000;
  const { handler, lines } = setup({ now: () => (t += 7) });
  const res = await handler(post({ target: "cancel_subscription", subscriptionId: SUB_A }));
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]);
  assert.equal(line.request_id, res.headers.get("x-request-id"));
  assert.equal(line.fn, "customer-portal");
  assert.equal(line.outcome, "ok");
  assert.equal(line.status, 200);
  assert.equal(line.duration_ms, 7);
  assert.equal(line.target, "cancel_subscription");
  assert.deepEqual(line.paddle_transaction_ids, ["00000000-0000-4000-8000-000000000001"]);
  assert.equal(line.paddle_attempts, 1);
});

Deno.test("logs never contain the token, an email or a URL, whatever the outcome", async () => {
  const scenarios: Partial<PortalDeps>[] = [
    {},
    { lookupCustomer: () => Promise.resolve({ ok: true, customer: null }) },
    {
      createPortalSession: () =>
        Promise.resolve({
          ok: false,
          code: "paddle_unavailable",
          paddleErrorCode: `https://evil.example/${TOKEN}`,
          transactionIds: ["t"],
          attempts: 1,
        }),
    },
  ];
  for (const overrides of scenarios) {
    const { handler, lines } = setup(overrides);
    await handler(post({}, { origin: "https://app.example.com" }));
    await handler(post({}, { authorization: "Bearer eyJbad.eyJbad.sig" }));
    for (const line of lines) {
      assert.ok(!line.includes(TOKEN), line);
      assert.ok(!line.includes("eyJ"), line);
      assert.ok(!/https?:\/\//.test(line), line);
      assert.ok(!line.includes("@"), line);
    }
  }
});

Deno.test("refusals log why (auth failure reason, db code) without the secret", async () => {
  const { handler, lines } = setup();
  await handler(post({}, { authorization: "Bearer x.y.z" }));
  assert.equal(JSON.parse(lines[0]).auth_failure, "bad_signature");
});
