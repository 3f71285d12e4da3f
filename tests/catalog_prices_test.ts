/**
 * What is for sale (issue 17): public.catalog_prices over the seeded demo catalog through the real
 * PostgREST, the plan/add-on rule against catalogs written through the one write path, and
 * has_active_subscription for a subscription that holds only an add-on.
 */
import { assertEquals } from "@std/assert";
import { inTransaction, withClient } from "./_db.ts";
import { anonClient, demoUser } from "./_stack.ts";

const STARTER = "pro_01jdemostarter000000000000";
const PRO = "pro_01jdemoproduct000000000000";
const SEATS = "pro_01jdemoaddonseats000000000";

Deno.test("anon reads the demo catalog: two plans with features and an add-on both suggest", async () => {
  const { data, error } = await anonClient()
    .from("catalog_prices")
    .select(
      "price_id, product_id, role, product_name, price_name, billing_cycle_interval, billing_cycle_frequency, unit_price_amount, unit_price_currency, quantity_minimum, quantity_maximum, features, suggested_addons",
    )
    .in("product_id", [STARTER, PRO, SEATS])
    .order("product_name")
    .order("billing_cycle_interval");
  assertEquals(error, null);
  const plan = {
    role: "plan",
    billing_cycle_frequency: 1,
    unit_price_currency: "USD",
    quantity_minimum: 1,
    quantity_maximum: 1,
    suggested_addons: [SEATS],
  };
  const proFeatures = { "Projects": "Unlimited", "Storage": "100 GB", "Priority support": true };
  const starterFeatures = { "Projects": "3", "Storage": "10 GB", "Priority support": false };
  const addon = {
    role: "addon",
    product_id: SEATS,
    product_name: "Extra seats",
    billing_cycle_frequency: 1,
    unit_price_currency: "USD",
    quantity_minimum: 1,
    quantity_maximum: 100,
    features: null,
    suggested_addons: null,
  };
  assertEquals(data, [
    {
      ...addon,
      price_id: "pri_01jdemopriceseats000000000",
      price_name: "Extra seat",
      billing_cycle_interval: "month",
      unit_price_amount: 500,
    },
    {
      ...addon,
      price_id: "pri_01jdemoseatsyearly00000000",
      price_name: "Extra seat, yearly",
      billing_cycle_interval: "year",
      unit_price_amount: 5000,
    },
    {
      ...plan,
      price_id: "pri_01jdemopricepro00000000000",
      product_id: PRO,
      product_name: "Pro plan",
      price_name: "Pro monthly",
      billing_cycle_interval: "month",
      unit_price_amount: 3000,
      features: proFeatures,
    },
    {
      ...plan,
      price_id: "pri_01jdemoproyearly0000000000",
      product_id: PRO,
      product_name: "Pro plan",
      price_name: "Pro yearly",
      billing_cycle_interval: "year",
      unit_price_amount: 30000,
      features: proFeatures,
    },
    {
      ...plan,
      price_id: "pri_01jdemopricebasic000000000",
      product_id: STARTER,
      product_name: "Starter plan",
      price_name: "Starter monthly",
      billing_cycle_interval: "month",
      unit_price_amount: 1000,
      features: starterFeatures,
    },
    {
      ...plan,
      price_id: "pri_01jdemostarteryearly000000",
      product_id: STARTER,
      product_name: "Starter plan",
      price_name: "Starter yearly",
      billing_cycle_interval: "year",
      unit_price_amount: 10000,
      features: starterFeatures,
    },
  ]);
});

const T = "2026-02-01T00:00:00.000000Z";
const product = (id: string, status: string, customData: unknown) => ({
  id,
  name: id.slice(-6),
  type: "standard",
  tax_category: "standard",
  description: null,
  image_url: null,
  custom_data: customData,
  status,
  import_meta: null,
  created_at: T,
  updated_at: T,
});
const price = (id: string, productId: string, interval: string | null, status = "active") => ({
  id,
  product_id: productId,
  type: "standard",
  description: id,
  name: id,
  tax_mode: "account_setting",
  billing_cycle: interval ? { interval, frequency: 1 } : null,
  trial_period: null,
  unit_price: { amount: "700", currency_code: "USD" },
  unit_price_overrides: [],
  quantity: null,
  status,
  custom_data: null,
  import_meta: null,
  created_at: T,
  updated_at: T,
});
const pro = (n: string) => `pro_01jtestcatalog${n.padStart(12, "0")}`;
const pri = (n: string) => `pri_01jtestcatalog${n.padStart(12, "0")}`;

Deno.test("the rule: named in an active product's suggested_addons is an add-on; only prices for sale", () =>
  withClient((client) =>
    inTransaction(client, { commit: false }, async () => {
      // Only the rows this test writes: the demo catalog stays as it is.
      await client.query("update public.products set status = 'archived'");
      await client.query("select public.apply_paddle_entities('product', $1)", [JSON.stringify([
        // A plan suggesting two add-ons (one has nothing for sale), plus junk the rule ignores.
        product(pro("1"), "active", {
          features: { Seats: 5 },
          suggested_addons: [pro("3"), 42, pro("2"), "not-an-id", pro("3")],
        }),
        product(pro("2"), "active", null), // add-on with a price for sale
        product(pro("3"), "active", { suggested_addons: [pro("4")] }), // add-on, nothing for sale
        product(pro("4"), "active", null), // named only by an add-on: still an add-on
        product(pro("5"), "archived", { suggested_addons: [pro("6")] }), // archived: names nobody
        product(pro("6"), "active", { features: ["not", "an", "object"] }), // a plan
        product(pro("7"), "archived", null), // archived: nothing of it for sale
      ])]);
      await client.query("select public.apply_paddle_entities('price', $1)", [JSON.stringify([
        price(pri("1"), pro("1"), "month"),
        price(pri("2"), pro("2"), "month"),
        price(pri("3"), pro("3"), null), // one-time: not for sale
        price(pri("4"), pro("4"), "year"),
        price(pri("6"), pro("6"), "year"),
        price(pri("66"), pro("6"), "month", "archived"),
        price(pri("7"), pro("7"), "month"),
      ])]);
      await client.query("set local role anon");
      const { rows } = await client.query(
        `select price_id, role, features, suggested_addons, quantity_minimum, quantity_maximum
           from public.catalog_prices order by price_id`,
      );
      assertEquals(rows, [
        {
          price_id: pri("1"),
          role: "plan",
          features: { Seats: 5 },
          suggested_addons: [pro("2")],
          quantity_minimum: 1,
          quantity_maximum: 100,
        },
        ...[pri("2"), pri("4")].map((id) => ({
          price_id: id,
          role: "addon",
          features: null,
          suggested_addons: null,
          quantity_minimum: 1,
          quantity_maximum: 100,
        })),
        {
          price_id: pri("6"),
          role: "plan",
          features: {},
          suggested_addons: [],
          quantity_minimum: 1,
          quantity_maximum: 100,
        },
      ]);
    })
  ));

Deno.test("has_active_subscription: a subscription holding only an add-on does not count", () =>
  withClient((client) =>
    inTransaction(client, { commit: false }, async () => {
      const bob = demoUser("bob@example.com");
      const ask = async (product: string | null) => {
        await client.query("set local role authenticated");
        await client.query("select set_config('request.jwt.claims', $1, true)", [
          JSON.stringify({ sub: bob.userId, role: "authenticated" }),
        ]);
        const { rows } = await client.query("select public.has_active_subscription($1) as yes", [
          product,
        ]);
        await client.query("reset role");
        return rows[0].yes;
      };
      const subscribe = async (id: string, items: [string, string, string][]) => {
        await client.query("select public.apply_paddle_entities('subscription', $1)", [
          JSON.stringify([{
            id,
            status: "active",
            customer_id: "ctm_01jdemobob0000000000000000",
            currency_code: "USD",
            collection_mode: "automatic",
            billing_cycle: { interval: "month", frequency: 1 },
            created_at: T,
            updated_at: T,
            scheduled_change: null,
            items: items.map(([priceId, productId, amount]) => ({
              status: "active",
              quantity: 1,
              recurring: true,
              created_at: T,
              updated_at: T,
              price: {
                id: priceId,
                product_id: productId,
                billing_cycle: { interval: "month", frequency: 1 },
                unit_price: { amount, currency_code: "USD" },
                status: "active",
                created_at: "2026-01-05T09:05:00.000000Z",
                updated_at: "2026-01-05T09:05:00.000000Z",
              },
            })),
          }]),
        ]);
      };
      assertEquals(await ask(null), false);
      await subscribe("sub_01jtestaddononly0000000000", [[
        "pri_01jdemopriceseats000000000",
        SEATS,
        "500",
      ]]);
      assertEquals(await ask(null), false, "an add-on alone");
      assertEquals(await ask(SEATS), true, "but it holds the add-on");
      await subscribe("sub_01jtestwithplan00000000000", [[
        "pri_01jdemopricebasic000000000",
        STARTER,
        "1000",
      ]]);
      assertEquals(await ask(null), true, "a plan");
      assertEquals(await ask(STARTER), true);
      assertEquals(await ask(PRO), false);
    })
  ));
