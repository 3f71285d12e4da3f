/** Unit tests of web/data.js's shaping: rows as PostgREST returns them → what the views show. */
import { assertEquals } from "@std/assert";
import {
  type CatalogRow,
  customerFound,
  hasCurrentSubscription,
  offersPortal,
  priceFor,
  shapeCatalog,
  shapeSubscription,
  type SubscriptionRow,
  switchIntervals,
  totalOf,
} from "../../web/data.js";

const PRO = "pri_01jdemopricepro00000000000";
const SEAT = "pri_01jdemopriceseats000000000";
const BASIC = "pri_01jdemopricebasic000000000";

function price(name: string, amount: string, currency = "USD") {
  return {
    name,
    description: name,
    amount,
    currency,
    billing_cycle_interval: "month",
    billing_cycle_frequency: 1,
  };
}

function subscriptionRow(overrides: Partial<SubscriptionRow> = {}): SubscriptionRow {
  return {
    subscription_id: "sub_01jdemoalicesub10000000000",
    status: "active",
    customer_id: "ctm_01jdemoalice00000000000000",
    price_id: PRO,
    currency_code: "USD",
    billing_cycle_interval: "month",
    billing_cycle_frequency: 1,
    current_period_starts_at: "2026-11-12T10:00:00Z",
    current_period_ends_at: "2026-12-12T10:00:00Z",
    next_billed_at: "2026-12-12T10:00:00Z",
    scheduled_change_action: null,
    scheduled_change_effective_at: null,
    started_at: "2026-09-12T10:00:00Z",
    created_at: "2026-09-12T10:00:00Z",
    // PostgREST's embedding order is not the subscription's: the add-on first here.
    subscription_items: [
      {
        price_id: SEAT,
        product_id: "pro_01jdemoaddonseats000000000",
        quantity: 3,
        status: "active",
        recurring: true,
        prices: { ...price("Extra seat", "500"), products: { name: "Extra seats" } },
      },
      {
        price_id: PRO,
        product_id: "pro_01jdemoproduct000000000000",
        quantity: 1,
        status: "active",
        recurring: true,
        prices: { ...price("Pro monthly", "3000"), products: { name: "Pro plan" } },
      },
    ],
    ...overrides,
  };
}

Deno.test("a subscription: base plan first, its product as the title, the total per month", () => {
  const sub = shapeSubscription(subscriptionRow());
  assertEquals(sub.title, "Pro plan");
  assertEquals(sub.items.map((i) => [i.productName, i.priceName, i.quantity, i.amount]), [
    ["Pro plan", "Pro monthly", 1, "3000"],
    ["Extra seats", "Extra seat", 3, "500"],
  ]);
  assertEquals(sub.total, { amount: "4500", currency: "USD" });
  assertEquals(sub.cycle, { interval: "month", frequency: 1 });
  assertEquals(sub.nextBilledAt, "2026-12-12T10:00:00Z");
  assertEquals(sub.startedAt, "2026-09-12T10:00:00Z");
  assertEquals(sub.customerId, "ctm_01jdemoalice00000000000000");
});

Deno.test("a subscription whose catalog rows are stubs still reads", () => {
  const sub = shapeSubscription(subscriptionRow({
    subscription_items: [{
      price_id: PRO,
      product_id: "pro_01jdemoproduct000000000000",
      quantity: 1,
      status: "active",
      recurring: true,
      prices: {
        name: null,
        description: null,
        amount: null,
        currency: null,
        billing_cycle_interval: null,
        billing_cycle_frequency: null,
        products: { name: null },
      },
    }],
  }));
  assertEquals(sub.title, "Subscription");
  assertEquals(sub.items[0].currency, "USD", "the subscription's currency");
  assertEquals(sub.total, undefined, "no amount, no total");
  assertEquals(shapeSubscription(subscriptionRow({ subscription_items: null })).items, []);
});

Deno.test("totalOf: one currency only, exact", () => {
  const item = (amount: string | null, currency: string | null, quantity = 1) => ({
    priceId: PRO,
    productId: "pro_x",
    productName: "x",
    priceName: null,
    quantity,
    amount,
    currency,
    cycle: { interval: "month", frequency: 1 },
  });
  assertEquals(totalOf([item("3000", "USD"), item("500", "USD", 3)]), {
    amount: "4500",
    currency: "USD",
  });
  assertEquals(totalOf([item("3000", "USD"), item("500", "EUR")]), undefined);
  assertEquals(totalOf([item(null, "USD")]), undefined);
  assertEquals(totalOf([]), undefined);
});

Deno.test("current subscriptions: active, trialing, past_due, paused", () => {
  const withStatus = (status: string) => shapeSubscription(subscriptionRow({ status }));
  for (const status of ["active", "trialing", "past_due", "paused"]) {
    assertEquals(hasCurrentSubscription([withStatus("canceled"), withStatus(status)]), true);
  }
  assertEquals(hasCurrentSubscription([withStatus("canceled")]), false);
  assertEquals(hasCurrentSubscription([]), false);
});

Deno.test("customerFound: the caller's customer row, none, or unknown", () => {
  assertEquals(customerFound({ data: [{ customer_id: "ctm_01jdemobob000000000000000" }] }), true);
  assertEquals(customerFound({ data: [], error: null }), false);
  const error = { message: "TypeError: Failed to fetch", code: "" };
  assertEquals(customerFound({ data: null, error }), undefined, "a failed read");
  assertEquals(customerFound({ data: [{ customer_id: "ctm_x" }], error }), undefined);
  assertEquals(customerFound({ data: null, error: null }), undefined, "not a list of rows");
  assertEquals(customerFound({}), undefined);
});

Deno.test('offersPortal: "Manage subscription" unless the user certainly has no customer', () => {
  const sub = shapeSubscription(subscriptionRow());
  assertEquals(offersPortal(true, []), true, "a customer without subscriptions (bob)");
  assertEquals(offersPortal(true, [sub]), true);
  assertEquals(offersPortal(false, []), false, "no customer (carol, any new user)");
  assertEquals(offersPortal(undefined, []), true, "unknown: the function answers");
  // The customer read ran before the webhook wrote the customer, the subscriptions read after.
  assertEquals(offersPortal(false, [sub]), true, "a subscription means a customer");
});

function catalogRow(
  priceId: string,
  productId: string,
  productName: string,
  name: string,
  amount: string,
  interval = "month",
  extra: Partial<CatalogRow> = {},
): CatalogRow {
  return {
    price_id: priceId,
    product_id: productId,
    role: "plan",
    product_name: productName,
    product_description: `${productName}.`,
    ...price(name, amount),
    billing_cycle_interval: interval,
    quantity_minimum: 1,
    quantity_maximum: 100,
    trial_period_interval: null,
    trial_period_frequency: null,
    features: {},
    suggested_addons: [],
    ...extra,
  };
}

const ADDON = { role: "addon" as const, features: null, suggested_addons: null };

Deno.test("catalog: plans by name with prices by interval then amount; add-ons only under the plans that suggest them", () => {
  const pro = {
    features: { Projects: "Unlimited", "Priority support": true },
    suggested_addons: ["pro_seats", "pro_gone"],
  };
  const rows = [
    catalogRow(PRO, "pro_a", "Pro plan", "Pro monthly", "3000", "month", pro),
    catalogRow(SEAT, "pro_seats", "Extra seats", "Extra seat", "500", "month", ADDON),
    catalogRow("pri_yearly", "pro_a", "Pro plan", "Pro yearly", "30000", "year", pro),
    catalogRow("pri_seat_year", "pro_seats", "Extra seats", "Extra seat", "5000", "year", ADDON),
    catalogRow(BASIC, "pro_b", "Basic plan", "Basic monthly", "1000"),
  ];
  const { plans } = shapeCatalog(rows);
  assertEquals(plans.map((p) => [p.name, p.prices.map((x) => x.name)]), [
    ["Basic plan", ["Basic monthly"]],
    ["Pro plan", ["Pro monthly", "Pro yearly"]],
  ]);
  const [basic, proPlan] = plans;
  assertEquals(proPlan.description, "Pro plan.");
  assertEquals(proPlan.features, [["Priority support", true], ["Projects", "Unlimited"]]);
  assertEquals(proPlan.addons.map((a) => [a.productId, a.prices.map((p) => p.priceId)]), [
    ["pro_seats", [SEAT, "pri_seat_year"]],
  ]);
  assertEquals(basic.addons, []);
  assertEquals(basic.features, []);
  assertEquals(priceFor(proPlan, "year")?.priceId, "pri_yearly");
  assertEquals(priceFor(basic, "year"), undefined);
  assertEquals(proPlan.prices[0].cycle, { interval: "month", frequency: 1 });
  assertEquals([proPlan.prices[0].minimum, proPlan.prices[0].maximum], [1, 100]);
  assertEquals(switchIntervals(plans), ["month", "year"]);
  assertEquals(switchIntervals([basic]), ["month"]);
});

Deno.test("catalog: a trial is kept", () => {
  const row = catalogRow(PRO, "pro_a", "Pro plan", "Pro monthly", "3000");
  row.trial_period_interval = "day";
  row.trial_period_frequency = 14;
  assertEquals(shapeCatalog([row]).plans[0].prices[0].trial, { interval: "day", frequency: 14 });
});
