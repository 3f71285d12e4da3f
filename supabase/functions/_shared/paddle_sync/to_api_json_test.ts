import assert from "node:assert/strict";
import { Customer, Price, Product, Subscription, Transaction } from "@paddle/paddle-node-sdk";
import { fakeAccount } from "../../../../local/paddle_simulator/fake_account.ts";
import { transactionJson } from "../../../../tests/_paddle_transactions.ts";
import { toApiJson } from "./to_api_json.ts";

/** The original restricted to the keys the mapped value has, recursively. */
function pickLike(original: unknown, shape: unknown): unknown {
  if (Array.isArray(shape)) return (original as unknown[]).map((v, i) => pickLike(v, shape[i]));
  if (shape !== null && typeof shape === "object" && original !== null) {
    const o = original as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(shape).map((k) => [
        k,
        k === "custom_data" ? o[k] : pickLike(o[k], (shape as Record<string, unknown>)[k]),
      ]),
    );
  }
  return original;
}

const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value));

const account = fakeAccount({ customers: 60, prices: 20, seed: 7 });

Deno.test("round trip: Paddle JSON → SDK entity → toApiJson gives back every mirrored field", () => {
  const cases = [
    ...account.products.map((p) => ["product", p, new Product(p as never)] as const),
    ...account.prices.map((p) => ["price", p, new Price(p as never)] as const),
    ...account.customers.map((c) => ["customer", c, new Customer(c as never)] as const),
    ...account.subscriptions.map((s) => ["subscription", s, new Subscription(s as never)] as const),
  ];
  assert.equal(cases.length, 4 + 20 + 60 + 60);
  for (const [type, json, entity] of cases) {
    const mapped = roundTrip(toApiJson(type, entity as never));
    assert.deepEqual(mapped, pickLike(json, mapped), `${type} ${json.id}`);
  }
});

Deno.test("the fields the mirror stores are all there, in snake_case", () => {
  const sub = roundTrip(
    toApiJson("subscription", new Subscription(account.subscriptions[0] as never)),
  );
  for (
    const key of [
      "id",
      "status",
      "customer_id",
      "currency_code",
      "collection_mode",
      "billing_cycle",
      "current_billing_period",
      "next_billed_at",
      "started_at",
      "first_billed_at",
      "paused_at",
      "canceled_at",
      "scheduled_change",
      "created_at",
      "updated_at",
      "items",
      "custom_data",
    ]
  ) assert.ok(key in sub, key);
  const item = sub.items[0];
  for (
    const key of [
      "status",
      "quantity",
      "recurring",
      "created_at",
      "updated_at",
      "previously_billed_at",
      "next_billed_at",
      "trial_dates",
      "price",
      "product",
    ]
  ) assert.ok(key in item, `item.${key}`);
  for (
    const key of [
      "id",
      "product_id",
      "name",
      "description",
      "type",
      "unit_price",
      "billing_cycle",
      "trial_period",
      "quantity",
      "status",
      "custom_data",
      "created_at",
      "updated_at",
    ]
  ) assert.ok(key in item.price, `item.price.${key}`);
  assert.deepEqual(Object.keys(item.price.unit_price).sort(), ["amount", "currency_code"]);
});

Deno.test("custom_data comes back verbatim: its camelCase keys and nesting are the seller's", () => {
  const customData = { featureFlags: { betaAccess: true }, "Plan-Code": "X", list: [{ aB: 1 }] };
  const json = { ...account.products[0], custom_data: customData };
  const mapped = roundTrip(toApiJson("product", new Product(json as never)));
  assert.deepEqual(mapped.custom_data, customData);
});

Deno.test("fields the mirror does not store are not passed on", () => {
  const json = {
    ...account.customers[0],
    marketing_consent: true,
    locale: "de",
  };
  const mapped = roundTrip(toApiJson("customer", new Customer(json as never)));
  assert.equal("marketing_consent" in mapped, false);
  assert.equal("locale" in mapped, false);
  const sub = roundTrip(
    toApiJson("subscription", new Subscription(account.subscriptions[0] as never)),
  );
  assert.equal("management_urls" in sub, false);
  assert.equal("address_id" in sub, false);
});

Deno.test("an embedded price without timestamps stays without them (the newer rule keys on them)", () => {
  const original = account.subscriptions[0];
  const items = original.items.map((item) => {
    const { created_at: _c, updated_at: _u, ...price } = item.price;
    return { ...item, price };
  });
  const mapped = roundTrip(
    toApiJson("subscription", new Subscription({ ...original, items } as never)),
  );
  assert.equal("updated_at" in mapped.items[0].price, false);
  assert.equal("created_at" in mapped.items[0].price, false);
});

type MappedTransaction = Record<string, unknown> & {
  details: { totals: { grand_total: string }; line_items: { product: { name: string } }[] };
  items: { price: { name: string } }[];
  payments: { status: string; method_details: { card: { last4: string } } }[];
};

Deno.test("a transaction: Paddle JSON → SDK entity → toApiJson keeps what the mirror reads", () => {
  const json = transactionJson({
    customerId: "ctm_01jtoapijsontest0000000000",
    subscriptionId: "sub_01jtoapijsontest0000000000",
    createdAtMs: Date.parse("2026-07-01T10:00:00Z"),
    invoiceNumber: "325-10566",
    period: {
      startsAtMs: Date.parse("2026-07-01T10:00:00Z"),
      endsAtMs: Date.parse("2026-08-01T10:00:00Z"),
    },
  });
  const mapped: MappedTransaction = roundTrip(
    toApiJson("transaction", new Transaction(json as never)),
  );
  // The SDK reads an embedded price's absent import_meta as null; SQL reads both the same.
  const prices = mapped.items.map((item) => item.price as Record<string, unknown>);
  for (const price of prices) {
    assert.equal(price.import_meta, null);
    delete price.import_meta;
  }
  assert.deepEqual(mapped, pickLike(json, mapped));
  for (
    const key of [
      "id",
      "status",
      "customer_id",
      "subscription_id",
      "origin",
      "collection_mode",
      "currency_code",
      "invoice_number",
      "billing_period",
      "items",
      "details",
      "payments",
      "created_at",
      "updated_at",
      "billed_at",
    ]
  ) {
    assert.ok(key in mapped, key);
  }
  assert.equal(mapped.details.totals.grand_total, "65215");
  assert.equal(mapped.details.line_items[0].product.name, "ChatApp Pro");
  assert.equal(mapped.items[1].price.name, "Monthly (recurring addon)");
  assert.deepEqual(mapped.payments.map((p) => p.status), ["captured", "error"]);
  assert.equal(mapped.payments[0].method_details.card.last4, "4242");
});

Deno.test("a price's tax mode and country overrides reach the database as Paddle sent them", () => {
  const overrides = [
    { country_codes: ["DE", "AT"], unit_price: { amount: "2800", currency_code: "EUR" } },
    { country_codes: ["GB"], unit_price: { amount: "2400", currency_code: "GBP" } },
  ];
  const json = { ...account.prices[0], tax_mode: "internal", unit_price_overrides: overrides };
  const mapped = roundTrip(toApiJson("price", new Price(json as never)));
  assert.equal(mapped.tax_mode, "internal");
  assert.deepEqual(mapped.unit_price_overrides, overrides);
});
