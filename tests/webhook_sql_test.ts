/**
 * `public.apply_paddle_event` and the auth.users linking trigger, against a real database that has
 * local/bootstrap.sql, the migrations and supabase/seed.sql applied.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:55499/postgres deno test -A tests/webhook_sql_test.ts
 *
 * Under `deno task test` the stack's database is used (its stack.json `dbUrl`); with neither,
 * the tests fail (they never skip). Tests create their own users and ids, so they
 * can run repeatedly against the same database. The property test prints its seed; rerun with
 * WEBHOOK_PROPERTY_SEED=<seed> to reproduce a failure.
 */
import assert from "node:assert/strict";
import {
  customerData,
  type PaddleEvent,
  paddleEvent,
  paddleId,
  type Plan,
  PLANS,
  type ScheduledChange,
  subscriptionData,
  type SubscriptionStatus,
} from "../local/paddle_webhooks/payloads.ts";
import {
  apply,
  type Client,
  createUser,
  prng,
  propertySeed,
  sqlState,
  uniqueEmail,
  withClient,
} from "./_db.ts";

const T0 = Date.parse("2026-03-01T12:00:00.000Z");

async function customer(client: Client, customerId: string) {
  const { rows } = await client.query(
    `select customer_id, user_id, email, last_event_id from public.customers where customer_id = $1`,
    [customerId],
  );
  return rows[0];
}

async function subscription(client: Client, subscriptionId: string) {
  const { rows } = await client.query(
    `select subscription_id, customer_id, status, price_id, product_id, scheduled_change_action,
            scheduled_change_effective_at, scheduled_change_resume_at, last_event_id
     from public.subscriptions where subscription_id = $1`,
    [subscriptionId],
  );
  return rows[0];
}

/** What a signed-in user reads through PostgREST (RLS as `authenticated`). */
async function visibleTo(client: Client, userId: string) {
  await client.query("begin");
  try {
    await client.query("set local role authenticated");
    await client.query("select set_config('request.jwt.claims', $1, true)", [
      JSON.stringify({ sub: userId, role: "authenticated", aud: "authenticated" }),
    ]);
    const customers = await client.query("select customer_id from public.customers");
    const subscriptions = await client.query("select subscription_id from public.subscriptions");
    return {
      customers: customers.rows.map((r) => r.customer_id as string),
      subscriptions: subscriptions.rows.map((r) => r.subscription_id as string),
    };
  } finally {
    await client.query("rollback");
  }
}

function customerEvent(
  type: "customer.created" | "customer.updated",
  id: string,
  email: string,
  atMs: number,
): PaddleEvent {
  return paddleEvent(type, customerData({ id, email, createdAtMs: T0, updatedAtMs: atMs }), atMs);
}

function subscriptionEvent(
  type: string,
  init: {
    id: string;
    customerId: string;
    status: SubscriptionStatus;
    plan: Plan;
    scheduledChange?: ScheduledChange | null;
    userId?: string;
  },
  atMs: number,
): PaddleEvent {
  return paddleEvent(
    type,
    subscriptionData({
      ...init,
      createdAtMs: T0,
      updatedAtMs: atMs,
      customData: init.userId ? { user_id: init.userId } : null,
    }),
    atMs,
  );
}

Deno.test({
  name: "replay: a redelivered event_id changes nothing",
  fn: () =>
    withClient(async (client) => {
      const email = uniqueEmail("replay");
      await createUser(client, email, true);
      const customerId = paddleId("ctm");
      const subscriptionId = paddleId("sub");
      const created = customerEvent("customer.created", customerId, email, T0);
      const sub = subscriptionEvent("subscription.created", {
        id: subscriptionId,
        customerId,
        status: "active",
        plan: PLANS.basic,
      }, T0 + 1);
      assert.equal((await apply(client, created)).outcome, "applied");
      assert.equal((await apply(client, sub)).outcome, "applied");

      const snapshot = async () => {
        const c = await client.query("select * from public.customers where customer_id = $1", [
          customerId,
        ]);
        const s = await client.query(
          "select * from public.subscriptions where subscription_id = $1",
          [subscriptionId],
        );
        return { c: c.rows, s: s.rows };
      };
      const before = await snapshot();
      for (const event of [created, sub, created]) {
        const result = await apply(client, event);
        assert.equal(result.outcome, "duplicate");
        assert.equal(result.first_outcome, "applied");
      }
      assert.deepEqual(await snapshot(), before);
      const ledger = await client.query(
        "select count(*)::int as n from public.paddle_events where event_id = any($1)",
        [[created.event_id, sub.event_id]],
      );
      assert.equal(ledger.rows[0].n, 2);
    }),
});

Deno.test({
  name: "newest wins: an older event arriving later changes nothing",
  fn: () =>
    withClient(async (client) => {
      const customerId = paddleId("ctm");
      const id = paddleId("sub");
      await apply(client, customerEvent("customer.created", customerId, uniqueEmail("nw"), T0));
      const newer = subscriptionEvent("subscription.canceled", {
        id,
        customerId,
        status: "canceled",
        plan: PLANS.pro,
      }, T0 + 2000);
      const older = subscriptionEvent("subscription.activated", {
        id,
        customerId,
        status: "active",
        plan: PLANS.basic,
      }, T0 + 1000);
      assert.equal((await apply(client, newer)).outcome, "applied");
      assert.equal((await apply(client, older)).outcome, "stale");
      const row = await subscription(client, id);
      assert.equal(row.status, "canceled");
      assert.equal(row.price_id, PLANS.pro.priceId);
      assert.equal(row.last_event_id, newer.event_id);
      const ledger = await client.query(
        "select outcome from public.paddle_events where event_id = $1",
        [older.event_id],
      );
      assert.equal(ledger.rows[0].outcome, "stale");
    }),
});

Deno.test({
  name: "newest wins: equal occurred_at is broken by event_id, the same in either order",
  fn: () =>
    withClient(async (client) => {
      const finals = [];
      for (const reverse of [false, true]) {
        const customerId = paddleId("ctm");
        const id = paddleId("sub");
        const a = subscriptionEvent("subscription.updated", {
          id,
          customerId,
          status: "active",
          plan: PLANS.basic,
        }, T0);
        const b = subscriptionEvent("subscription.past_due", {
          id,
          customerId,
          status: "past_due",
          plan: PLANS.pro,
        }, T0);
        const [low, high] = a.event_id < b.event_id ? [a, b] : [b, a];
        for (const event of reverse ? [high, low] : [low, high]) await apply(client, event);
        const row = await subscription(client, id);
        assert.equal(row.last_event_id, high.event_id);
        finals.push(row.status === (high.data.status as string));
      }
      assert.deepEqual(finals, [true, true]);
    }),
});

/** A customer and three changes to its subscription: the newest state is known in advance. */
async function fourEventSequence(client: Client, label: string) {
  const email = uniqueEmail(label);
  const userId = await createUser(client, email, true);
  const customerId = paddleId("ctm");
  const id = paddleId("sub");
  const base = { id, customerId, userId };
  const events = [
    customerEvent("customer.created", customerId, email.toUpperCase(), T0),
    subscriptionEvent("subscription.created", {
      ...base,
      status: "trialing",
      plan: PLANS.basic,
    }, T0 + 10),
    subscriptionEvent("subscription.updated", {
      ...base,
      status: "active",
      plan: PLANS.pro,
      scheduledChange: {
        action: "cancel",
        effective_at: "2026-04-01T12:00:00.000000Z",
        resume_at: null,
      },
    }, T0 + 20),
    subscriptionEvent("subscription.past_due", {
      ...base,
      status: "past_due",
      plan: PLANS.pro,
    }, T0 + 30),
  ];
  const expect = async () => {
    const c = await customer(client, customerId);
    assert.equal(c.user_id, userId, "customer linked to the confirmed user");
    assert.equal(c.email, email.toUpperCase());
    assert.equal(c.last_event_id, events[0].event_id);
    const s = await subscription(client, id);
    assert.equal(s.customer_id, customerId);
    assert.equal(s.status, "past_due");
    assert.equal(s.price_id, PLANS.pro.priceId);
    assert.equal(s.product_id, PLANS.pro.productId);
    assert.equal(s.scheduled_change_action, null);
    assert.equal(s.scheduled_change_effective_at, null);
    assert.equal(s.last_event_id, events[3].event_id);
    const ledger = await client.query(
      "select count(*)::int as n from public.paddle_events where event_id = any($1)",
      [events.map((e) => e.event_id)],
    );
    assert.equal(ledger.rows[0].n, 4);
    assert.deepEqual(await visibleTo(client, userId), {
      customers: [customerId],
      subscriptions: [id],
    });
  };
  return { events, expect };
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest])
  );
}

Deno.test({
  name: "all 24 arrival orders of a 4-event sequence converge on the newest state",
  fn: () =>
    withClient(async (client) => {
      for (const order of permutations([0, 1, 2, 3])) {
        const { events, expect } = await fourEventSequence(client, `perm${order.join("")}`);
        for (const i of order) await apply(client, events[i]);
        await expect();
      }
    }),
});

Deno.test({
  name: "property: random orders with random redeliveries converge on the newest state",
  fn: () =>
    withClient(async (client) => {
      const seed = propertySeed("WEBHOOK_PROPERTY_SEED");
      const random = prng(seed);
      for (let run = 0; run < 40; run++) {
        const { events, expect } = await fourEventSequence(client, `prop${run}`);
        // Paddle retries reuse the event; any event may come again, at any point.
        const deliveries = [...events];
        for (const event of events) if (random() < 0.4) deliveries.push(event);
        for (let i = deliveries.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
        }
        const seen = new Set<string>();
        for (const event of deliveries) {
          const result = await apply(client, event);
          assert.equal(
            result.outcome === "duplicate",
            seen.has(event.event_id),
            `seed ${seed} run ${run}: only a redelivery is a duplicate`,
          );
          seen.add(event.event_id);
        }
        try {
          await expect();
        } catch (error) {
          console.error(
            `seed ${seed} run ${run} order: ${deliveries.map((e) => events.indexOf(e)).join(",")}`,
          );
          throw error;
        }
      }
    }),
});

Deno.test({
  name: "lossless: a subscription before its customer is kept, then joins it",
  fn: () =>
    withClient(async (client) => {
      const email = uniqueEmail("early");
      const userId = await createUser(client, email, true);
      const customerId = paddleId("ctm");
      const id = paddleId("sub");
      const early = await apply(
        client,
        subscriptionEvent("subscription.created", {
          id,
          customerId,
          status: "active",
          plan: PLANS.basic,
        }, T0 + 5),
      );
      assert.equal(early.outcome, "applied");
      assert.equal(early.customer_stub_created, true);
      assert.equal((await subscription(client, id)).status, "active");
      const stub = await customer(client, customerId);
      assert.equal(stub.email, null);
      assert.equal(stub.user_id, null);
      assert.deepEqual(await visibleTo(client, userId), { customers: [], subscriptions: [] });

      const joined = await apply(client, customerEvent("customer.created", customerId, email, T0));
      assert.equal(joined.outcome, "applied");
      assert.equal(joined.linked_now, true);
      assert.equal((await customer(client, customerId)).email, email);
      assert.deepEqual(await visibleTo(client, userId), {
        customers: [customerId],
        subscriptions: [id],
      });
    }),
});

Deno.test({
  name: "takeover 1: signing up with the victim's email without confirming gets nothing",
  fn: () =>
    withClient(async (client) => {
      const victimEmail = uniqueEmail("victim");
      const attacker = await createUser(client, victimEmail, false);
      const customerId = paddleId("ctm");
      const id = paddleId("sub");
      const result = await apply(
        client,
        customerEvent("customer.created", customerId, victimEmail, T0),
      );
      assert.equal(result.customer_linked, false);
      await apply(
        client,
        subscriptionEvent("subscription.created", {
          id,
          customerId,
          status: "active",
          plan: PLANS.pro,
          userId: attacker,
        }, T0 + 1),
      );
      assert.equal((await customer(client, customerId)).user_id, null);
      assert.deepEqual(await visibleTo(client, attacker), { customers: [], subscriptions: [] });
      // Even a later customer.updated does not link an unconfirmed account.
      await apply(client, customerEvent("customer.updated", customerId, victimEmail, T0 + 2));
      assert.equal((await customer(client, customerId)).user_id, null);
    }),
});

Deno.test({
  name: "takeover 1 (seed): erin, whose email is not confirmed, is not linked",
  fn: () =>
    withClient(async (client) => {
      const { rows } = await client.query(
        "select id, email_confirmed_at from auth.users where email = 'erin@example.com'",
      );
      if (rows.length === 0 || rows[0].email_confirmed_at !== null) return; // seed not applied
      const { rows: linked } = await client.query(
        "select 1 from public.customers where user_id = $1",
        [rows[0].id],
      );
      if (linked.length > 0) return; // erin confirmed and was linked by an earlier run
      const customerId = paddleId("ctm");
      const result = await apply(
        client,
        customerEvent("customer.created", customerId, "Erin@Example.com", T0),
      );
      assert.equal(result.customer_linked, false);
      // Leave no unlinked row with erin's email behind for other suites to trip over.
      await client.query("delete from public.customers where customer_id = $1", [customerId]);
    }),
});

Deno.test({
  name: "takeover 2: checkout with the victim's email and the attacker's user id in customData",
  fn: () =>
    withClient(async (client) => {
      const victimEmail = uniqueEmail("victim");
      const victim = await createUser(client, victimEmail, true);
      const attacker = await createUser(client, uniqueEmail("attacker"), true);
      const customerId = paddleId("ctm");
      await apply(client, customerEvent("customer.created", customerId, victimEmail, T0));
      assert.equal((await customer(client, customerId)).user_id, victim);

      // Paddle reuses the victim's customer; checkout's customData names the attacker.
      const id = paddleId("sub");
      const result = await apply(
        client,
        subscriptionEvent("subscription.created", {
          id,
          customerId,
          status: "active",
          plan: PLANS.pro,
          userId: attacker,
        }, T0 + 1),
      );
      assert.equal(result.custom_data_user_id, "differs");
      assert.equal((await customer(client, customerId)).user_id, victim);
      assert.deepEqual(await visibleTo(client, attacker), { customers: [], subscriptions: [] });
      assert.deepEqual(await visibleTo(client, victim), {
        customers: [customerId],
        subscriptions: [id],
      });

      // The victim's own later checkout reports a match.
      const own = await apply(
        client,
        subscriptionEvent("subscription.updated", {
          id,
          customerId,
          status: "active",
          plan: PLANS.basic,
          userId: victim,
        }, T0 + 2),
      );
      assert.equal(own.custom_data_user_id, "matches");
    }),
});

Deno.test({
  name: "takeover 2: customData alone never links an unlinked customer",
  fn: () =>
    withClient(async (client) => {
      // The victim has no account yet: nothing confirms the email, so nobody gets the customer.
      const attacker = await createUser(client, uniqueEmail("attacker"), true);
      const customerId = paddleId("ctm");
      const id = paddleId("sub");
      await apply(client, customerEvent("customer.created", customerId, uniqueEmail("nobody"), T0));
      const result = await apply(
        client,
        subscriptionEvent("subscription.created", {
          id,
          customerId,
          status: "active",
          plan: PLANS.pro,
          userId: attacker,
        }, T0 + 1),
      );
      assert.equal(result.custom_data_user_id, "unverified");
      assert.equal((await customer(client, customerId)).user_id, null);
      assert.deepEqual(await visibleTo(client, attacker), { customers: [], subscriptions: [] });
    }),
});

Deno.test({
  name: "email case: a confirmed email matches whatever its case",
  fn: () =>
    withClient(async (client) => {
      const email = uniqueEmail("case");
      const userId = await createUser(client, email, true);
      const customerId = paddleId("ctm");
      const mixed = email.replace(/^./, (c) => c.toUpperCase()).replace("@example", "@EXAMPLE");
      const result = await apply(client, customerEvent("customer.created", customerId, mixed, T0));
      assert.equal(result.linked_now, true);
      assert.equal((await customer(client, customerId)).user_id, userId);
    }),
});

Deno.test({
  name: "email case: two confirmed accounts that differ only by case link neither",
  fn: () =>
    withClient(async (client) => {
      const email = uniqueEmail("twins");
      await createUser(client, email, true);
      await createUser(client, email.toUpperCase(), true);
      const customerId = paddleId("ctm");
      const result = await apply(client, customerEvent("customer.created", customerId, email, T0));
      assert.equal(result.customer_linked, false);
    }),
});

Deno.test({
  name: "email change in Paddle: the link stays, even when the new email is another user's",
  fn: () =>
    withClient(async (client) => {
      const email = uniqueEmail("owner");
      const owner = await createUser(client, email, true);
      const otherEmail = uniqueEmail("other");
      await createUser(client, otherEmail, true);
      const customerId = paddleId("ctm");
      await apply(client, customerEvent("customer.created", customerId, email, T0));
      await apply(
        client,
        customerEvent("customer.updated", customerId, uniqueEmail("new"), T0 + 1),
      );
      assert.equal((await customer(client, customerId)).user_id, owner);
      await apply(client, customerEvent("customer.updated", customerId, otherEmail, T0 + 2));
      const row = await customer(client, customerId);
      assert.equal(row.user_id, owner);
      assert.equal(row.email, otherEmail);
    }),
});

Deno.test({
  name: "email change in auth: the link stays and no second customer is linked",
  fn: () =>
    withClient(async (client) => {
      const email = uniqueEmail("mover");
      const userId = await createUser(client, email, true);
      const first = paddleId("ctm");
      await apply(client, customerEvent("customer.created", first, email, T0));
      const newEmail = uniqueEmail("moved");
      const second = paddleId("ctm");
      await apply(client, customerEvent("customer.created", second, newEmail, T0));
      assert.equal((await customer(client, second)).user_id, null);

      await client.query("update auth.users set email = $1 where id = $2", [newEmail, userId]);
      assert.equal((await customer(client, first)).user_id, userId);
      assert.equal((await customer(client, second)).user_id, null);
    }),
});

Deno.test({
  name: "a user already linked is not linked to a second customer with the same email",
  fn: () =>
    withClient(async (client) => {
      const email = uniqueEmail("twice");
      const userId = await createUser(client, email, true);
      const first = paddleId("ctm");
      const second = paddleId("ctm");
      await apply(client, customerEvent("customer.created", first, email, T0));
      const result = await apply(client, customerEvent("customer.created", second, email, T0));
      assert.equal(result.customer_linked, false);
      assert.equal((await customer(client, first)).user_id, userId);
    }),
});

Deno.test({
  name: "confirming later links the existing customer without another webhook",
  fn: () =>
    withClient(async (client) => {
      const email = uniqueEmail("later");
      const userId = await createUser(client, email, false);
      const customerId = paddleId("ctm");
      const id = paddleId("sub");
      await apply(client, customerEvent("customer.created", customerId, email, T0));
      await apply(
        client,
        subscriptionEvent("subscription.created", {
          id,
          customerId,
          status: "active",
          plan: PLANS.basic,
        }, T0 + 1),
      );
      assert.equal((await customer(client, customerId)).user_id, null);

      await client.query("update auth.users set email_confirmed_at = now() where id = $1", [
        userId,
      ]);
      assert.equal((await customer(client, customerId)).user_id, userId);
      assert.deepEqual(await visibleTo(client, userId), {
        customers: [customerId],
        subscriptions: [id],
      });
    }),
});

Deno.test({
  name: "a user created already confirmed after the customer exists is linked",
  fn: () =>
    withClient(async (client) => {
      const email = uniqueEmail("oauth");
      const customerId = paddleId("ctm");
      await apply(client, customerEvent("customer.created", customerId, email, T0));
      const userId = await createUser(client, email.toUpperCase(), true);
      assert.equal((await customer(client, customerId)).user_id, userId);
    }),
});

Deno.test({
  name: "permissions: only service_role may apply events; the ledger is hidden from the API roles",
  fn: () =>
    withClient(async (client) => {
      const event = customerEvent("customer.created", paddleId("ctm"), uniqueEmail("perm"), T0);
      const asRole = async (role: string, sql: string, params: unknown[] = []) => {
        await client.query("begin");
        try {
          await client.query(`set local role ${role}`);
          return await client.query(sql, params);
        } finally {
          await client.query("rollback");
        }
      };
      for (const role of ["anon", "authenticated"]) {
        assert.equal(
          await sqlState(asRole(role, "select public.apply_paddle_event($1::jsonb)", [event])),
          "42501",
          role,
        );
        assert.equal(
          await sqlState(asRole(role, "select * from public.paddle_events")),
          "42501",
          role,
        );
      }
      for (const role of ["anon", "authenticated", "service_role"]) {
        assert.equal(
          await sqlState(asRole(role, "select public.paddle_link_customer('ctm_x')")),
          "42501",
          role,
        );
      }
      await asRole("service_role", "select public.apply_paddle_event($1::jsonb)", [event]);
      const { rows } = await client.query(
        `select p.proname, p.prosecdef, p.proconfig
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname = 'public' and p.proname in
           ('apply_paddle_event', 'paddle_link_customer_on_email_confirmed')`,
      );
      for (const row of rows) {
        assert.equal(row.prosecdef, true, row.proname);
        assert.deepEqual(row.proconfig, ['search_path=""'], row.proname);
      }
      const rls = await client.query(
        "select relrowsecurity from pg_class where oid = 'public.paddle_events'::regclass",
      );
      assert.equal(rls.rows[0].relrowsecurity, true);
    }),
});

Deno.test({
  name: "an event the function cannot apply raises and stores nothing",
  fn: () =>
    withClient(async (client) => {
      const good = customerEvent("customer.created", paddleId("ctm"), uniqueEmail("bad"), T0);
      const bad: [string, unknown][] = [
        ["bad event id", { ...good, event_id: "evt_short" }],
        ["zone-less time", {
          ...good,
          event_id: paddleId("evt"),
          occurred_at: "2026-01-01T00:00:00",
        }],
        ["unmirrored type", {
          ...good,
          event_id: paddleId("evt"),
          event_type: "address.created",
        }],
        ["bad customer id", {
          ...good,
          event_id: paddleId("evt"),
          data: { ...good.data, id: "ctm_1" },
        }],
        [
          "unknown status",
          subscriptionEvent("subscription.updated", {
            id: paddleId("sub"),
            customerId: paddleId("ctm"),
            status: "expired" as SubscriptionStatus,
            plan: PLANS.pro,
          }, T0),
        ],
      ];
      for (const [label, event] of bad) {
        const state = await sqlState(apply(client, event as PaddleEvent));
        assert.ok(state, `${label}: raised`);
        const id = (event as PaddleEvent).event_id;
        const { rows } = await client.query(
          "select 1 from public.paddle_events where event_id = $1",
          [
            id,
          ],
        );
        assert.equal(rows.length, 0, `${label}: not in the ledger`);
      }
      const stub = (bad[4][1] as PaddleEvent).data.customer_id as string;
      assert.equal(await customer(client, stub), undefined, "no stub left by a failed event");
    }),
});

Deno.test({
  name: "concurrent redeliveries of one event: the second waits, then reports a duplicate",
  fn: () =>
    withClient((first) =>
      withClient(async (second) => {
        const event = customerEvent("customer.created", paddleId("ctm"), uniqueEmail("race"), T0);
        await first.query("begin");
        await first.query("select public.apply_paddle_event($1::jsonb)", [JSON.stringify(event)]);
        const racing = apply(second, event);
        await new Promise((r) => setTimeout(r, 150));
        await first.query("commit");
        assert.equal((await racing).outcome, "duplicate");
      })
    ),
});
