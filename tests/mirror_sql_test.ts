/**
 * The complete mirror in SQL (migration 20261125000200): catalog and item events, imported records,
 * the batch function the sync calls, row-level security on the new tables, and
 * `has_active_subscription` in an app's policy. Against the stack's database
 * (`deno task test tests/mirror_sql_test.ts`); every test makes its own ids.
 */
import assert from "node:assert/strict";
import { paddleEvent, paddleId } from "../local/paddle_webhooks/payloads.ts";
import {
  apply,
  applyEntities,
  type Client,
  createUser,
  inTransaction,
  sqlState,
  uniqueEmail,
  withClient,
} from "./_db.ts";
import {
  customerJson,
  type CustomerState,
  type ItemState,
  priceJson,
  priceRows,
  type PriceState,
  productJson,
  productRows,
  type ProductState,
  subscriptionJson,
  subscriptionRows,
  type SubscriptionState,
  type SubscriptionStatus,
} from "./_paddle_entities.ts";

const T0 = Date.parse("2026-06-01T10:00:00.000Z");
const MIN = 60_000;

/** A small catalog of its own (two plans and an add-on) and helpers over it. */
function fixture() {
  const product = (name: string): ProductState => ({
    id: paddleId("pro", T0),
    name,
    description: null,
    status: "active",
    customData: null,
    createdAtMs: T0,
    updatedAtMs: T0,
  });
  const plan = product("Plan");
  const addon = product("Add-on");
  const price = (productId: string, name: string, amount: string): PriceState => ({
    id: paddleId("pri", T0),
    productId,
    name,
    amount,
    currency: "USD",
    billingCycle: { interval: "month", frequency: 1 },
    trialPeriod: null,
    quantity: { minimum: 1, maximum: 100 },
    status: "active",
    customData: null,
    createdAtMs: T0,
    updatedAtMs: T0,
  });
  const basic = price(plan.id, "Basic", "1000");
  const pro = price(plan.id, "Pro", "3000");
  const seat = price(addon.id, "Seat", "500");
  const products = new Map([plan, addon].map((p) => [p.id, p]));
  const prices = new Map([basic, pro, seat].map((p) => [p.id, p]));
  const catalog = {
    price: (id: string) => prices.get(id)!,
    product: (id: string) => products.get(id)!,
  };
  const customer = (email: string, atMs = T0): CustomerState => ({
    id: paddleId("ctm", atMs),
    email,
    name: null,
    status: "active",
    customData: null,
    createdAtMs: atMs,
    updatedAtMs: atMs,
  });
  const item = (p: PriceState, quantity = 1, atMs = T0): ItemState => ({
    priceId: p.id,
    quantity,
    status: "active",
    recurring: true,
    createdAtMs: atMs,
    updatedAtMs: atMs,
    trial: null,
  });
  const subscription = (
    customerId: string,
    items: ItemState[],
    status: SubscriptionStatus = "active",
  ): SubscriptionState => ({
    id: paddleId("sub", T0),
    customerId,
    status,
    items,
    scheduledChange: null,
    collectionMode: "automatic",
    customData: null,
    createdAtMs: T0,
    updatedAtMs: T0,
  });
  /** The subscription as it is after a change at `atMs`. */
  const at = (s: SubscriptionState, atMs: number, change: Partial<SubscriptionState> = {}) => ({
    ...s,
    ...change,
    updatedAtMs: atMs,
  });
  const subscriptionEvent = (type: string, s: SubscriptionState) =>
    paddleEvent(type, subscriptionJson(s, catalog), s.updatedAtMs);
  return {
    plan,
    addon,
    basic,
    pro,
    seat,
    catalog,
    customer,
    item,
    subscription,
    at,
    subscriptionEvent,
  };
}

async function items(client: Client, subscriptionId: string) {
  const { rows } = await client.query(
    `select price_id, product_id, quantity, status from public.subscription_items
     where subscription_id = $1 order by price_id collate "C"`,
    [subscriptionId],
  );
  return rows;
}

async function plan(client: Client, subscriptionId: string) {
  const { rows } = await client.query(
    "select price_id, product_id, status from public.subscriptions where subscription_id = $1",
    [subscriptionId],
  );
  return rows[0];
}

const sortedIds = (...ids: string[]) => ids.sort((a, b) => (a < b ? -1 : 1));

Deno.test({
  name:
    "imported events: customer.imported links like any customer; subscription.imported is mirrored",
  fn: () =>
    withClient(async (client) => {
      const f = fixture();
      const email = uniqueEmail("imported");
      const userId = await createUser(client, email, true);
      const c = {
        ...f.customer(email),
        importMeta: { external_id: "cus_stripe_1", imported_from: "stripe" },
      };
      const s = {
        ...f.subscription(c.id, [f.item(f.pro)]),
        importMeta: { external_id: "sub_stripe_1", imported_from: "stripe" },
      };
      const sub = await apply(client, f.subscriptionEvent("subscription.imported", s));
      assert.equal(sub.outcome, "applied");
      assert.equal(sub.customer_stub_created, true);
      const customer = await apply(
        client,
        paddleEvent("customer.imported", customerJson(c), T0 + 1),
      );
      assert.equal(customer.outcome, "applied");
      assert.equal(customer.linked_now, true);

      const { rows } = await client.query(
        `select c.user_id, c.import_meta as customer_meta, s.import_meta as subscription_meta,
                s.status, s.price_id
         from public.customers c join public.subscriptions s using (customer_id)
         where s.subscription_id = $1`,
        [s.id],
      );
      assert.deepEqual(rows, [{
        user_id: userId,
        customer_meta: c.importMeta,
        subscription_meta: s.importMeta,
        status: "active",
        price_id: f.pro.id,
      }]);
      // The imported subscription is the user's like any other.
      const visible = await inTransaction(
        client,
        { role: "authenticated", sub: userId, commit: false },
        async () => (await client.query("select subscription_id from public.subscriptions")).rows,
      );
      assert.deepEqual(visible, [{ subscription_id: s.id }]);
    }),
});

Deno.test({
  name: "items: added, changed and removed across events; a stale event leaves them alone",
  fn: () =>
    withClient(async (client) => {
      const f = fixture();
      const c = f.customer(uniqueEmail("items"));
      const v1 = f.subscription(c.id, [f.item(f.basic)]);
      const v2 = f.at(v1, T0 + MIN, {
        items: [f.item(f.pro, 1, T0 + MIN), f.item(f.seat, 3, T0 + MIN)],
      });
      const v3 = f.at(v2, T0 + 2 * MIN, {
        items: [f.item(f.pro, 1, T0 + MIN), f.item(f.seat, 5, T0 + 2 * MIN)],
      });
      const v4 = f.at(v3, T0 + 3 * MIN, { items: [f.item(f.seat, 5, T0 + 2 * MIN)] });

      await apply(client, f.subscriptionEvent("subscription.created", v1));
      assert.deepEqual(await items(client, v1.id), [
        { price_id: f.basic.id, product_id: f.plan.id, quantity: 1, status: "active" },
      ]);

      const added = await apply(client, f.subscriptionEvent("subscription.updated", v2));
      assert.equal(added.items_written, 3, "basic deleted, pro and seat inserted");
      const expectedV2 = [
        { price_id: f.pro.id, product_id: f.plan.id, quantity: 1, status: "active" },
        { price_id: f.seat.id, product_id: f.addon.id, quantity: 3, status: "active" },
      ].sort((a, b) => (a.price_id < b.price_id ? -1 : 1));
      assert.deepEqual(await items(client, v1.id), expectedV2);
      assert.deepEqual(await plan(client, v1.id), {
        price_id: f.pro.id,
        product_id: f.plan.id,
        status: "active",
      });

      const changed = await apply(client, f.subscriptionEvent("subscription.updated", v3));
      assert.equal(changed.items_written, 1, "only the seat's quantity changed");

      // v4 first, then the older v3 again as a new event (e.g. subscription.past_due sent late).
      await apply(client, f.subscriptionEvent("subscription.updated", v4));
      const late = await apply(client, f.subscriptionEvent("subscription.past_due", v3));
      assert.equal(late.outcome, "stale");
      assert.equal(late.items_written, 0);
      assert.deepEqual(await items(client, v1.id), [
        { price_id: f.seat.id, product_id: f.addon.id, quantity: 5, status: "active" },
      ]);
      // The first recurring item is now the add-on: price_id follows it.
      assert.deepEqual(await plan(client, v1.id), {
        price_id: f.seat.id,
        product_id: f.addon.id,
        status: "active",
      });
    }),
});

Deno.test({
  name: "price_id is the first recurring item, not a one-time charge listed first",
  fn: () =>
    withClient(async (client) => {
      const f = fixture();
      const setup: PriceState = {
        ...f.seat,
        id: paddleId("pri", T0),
        name: "Setup fee",
        billingCycle: null,
      };
      const catalog = {
        price: (id: string) => (id === setup.id ? setup : f.catalog.price(id)),
        product: f.catalog.product,
      };
      const s = f.subscription(f.customer(uniqueEmail("onetime")).id, [
        { ...f.item(setup), recurring: false },
        f.item(f.pro),
      ]);
      await apply(client, paddleEvent("subscription.created", subscriptionJson(s, catalog), T0));
      assert.equal((await plan(client, s.id)).price_id, f.pro.id);
      const { rows } = await client.query(
        "select recurring from public.subscription_items where subscription_id = $1 and price_id = $2",
        [s.id, setup.id],
      );
      assert.deepEqual(rows, [{ recurring: false }]);
      const [price] = await priceRows(client, [setup.id]);
      assert.equal(price.billing_cycle_interval, null);
      assert.equal(price.name, "Setup fee");
    }),
});

Deno.test({
  name: "catalog from a subscription payload: before its own price event, and after it",
  fn: () =>
    withClient(async (client) => {
      const f = fixture();
      const c = f.customer(uniqueEmail("catalog"));
      const s = f.subscription(c.id, [f.item(f.pro)]);

      // 1. The subscription comes first, its embedded price without times (older payloads):
      //    the names are there at once.
      const early = subscriptionJson(s, f.catalog) as {
        items: { price: Record<string, unknown> }[];
      };
      delete early.items[0].price.created_at;
      delete early.items[0].price.updated_at;
      const first = await apply(client, paddleEvent("subscription.created", early, T0));
      assert.equal(first.catalog_written, 2, "product and price inserted");
      let [price] = await priceRows(client, [f.pro.id]);
      assert.equal(price.name, "Pro");
      assert.equal(price.updated_at, null);
      assert.deepEqual(
        (await productRows(client, [f.plan.id])).map((p) => p.name),
        ["Plan"],
      );

      // 2. The price's own event (a rename) arrives: it wins over the undated copy.
      const renamed = { ...f.pro, name: "Pro (2026)", amount: "3500", updatedAtMs: T0 + MIN };
      const own = await apply(client, paddleEvent("price.updated", priceJson(renamed), T0 + MIN));
      assert.equal(own.outcome, "applied");
      assert.equal(own.entity, "price");

      // 3. A later subscription event still embeds an undated copy of the old price: it never
      //    overwrites. Nor does a dated copy older than what is stored.
      const again = structuredClone(early);
      const later = await apply(
        client,
        paddleEvent(
          "subscription.updated",
          { ...again, updated_at: "2026-06-01T10:02:00.000Z" },
          T0 + 2 * MIN,
        ),
      );
      assert.equal(later.outcome, "applied");
      assert.equal(later.catalog_written, 0);
      const dated = f.at(s, T0 + 3 * MIN);
      const datedOld = await apply(client, f.subscriptionEvent("subscription.updated", dated));
      assert.equal(datedOld.catalog_written, 0, "embedded copies at T0 are older than the rename");
      [price] = await priceRows(client, [f.pro.id]);
      assert.equal(price.name, "Pro (2026)");
      assert.equal(price.unit_price_amount, "3500");
      assert.equal(price.updated_at, T0 + MIN);

      // 4. A subscription payload embedding a newer price than stored updates the catalog.
      const newest = { ...renamed, name: "Pro (2027)", updatedAtMs: T0 + 4 * MIN };
      const catalog = {
        price: (id: string) => (id === newest.id ? newest : f.catalog.price(id)),
        product: f.catalog.product,
      };
      const withNewest = f.at(s, T0 + 4 * MIN);
      const fourth = await apply(
        client,
        paddleEvent("subscription.updated", subscriptionJson(withNewest, catalog), T0 + 4 * MIN),
      );
      assert.equal(fourth.catalog_written, 1);
      [price] = await priceRows(client, [f.pro.id]);
      assert.equal(price.name, "Pro (2027)");
      // The price event of that same version, delivered late, still applies (an event outranks a
      // snapshot of its version; the content is the same); an older one is stale.
      const sameVersion = await apply(
        client,
        paddleEvent("price.updated", priceJson(newest), T0 + 4 * MIN),
      );
      assert.equal(sameVersion.outcome, "applied");
      const older = await apply(client, paddleEvent("price.updated", priceJson(renamed), T0 + MIN));
      assert.equal(older.outcome, "stale");
    }),
});

Deno.test({
  name: "product and price events: created, updated, imported; out of order and redelivered",
  fn: () =>
    withClient(async (client) => {
      const f = fixture();
      const created = paddleEvent("product.created", productJson(f.plan), T0);
      const v2 = { ...f.plan, name: "Plan v2", status: "archived" as const, updatedAtMs: T0 + MIN };
      const updated = paddleEvent("product.updated", productJson(v2), T0 + MIN);
      assert.equal((await apply(client, updated)).outcome, "applied");
      assert.equal((await apply(client, created)).outcome, "stale");
      const redelivered = await apply(client, updated);
      assert.equal(redelivered.outcome, "duplicate");
      assert.equal(redelivered.first_outcome, "applied");
      assert.equal(redelivered.entity, "product");
      const [row] = await productRows(client, [f.plan.id]);
      assert.equal(row.name, "Plan v2");
      assert.equal(row.status, "archived");
      assert.equal(row.created_at, T0);

      const imported = {
        ...f.seat,
        importMeta: { external_id: "price_legacy", imported_from: "paddle_classic" },
      };
      const result = await apply(client, paddleEvent("price.imported", priceJson(imported), T0));
      assert.equal(result.outcome, "applied");
      assert.equal(result.entity_id, f.seat.id);
      const [price] = await priceRows(client, [f.seat.id]);
      assert.deepEqual(price.import_meta, imported.importMeta);
      assert.equal(price.quantity_maximum, 100);
      assert.equal(price.unit_price_amount, "500");

      // An older payload without updated_at is versioned by its occurred_at.
      const undated: Record<string, unknown> = priceJson({ ...imported, name: "Seat v2" });
      delete undated.updated_at;
      assert.equal(
        (await apply(client, paddleEvent("price.updated", undated, T0 + MIN))).outcome,
        "applied",
      );
      assert.equal((await priceRows(client, [f.seat.id]))[0].updated_at, T0 + MIN);
      const { rows } = await client.query(
        "select outcome from public.paddle_events where event_id = $1",
        [created.event_id],
      );
      assert.deepEqual(rows, [{ outcome: "stale" }]);
    }),
});

Deno.test({
  name: "apply_paddle_entities: counts, a second identical page writes 0, events and snapshots",
  fn: () =>
    withClient(async (client) => {
      const f = fixture();
      const email = uniqueEmail("batch");
      const userId = await createUser(client, email, true);
      const customers = [f.customer(email), f.customer(uniqueEmail("batch2"))];
      const subs = [
        f.subscription(customers[0].id, [f.item(f.pro), f.item(f.seat, 2)]),
        f.subscription(customers[1].id, [f.item(f.basic)]),
      ];
      const subsJson = subs.map((s) => subscriptionJson(s, f.catalog));

      // Subscriptions first: stub customers and the embedded catalog come with them.
      const first = await applyEntities(client, "subscription", subsJson);
      assert.deepEqual(first, {
        entity_type: "subscription",
        received: 2,
        written: 2,
        unchanged: 0,
        linked: 0,
        items_written: 3,
        catalog_written: 5,
        customers_stubbed: 2,
      });
      const again = await applyEntities(client, "subscription", subsJson);
      assert.deepEqual(again, {
        ...first,
        written: 0,
        unchanged: 2,
        items_written: 0,
        catalog_written: 0,
        customers_stubbed: 0,
      });

      const page = customers.map(customerJson);
      const linked = await applyEntities(client, "customer", page);
      assert.equal(linked.written, 2);
      assert.equal(linked.linked, 1);
      const { rows } = await client.query(
        "select user_id from public.customers where customer_id = $1",
        [customers[0].id],
      );
      assert.equal(rows[0].user_id, userId);
      assert.equal((await applyEntities(client, "customer", page)).written, 0);
      for (
        const [type, entities] of [
          ["product", [productJson(f.plan), productJson(f.addon)]],
          ["price", [priceJson(f.basic), priceJson(f.pro), priceJson(f.seat)]],
        ] as const
      ) {
        const result = await applyEntities(client, type, [...entities]);
        assert.equal(result.written, 0, `${type}: the embedded copies were these versions`);
        assert.equal(result.unchanged, entities.length);
      }

      // A snapshot of the version an event stored writes nothing; a newer snapshot wins.
      const v2 = f.at(subs[1], T0 + MIN, { status: "past_due" });
      assert.equal(
        (await apply(client, f.subscriptionEvent("subscription.past_due", v2))).outcome,
        "applied",
      );
      const same = await applyEntities(client, "subscription", [subscriptionJson(v2, f.catalog)]);
      assert.equal(same.written, 0);
      const older = await applyEntities(client, "subscription", [subsJson[1]]);
      assert.equal(older.written, 0);
      assert.equal((await plan(client, subs[1].id)).status, "past_due");
      const v3 = f.at(v2, T0 + 2 * MIN, {
        status: "active",
        items: [f.item(f.pro, 1, T0 + 2 * MIN)],
      });
      const newer = await applyEntities(client, "subscription", [subscriptionJson(v3, f.catalog)]);
      assert.equal(newer.written, 1);
      assert.equal(newer.items_written, 2);
      // That same state as a late event still applies (it outranks the snapshot of its version)
      // and writes the same content: no item changes.
      const late = await apply(client, f.subscriptionEvent("subscription.updated", v3));
      assert.equal(late.outcome, "applied");
      assert.equal(late.items_written, 0);
      assert.deepEqual(await plan(client, subs[1].id), {
        price_id: f.pro.id,
        product_id: f.plan.id,
        status: "active",
      });
      const [mirrored] = await subscriptionRows(client, [subs[1].id]);
      assert.equal(mirrored.paddle_updated_at, T0 + 2 * MIN);
    }),
});

Deno.test({
  name: "apply_paddle_entities: a page of 200 sharing prices is one call; duplicates in a page",
  fn: () =>
    withClient(async (client) => {
      const f = fixture();
      const customer = f.customer(uniqueEmail("big"));
      const subs = Array.from({ length: 200 }, (_, i) =>
        f.subscription(customer.id, [
          f.item(i % 2 ? f.pro : f.basic),
          f.item(f.seat, 1 + (i % 5)),
        ]));
      const page = subs.map((s) => subscriptionJson(s, f.catalog));
      const result = await applyEntities(client, "subscription", page);
      assert.equal(result.written, 200);
      assert.equal(result.items_written, 400);
      assert.equal(result.catalog_written, 5);
      assert.equal(result.customers_stubbed, 1);

      // The same entity twice in one page (two versions): the newer one is kept.
      const s = subs[0];
      const v2 = f.at(s, T0 + MIN, { status: "canceled" });
      const dup = await applyEntities(client, "subscription", [
        subscriptionJson(v2, f.catalog),
        subscriptionJson(s, f.catalog),
      ]);
      assert.equal(dup.received, 2);
      assert.equal(dup.written, 1);
      assert.equal(dup.unchanged, 1);
      assert.equal((await plan(client, s.id)).status, "canceled");
    }),
});

Deno.test({
  name: "apply_paddle_entities: a malformed entity or type raises 22023 and the page rolls back",
  fn: () =>
    withClient(async (client) => {
      const f = fixture();
      const good = customerJson(f.customer(uniqueEmail("good")));
      const cases: [string, string, unknown][] = [
        ["unknown type", "address", []],
        ["not an array", "customer", { data: [] }],
        ["bad id", "customer", [good, { ...good, id: "ctm_1" }]],
        ["zone-less time", "customer", [good, {
          ...good,
          id: paddleId("ctm"),
          updated_at: "2026-01-01T00:00:00",
        }]],
        ["unknown status", "subscription", [{
          ...subscriptionJson(f.subscription(good.id as string, [f.item(f.pro)]), f.catalog),
          status: "expired",
        }]],
        ["no items", "subscription", [{
          ...subscriptionJson(f.subscription(good.id as string, [f.item(f.pro)]), f.catalog),
          items: null,
        }]],
        ["amount as a number", "price", [{
          ...priceJson(f.pro),
          unit_price: { amount: 3000, currency_code: "USD" },
        }]],
        ["bad interval", "price", [{
          ...priceJson(f.pro),
          billing_cycle: { interval: "fortnight", frequency: 1 },
        }]],
        ["product without id", "product", [{ name: "x" }]],
      ];
      for (const [label, type, entities] of cases) {
        const state = await sqlState(
          client.query("select public.apply_paddle_entities($1, $2::jsonb)", [
            type,
            JSON.stringify(entities),
          ]),
        );
        assert.equal(state, "22023", label);
      }
      const { rows } = await client.query(
        "select 1 from public.customers where customer_id = $1",
        [good.id],
      );
      assert.equal(rows.length, 0, "the good entity of a failed page is not kept");
    }),
});

Deno.test({
  name:
    "permissions: the apply functions are the owner's; the catalog is read-only for the API roles",
  fn: () =>
    withClient(async (client) => {
      const asRole = (role: string, sql: string, params: unknown[] = []) =>
        inTransaction(client, { role, commit: false }, () => client.query(sql, params));
      for (const role of ["anon", "authenticated", "service_role"]) {
        assert.equal(
          await sqlState(asRole(role, "select public.apply_paddle_entities('customer', '[]')")),
          "42501",
          `${role}: apply_paddle_entities`,
        );
        for (const fn of ["products", "prices", "customers", "subscriptions"]) {
          assert.equal(
            await sqlState(asRole(role, `select public.apply_paddle_${fn}('[]', null, null)`)),
            "42501",
            `${role}: apply_paddle_${fn}`,
          );
        }
        for (const table of ["products", "prices", "subscription_items"]) {
          assert.equal(
            await sqlState(asRole(role, `delete from public.${table}`)),
            "42501",
            `${role} deletes ${table}`,
          );
        }
        assert.equal(
          await sqlState(
            asRole(
              role,
              "insert into public.products (product_id) values ('pro_01jnotallowed00000000000000')",
            ),
          ),
          "42501",
        );
      }
      assert.equal(
        await sqlState(asRole("anon", "select public.has_active_subscription()")),
        "42501",
        "anon: has_active_subscription",
      );
      const { rows } = await client.query(
        `select p.proname, p.prosecdef, p.proconfig, p.provolatile
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname = 'public' and p.proname in ('apply_paddle_entities', 'has_active_subscription')
         order by p.proname`,
      );
      assert.deepEqual(rows.map((r) => [r.proname, r.prosecdef, r.proconfig]), [
        ["apply_paddle_entities", true, ['search_path=""']],
        ["has_active_subscription", true, ['search_path=""']],
      ]);
      assert.equal(rows[1].provolatile, "s", "has_active_subscription is stable");
      const rls = await client.query(
        `select relname, relrowsecurity from pg_class
         where oid in ('public.products'::regclass, 'public.prices'::regclass, 'public.subscription_items'::regclass)
         order by relname`,
      );
      assert.ok(rls.rows.every((r) => r.relrowsecurity), "RLS on every new table");
    }),
});

Deno.test({
  name: "RLS: anon and signed-in users read the whole catalog; owners read only their own items",
  fn: () =>
    withClient(async (client) => {
      const f = fixture();
      const owner = await createUser(client, uniqueEmail("owner"), true);
      const other = await createUser(client, uniqueEmail("other"), true);
      const ownerCustomer = f.customer(
        (await client.query("select email from auth.users where id = $1", [owner])).rows[0].email,
      );
      const otherCustomer = f.customer(
        (await client.query("select email from auth.users where id = $1", [other])).rows[0].email,
      );
      await applyEntities(client, "customer", [
        customerJson(ownerCustomer),
        customerJson(otherCustomer),
      ]);
      const mine = f.subscription(ownerCustomer.id, [f.item(f.pro), f.item(f.seat, 2)]);
      const theirs = f.subscription(otherCustomer.id, [f.item(f.basic)]);
      await applyEntities(
        client,
        "subscription",
        [mine, theirs].map((s) => subscriptionJson(s, f.catalog)),
      );

      const catalogIds = sortedIds(f.plan.id, f.addon.id, f.basic.id, f.pro.id, f.seat.id);
      const read = (role: string, sub?: string) =>
        inTransaction(client, { role, sub, commit: false }, async () => {
          const products = await client.query(
            "select product_id as id from public.products where product_id = any($1)",
            [catalogIds],
          );
          const prices = await client.query(
            "select price_id as id from public.prices where price_id = any($1)",
            [catalogIds],
          );
          const items = role === "anon"
            ? { rows: [] }
            : await client.query("select subscription_id, price_id from public.subscription_items");
          return {
            catalog: sortedIds(...[...products.rows, ...prices.rows].map((r) => r.id)),
            items: items.rows.map((r) => `${r.subscription_id}/${r.price_id}`).sort(),
          };
        });
      assert.deepEqual((await read("anon")).catalog, catalogIds);
      assert.equal(
        await sqlState(
          inTransaction(client, { role: "anon", commit: false }, () =>
            client.query("select * from public.subscription_items")),
        ),
        "42501",
        "anon has no access to items at all",
      );
      assert.deepEqual(await read("authenticated", owner), {
        catalog: catalogIds,
        items: [`${mine.id}/${f.pro.id}`, `${mine.id}/${f.seat.id}`].sort(),
      });
      assert.deepEqual((await read("authenticated", other)).items, [`${theirs.id}/${f.basic.id}`]);
      const stranger = await createUser(client, uniqueEmail("stranger"), true);
      assert.deepEqual((await read("authenticated", stranger)).items, []);
    }),
});

Deno.test({
  name: "has_active_subscription in an app's RLS policy: each status, with and without a product",
  fn: () =>
    withClient(async (client) => {
      const f = fixture();
      // The app's own table, readable only by subscribers (of the add-on, for premium rows).
      const table = `app_test.reports_${crypto.randomUUID().slice(0, 8)}`;
      await client.query(`
        create schema if not exists app_test;
        grant usage on schema app_test to authenticated;
        create table ${table} (id int primary key, premium boolean not null);
        alter table ${table} enable row level security;
        grant select on ${table} to authenticated;
        create policy "subscribers read reports" on ${table} for select to authenticated
          using (
            case when premium then (select public.has_active_subscription('${f.addon.id}'))
                 else (select public.has_active_subscription()) end
          );
        insert into ${table} values (1, false), (2, true);
      `);
      try {
        const expectations: [SubscriptionStatus, boolean][] = [
          ["active", true],
          ["trialing", true],
          ["past_due", true],
          ["paused", false],
          ["canceled", false],
        ];
        for (const [status, active] of expectations) {
          for (const withAddon of [false, true]) {
            const email = uniqueEmail(`has-${status}`);
            const userId = await createUser(client, email, true);
            const customer = f.customer(email);
            await applyEntities(client, "customer", [customerJson(customer)]);
            const items = withAddon ? [f.item(f.pro), f.item(f.seat)] : [f.item(f.pro)];
            await applyEntities(client, "subscription", [
              subscriptionJson(f.subscription(customer.id, items, status), f.catalog),
            ]);
            const seen = await inTransaction(
              client,
              { role: "authenticated", sub: userId, commit: false },
              async () => {
                const { rows } = await client.query(`select id from ${table} order by id`);
                const direct = await client.query(
                  "select public.has_active_subscription() as any, public.has_active_subscription($1) as addon, public.has_active_subscription($2) as plan",
                  [f.addon.id, f.plan.id],
                );
                return { ids: rows.map((r) => r.id), ...direct.rows[0] };
              },
            );
            const label = `${status}${withAddon ? " with add-on" : ""}`;
            assert.deepEqual(seen, {
              ids: active ? (withAddon ? [1, 2] : [1]) : [],
              any: active,
              addon: active && withAddon,
              plan: active,
            }, label);
          }
        }
        // Someone else's subscription grants nothing; neither does no user at all.
        const nobody = await createUser(client, uniqueEmail("nobody"), true);
        for (const sub of [nobody, undefined]) {
          const rows = await inTransaction(
            client,
            { role: "authenticated", sub, commit: false },
            async () => (await client.query(`select id from ${table}`)).rows,
          );
          assert.deepEqual(rows, [], `sub ${sub}`);
        }
      } finally {
        await client.query(`drop table ${table}`);
      }
    }),
});

Deno.test({
  name: "has_active_subscription reads through indexes (plan of its query with scans disfavoured)",
  fn: () =>
    withClient(async (client) => {
      // The function's body, as the planner sees it once inlined into a policy's subquery.
      const { rows } = await inTransaction(client, { commit: false }, async () => {
        await client.query("set local enable_seqscan = off");
        return await client.query(`explain (format json)
          select exists (
            select 1 from public.customers c
            join public.subscriptions s on s.customer_id = c.customer_id
            where c.user_id = 'a11ce000-0000-4000-8000-000000000001'
              and s.status in ('active', 'trialing', 'past_due')
              and exists (select 1 from public.subscription_items i
                          where i.subscription_id = s.subscription_id
                            and i.product_id = 'pro_01jdemoaddonseats000000000'))`);
      });
      const plan = JSON.stringify(rows[0]["QUERY PLAN"]);
      assert.ok(!plan.includes('"Seq Scan"'), `no sequential scan: ${plan}`);
      for (
        const index of [
          "customers_user_id_key",
          "subscriptions_customer_id_created_at_idx",
          "subscription_items_pkey",
        ]
      ) {
        assert.ok(plan.includes(index), `${index} used: ${plan}`);
      }
    }),
});

Deno.test({
  name: "the seeded mirror is a complete Paddle account: catalog, items, versions",
  fn: () =>
    withClient(async (client) => {
      const { rows: subs } = await client.query(
        `select s.subscription_id, s.price_id, s.paddle_updated_at, s.currency_code,
                s.billing_cycle_interval, s.current_period_ends_at,
                (select array_agg(i.price_id order by i.price_id) from public.subscription_items i
                 where i.subscription_id = s.subscription_id) as items
         from public.subscriptions s where s.subscription_id like 'sub_01jdemo%'
         order by s.subscription_id`,
      );
      assert.deepEqual(subs.map((s) => [s.subscription_id, s.price_id, s.items]), [
        ["sub_01jdemoalicesub10000000000", "pri_01jdemopricepro00000000000", [
          "pri_01jdemopricepro00000000000",
          "pri_01jdemopriceseats000000000",
        ]],
        ["sub_01jdemoalicesub20000000000", "pri_01jdemopricebasic000000000", [
          "pri_01jdemopricebasic000000000",
        ]],
        ["sub_01jdemodavesub100000000000", "pri_01jdemopricepro00000000000", [
          "pri_01jdemopricepro00000000000",
        ]],
      ]);
      for (const s of subs) {
        assert.ok(
          s.paddle_updated_at && s.currency_code && s.billing_cycle_interval,
          s.subscription_id,
        );
        assert.ok(s.current_period_ends_at > new Date(), `${s.subscription_id}: period not over`);
      }
      const { rows: gaps } = await client.query(
        `select 'item without catalog' as problem from public.subscription_items i
         where i.subscription_id like 'sub_01jdemo%' and not exists (
           select 1 from public.prices p join public.products pr using (product_id)
           where p.price_id = i.price_id and p.updated_at is not null and pr.updated_at is not null)
         union all
         select 'customer without version' from public.customers
         where customer_id like 'ctm_01jdemo%' and (paddle_updated_at is null or status is null)`,
      );
      assert.deepEqual(gaps, []);
      const { rows: names } = await client.query(
        `select p.name as price, pr.name as product, p.unit_price_amount::text as amount
         from public.prices p join public.products pr using (product_id)
         where p.price_id = 'pri_01jdemopricepro00000000000'`,
      );
      assert.deepEqual(names, [{ price: "Pro monthly", product: "Pro plan", amount: "3000" }]);
    }),
});

Deno.test({
  name: "created_at is Paddle's when the state carries it, and kept when an older payload omits it",
  fn: () =>
    withClient(async (client) => {
      const f = fixture();
      const c = f.customer(uniqueEmail("created"));
      const s = f.subscription(c.id, [f.item(f.pro)]);
      const withoutCreated = (json: Record<string, unknown>) => {
        const copy = structuredClone(json);
        delete copy.created_at;
        return copy;
      };
      // A subscription without created_at first: local times, never a sentinel.
      await applyEntities(client, "subscription", [withoutCreated(subscriptionJson(s, f.catalog))]);
      const times = async () =>
        (await client.query(
          `select c.created_at as customer, s.created_at as subscription
           from public.customers c join public.subscriptions s using (customer_id)
           where s.subscription_id = $1`,
          [s.id],
        )).rows[0];
      const local = await times();
      assert.ok(Math.abs(local.customer.getTime() - Date.now()) < 60_000, "stub: local time");
      assert.ok(Math.abs(local.subscription.getTime() - Date.now()) < 60_000);

      await applyEntities(client, "customer", [customerJson(c)]);
      const v2 = f.at(s, T0 + MIN);
      await applyEntities(client, "subscription", [subscriptionJson(v2, f.catalog)]);
      assert.deepEqual(await times(), { customer: new Date(T0), subscription: new Date(T0) });

      // Newer states without created_at keep Paddle's.
      await applyEntities(client, "customer", [
        withoutCreated(customerJson({ ...c, updatedAtMs: T0 + MIN })),
      ]);
      await applyEntities(client, "subscription", [
        withoutCreated(subscriptionJson(f.at(s, T0 + 2 * MIN), f.catalog)),
      ]);
      assert.deepEqual(await times(), { customer: new Date(T0), subscription: new Date(T0) });
    }),
});

Deno.test({
  name:
    "concurrent pages naming the same entities in opposite orders: the second waits, no deadlock",
  fn: () =>
    withClient((first) =>
      withClient(async (second) => {
        const f = fixture();
        const customers = Array.from({ length: 6 }, (_, i) => f.customer(uniqueEmail(`conc${i}`)));
        const subs = customers.map((c) => f.subscription(c.id, [f.item(f.pro), f.item(f.seat)]));
        const newer = subs.map((s) => f.at(s, T0 + MIN, { status: "past_due" }));
        await first.query("begin");
        await first.query("select public.apply_paddle_entities('customer', $1::jsonb)", [
          JSON.stringify(customers.map(customerJson)),
        ]);
        await first.query("select public.apply_paddle_entities('subscription', $1::jsonb)", [
          JSON.stringify(subs.map((s) => subscriptionJson(s, f.catalog))),
        ]);
        // The same customers and subscriptions, newer and reversed, from another session.
        const racing = (async () => {
          await second.query("begin");
          const c = await second.query(
            "select public.apply_paddle_entities('customer', $1::jsonb) r",
            [
              JSON.stringify(
                customers.map((x) => customerJson({ ...x, updatedAtMs: T0 + MIN })).reverse(),
              ),
            ],
          );
          const s = await second.query(
            "select public.apply_paddle_entities('subscription', $1::jsonb) r",
            [
              JSON.stringify(newer.map((x) => subscriptionJson(x, f.catalog)).reverse()),
            ],
          );
          await second.query("commit");
          return [c.rows[0].r.written, s.rows[0].r.written];
        })();
        await new Promise((r) => setTimeout(r, 150));
        await first.query("commit");
        assert.deepEqual(await racing, [6, 6]);
        const rows = await subscriptionRows(first, subs.map((s) => s.id));
        assert.deepEqual(
          rows.map((r) => [r.status, (r.items as unknown[]).length]),
          subs.map(() => ["past_due", 2]),
        );
      })
    ),
});
