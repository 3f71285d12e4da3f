/**
 * The per-user mint limit (MINT_RATE_LIMIT_PER_MINUTE, default 10) through the whole stack: the
 * real function at its default limit (`customer-portal-default-limit`, see run_tests.ts), the real
 * lookup RPC and counter table in PostgreSQL, the Paddle simulator's request log as proof of what
 * reached "Paddle". Each test makes its own users, so the counters start empty.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { randomPaddleId, withClient } from "./_db.ts";
import { userToken } from "./_tokens.ts";
import { callFunction, type FunctionAnswer, stackInfo } from "./_stack.ts";
import { portalPage, portalSessionRequests, registerCustomer, resetPaddle } from "./_paddle.ts";

const LIMITED = "customer-portal-default-limit";
const LIMIT = 10;

type Outcome = FunctionAnswer;
const call = callFunction;

/** A confirmed user with a Paddle customer (known to the simulator) and `subscriptions` of them. */
async function billedUser(subscriptions = 1) {
  const userId = crypto.randomUUID();
  const customerId = randomPaddleId("ctm");
  const subscriptionIds = Array.from({ length: subscriptions }, () => randomPaddleId("sub"));
  await withClient(async (db) => {
    await db.query(
      `insert into auth.users (id, aud, role, email, email_confirmed_at)
       values ($1, 'authenticated', 'authenticated', $2, now())`,
      [userId, `mint-${userId}@example.test`],
    );
    await db.query("insert into public.customers (customer_id, user_id) values ($1, $2)", [
      customerId,
      userId,
    ]);
    for (const id of subscriptionIds) {
      await db.query(
        "insert into public.subscriptions (subscription_id, customer_id, status) values ($1, $2, 'active')",
        [id, customerId],
      );
    }
  });
  await registerCustomer(customerId);
  return { userId, customerId, subscriptionIds, token: await userToken(userId) };
}

async function sessionsFor(customerId: string): Promise<number> {
  return (await portalSessionRequests()).filter((r) => r.path.includes(customerId)).length;
}

function assertTooMany(outcome: Outcome) {
  assertEquals(outcome.status, 429, JSON.stringify(outcome.body));
  assertEquals(outcome.body.error?.code, "too_many_requests");
  assertEquals(Object.keys(outcome.body), ["error"]);
  const retryAfter = outcome.headers.get("retry-after") ?? "";
  assertMatch(retryAfter, /^\d+$/);
  assert(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After ${retryAfter}`);
  assertEquals(outcome.headers.get("access-control-allow-origin"), "*");
  assertMatch(outcome.headers.get("access-control-expose-headers") ?? "", /Retry-After/);
  assertMatch(outcome.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
}

Deno.test("a flood from one user: exactly the limit of Paddle sessions, 429 with Retry-After after, others unaffected", async () => {
  await resetPaddle();
  const flooder = await billedUser();
  const bystander = await billedUser();
  // All at once: the counter's row lock must hold the line under concurrency.
  const [flood, bystanderOutcome] = await Promise.all([
    Promise.all(Array.from({ length: LIMIT + 15 }, () => call(LIMITED, flooder.token))),
    call(LIMITED, bystander.token),
  ]);
  const ok = flood.filter((o) => o.status === 200);
  assertEquals(ok.length, LIMIT);
  for (const o of flood.filter((o) => o.status !== 200)) assertTooMany(o);
  assertEquals(await sessionsFor(flooder.customerId), LIMIT, "no Paddle call over the limit");
  assertEquals(new Set(ok.map((o) => o.body.url)).size, LIMIT);
  assertEquals((await portalPage(ok[0].body.url!)).customerId, flooder.customerId);

  assertEquals(bystanderOutcome.status, 200, JSON.stringify(bystanderOutcome.body));
  assertEquals(await sessionsFor(bystander.customerId), 1);
  // Still over the limit a moment later; the bystander still is not.
  assertTooMany(await call(LIMITED, flooder.token));
  assertEquals((await call(LIMITED, bystander.token)).status, 200);
});

Deno.test("Retry-After counts down to when the oldest slot frees, and then a slot is there", async () => {
  await resetPaddle();
  const user = await billedUser();
  for (let i = 0; i < LIMIT; i++) assertEquals((await call(LIMITED, user.token)).status, 200);
  assertTooMany(await call(LIMITED, user.token));
  // Age the slots as if they had been taken 50 s ago: the first frees in about 10 s.
  await withClient((db) =>
    db.query(
      "update billing_private.mint_slots set seconds = array(select s - 50 from unnest(seconds) s) where user_id = $1",
      [user.userId],
    )
  );
  // When the oldest slot's second leaves the window, by the database's clock.
  const { rows } = await withClient((db) =>
    db.query(
      `select min(s) + 60 - floor(extract(epoch from clock_timestamp()))::bigint as expected
       from billing_private.mint_slots, unnest(seconds) s where user_id = $1`,
      [user.userId],
    )
  );
  const expected = Number(rows[0].expected);
  assert(expected >= 5 && expected <= 10, `the oldest slot frees in ${expected} s`);
  const later = await call(LIMITED, user.token);
  assertTooMany(later);
  const retryAfter = Number(later.headers.get("retry-after"));
  assert(Math.abs(retryAfter - expected) <= 1, `Retry-After ${retryAfter}, expected ${expected}`);
  // And 61 s ago: the whole window has passed.
  await withClient((db) =>
    db.query(
      "update billing_private.mint_slots set seconds = array(select s - 11 from unnest(seconds) s) where user_id = $1",
      [user.userId],
    )
  );
  assertEquals((await call(LIMITED, user.token)).status, 200);
  assertEquals(await sessionsFor(user.customerId), LIMIT + 1);
});

Deno.test("refusals take no slot: no customer, someone else's deep link, bad requests", async () => {
  await resetPaddle();
  const user = await billedUser(1);
  const other = await billedUser(1);
  const noCustomer = crypto.randomUUID();
  await withClient((db) =>
    db.query(
      `insert into auth.users (id, aud, role, email, email_confirmed_at)
       values ($1, 'authenticated', 'authenticated', $2, now())`,
      [noCustomer, `none-${noCustomer}@example.test`],
    )
  );
  const noCustomerToken = await userToken(noCustomer);
  for (let i = 0; i < LIMIT + 2; i++) {
    assertEquals((await call(LIMITED, noCustomerToken)).body.error?.code, "no_paddle_customer");
    const foreign = await call(LIMITED, user.token, {
      target: "cancel_subscription",
      subscriptionId: other.subscriptionIds[0],
    });
    assertEquals(foreign.body.error?.code, "subscription_not_found");
    assertEquals((await call(LIMITED, user.token, { target: "nope" })).status, 400);
  }
  // The full allowance is still there, deep links included.
  for (let i = 0; i < LIMIT; i++) {
    const outcome = i % 2 === 0
      ? await call(LIMITED, user.token)
      : await call(LIMITED, user.token, {
        target: "update_payment_method",
        subscriptionId: user.subscriptionIds[0],
      });
    assertEquals(outcome.status, 200, JSON.stringify(outcome.body));
  }
  assertTooMany(await call(LIMITED, user.token));
  assertEquals(await sessionsFor(user.customerId), LIMIT);
  assertEquals(await sessionsFor(other.customerId), 0);
});

Deno.test("the portal request stays one database round trip with the limit on", async () => {
  const user = await billedUser();
  await call(LIMITED, user.token); // warm the JWKS
  await fetch(`${stackInfo().controlUrl}/counters`, { method: "DELETE" }).then((r) =>
    r.body?.cancel()
  );
  for (let i = 0; i < 5; i++) assertEquals((await call(LIMITED, user.token)).status, 200);
  const counters = await (await fetch(`${stackInfo().controlUrl}/counters`)).json();
  assertEquals(counters.functions[LIMITED], 5);
  assertEquals(counters.rest, 5);
  assertEquals(counters.auth, 0);
});

Deno.test("users can neither read nor write the counters, through the Data API or SQL", async () => {
  const user = await billedUser();
  assertEquals((await call(LIMITED, user.token)).status, 200);
  const rest = (path: string, init: RequestInit = {}) =>
    fetch(`${stackInfo().apiUrl}/rest/v1/${path}`, {
      ...init,
      headers: {
        apikey: stackInfo().anonKey,
        authorization: `Bearer ${user.token}`,
        "content-type": "application/json",
        ...init.headers,
      },
    });
  for (
    const res of [
      await rest("mint_slots"),
      await rest("mint_slots", { headers: { "accept-profile": "billing_private" } }),
      await rest("rpc/take_mint_slot", { method: "POST", body: '{"p_limit": 0}' }),
      await rest("rpc/take_mint_slot", {
        method: "POST",
        body: '{"p_limit": 0}',
        headers: { "content-profile": "billing_private" },
      }),
    ]
  ) {
    await res.body?.cancel();
    assert(res.status >= 400 && res.status < 500, `status ${res.status}`);
  }

  await withClient(async (db) => {
    for (const role of ["authenticated", "anon"]) {
      await db.query("begin");
      try {
        await db.query(`set local role ${role}`);
        await db.query("select set_config('request.jwt.claims', $1, true)", [
          JSON.stringify({ sub: user.userId, role }),
        ]);
        for (
          const sql of [
            "select * from billing_private.mint_slots",
            "delete from billing_private.mint_slots",
            "update billing_private.mint_slots set seconds = '{}', counts = '{}'",
          ]
        ) {
          await db.query("savepoint s");
          const error = await db.query(sql).then(() => null, (e) => e);
          assertEquals(error?.code, "42501", `${role}: ${sql}`);
          await db.query("rollback to savepoint s");
        }
      } finally {
        await db.query("rollback");
      }
    }
  });
});

Deno.test("the lookup RPC called directly only ever spends the caller's own slots", async () => {
  const user = await billedUser();
  const other = await billedUser();
  const rpc = async (token: string, limit: number) => {
    const res = await fetch(`${stackInfo().apiUrl}/rest/v1/rpc/customer_portal_lookup`, {
      method: "POST",
      headers: {
        apikey: stackInfo().anonKey,
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ p_subscription_id: null, p_mint_limit: limit }),
    });
    return { status: res.status, body: await res.json() };
  };
  const own = await rpc(user.token, 3);
  assertEquals(own.status, 200);
  assertEquals(own.body.customer.customer_id, user.customerId);
  assertEquals(own.body.mint, { taken: true, retry_after_seconds: null });
  for (let i = 0; i < 5; i++) await rpc(user.token, 1000);
  // The other user's allowance is untouched: all ten of their slots are there.
  for (let i = 0; i < LIMIT; i++) assertEquals((await call(LIMITED, other.token)).status, 200);
  assertTooMany(await call(LIMITED, other.token));
  // The anon key alone cannot call it.
  const anon = await fetch(`${stackInfo().apiUrl}/rest/v1/rpc/customer_portal_lookup`, {
    method: "POST",
    headers: { apikey: stackInfo().anonKey, "content-type": "application/json" },
    body: "{}",
  });
  await anon.body?.cancel();
  assert(anon.status === 401 || anon.status === 403 || anon.status === 404, `${anon.status}`);
});

Deno.test("the counters stay bounded: one row per user, at most 60 one-second buckets", async () => {
  const user = await billedUser();
  await withClient(async (db) => {
    // A row left with hundreds of stale buckets (as if from long ago) is trimmed by one take.
    await db.query(
      `insert into billing_private.mint_slots (user_id, seconds, counts)
       select $1, array_agg(s order by s), array_agg(1)
       from generate_series(extract(epoch from now())::bigint - 5000, extract(epoch from now())::bigint - 4501) s`,
      [user.userId],
    );
  });
  assertEquals((await call(LIMITED, user.token)).status, 200);
  for (let i = 0; i < 3; i++) await call(LIMITED, user.token);
  const rows = await withClient((db) =>
    db.query(
      "select cardinality(seconds) as buckets, (select sum(c) from unnest(counts) c)::int as slots from billing_private.mint_slots where user_id = $1",
      [user.userId],
    )
  );
  assertEquals(rows.rows.length, 1);
  assert(rows.rows[0].buckets >= 1 && rows.rows[0].buckets <= 4, `${rows.rows[0].buckets}`);
  assertEquals(rows.rows[0].slots, 4);
  // The row goes with the user.
  await withClient((db) => db.query("delete from auth.users where id = $1", [user.userId]));
  const gone = await withClient((db) =>
    db.query("select 1 from billing_private.mint_slots where user_id = $1", [user.userId])
  );
  assertEquals(gone.rows.length, 0);
});

Deno.test("MINT_RATE_LIMIT_PER_MINUTE=0 turns the limit off in SQL: every take succeeds, nothing is stored", async () => {
  const user = await billedUser();
  await withClient(async (db) => {
    await db.query("begin");
    try {
      await db.query("set local role authenticated");
      await db.query("select set_config('request.jwt.claims', $1, true)", [
        JSON.stringify({ sub: user.userId, role: "authenticated" }),
      ]);
      for (let i = 0; i < 30; i++) {
        const { rows } = await db.query("select billing_private.take_mint_slot(0) as r");
        assertEquals(rows[0].r, 0);
      }
      const { rows } = await db.query(
        "select (public.customer_portal_lookup(null, 0) -> 'mint') as m",
      );
      assertEquals(rows[0].m, { taken: true, retry_after_seconds: null });
    } finally {
      await db.query("rollback");
    }
    const { rows } = await db.query("select 1 from billing_private.mint_slots where user_id = $1", [
      user.userId,
    ]);
    assertEquals(rows.length, 0);
  });
});
