/**
 * The customer-portal function through the whole local stack: supabase-js
 * `functions.invoke` → gateway → function → PostgREST (RLS) → Paddle SDK →
 * simulator. The simulator's request log proves exactly what reached "Paddle",
 * and that nothing did whenever the function refused.
 */
import { assert, assertEquals, assertMatch, assertNotEquals } from "@std/assert";
import { FunctionsHttpError, type SupabaseClient } from "@supabase/supabase-js";
// @ts-types="@types/pg"
import pg from "pg";
import { legacyUserToken, userClaims as claims, userToken } from "./_tokens.ts";
import { anonClient, control, demoUser, signedInClient, stackInfo } from "./_stack.ts";
import {
  paddleRequests,
  portalPage,
  queueFault,
  registerCustomer,
  resetPaddle,
} from "./_paddle.ts";

const FUNCTION = "customer-portal";

interface Outcome {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** Calls the function the way the page does, and reads error bodies with error.context.json(). */
async function invoke(client: SupabaseClient, body?: unknown): Promise<Outcome> {
  const { data, error, response } = await client.functions.invoke(FUNCTION, {
    body: body as never,
  });
  if (error) {
    assert(error instanceof FunctionsHttpError, `not an HTTP error: ${error}`);
    const res = error.context as Response;
    return { status: res.status, body: await res.json(), headers: res.headers };
  }
  return { status: response!.status, body: data, headers: response!.headers };
}

/** A raw call through the gateway, for what supabase-js would not send. */
async function post(
  init: { token?: string; body?: BodyInit; method?: string; headers?: HeadersInit },
) {
  const headers = new Headers(init.headers);
  headers.set("apikey", stackInfo().anonKey);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const res = await fetch(`${stackInfo().apiUrl}/functions/v1/${FUNCTION}`, {
    method: init.method ?? "POST",
    headers,
    body: init.body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

function assertError(outcome: { status: number; body: unknown }, status: number, code: string) {
  assertEquals(outcome.status, status, JSON.stringify(outcome.body));
  const body = outcome.body as { error: { code: string; message: string } };
  assertEquals(Object.keys(body), ["error"]);
  assertEquals(body.error.code, code);
  assert(typeof body.error.message === "string" && body.error.message.length > 0);
}

async function assertNoPaddleCall() {
  assertEquals(await paddleRequests(), []);
}

function overviewIds(email: string): string[] {
  // The seed has no canceled subscriptions, so the overview asks for all of them, newest first.
  return demoUser(email).subscriptionIds;
}

for (const email of ["alice@example.com", "bob@example.com", "dave@example.com"]) {
  Deno.test(`${email}: the overview URL is minted for their own customer and nothing else`, async () => {
    await resetPaddle();
    const { client, user } = await signedInClient(email);
    const outcome = await invoke(client);
    assertEquals(outcome.status, 200, JSON.stringify(outcome.body));
    assertEquals(Object.keys(outcome.body), ["url"]);
    assertEquals(outcome.headers.get("cache-control"), "no-store");
    const url = new URL(outcome.body.url as string);
    assertEquals(url.searchParams.get("action"), "overview");

    const [request, ...more] = await paddleRequests();
    assertEquals(more.length, 0);
    assertEquals(request.method, "POST");
    assertEquals(request.path, `/customers/${user.customerId}/portal-sessions`);
    assertEquals(request.body, { subscription_ids: overviewIds(email) });
    assertEquals(request.headers.authorization, `bearer ${stackInfo().paddle.apiKey}`);
    assertMatch(request.headers["user-agent"], /^PaddleSDK\/node /);

    const page = await portalPage(url.href);
    assertEquals(page.status, 200);
    assertEquals(page.customerId, user.customerId);
    assertEquals(page.action, "overview");
  });
}

Deno.test("every call mints a fresh session: two clicks, two different URLs", async () => {
  await resetPaddle();
  const { client } = await signedInClient("alice@example.com");
  const first = await invoke(client);
  const second = await invoke(client, { target: "overview" });
  assertEquals([first.status, second.status], [200, 200]);
  assertNotEquals(first.body.url, second.body.url);
  assertEquals((await paddleRequests()).length, 2);
});

Deno.test("a deep link to cancel one subscription asks Paddle for that one only", async () => {
  await resetPaddle();
  const { client, user } = await signedInClient("alice@example.com");
  const subscriptionId = user.subscriptionIds[1];
  const outcome = await invoke(client, { target: "cancel_subscription", subscriptionId });
  assertEquals(outcome.status, 200);
  const url = new URL(outcome.body.url as string);
  assertEquals(url.searchParams.get("action"), "cancel_subscription");
  assertEquals(url.searchParams.get("subscription_id"), subscriptionId);
  const [request] = await paddleRequests();
  assertEquals(request.body, { subscription_ids: [subscriptionId] });
  const page = await portalPage(url.href);
  assertEquals([page.customerId, page.action, page.subscriptionId], [
    user.customerId,
    "cancel_subscription",
    subscriptionId,
  ]);
});

Deno.test("a deep link to update the payment method", async () => {
  await resetPaddle();
  const { client, user } = await signedInClient("dave@example.com");
  const subscriptionId = user.subscriptionIds[0];
  const outcome = await invoke(client, { target: "update_payment_method", subscriptionId });
  assertEquals(outcome.status, 200);
  const url = new URL(outcome.body.url as string);
  assertEquals(url.searchParams.get("action"), "update_subscription_payment_method");
  assertEquals(url.searchParams.get("subscription_id"), subscriptionId);
});

Deno.test("a user asking for a deep link to someone else's subscription is refused", async () => {
  await resetPaddle();
  const { client } = await signedInClient("alice@example.com");
  const daveSubscription = demoUser("dave@example.com").subscriptionIds[0];
  for (const target of ["cancel_subscription", "update_payment_method"]) {
    assertError(
      await invoke(client, { target, subscriptionId: daveSubscription }),
      404,
      "subscription_not_found",
    );
  }
  await assertNoPaddleCall();
});

Deno.test("a signed-in user without a Paddle customer gets no_paddle_customer and Paddle is not called", async () => {
  await resetPaddle();
  const { client } = await signedInClient("carol@example.com");
  assertError(await invoke(client), 404, "no_paddle_customer");
  await assertNoPaddleCall();
});

Deno.test("canceled subscriptions are left out of the overview", async () => {
  await resetPaddle();
  const dave = demoUser("dave@example.com");
  const canceled = "sub_01jtestcanceled00000000000";
  const db = new pg.Client({ connectionString: stackInfo().dbUrl });
  await db.connect();
  try {
    await db.query(
      `insert into public.subscriptions (subscription_id, customer_id, status, created_at)
       values ($1, $2, 'canceled', now())`,
      [canceled, dave.customerId],
    );
    const { client } = await signedInClient(dave.email);
    assertEquals((await invoke(client)).status, 200);
    const [request] = await paddleRequests();
    assertEquals(request.body, { subscription_ids: dave.subscriptionIds });
  } finally {
    await db.query("delete from public.subscriptions where subscription_id = $1", [canceled]);
    await db.end();
  }
});

Deno.test("callers that are not signed-in users are refused before anything else", async () => {
  await resetPaddle();
  const dave = demoUser("dave@example.com");
  const info = stackInfo();
  const expiredAt = Math.floor(Date.now() / 1000) - 7200;
  const { privateKey } = await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    true,
    ["sign"],
  );
  const { SignJWT } = await import("jose");
  const refused: [string, string | undefined][] = [
    ["no token", undefined],
    ["not a JWT", "not-a-token"],
    ["the anon key", info.anonKey],
    ["the service role key", info.serviceRoleKey],
    [
      "expired",
      await userToken(dave.userId, { iat: expiredAt, exp: expiredAt + 3600 }),
    ],
    ["wrong audience", await userToken(dave.userId, { aud: "other" })],
    [
      "wrong issuer",
      await userToken(dave.userId, { iss: "https://evil.example/auth/v1" }),
    ],
    ["role anon", await userToken(dave.userId, { role: "anon" })],
    [
      "role service_role",
      await userToken(dave.userId, { role: "service_role" }),
    ],
    ["anonymous user", await userToken(dave.userId, { is_anonymous: true })],
    [
      "forged signature",
      await new SignJWT(claims(dave.userId))
        .setProtectedHeader({ alg: "ES256", kid: String(info.signingKey.kid) })
        .sign(privateKey),
    ],
    ["alg none", `${btoa('{"alg":"none"}')}.${btoa(JSON.stringify(claims(dave.userId)))}.`],
  ];
  await control("DELETE", "/counters");
  for (const [what, token] of refused) {
    const outcome = await post({ token, body: "{}" });
    assertError(outcome, 401, "not_authenticated");
    assertEquals(outcome.headers.get("access-control-allow-origin"), "*", what);
  }
  await assertNoPaddleCall();
  const counters = await control("GET", "/counters") as { rest: number };
  assertEquals(counters.rest, 0, "the database was queried for a refused caller");
});

Deno.test("a legacy HS256 user token verifies with the project's JWT secret", async () => {
  await resetPaddle();
  const dave = demoUser("dave@example.com");
  const token = await legacyUserToken(dave.userId);
  const outcome = await post({ token, body: "{}" });
  assertEquals(outcome.status, 200);
  assertEquals((await paddleRequests())[0].path, `/customers/${dave.customerId}/portal-sessions`);
});

Deno.test("bad requests get invalid_request, 405, 413, and change nothing", async () => {
  await resetPaddle();
  const { accessToken, user } = await signedInClient("alice@example.com");
  for (
    const body of [
      "{not json",
      JSON.stringify({ target: "somewhere" }),
      JSON.stringify({ target: "cancel_subscription" }),
      JSON.stringify({ target: "cancel_subscription", subscriptionId: "sub_123" }),
      JSON.stringify({ customerId: "ctm_01jdemodave000000000000000" }),
      JSON.stringify({ subscriptionId: user.subscriptionIds[0], extra: true }),
      JSON.stringify([1, 2]),
    ]
  ) {
    assertError(
      await post({ token: accessToken, body, headers: { "content-type": "application/json" } }),
      400,
      "invalid_request",
    );
  }
  const big = await post({
    token: accessToken,
    body: JSON.stringify({ pad: "x".repeat(17 * 1024) }),
  });
  assertError(big, 413, "payload_too_large");
  for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
    const outcome = await post({
      token: accessToken,
      method,
      body: method === "GET" ? undefined : "{}",
    });
    assertError(outcome, 405, "method_not_allowed");
    assertEquals(outcome.headers.get("allow"), "POST, OPTIONS");
  }
  await assertNoPaddleCall();
});

Deno.test("CORS: the preflight answers 204 with the headers supabase-js sends", async () => {
  const res = await fetch(`${stackInfo().apiUrl}/functions/v1/${FUNCTION}`, {
    method: "OPTIONS",
    headers: {
      origin: "http://localhost:3000",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, x-client-info, apikey, content-type",
    },
  });
  await res.body?.cancel();
  assertEquals(res.status, 204);
  assertEquals(res.headers.get("access-control-allow-origin"), "*");
  const allowed = res.headers.get("access-control-allow-headers") ?? "";
  for (const header of ["authorization", "x-client-info", "apikey", "content-type"]) {
    assert(allowed.includes(header), `${header} not allowed`);
  }
  assert(res.headers.get("access-control-allow-methods")?.includes("POST"));
});

Deno.test("Paddle faults map to their rows of the error table", async (t) => {
  const { client } = await signedInClient("alice@example.com");
  const cases: {
    name: string;
    faults: Parameters<typeof queueFault>[0][];
    status: number;
    code: string;
    paddleCalls: number;
  }[] = [
    {
      name: "429 → rate_limited with Retry-After, no retry",
      faults: [{ status: 429, headers: { "Retry-After": "42" } }],
      status: 503,
      code: "rate_limited",
      paddleCalls: 1,
    },
    {
      name: "403 (our key refused) → misconfigured, no retry",
      faults: [{ status: 403 }],
      status: 500,
      code: "misconfigured",
      paddleCalls: 1,
    },
    {
      name: "401 → misconfigured",
      faults: [{ status: 401 }],
      status: 500,
      code: "misconfigured",
      paddleCalls: 1,
    },
    {
      name: "500 twice → paddle_unavailable after one retry",
      faults: [{ status: 500, count: 2 }],
      status: 502,
      code: "paddle_unavailable",
      paddleCalls: 2,
    },
    {
      name: "an HTML 502 from a proxy, twice → paddle_unavailable",
      faults: [{
        status: 502,
        body: "<html><body>Bad gateway</body></html>",
        headers: { "content-type": "text/html" },
        count: 2,
      }],
      status: 502,
      code: "paddle_unavailable",
      paddleCalls: 2,
    },
    {
      name: "no answer → paddle_timeout",
      faults: [{ hang: true, count: 2 }],
      status: 504,
      code: "paddle_timeout",
      paddleCalls: 0,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      await resetPaddle();
      for (const fault of c.faults) await queueFault(fault);
      const outcome = await invoke(client);
      assertError(outcome, c.status, c.code);
      assertEquals(outcome.headers.get("access-control-allow-origin"), "*");
      if (c.code === "rate_limited") assertEquals(outcome.headers.get("retry-after"), "42");
      if (c.paddleCalls) assertEquals((await paddleRequests()).length, c.paddleCalls);
      else assert((await paddleRequests()).length >= 1);
    });
  }
  await t.step("one 500 then success: the retry hides the blip", async () => {
    await resetPaddle();
    await queueFault({ status: 500 });
    const outcome = await invoke(client);
    assertEquals(outcome.status, 200);
    assertEquals((await paddleRequests()).length, 2);
  });
  await resetPaddle();
});

Deno.test("with PostgREST stopped the answer is database_unavailable, and Paddle is not called", async () => {
  await resetPaddle();
  const { client } = await signedInClient("alice@example.com");
  await control("POST", "/postgrest/stop");
  try {
    const outcome = await invoke(client);
    assertError(outcome, 503, "database_unavailable");
    await assertNoPaddleCall();
  } finally {
    await control("POST", "/postgrest/start");
  }
  assertEquals((await invoke(client)).status, 200);
});

Deno.test("steady state: one database request, one Paddle request, no Auth request per call", async () => {
  const { client } = await signedInClient("alice@example.com");
  await invoke(client); // warm: the JWKS is fetched at most once per process
  await resetPaddle();
  await control("DELETE", "/counters");
  for (let i = 0; i < 20; i++) assertEquals((await invoke(client)).status, 200);
  const counters = await control("GET", "/counters") as {
    rest: number;
    auth: number;
    functions: Record<string, number>;
  };
  assertEquals(counters.functions[FUNCTION], 20);
  assertEquals(counters.rest, 20);
  assertEquals(counters.auth, 0);
  assertEquals((await paddleRequests()).length, 20);
});

Deno.test("logs carry no token, key, email or portal URL", async () => {
  await control("DELETE", `/functions/${FUNCTION}/logs`);
  await resetPaddle();
  const { client, accessToken } = await signedInClient("alice@example.com");
  const ok = await invoke(client);
  await invoke(client, {
    target: "cancel_subscription",
    subscriptionId: "sub_01jdemodavesub100000000000",
  });
  await post({ token: stackInfo().serviceRoleKey, body: "{}" });
  const logs = (await control("GET", `/functions/${FUNCTION}/logs`)) as string[];
  assert(logs.length >= 3, `expected one line per request, got ${logs.length}`);
  const text = logs.join("\n");
  for (
    const secret of [
      accessToken,
      accessToken.split(".")[2],
      stackInfo().serviceRoleKey,
      stackInfo().anonKey,
      stackInfo().paddle.apiKey,
      "alice@example.com",
      ok.body.url as string,
      new URL(ok.body.url as string).searchParams.get("token")!,
    ]
  ) {
    assert(!text.includes(secret), `a log line contains ${secret.slice(0, 12)}…`);
  }
  for (const line of logs) JSON.parse(line); // one JSON object per line
});

Deno.test("200 concurrent calls from 4 users: every URL is for its caller's own customer", async () => {
  // Four more users with customers, so the load mixes callers with distinct Paddle customers.
  const db = new pg.Client({ connectionString: stackInfo().dbUrl });
  await db.connect();
  const users: { userId: string; customerId: string }[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const userId = crypto.randomUUID();
      const customerId = `ctm_01jload${String(i).padStart(19, "0")}`;
      await db.query(
        `insert into auth.users (id, aud, role, email, email_confirmed_at)
         values ($1, 'authenticated', 'authenticated', $2, now())`,
        [userId, `load${i}-${userId}@example.com`],
      );
      await db.query("insert into public.customers (customer_id, user_id) values ($1, $2)", [
        customerId,
        userId,
      ]);
      await registerCustomer(customerId);
      users.push({ userId, customerId });
    }
    await resetPaddle();
    const tokens = await Promise.all(users.map((u) => userToken(u.userId)));
    const calls = Array.from({ length: 200 }, (_, i) => i % users.length);
    const results = await Promise.all(calls.map(async (who) => ({
      who,
      outcome: await post({ token: tokens[who], body: "{}" }),
    })));
    const urls = new Set<string>();
    for (const { who, outcome } of results) {
      assertEquals(outcome.status, 200, JSON.stringify(outcome.body));
      urls.add(outcome.body.url);
      const page = await portalPage(outcome.body.url);
      assertEquals(page.customerId, users[who].customerId);
    }
    assertEquals(urls.size, 200);
    assertEquals((await paddleRequests()).length, 200);
  } finally {
    await db.query("delete from auth.users where id = any($1)", [users.map((u) => u.userId)]);
    await db.query("delete from public.customers where customer_id like 'ctm_01jload%'");
    await db.end();
  }
});

Deno.test("anon client: functions.invoke without a session is not_authenticated", async () => {
  await resetPaddle();
  assertError(await invoke(anonClient()), 401, "not_authenticated");
  await assertNoPaddleCall();
});
