import assert from "node:assert/strict";
import { buildScenario, SCENARIO_NAMES } from "../../../local/paddle_webhooks/scenarios.ts";
import {
  customerData,
  paddleEvent,
  paddleId,
  PLANS,
  subscriptionData,
} from "../../../local/paddle_webhooks/payloads.ts";
import {
  ADJUSTMENT_EVENT_TYPES,
  CUSTOMER_EVENT_TYPES,
  MIRRORED_EVENT_TYPES,
  parseNotification,
  PRICE_EVENT_TYPES,
  PRODUCT_EVENT_TYPES,
  SUBSCRIPTION_EVENT_TYPES,
  TRANSACTION_EVENT_TYPES,
} from "./events.ts";
import { transactionJson } from "../../../tests/_paddle_transactions.ts";

const T = Date.parse("2026-01-02T03:04:05.678Z");
const customerId = paddleId("ctm", T);
const subscriptionId = paddleId("sub", T);

function subscriptionEvent(type: string, overrides: Record<string, unknown> = {}) {
  return paddleEvent(type, {
    ...subscriptionData({
      id: subscriptionId,
      customerId,
      status: "active",
      plan: PLANS.pro,
      createdAtMs: T,
    }),
    ...overrides,
  }, T);
}

Deno.test("every scenario's events parse as mirrored events", () => {
  for (const name of SCENARIO_NAMES) {
    const scenario = buildScenario(name, {
      email: "carol@example.com",
      customerId: name === "new-customer-subscribes" ? undefined : customerId,
      subscriptionId: name === "new-customer-subscribes" ? undefined : subscriptionId,
      userId: crypto.randomUUID(),
    });
    for (const event of scenario.events) {
      const parsed = parseNotification(JSON.parse(JSON.stringify(event)));
      assert.equal(parsed.kind, "mirrored", `${name} ${event.event_type}`);
    }
  }
});

Deno.test("every subscription status event type is mirrored", () => {
  for (const type of SUBSCRIPTION_EVENT_TYPES) {
    assert.equal(parseNotification(subscriptionEvent(type)).kind, "mirrored", type);
  }
});

Deno.test("a customer event keeps what the database reads and strips the rest", () => {
  const event = paddleEvent(
    "customer.updated",
    customerData({ id: customerId, email: "Carol@Example.com", createdAtMs: T }),
    T,
  );
  const parsed = parseNotification(event);
  assert.equal(parsed.kind, "mirrored");
  if (parsed.kind !== "mirrored") return;
  assert.equal(parsed.event.event_id, event.event_id);
  assert.equal(parsed.event.data.id, customerId);
  assert.equal("email" in parsed.event.data && parsed.event.data.email, "Carol@Example.com");
  assert.ok(!("locale" in parsed.event.data));
});

Deno.test("subscription fields the SQL reads survive parsing", () => {
  const parsed = parseNotification(subscriptionEvent("subscription.updated", {
    scheduled_change: {
      action: "cancel",
      effective_at: "2026-02-02T00:00:00.000000Z",
      resume_at: null,
    },
    custom_data: { user_id: "u" },
  }));
  assert.equal(parsed.kind, "mirrored");
  if (parsed.kind !== "mirrored" || !("current_billing_period" in parsed.event.data)) {
    throw new Error("not a sub");
  }
  const data = parsed.event.data;
  assert.equal(data.items[0].price.id, PLANS.pro.priceId);
  assert.equal(data.items[0].price.product_id, PLANS.pro.productId);
  assert.equal(data.scheduled_change?.action, "cancel");
  assert.deepEqual(data.custom_data, { user_id: "u" });
});

Deno.test("event types that are not mirrored are ignored, not rejected", () => {
  const parsed = parseNotification({
    event_id: paddleId("evt"),
    event_type: "address.created",
    occurred_at: "2026-01-01T00:00:00Z",
    data: { whatever: true },
  });
  assert.equal(parsed.kind, "ignored");
});

Deno.test("invalid mirrored events are reported by path, never by value", () => {
  const cases: [string, unknown][] = [
    ["not an object", "hello"],
    ["no event_type", { event_id: paddleId("evt") }],
    ["bad customer id", subscriptionEvent("subscription.updated", { customer_id: "cus_1" })],
    ["unknown status", subscriptionEvent("subscription.updated", { status: "expired" })],
    ["no items", subscriptionEvent("subscription.updated", { items: [] })],
    [
      "zone-less occurred_at",
      { ...subscriptionEvent("subscription.updated"), occurred_at: "2026-01-01T00:00:00" },
    ],
    ["bad event id", { ...subscriptionEvent("subscription.created"), event_id: "evt_1" }],
    [
      "customer without email",
      paddleEvent("customer.created", { id: customerId, email: null }, T),
    ],
    [
      "customer with a secret-looking bad email",
      paddleEvent("customer.created", { id: "ctm_victim@example.com", email: "x" }, T),
    ],
  ];
  for (const [label, input] of cases) {
    const parsed = parseNotification(input);
    assert.equal(parsed.kind, "invalid", label);
    if (parsed.kind !== "invalid") continue;
    assert.ok(parsed.problems.length > 0, label);
    assert.ok(!parsed.problems.join(" ").includes("@"), label);
  }
});

const productId = paddleId("pro", T);
const priceId = paddleId("pri", T);

function product(overrides: Record<string, unknown> = {}) {
  return {
    id: productId,
    name: "Team plan",
    type: "standard",
    tax_category: "standard",
    description: null,
    image_url: "https://example.com/team.png",
    custom_data: { features: ["sso"] },
    status: "active",
    import_meta: null,
    created_at: "2026-01-02T03:04:05.678000Z",
    updated_at: "2026-01-03T03:04:05.678000Z",
    ...overrides,
  };
}

function price(overrides: Record<string, unknown> = {}) {
  return {
    id: priceId,
    product_id: productId,
    type: "standard",
    description: "Team monthly",
    name: "Team monthly",
    tax_mode: "account_setting",
    billing_cycle: { interval: "month", frequency: 1 },
    trial_period: { interval: "day", frequency: 14 },
    unit_price: { amount: "4900", currency_code: "USD" },
    unit_price_overrides: [{
      country_codes: ["DE", "FR"],
      unit_price: { amount: "4500", currency_code: "EUR" },
    }],
    quantity: { minimum: 1, maximum: 10 },
    status: "active",
    custom_data: null,
    import_meta: { external_id: "plan_team", imported_from: "stripe" },
    created_at: "2026-01-02T03:04:05.678000Z",
    updated_at: "2026-01-03T03:04:05.678000Z",
    ...overrides,
  };
}

Deno.test("every mirrored event type has a schema; imported, product and price events included", () => {
  assert.deepEqual(
    [...MIRRORED_EVENT_TYPES].sort(),
    [
      ...CUSTOMER_EVENT_TYPES,
      ...SUBSCRIPTION_EVENT_TYPES,
      ...PRODUCT_EVENT_TYPES,
      ...PRICE_EVENT_TYPES,
      ...TRANSACTION_EVENT_TYPES,
      ...ADJUSTMENT_EVENT_TYPES,
    ].sort(),
  );
  for (const type of ["customer.imported", "subscription.imported"]) {
    assert.ok(MIRRORED_EVENT_TYPES.includes(type), type);
  }
  for (const type of CUSTOMER_EVENT_TYPES) {
    const event = paddleEvent(
      type,
      customerData({ id: customerId, email: "a@b.c", createdAtMs: T }),
      T,
    );
    assert.equal(parseNotification(event).kind, "mirrored", type);
  }
  for (const type of PRODUCT_EVENT_TYPES) {
    assert.equal(parseNotification(paddleEvent(type, product(), T)).kind, "mirrored", type);
  }
  for (const type of PRICE_EVENT_TYPES) {
    assert.equal(parseNotification(paddleEvent(type, price(), T)).kind, "mirrored", type);
  }
});

Deno.test("product and price fields the SQL reads survive parsing, overrides verbatim", () => {
  const parsedProduct = parseNotification(paddleEvent("product.updated", product(), T));
  assert.equal(parsedProduct.kind, "mirrored");
  if (parsedProduct.kind !== "mirrored") return;
  const { ...expectedProduct } = product();
  assert.deepEqual(parsedProduct.event.data, expectedProduct);

  const parsedPrice = parseNotification(paddleEvent("price.imported", price(), T));
  assert.equal(parsedPrice.kind, "mirrored");
  if (parsedPrice.kind !== "mirrored") return;
  // Issue 19: the country prices are kept exactly as Paddle sent them.
  assert.deepEqual(parsedPrice.event.data, price());
  const stripped = parseNotification(paddleEvent("price.updated", price({ surprise: 1 }), T));
  assert.ok(stripped.kind === "mirrored" && !("surprise" in stripped.event.data));
});

Deno.test("optional fields may be absent, as in older payloads", () => {
  const { created_at: _c, updated_at: _u, import_meta: _i, ...oldPrice } = price();
  assert.equal(parseNotification(paddleEvent("price.updated", oldPrice, T)).kind, "mirrored");
  const { updated_at: _pu, ...oldProduct } = product();
  assert.equal(parseNotification(paddleEvent("product.updated", oldProduct, T)).kind, "mirrored");
  // A one-time price has no billing cycle; a subscription item may lack its product object.
  assert.equal(
    parseNotification(paddleEvent("price.created", price({ billing_cycle: null }), T)).kind,
    "mirrored",
  );
  const items = [{ price: { id: priceId, product_id: productId } }];
  assert.equal(
    parseNotification(subscriptionEvent("subscription.updated", { items })).kind,
    "mirrored",
  );
});

Deno.test("a subscription keeps every item with its price, product and dates", () => {
  const extra = {
    status: "trialing",
    quantity: 4,
    recurring: true,
    created_at: "2026-01-02T03:04:05.678000Z",
    updated_at: "2026-01-02T03:04:05.678000Z",
    previously_billed_at: null,
    next_billed_at: "2026-01-16T03:04:05.678000Z",
    trial_dates: {
      starts_at: "2026-01-02T03:04:05.678000Z",
      ends_at: "2026-01-16T03:04:05.678000Z",
    },
    price: price(),
    product: product(),
  };
  const base = subscriptionEvent("subscription.imported");
  const data = base.data as { items: unknown[] };
  const event = {
    ...base,
    data: {
      ...base.data,
      items: [...data.items, extra],
      import_meta: { external_id: "sub_x", imported_from: "stripe" },
    },
  };
  const parsed = parseNotification(event);
  assert.equal(parsed.kind, "mirrored");
  if (parsed.kind !== "mirrored" || !("current_billing_period" in parsed.event.data)) {
    throw new Error("not a sub");
  }
  const sub = parsed.event.data;
  assert.equal(sub.items.length, 2);
  assert.equal(sub.items[1].quantity, 4);
  assert.equal(sub.items[1].status, "trialing");
  assert.deepEqual(sub.items[1].trial_dates, extra.trial_dates);
  assert.equal(sub.items[1].price.unit_price?.amount, "4900");
  assert.equal(sub.items[1].product?.name, "Team plan");
  assert.deepEqual(sub.import_meta, { external_id: "sub_x", imported_from: "stripe" });
  assert.equal(sub.collection_mode, "automatic");
  assert.deepEqual(sub.billing_cycle, { interval: "month", frequency: 1 });
  assert.ok(sub.current_billing_period?.ends_at);
  assert.ok(!("management_urls" in sub));
});

Deno.test("catalog events the database would refuse are invalid here", () => {
  const cases: [string, unknown][] = [
    ["bad product id", paddleEvent("product.created", product({ id: "pro_1" }), T)],
    ["unknown product status", paddleEvent("product.updated", product({ status: "deleted" }), T)],
    ["price without product", paddleEvent("price.created", price({ product_id: undefined }), T)],
    [
      "amount as a number",
      paddleEvent(
        "price.updated",
        price({ unit_price: { amount: 4900, currency_code: "USD" } }),
        T,
      ),
    ],
    [
      "unknown interval",
      paddleEvent(
        "price.updated",
        price({ billing_cycle: { interval: "fortnight", frequency: 1 } }),
        T,
      ),
    ],
    [
      "fractional quantity",
      paddleEvent("price.updated", price({ quantity: { minimum: 1.5, maximum: 2 } }), T),
    ],
    [
      "zone-less updated_at",
      paddleEvent("price.updated", price({ updated_at: "2026-01-03T03:04:05" }), T),
    ],
    [
      "item with an unknown status",
      subscriptionEvent("subscription.updated", {
        items: [{ price: price(), status: "expired" }],
      }),
    ],
    [
      "unknown collection mode",
      subscriptionEvent("subscription.updated", { collection_mode: "cash" }),
    ],
  ];
  for (const [label, input] of cases) {
    const parsed = parseNotification(JSON.parse(JSON.stringify(input)));
    assert.equal(parsed.kind, "invalid", label);
  }
});

Deno.test("every transaction event Paddle sends is mirrored, and what the SQL reads survives", () => {
  assert.equal(TRANSACTION_EVENT_TYPES.length, 10);
  const data = transactionJson({
    customerId,
    subscriptionId,
    createdAtMs: T,
    invoiceNumber: "325-10566",
    period: { startsAtMs: T, endsAtMs: T + 30 * 86_400_000 },
  });
  for (const type of TRANSACTION_EVENT_TYPES) {
    const parsed = parseNotification(paddleEvent(type, data, T));
    assert.equal(parsed.kind, "mirrored", type);
  }
  const parsed = parseNotification(paddleEvent("transaction.completed", data, T));
  assert.ok(parsed.kind === "mirrored");
  const kept = parsed.event.data as Record<string, unknown>;
  const sent = data as Record<string, unknown>;
  for (
    const key of [
      "id",
      "status",
      "customer_id",
      "subscription_id",
      "origin",
      "collection_mode",
      "currency_code",
      "invoice_id",
      "invoice_number",
      "billed_at",
      "billing_period",
      "custom_data",
      "created_at",
      "updated_at",
    ]
  ) {
    assert.deepEqual(kept[key], sent[key], key);
  }
  const details = kept.details as {
    totals: Record<string, string>;
    line_items: { price_id: string; tax_rate: string; totals: unknown; product: unknown }[];
  };
  const sentDetails = sent.details as typeof details;
  assert.equal(details.totals.grand_total, "65215");
  assert.equal(details.totals.tax, "5315");
  assert.deepEqual(
    details.line_items.map((l) => [l.price_id, l.tax_rate, l.totals]),
    sentDetails.line_items.map((l) => [l.price_id, l.tax_rate, l.totals]),
  );
  assert.deepEqual(details.line_items[0].product, {
    id: "pro_01gsz4t5hdjse780zja8vvr7jg",
    name: "ChatApp Pro",
  });
  const payments = kept.payments as { status: string; method_details: { card: unknown } }[];
  assert.deepEqual(payments.map((p) => p.status), ["captured", "error"]);
  assert.deepEqual(payments[0].method_details.card, { type: "visa", last4: "4242" });
  // What the mirror does not keep is stripped, not forwarded.
  assert.equal("checkout" in kept, false);
  assert.equal("payout_totals" in (kept.details as object), false);
});

Deno.test("a transaction with a float amount or an unknown status is invalid, not applied", () => {
  const data = transactionJson({ customerId, createdAtMs: T });
  const float = structuredClone(data);
  (float.details as { totals: Record<string, unknown> }).totals.total = 652.15;
  const unknown = { ...data, status: "refunded" };
  for (const bad of [float, unknown]) {
    assert.equal(parseNotification(paddleEvent("transaction.updated", bad, T)).kind, "invalid");
  }
});
