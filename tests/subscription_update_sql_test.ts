/**
 * `public.subscription_update_prepare` and `public.subscription_update_record` (migration 000350)
 * against the real database, as the roles PostgREST runs them as. Each test builds its own
 * catalog, user, customer and subscription through the one write path.
 */
import assert from "node:assert/strict";
import {
  priceEntity,
  productEntity,
  subscriptionEntity,
  subscriptionItem,
} from "../local/paddle_simulator/entity_builders.ts";
import type { PaddlePrice, PaddleProduct } from "../local/paddle_simulator/entities.ts";
import {
  applyEntities,
  type Client,
  createUser,
  inTransaction,
  randomPaddleId,
  sqlState,
  uniqueEmail,
  withClient,
} from "./_db.ts";

const AT = "2026-02-01T10:00:00.000000Z";
const month = { interval: "month" as const, frequency: 1 };
const year = { interval: "year" as const, frequency: 1 };

async function catalog(db: Client) {
  const seats = productEntity({ id: randomPaddleId("pro"), name: "Seats", createdAt: AT });
  const other = productEntity({ id: randomPaddleId("pro"), name: "Other add-on", createdAt: AT });
  const plan = (name: string, addons: string[]) =>
    productEntity({
      id: randomPaddleId("pro"),
      name,
      customData: { features: { seats: 1 }, suggested_addons: addons },
      createdAt: AT,
    });
  const starter = plan("Starter", [seats.id]);
  const pro = plan("Pro", [seats.id]);
  // Makes `other` an add-on that Starter and Pro do not suggest.
  const lone = plan("Lone", [other.id]);
  const price = (product: PaddleProduct, amount: string, cycle: typeof month | typeof year, q?: {
    minimum: number;
    maximum: number;
  }) =>
    priceEntity({
      id: randomPaddleId("pri"),
      productId: product.id,
      amount,
      billingCycle: cycle,
      quantity: q,
      createdAt: AT,
    });
  const prices = {
    starterMonthly: price(starter, "1000", month),
    proMonthly: price(pro, "3000", month),
    proYearly: price(pro, "30000", year),
    seatsMonthly: price(seats, "500", month, { minimum: 1, maximum: 20 }),
    seatsYearly: price(seats, "5000", year, { minimum: 1, maximum: 20 }),
    otherMonthly: price(other, "100", month),
    loneMonthly: price(lone, "100", month),
  };
  await applyEntities(db, "product", [seats, other, starter, pro, lone]);
  await applyEntities(db, "price", Object.values(prices));
  return { products: { seats, starter, pro, other, lone }, prices };
}

type Catalog = Awaited<ReturnType<typeof catalog>>;

async function subscriber(
  db: Client,
  cat: Catalog,
  items: { price: PaddlePrice; quantity: number }[],
  options: { status?: "active" | "past_due" | "canceled"; cancel?: boolean; nextInMs?: number } =
    {},
) {
  const email = uniqueEmail("change");
  const userId = await createUser(db, email, true);
  const customerId = randomPaddleId("ctm");
  await db.query("insert into public.customers (customer_id, user_id, email) values ($1, $2, $3)", [
    customerId,
    userId,
    email,
  ]);
  const products = Object.values(cat.products);
  const start = new Date(Date.now() - 10 * 86_400_000).toISOString();
  const next = new Date(Date.now() + (options.nextInMs ?? 20 * 86_400_000)).toISOString();
  const subscription = subscriptionEntity({
    id: randomPaddleId("sub"),
    customerId,
    status: options.status ?? "active",
    createdAt: AT,
    nextBilledAt: next,
    currentBillingPeriod: { starts_at: start, ends_at: next },
    billingCycle: items[0].price.billing_cycle!,
    scheduledChange: options.cancel
      ? { action: "cancel", effective_at: next, resume_at: null }
      : null,
    items: items.map(({ price, quantity }) =>
      subscriptionItem({
        price,
        product: products.find((p) => p.id === price.product_id)!,
        quantity,
        createdAt: AT,
      })
    ),
  });
  await applyEntities(db, "subscription", [subscription]);
  return { userId, customerId, subscription };
}

type Answer = Record<string, unknown> & { outcome: string };

function prepare(
  db: Client,
  userId: string,
  subscriptionId: string,
  action: string,
  items: { priceId: string; quantity: number }[] | null = null,
): Promise<Answer> {
  return inTransaction(db, { role: "authenticated", sub: userId, commit: true }, async () => {
    const { rows } = await db.query(
      "select public.subscription_update_prepare($1, $2, $3::jsonb, 1000) as r",
      [subscriptionId, action, items === null ? null : JSON.stringify(items)],
    );
    return rows[0].r;
  });
}

Deno.test("grants: authenticated may only prepare; only service_role records", async () => {
  await withClient(async (db) => {
    const { rows } = await db.query(`
      select r.role,
             has_function_privilege(r.role, 'public.subscription_update_prepare(text, text, jsonb, integer)', 'execute') as prepare,
             has_function_privilege(r.role, 'public.subscription_update_record(uuid, jsonb)', 'execute') as record
      from (values ('anon'), ('authenticated'), ('service_role')) r (role)
      order by 1`);
    assert.deepEqual(rows, [
      { role: "anon", prepare: false, record: false },
      { role: "authenticated", prepare: true, record: false },
      { role: "service_role", prepare: false, record: true },
    ]);
    const state = await sqlState(
      inTransaction(
        db,
        { role: "authenticated", commit: false },
        () =>
          db.query("select public.subscription_update_prepare($1, 'keep')", [
            randomPaddleId("sub"),
          ]),
      ),
    );
    assert.equal(state, "42501", "no signed-in user");
  });
});

Deno.test("prepare: ready answers carry what the server needs to choose the proration", async () => {
  await withClient(async (db) => {
    const cat = await catalog(db);
    const { userId, customerId, subscription } = await subscriber(db, cat, [
      { price: cat.prices.proMonthly, quantity: 1 },
      { price: cat.prices.seatsMonthly, quantity: 2 },
    ]);
    const yearly = await prepare(db, userId, subscription.id, "preview", [
      { priceId: cat.prices.proYearly.id, quantity: 1 },
      { priceId: cat.prices.seatsYearly.id, quantity: 2 },
    ]);
    assert.equal(yearly.outcome, "ready");
    assert.equal(yearly.customer_id, customerId);
    assert.equal(yearly.interval_changes, true);
    assert.equal(yearly.current_total, "4000");
    assert.equal(yearly.new_total, "40000");
    assert.deepEqual(yearly.mint, { taken: true, retry_after_seconds: null });

    const down = await prepare(db, userId, subscription.id, "apply", [
      { priceId: cat.prices.starterMonthly.id, quantity: 1 },
    ]);
    assert.equal(down.outcome, "ready");
    assert.equal(down.interval_changes, false);
    assert.equal(down.new_total, "1000");
    assert.equal(down.scheduled_change, null);
  });
});

Deno.test("prepare: every refusal, decided before Paddle, writing nothing", async () => {
  await withClient(async (db) => {
    const cat = await catalog(db);
    const p = cat.prices;
    const { userId, subscription } = await subscriber(db, cat, [
      { price: p.proMonthly, quantity: 1 },
      { price: p.seatsMonthly, quantity: 2 },
    ]);
    const cases: [string, { priceId: string; quantity: number }[], string][] = [
      ["no plan", [{ priceId: p.seatsMonthly.id, quantity: 1 }], "invalid_items"],
      ["two plans", [{ priceId: p.proMonthly.id, quantity: 1 }, {
        priceId: p.starterMonthly.id,
        quantity: 1,
      }], "invalid_items"],
      ["an add-on not suggested", [{ priceId: p.proMonthly.id, quantity: 1 }, {
        priceId: p.otherMonthly.id,
        quantity: 1,
      }], "invalid_items"],
      ["a duplicate", [{ priceId: p.proMonthly.id, quantity: 1 }, {
        priceId: p.proMonthly.id,
        quantity: 2,
      }], "invalid_items"],
      ["mixed intervals", [{ priceId: p.proYearly.id, quantity: 1 }, {
        priceId: p.seatsMonthly.id,
        quantity: 2,
      }], "invalid_items"],
      ["unknown price", [{ priceId: randomPaddleId("pri"), quantity: 1 }], "price_not_found"],
      ["above the price's maximum", [{ priceId: p.proMonthly.id, quantity: 1 }, {
        priceId: p.seatsMonthly.id,
        quantity: 21,
      }], "invalid_quantity"],
      ["today's items", [{ priceId: p.seatsMonthly.id, quantity: 2 }, {
        priceId: p.proMonthly.id,
        quantity: 1,
      }], "no_change"],
    ];
    for (const [name, items, outcome] of cases) {
      const answer = await prepare(db, userId, subscription.id, "preview", items);
      assert.equal(answer.outcome, outcome, name);
      assert.equal(answer.mint, undefined, `${name}: no mint slot taken`);
    }
    assert.equal((await prepare(db, userId, subscription.id, "keep")).outcome, "nothing_to_keep");

    // Someone else's subscription reads exactly like an unknown one.
    const stranger = await createUser(db, uniqueEmail("stranger"), true);
    const items = [{ priceId: p.starterMonthly.id, quantity: 1 }];
    assert.equal(
      (await prepare(db, stranger, subscription.id, "apply", items)).outcome,
      "subscription_not_found",
    );
    assert.equal(
      (await prepare(db, userId, randomPaddleId("sub"), "apply", items)).outcome,
      "subscription_not_found",
    );
    const { rows } = await db.query(
      "select count(*)::int as n from billing_private.mint_slots where user_id = any($1::uuid[])",
      [[userId, stranger]],
    );
    assert.equal(rows[0].n, 0, "refusals take no slot");
  });
});

Deno.test("prepare: past_due and canceled are not changeable; 30 minutes before renewal is too close; keep needs a cancellation", async () => {
  await withClient(async (db) => {
    const cat = await catalog(db);
    const items = [{ priceId: cat.prices.starterMonthly.id, quantity: 1 }];
    for (const status of ["past_due", "canceled"] as const) {
      const { userId, subscription } = await subscriber(db, cat, [
        { price: cat.prices.proMonthly, quantity: 1 },
      ], { status });
      const answer = await prepare(db, userId, subscription.id, "apply", items);
      assert.deepEqual(answer, { outcome: "subscription_not_changeable", status });
    }
    const soon = await subscriber(db, cat, [{ price: cat.prices.proMonthly, quantity: 1 }], {
      nextInMs: 29 * 60_000,
    });
    const close = await prepare(db, soon.userId, soon.subscription.id, "apply", items);
    assert.equal(close.outcome, "renewal_too_close");
    assert.ok((close.retry_after_seconds as number) >= 60);

    const canceling = await subscriber(db, cat, [{ price: cat.prices.proMonthly, quantity: 1 }], {
      cancel: true,
    });
    const keep = await prepare(db, canceling.userId, canceling.subscription.id, "keep");
    assert.equal(keep.outcome, "ready");
    assert.equal(keep.scheduled_change, "cancel");
  });
});

Deno.test("record: Paddle's answer through the one write path, newest-wins, only for the owner", async () => {
  await withClient(async (db) => {
    const cat = await catalog(db);
    const { userId, subscription } = await subscriber(db, cat, [
      { price: cat.prices.proMonthly, quantity: 1 },
    ]);
    const changed = {
      ...subscription,
      updated_at: "2026-02-02T10:00:00Z",
      items: [subscriptionItem({
        price: cat.prices.starterMonthly,
        product: cat.products.starter,
        quantity: 1,
        createdAt: AT,
      })],
    };
    const record = (user: string, state: unknown) =>
      inTransaction(db, { role: "service_role", commit: true }, async () => {
        const { rows } = await db.query(
          "select public.subscription_update_record($1, $2::jsonb) as r",
          [user, JSON.stringify(state)],
        );
        return rows[0].r;
      });
    const stranger = await createUser(db, uniqueEmail("stranger"), true);
    assert.deepEqual(await record(stranger, changed), { outcome: "not_owned", written: 0 });
    assert.deepEqual(await record(userId, changed), { outcome: "recorded", written: 1 });
    const items = async () =>
      (await db.query(
        "select price_id from public.subscription_items where subscription_id = $1",
        [subscription.id],
      )).rows.map((r) => r.price_id);
    assert.deepEqual(await items(), [cat.prices.starterMonthly.id]);
    // The same state again (the webhook's copy) or an older one writes nothing.
    assert.deepEqual(await record(userId, changed), { outcome: "recorded", written: 0 });
    assert.deepEqual(await record(userId, subscription), { outcome: "recorded", written: 0 });
    assert.deepEqual(await items(), [cat.prices.starterMonthly.id]);
  });
});
