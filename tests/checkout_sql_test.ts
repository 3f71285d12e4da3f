/**
 * `public.checkout_prepare` (migration 20261206000300: a plan plus the add-ons it suggests, and
 * the caller's one open checkout), `checkout_claim`, `checkout_settle` and
 * `public.checkout_link_customer` (migration 000400) against the real database, as the roles PostgREST would run them as. Each test makes its own users, prices
 * and customers, so the tests can run repeatedly against one database.
 */
import assert from "node:assert/strict";
import {
  customerEntity,
  priceEntity,
  productEntity,
} from "../local/paddle_simulator/entity_builders.ts";
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

interface Catalog {
  recurring: string;
  bounded: string;
  archivedPrice: string;
  oneTime: string;
  ofArchivedProduct: string;
  yearly: string;
  /** Prices of the add-on the plan suggests (bounds 1..3), monthly and yearly. */
  addon: string;
  addonYearly: string;
  /** An add-on price another plan suggests, not this one. */
  otherAddon: string;
}

/**
 * A plan with the kinds of price checkout must tell apart, an add-on it suggests and one it does
 * not, through the one write path.
 */
async function catalog(db: Client): Promise<Catalog> {
  const product = randomPaddleId("pro");
  const archivedProduct = randomPaddleId("pro");
  const addonProduct = randomPaddleId("pro");
  const otherPlan = randomPaddleId("pro");
  const otherAddonProduct = randomPaddleId("pro");
  const ids = {
    recurring: randomPaddleId("pri"),
    bounded: randomPaddleId("pri"),
    archivedPrice: randomPaddleId("pri"),
    oneTime: randomPaddleId("pri"),
    ofArchivedProduct: randomPaddleId("pri"),
    yearly: randomPaddleId("pri"),
    addon: randomPaddleId("pri"),
    addonYearly: randomPaddleId("pri"),
    otherAddon: randomPaddleId("pri"),
  };
  await applyEntities(db, "product", [
    productEntity({
      id: product,
      name: "Plan",
      customData: { features: { Seats: 3 }, suggested_addons: [addonProduct] },
      createdAt: AT,
    }),
    productEntity({ id: archivedProduct, name: "Old", status: "archived", createdAt: AT }),
    productEntity({ id: addonProduct, name: "Seats", createdAt: AT }),
    productEntity({
      id: otherPlan,
      name: "Other plan",
      customData: { suggested_addons: [otherAddonProduct] },
      createdAt: AT,
    }),
    productEntity({ id: otherAddonProduct, name: "Storage", createdAt: AT }),
  ]);
  const monthly = { interval: "month" as const, frequency: 1 };
  const yearly = { interval: "year" as const, frequency: 1 };
  await applyEntities(db, "price", [
    priceEntity({
      id: ids.yearly,
      productId: product,
      amount: "10000",
      billingCycle: yearly,
      createdAt: AT,
    }),
    priceEntity({
      id: ids.addon,
      productId: addonProduct,
      amount: "300",
      billingCycle: monthly,
      quantity: { minimum: 1, maximum: 3 },
      createdAt: AT,
    }),
    priceEntity({
      id: ids.addonYearly,
      productId: addonProduct,
      amount: "3000",
      billingCycle: yearly,
      createdAt: AT,
    }),
    priceEntity({
      id: ids.otherAddon,
      productId: otherAddonProduct,
      amount: "200",
      billingCycle: monthly,
      createdAt: AT,
    }),
    priceEntity({
      id: ids.recurring,
      productId: product,
      amount: "1000",
      billingCycle: monthly,
      createdAt: AT,
    }),
    priceEntity({
      id: ids.bounded,
      productId: product,
      amount: "500",
      billingCycle: monthly,
      quantity: { minimum: 2, maximum: 5 },
      createdAt: AT,
    }),
    priceEntity({
      id: ids.archivedPrice,
      productId: product,
      amount: "1000",
      billingCycle: monthly,
      status: "archived",
      createdAt: AT,
    }),
    priceEntity({
      id: ids.oneTime,
      productId: product,
      amount: "1000",
      billingCycle: null,
      createdAt: AT,
    }),
    priceEntity({
      id: ids.ofArchivedProduct,
      productId: archivedProduct,
      amount: "1000",
      billingCycle: monthly,
      createdAt: AT,
    }),
  ]);
  return ids;
}

type Prepared = Record<string, unknown> & { outcome: string };

function prepare(
  db: Client,
  userId: string,
  priceId: string,
  quantity: number | null = 1,
  options: {
    addons?: { price_id: string; quantity: number }[];
    mintLimit?: number;
    country?: string;
  } = {},
): Promise<Prepared> {
  return inTransaction(db, { role: "authenticated", sub: userId, commit: true }, async () => {
    const { rows } = await db.query(
      "select public.checkout_prepare($1, $2, $3::jsonb, $4, $5) as r",
      [
        priceId,
        quantity,
        JSON.stringify(options.addons ?? []),
        options.mintLimit ?? 1000,
        options.country ?? null,
      ],
    );
    return rows[0].r;
  });
}

function claim(db: Client, userId: string, itemsKey: string): Promise<Record<string, unknown>> {
  return inTransaction(db, { role: "authenticated", sub: userId, commit: true }, async () => {
    const { rows } = await db.query("select public.checkout_claim($1) as r", [itemsKey]);
    return rows[0].r;
  });
}

function settle(
  db: Client,
  userId: string,
  claimId: unknown,
  opened: { transactionId: string; url: string } | null,
  previousCanceled = false,
): Promise<Record<string, unknown>> {
  return inTransaction(db, { role: "service_role", commit: true }, async () => {
    const { rows } = await db.query(
      "select public.checkout_settle($1, $2, $3, $4, $5) as r",
      [userId, claimId, opened?.transactionId ?? null, opened?.url ?? null, previousCanceled],
    );
    return rows[0].r;
  });
}

function link(db: Client, userId: string, customer: unknown): Promise<Record<string, unknown>> {
  return inTransaction(db, { role: "service_role", commit: true }, async () => {
    const { rows } = await db.query("select public.checkout_link_customer($1, $2::jsonb) as r", [
      userId,
      JSON.stringify(customer),
    ]);
    return rows[0].r;
  });
}

/** A Paddle customer as the API returns it. */
function paddleCustomer(email: string, id = randomPaddleId("ctm"), updatedAt = AT) {
  return customerEntity({ id, email, createdAt: AT, updatedAt });
}

async function ownerOf(db: Client, customerId: string): Promise<string | null | undefined> {
  const { rows } = await db.query("select user_id from public.customers where customer_id = $1", [
    customerId,
  ]);
  return rows[0]?.user_id;
}

async function mintRow(db: Client, userId: string): Promise<number> {
  const { rows } = await db.query(
    "select coalesce(sum(c), 0)::int as n from billing_private.mint_slots m, unnest(m.counts) c where m.user_id = $1",
    [userId],
  );
  return rows[0].n;
}

/** A confirmed user linked to a customer holding one subscription in `status`. */
/** A confirmed user linked to a customer without subscriptions. */
async function linkedUser(db: Client) {
  const email = uniqueEmail("linked");
  const userId = await createUser(db, email, true);
  const customerId = randomPaddleId("ctm");
  await db.query("insert into public.customers (customer_id, user_id, email) values ($1, $2, $3)", [
    customerId,
    userId,
    email,
  ]);
  return { userId, customerId };
}

async function subscribedUser(db: Client, status: string) {
  const email = uniqueEmail("sub");
  const userId = await createUser(db, email, true);
  const customerId = randomPaddleId("ctm");
  await db.query("insert into public.customers (customer_id, user_id, email) values ($1, $2, $3)", [
    customerId,
    userId,
    email,
  ]);
  await db.query(
    "insert into public.subscriptions (subscription_id, customer_id, status) values ($1, $2, $3)",
    [randomPaddleId("sub"), customerId, status],
  );
  return { userId, customerId };
}

Deno.test("grants: anon may call none; authenticated prepare and claim; link and settle are service_role's", async () => {
  await withClient(async (db) => {
    const { rows } = await db.query(`
      select r.role,
             has_function_privilege(r.role, 'public.checkout_prepare(text, integer, jsonb, integer, text)', 'execute') as prepare,
             has_function_privilege(r.role, 'public.checkout_claim(text)', 'execute') as claim,
             has_function_privilege(r.role, 'public.checkout_settle(uuid, uuid, text, text, boolean)', 'execute') as settle,
             has_function_privilege(r.role, 'public.checkout_link_customer(uuid, jsonb)', 'execute') as link,
             has_table_privilege(r.role, 'billing_private.open_checkouts', 'select') as read_open
      from (values ('anon'), ('authenticated'), ('service_role')) r (role)
      order by 1`);
    assert.deepEqual(rows, [
      { role: "anon", prepare: false, claim: false, settle: false, link: false, read_open: false },
      {
        role: "authenticated",
        prepare: true,
        claim: true,
        settle: false,
        link: false,
        read_open: false,
      },
      {
        role: "service_role",
        prepare: false,
        claim: false,
        settle: true,
        link: true,
        read_open: false,
      },
    ]);
    const { rows: old } = await db.query(
      "select to_regprocedure('public.checkout_prepare(text, integer, text[], integer)') as f",
    );
    assert.equal(old[0].f, null, "the seller's price list is gone with its signature");
    const userId = await createUser(db, uniqueEmail("grant"), true);
    const customer = paddleCustomer(uniqueEmail("grant"));
    const asRole = (role: string, sql: string, params: unknown[]) =>
      sqlState(
        inTransaction(db, { role, sub: userId, commit: false }, () => db.query(sql, params)),
      );
    assert.equal(
      await asRole("anon", "select public.checkout_prepare($1, 1)", [randomPaddleId("pri")]),
      "42501",
    );
    assert.equal(
      await asRole("authenticated", "select public.checkout_link_customer($1, $2::jsonb)", [
        userId,
        JSON.stringify(customer),
      ]),
      "42501",
    );
    assert.equal(await ownerOf(db, customer.id), undefined, "nothing written");
  });
});

Deno.test("prepare without a signed-in user raises 42501", async () => {
  await withClient(async (db) => {
    const state = await sqlState(
      inTransaction(
        db,
        { role: "authenticated", commit: false },
        () => db.query("select public.checkout_prepare($1, 1)", [randomPaddleId("pri")]),
      ),
    );
    assert.equal(state, "42501");
  });
});

Deno.test("price_not_found: unknown, archived, one-time, archived product, an add-on alone, an add-on not for sale", async () => {
  await withClient(async (db) => {
    const c = await catalog(db);
    const userId = await createUser(db, uniqueEmail("price"), true);
    for (
      const id of [
        randomPaddleId("pri"),
        c.archivedPrice,
        c.oneTime,
        c.ofArchivedProduct,
        c.addon,
        c.otherAddon,
      ]
    ) {
      assert.deepEqual(
        await prepare(db, userId, id),
        { outcome: "price_not_found", price_id: id },
        id,
      );
    }
    for (const id of [randomPaddleId("pri"), c.archivedPrice]) {
      assert.deepEqual(
        await prepare(db, userId, c.recurring, 1, { addons: [{ price_id: id, quantity: 1 }] }),
        { outcome: "price_not_found", price_id: id },
      );
    }
    assert.equal(await mintRow(db, userId), 0);
  });
});

Deno.test("invalid_items: an add-on the plan does not suggest, a plan as an add-on, a duplicate, another cycle", async () => {
  await withClient(async (db) => {
    const c = await catalog(db);
    const userId = await createUser(db, uniqueEmail("items"), true);
    const cases: [string, { price_id: string; quantity: number }[], string][] = [
      [c.recurring, [{ price_id: c.otherAddon, quantity: 1 }], "not_suggested"],
      [c.recurring, [{ price_id: c.bounded, quantity: 2 }], "not_suggested"],
      [
        c.recurring,
        [{ price_id: c.addon, quantity: 1 }, { price_id: c.addon, quantity: 2 }],
        "duplicate",
      ],
      [c.recurring, [{ price_id: c.addonYearly, quantity: 1 }], "mixed_billing"],
      [c.yearly, [{ price_id: c.addon, quantity: 1 }], "mixed_billing"],
    ];
    for (const [plan, addons, reason] of cases) {
      assert.deepEqual(
        await prepare(db, userId, plan, 1, { addons }),
        { outcome: "invalid_items", reason },
        JSON.stringify(addons),
      );
    }
    assert.equal(await mintRow(db, userId), 0);
    const ready = await prepare(db, userId, c.yearly, 1, {
      addons: [{ price_id: c.addonYearly, quantity: 4 }],
    });
    assert.equal(ready.outcome, "ready");
    assert.deepEqual(ready.items, [
      { price_id: c.yearly, quantity: 1 },
      { price_id: c.addonYearly, quantity: 4 },
    ]);
    assert.equal(ready.items_key, `${c.yearly}*1,${c.addonYearly}*4`);
  });
});

Deno.test("country: part of the open checkout's key (same items elsewhere are other items); not a code, refused", async () => {
  await withClient(async (db) => {
    const c = await catalog(db);
    const { userId } = await linkedUser(db);
    const de = await prepare(db, userId, c.recurring, 1, { country: "DE" });
    assert.equal(de.outcome, "ready");
    assert.equal(de.items_key, `${c.recurring}*1@DE`);
    assert.deepEqual(de.items, [{ price_id: c.recurring, quantity: 1 }]);
    const created = de.checkout as { action: string; claim: string };
    assert.equal(created.action, "create");
    const txn = txnId();
    assert.deepEqual(
      await settle(db, userId, created.claim, { transactionId: txn, url: urlOf(txn) }),
      { outcome: "settled" },
    );
    // Germany again: the same checkout; the same items unpriced or for the US: replace it.
    assert.deepEqual(
      await prepare(db, userId, c.recurring, 1, { country: "DE" }).then((r) => r.checkout),
      {
        action: "reuse",
        transaction_id: txn,
        url: urlOf(txn),
      },
    );
    for (const country of [undefined, "US"]) {
      const other = await prepare(db, userId, c.recurring, 1, { country });
      assert.equal(other.items_key, country ? `${c.recurring}*1@${country}` : `${c.recurring}*1`);
      const decided = other.checkout as {
        action: string;
        claim: string;
        cancel_transaction_id: string;
      };
      assert.equal(decided.action, "create");
      assert.equal(decided.cancel_transaction_id, txn);
      assert.deepEqual(await settle(db, userId, decided.claim, null, false), {
        outcome: "settled",
      });
    }
    for (const country of ["de", "DEU", "", "D1"]) {
      await assert.rejects(
        prepare(db, userId, c.recurring, 1, { country }),
        /p_country must be a country code/,
        country,
      );
    }
  });
});

Deno.test("invalid_quantity: outside the price's bounds, with the bounds", async () => {
  await withClient(async (db) => {
    const c = await catalog(db);
    const userId = await createUser(db, uniqueEmail("qty"), true);
    for (const q of [1, 6, 0, -1, null]) {
      assert.deepEqual(await prepare(db, userId, c.bounded, q), {
        outcome: "invalid_quantity",
        price_id: c.bounded,
        minimum: 2,
        maximum: 5,
      }, String(q));
    }
    for (const q of [2, 5]) {
      assert.equal((await prepare(db, userId, c.bounded, q)).outcome, "ready");
    }
    assert.equal((await prepare(db, userId, c.recurring, 101)).outcome, "invalid_quantity");
    // An add-on's own bounds (1..3).
    for (const q of [0, 4]) {
      assert.deepEqual(
        await prepare(db, userId, c.recurring, 1, { addons: [{ price_id: c.addon, quantity: q }] }),
        { outcome: "invalid_quantity", price_id: c.addon, minimum: 1, maximum: 3 },
      );
    }
  });
});

Deno.test("already_subscribed for active, trialing, past_due and paused; canceled may buy", async () => {
  await withClient(async (db) => {
    const c = await catalog(db);
    for (const status of ["active", "trialing", "past_due", "paused"]) {
      const { userId } = await subscribedUser(db, status);
      assert.deepEqual(await prepare(db, userId, c.recurring), { outcome: "already_subscribed" });
    }
    const { userId, customerId } = await subscribedUser(db, "canceled");
    const ready = await prepare(db, userId, c.recurring);
    assert.equal(ready.outcome, "ready");
    assert.equal(ready.customer_id, customerId);
    assert.equal(ready.email, null, "a linked customer needs no email");
  });
});

Deno.test("email_not_confirmed: unconfirmed, anonymous or deleted without a customer", async () => {
  await withClient(async (db) => {
    const c = await catalog(db);
    const unconfirmed = await createUser(db, uniqueEmail("unconfirmed"), false);
    const anonymous = await createUser(db, uniqueEmail("anon"), true);
    await db.query("update auth.users set is_anonymous = true where id = $1", [anonymous]);
    const noEmail = await createUser(db, uniqueEmail("noemail"), true);
    await db.query("update auth.users set email = null where id = $1", [noEmail]);
    const deleted = await createUser(db, uniqueEmail("deleted"), true);
    await db.query("update auth.users set deleted_at = now() where id = $1", [deleted]);
    for (const userId of [unconfirmed, anonymous, noEmail, deleted]) {
      assert.deepEqual(await prepare(db, userId, c.recurring), { outcome: "email_not_confirmed" });
    }
    // A linked customer is enough: nothing needs to be given to Paddle.
    const customerId = randomPaddleId("ctm");
    await db.query("insert into public.customers (customer_id, user_id) values ($1, $2)", [
      customerId,
      unconfirmed,
    ]);
    const ready = await prepare(db, unconfirmed, c.recurring);
    assert.equal(ready.outcome, "ready");
    assert.equal(ready.customer_id, customerId);
  });
});

Deno.test("ready without a customer: the confirmed email from auth.users, and a mint slot", async () => {
  await withClient(async (db) => {
    const c = await catalog(db);
    const email = uniqueEmail("Ready");
    const userId = await createUser(db, email, true);
    const ready = await prepare(db, userId, c.recurring, 1, { mintLimit: 5 });
    const checkout = ready.checkout as Record<string, unknown>;
    assert.match(String(checkout.claim), /^[\da-f-]{36}$/);
    assert.deepEqual(ready, {
      outcome: "ready",
      user_id: userId,
      customer_id: null,
      email,
      mint: { taken: true, retry_after_seconds: null },
      items: [{ price_id: c.recurring, quantity: 1 }],
      items_key: `${c.recurring}*1`,
      checkout: { action: "create", claim: checkout.claim, cancel_transaction_id: null },
    });
    assert.equal(await mintRow(db, userId), 1);
  });
});

Deno.test("the mint slot is taken only when ready, and refused over the limit", async () => {
  await withClient(async (db) => {
    const c = await catalog(db);
    const userId = await createUser(db, uniqueEmail("mint"), true);
    const refusals = [
      () => prepare(db, userId, randomPaddleId("pri"), 1, { mintLimit: 1 }),
      () => prepare(db, userId, c.bounded, 9, { mintLimit: 1 }),
      () =>
        prepare(db, userId, c.recurring, 1, {
          addons: [{ price_id: c.otherAddon, quantity: 1 }],
          mintLimit: 1,
        }),
    ];
    for (const refusal of refusals) assert.notEqual((await refusal()).outcome, "ready");
    const { userId: subscribed } = await subscribedUser(db, "active");
    await prepare(db, subscribed, c.recurring, 1, { mintLimit: 1 });
    const unconfirmed = await createUser(db, uniqueEmail("mint-unconfirmed"), false);
    await prepare(db, unconfirmed, c.recurring, 1, { mintLimit: 1 });
    assert.equal(await mintRow(db, userId), 0);
    assert.equal(await mintRow(db, subscribed), 0);
    assert.equal(await mintRow(db, unconfirmed), 0);

    assert.deepEqual((await prepare(db, userId, c.recurring, 1, { mintLimit: 1 })).mint, {
      taken: true,
      retry_after_seconds: null,
    });
    const over = await prepare(db, userId, c.recurring, 1, { mintLimit: 1 });
    assert.equal(over.outcome, "ready");
    assert.equal(over.checkout, null, "no slot, no claim");
    const mint = over.mint as { taken: boolean; retry_after_seconds: number };
    assert.equal(mint.taken, false);
    assert.ok(mint.retry_after_seconds >= 1 && mint.retry_after_seconds <= 60);
    assert.equal(await mintRow(db, userId), 1);
  });
});

const txnId = () => randomPaddleId("txn");
const urlOf = (id: string) => `https://app.example.com/checkout.html?_ptxn=${id}`;

Deno.test("open checkout: one claim at a time; the same items reuse the settled URL, other items cancel it", async () => {
  await withClient(async (db) => {
    const c = await catalog(db);
    const { userId } = await linkedUser(db);
    const first = await prepare(db, userId, c.recurring);
    const key = String(first.items_key);
    const created = first.checkout as { action: string; claim: string };
    assert.equal(created.action, "create");

    // While the claim holds, every other request of this user waits, whatever its items.
    const waiting = await claim(db, userId, key);
    assert.equal(waiting.action, "wait");
    assert.ok(Number(waiting.retry_after_ms) >= 50 && Number(waiting.retry_after_ms) <= 1000);
    assert.equal((await claim(db, userId, "other")).action, "wait");
    const waitingPrepare = await prepare(db, userId, c.bounded, 2);
    assert.equal((waitingPrepare.checkout as { action: string }).action, "wait");

    // Only the holder settles; a stranger's claim id changes nothing.
    const txn = txnId();
    assert.deepEqual(
      await settle(db, userId, crypto.randomUUID(), { transactionId: txn, url: urlOf(txn) }),
      {
        outcome: "lost",
      },
    );
    assert.deepEqual(
      await settle(db, userId, created.claim, { transactionId: txn, url: urlOf(txn) }),
      {
        outcome: "settled",
      },
    );
    assert.deepEqual(await claim(db, userId, key), {
      action: "reuse",
      transaction_id: txn,
      url: urlOf(txn),
    });
    assert.deepEqual(
      await settle(db, userId, created.claim, null),
      { outcome: "lost" },
      "settled once",
    );

    // Other items: a claim naming the open transaction to cancel.
    const other = await prepare(db, userId, c.bounded, 2);
    const replace = other.checkout as {
      action: string;
      claim: string;
      cancel_transaction_id: string;
    };
    assert.equal(replace.action, "create");
    assert.equal(replace.cancel_transaction_id, txn);
    // Given back without a new one and the old one still open: the old one stays the open one.
    assert.deepEqual(await settle(db, userId, replace.claim, null, false), { outcome: "settled" });
    assert.equal((await claim(db, userId, key)).action, "reuse");
    // Given back with the old one canceled: nothing open, the next request creates.
    const again = await prepare(db, userId, c.bounded, 2);
    const again_ = again.checkout as { claim: string; cancel_transaction_id: string };
    assert.equal(again_.cancel_transaction_id, txn);
    assert.deepEqual(await settle(db, userId, again_.claim, null, true), { outcome: "settled" });
    const fresh = await claim(db, userId, key);
    assert.equal(fresh.action, "create");
    assert.equal(fresh.cancel_transaction_id, null);
  });
});

Deno.test("open checkout: a lease that ran out is taken over; a subscription created since it opened means paid", async () => {
  await withClient(async (db) => {
    const c = await catalog(db);
    const { userId, customerId } = await linkedUser(db);
    const first = await prepare(db, userId, c.recurring);
    const key = String(first.items_key);
    const stale = (first.checkout as { claim: string }).claim;
    await db.query(
      "update billing_private.open_checkouts set claim_until = now() - interval '1 second' where user_id = $1",
      [userId],
    );
    const taken = await claim(db, userId, key);
    assert.equal(taken.action, "create");
    const txn = txnId();
    assert.deepEqual(await settle(db, userId, stale, { transactionId: txn, url: urlOf(txn) }), {
      outcome: "lost",
    });
    assert.deepEqual(
      await settle(db, userId, taken.claim, { transactionId: txn, url: urlOf(txn) }),
      {
        outcome: "settled",
      },
    );
    assert.equal((await claim(db, userId, key)).action, "reuse");

    // Its payment's subscription landed (and was canceled since): never hand that URL out again.
    await db.query(
      "insert into public.subscriptions (subscription_id, customer_id, status, created_at) values ($1, $2, 'canceled', now())",
      [randomPaddleId("sub"), customerId],
    );
    const after = await claim(db, userId, key);
    assert.equal(after.action, "create");
    assert.equal(
      after.cancel_transaction_id,
      txn,
      "checkout finds out from Paddle that it was paid",
    );
  });
});

Deno.test("open checkout: settle refuses half a transaction; claim needs a signed-in user", async () => {
  await withClient(async (db) => {
    const userId = await createUser(db, uniqueEmail("settle"), true);
    assert.equal(
      await sqlState(
        inTransaction(
          db,
          { role: "service_role", commit: false },
          () =>
            db.query("select public.checkout_settle($1, $2, $3, null)", [
              userId,
              crypto.randomUUID(),
              txnId(),
            ]),
        ),
      ),
      "22023",
    );
    assert.equal(
      await sqlState(
        inTransaction(
          db,
          { role: "authenticated", commit: false },
          () => db.query("select public.checkout_claim('k')"),
        ),
      ),
      "42501",
    );
  });
});

Deno.test("link: a new customer is written through the mirror and linked to the buyer", async () => {
  await withClient(async (db) => {
    const email = uniqueEmail("buyer");
    const userId = await createUser(db, email, true);
    const customer = paddleCustomer(email.toUpperCase());
    assert.deepEqual(await link(db, userId, customer), {
      outcome: "linked",
      customer_id: customer.id,
    });
    const { rows } = await db.query(
      "select user_id, email, status, paddle_updated_at from public.customers where customer_id = $1",
      [customer.id],
    );
    assert.equal(rows[0].user_id, userId);
    assert.equal(rows[0].email, email.toUpperCase());
    assert.equal(rows[0].status, "active");
    assert.ok(rows[0].paddle_updated_at instanceof Date);
    // Asking again (a retried request) answers the same and changes nothing.
    assert.deepEqual(await link(db, userId, customer), {
      outcome: "linked",
      customer_id: customer.id,
    });
  });
});

Deno.test("link: a customer the webhook already stored unlinked is linked now", async () => {
  await withClient(async (db) => {
    const email = uniqueEmail("stored");
    const userId = await createUser(db, email, true);
    const customer = paddleCustomer(email);
    // Stored as the same version with no owner (as if written before the user confirmed and
    // left unlinked): the apply writes nothing, so the link must be made explicitly.
    await db.query(
      `insert into public.customers (customer_id, email, status, paddle_updated_at)
       values ($1, $2, 'active', $3)`,
      [customer.id, email, AT],
    );
    assert.deepEqual(await link(db, userId, customer), {
      outcome: "linked",
      customer_id: customer.id,
    });
    assert.equal(await ownerOf(db, customer.id), userId);
  });
});

Deno.test("link: conflict when the email's customer is linked to another user", async () => {
  await withClient(async (db) => {
    const email = uniqueEmail("taken");
    const owner = await createUser(db, uniqueEmail("owner"), true);
    const buyer = await createUser(db, email, true);
    const customer = paddleCustomer(email);
    await db.query(
      `insert into public.customers (customer_id, user_id, email, status, paddle_updated_at)
       values ($1, $2, $3, 'active', $4)`,
      [customer.id, owner, email, AT],
    );
    assert.deepEqual(await link(db, buyer, customer), { outcome: "conflict" });
    assert.equal(await ownerOf(db, customer.id), owner, "a link never moves");
    const { rows } = await db.query("select 1 from public.customers where user_id = $1", [buyer]);
    assert.equal(rows.length, 0);
  });
});

Deno.test("link: conflict when the email is not the buyer's alone or not the buyer's at all", async () => {
  await withClient(async (db) => {
    const shared = uniqueEmail("shared");
    const buyer = await createUser(db, shared, true);
    await createUser(db, shared.toUpperCase(), true);
    const sharedCustomer = paddleCustomer(shared);
    assert.deepEqual(await link(db, buyer, sharedCustomer), { outcome: "conflict" });
    // A refusal writes nothing of ours: the customer's webhook mirrors it, as every customer.
    assert.equal(await ownerOf(db, sharedCustomer.id), undefined, "not stored");

    const other = uniqueEmail("other");
    await createUser(db, other, true);
    const buyer2 = await createUser(db, uniqueEmail("buyer2"), true);
    const othersCustomer = paddleCustomer(other);
    assert.deepEqual(await link(db, buyer2, othersCustomer), { outcome: "conflict" });
    // Never the caller's; and not even linked to its holder here: the whole write rolled back.
    assert.equal(await ownerOf(db, othersCustomer.id), undefined, "not stored");
  });
});

Deno.test("link: a refused link leaves an earlier state of the customer as it was", async () => {
  await withClient(async (db) => {
    const shared = uniqueEmail("kept");
    const buyer = await createUser(db, shared, true);
    await createUser(db, shared.toUpperCase(), true);
    const stored = paddleCustomer(shared);
    await applyEntities(db, "customer", [stored]);
    const before = (await db.query("select * from public.customers where customer_id = $1", [
      stored.id,
    ])).rows;
    const newer = { ...stored, name: "Newer", updated_at: "2026-03-01T00:00:00.000000Z" };
    assert.deepEqual(await link(db, buyer, newer), { outcome: "conflict" });
    const after = (await db.query("select * from public.customers where customer_id = $1", [
      stored.id,
    ])).rows;
    assert.deepEqual(after, before);
  });
});

Deno.test("prepare: customer_conflict before Paddle is asked, when linking would be refused", async () => {
  await withClient(async (db) => {
    const c = await catalog(db);
    // Another user's customer holds the buyer's email.
    const taken = uniqueEmail("prep-taken");
    const owner = await createUser(db, uniqueEmail("prep-owner"), true);
    const buyer = await createUser(db, taken, true);
    await db.query(
      "insert into public.customers (customer_id, user_id, email) values ($1, $2, $3)",
      [randomPaddleId("ctm"), owner, taken.toUpperCase()],
    );
    assert.deepEqual(await prepare(db, buyer, c.recurring), { outcome: "customer_conflict" });
    assert.equal(await mintRow(db, buyer), 0, "a refusal takes no mint slot");

    // Another confirmed user holds the same email (in another case).
    const shared = uniqueEmail("prep-shared");
    const first = await createUser(db, shared, true);
    const second = await createUser(db, shared.toUpperCase(), true);
    for (const userId of [first, second]) {
      assert.deepEqual(await prepare(db, userId, c.recurring), { outcome: "customer_conflict" });
    }

    // Not a conflict: the other holder is unconfirmed, or the email's customer is unlinked.
    const alone = uniqueEmail("prep-alone");
    const buyer3 = await createUser(db, alone, true);
    await createUser(db, alone.toUpperCase(), false);
    await db.query("insert into public.customers (customer_id, email) values ($1, $2)", [
      randomPaddleId("ctm"),
      alone,
    ]);
    assert.equal((await prepare(db, buyer3, c.recurring)).outcome, "ready");
  });
});

Deno.test("link: a buyer already linked keeps their customer (a link never moves)", async () => {
  await withClient(async (db) => {
    const email = uniqueEmail("linked");
    const userId = await createUser(db, email, true);
    const first = randomPaddleId("ctm");
    await db.query(
      "insert into public.customers (customer_id, user_id, email) values ($1, $2, $3)",
      [
        first,
        userId,
        email,
      ],
    );
    const second = paddleCustomer(email);
    assert.deepEqual(await link(db, userId, second), { outcome: "linked", customer_id: first });
    assert.equal(await ownerOf(db, second.id), null);
    assert.equal(await ownerOf(db, first), userId);
  });
});

Deno.test("link: a malformed customer raises 22023 and writes nothing", async () => {
  await withClient(async (db) => {
    const userId = await createUser(db, uniqueEmail("bad"), true);
    const bad = { ...paddleCustomer(uniqueEmail("bad")), status: "weird" };
    assert.equal(await sqlState(link(db, userId, bad)), "22023");
    assert.equal(await ownerOf(db, bad.id), undefined);
    assert.equal(await sqlState(link(db, userId, [bad])), "22023");
  });
});
