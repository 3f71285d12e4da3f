import { assert, assertEquals } from "@std/assert";
import { entityBatchSchema } from "./entities.ts";
import {
  accountFromMirror,
  customerFromRow,
  type CustomerRow,
  type MirrorRows,
  priceFromRow,
  type PriceRow,
  productFromRow,
  type ProductRow,
  type SubscriptionItemRow,
  type SubscriptionRow,
} from "./mirror_rows.ts";

const PRODUCT = "pro_01jdemoproduct000000000000";
const ADDON = "pro_01jdemoaddonseats000000000";
const PRO = "pri_01jdemopricepro00000000000";
const SEATS = "pri_01jdemopriceseats000000000";
const CUSTOMER = "ctm_01jdemoalice00000000000000";
const SUB = "sub_01jdemoalicesub10000000000";

const T0 = "2026-01-05T09:00:00.000000Z";
const T1 = "2026-01-05T09:05:00.123456Z";
const T2 = "2026-09-06T10:00:00.000000Z";
const T3 = "2026-11-05T10:00:00.654321Z";
const T4 = "2026-12-06T10:00:00.000000Z";

function productRow(id: string, name: string): ProductRow {
  return {
    product_id: id,
    name,
    description: `${name}, described`,
    type: "standard",
    tax_category: "saas",
    image_url: null,
    status: "active",
    custom_data: { features: ["a"] },
    import_meta: null,
    created_at: T0,
    updated_at: T1,
    last_event_occurred_at: null,
  };
}

function priceRow(id: string, productId: string, amount: string): PriceRow {
  return {
    price_id: id,
    product_id: productId,
    name: `Price ${amount}`,
    description: `Price ${amount}, monthly`,
    type: "standard",
    tax_mode: "account_setting",
    unit_price_amount: amount,
    unit_price_currency: "EUR",
    billing_cycle_interval: "month",
    billing_cycle_frequency: 1,
    trial_period_interval: null,
    trial_period_frequency: null,
    quantity_minimum: 1,
    quantity_maximum: 10,
    status: "active",
    custom_data: null,
    import_meta: null,
    created_at: T0,
    updated_at: T1,
    last_event_occurred_at: null,
  };
}

const customerRow: CustomerRow = {
  customer_id: CUSTOMER,
  email: "alice@example.com",
  name: "Alice",
  status: "active",
  custom_data: { crm: "1" },
  import_meta: { external_id: "cus_1", imported_from: "stripe" },
  created_at: T0,
  paddle_updated_at: T3,
  last_event_occurred_at: T2,
  updated_at: T4,
};

const subscriptionRow: SubscriptionRow = {
  subscription_id: SUB,
  customer_id: CUSTOMER,
  status: "active",
  price_id: PRO,
  product_id: PRODUCT,
  scheduled_change_action: "cancel",
  scheduled_change_effective_at: T4,
  scheduled_change_resume_at: null,
  currency_code: "EUR",
  collection_mode: "automatic",
  billing_cycle_interval: "month",
  billing_cycle_frequency: 1,
  current_period_starts_at: T2,
  current_period_ends_at: T4,
  next_billed_at: null,
  started_at: T0,
  first_billed_at: T0,
  paused_at: null,
  canceled_at: null,
  custom_data: { user_id: "u1" },
  import_meta: null,
  created_at: T0,
  paddle_updated_at: T3,
  last_event_occurred_at: T2,
  updated_at: T4,
};

function itemRow(priceId: string, productId: string, quantity: number): SubscriptionItemRow {
  return {
    subscription_id: SUB,
    price_id: priceId,
    product_id: productId,
    quantity,
    status: "active",
    recurring: true,
    created_at: T0,
    updated_at: T2,
    previously_billed_at: T2,
    next_billed_at: null,
    trial_starts_at: null,
    trial_ends_at: null,
  };
}

function rows(): MirrorRows {
  return {
    products: [productRow(PRODUCT, "Pro plan"), productRow(ADDON, "Extra seats")],
    prices: [priceRow(PRO, PRODUCT, "3000"), priceRow(SEATS, ADDON, "500")],
    customers: [customerRow],
    subscriptions: [subscriptionRow],
    // Stored in primary-key order; the subscription's own price_id names the first item.
    items: [itemRow(SEATS, ADDON, 3), itemRow(PRO, PRODUCT, 1)],
  };
}

Deno.test("mirror rows: a product and a price come back as Paddle's JSON, every mirrored field kept", () => {
  const product = productFromRow(productRow(PRODUCT, "Pro plan"));
  assertEquals(product, {
    id: PRODUCT,
    name: "Pro plan",
    type: "standard",
    tax_category: "saas",
    description: "Pro plan, described",
    image_url: null,
    custom_data: { features: ["a"] },
    status: "active",
    import_meta: null,
    created_at: T0,
    updated_at: T1,
  });
  const price = priceFromRow(priceRow(PRO, PRODUCT, "3000"));
  assertEquals(price.unit_price, { amount: "3000", currency_code: "EUR" });
  assertEquals(price.billing_cycle, { interval: "month", frequency: 1 });
  assertEquals(price.trial_period, null);
  assertEquals(price.quantity, { minimum: 1, maximum: 10 });
  assertEquals([price.name, price.description, price.tax_mode], [
    "Price 3000",
    "Price 3000, monthly",
    "account_setting",
  ]);
  assertEquals([price.created_at, price.updated_at], [T0, T1]);
});

Deno.test("mirror rows: a customer's updated_at is Paddle's (paddle_updated_at), not the local row time", () => {
  const customer = customerFromRow(customerRow);
  assertEquals(customer.updated_at, T3);
  assertEquals(customer.created_at, T0);
  assertEquals(customer.import_meta, { external_id: "cus_1", imported_from: "stripe" });
  assertEquals([customer.email, customer.name, customer.status], [
    "alice@example.com",
    "Alice",
    "active",
  ]);
  assertEquals(customer.custom_data, { crm: "1" });
  // A row from before versions were kept falls back to its last event, then to the row time.
  assertEquals(customerFromRow({ ...customerRow, paddle_updated_at: null }).updated_at, T2);
  assertEquals(
    customerFromRow({ ...customerRow, paddle_updated_at: null, last_event_occurred_at: null })
      .updated_at,
    T4,
  );
});

Deno.test("mirror rows: a subscription holds its items in order, each with the full catalog price and product", () => {
  const { entities, skipped } = accountFromMirror(rows());
  assertEquals(skipped, []);
  const [sub] = entities.subscriptions;
  assertEquals(sub.updated_at, T3);
  assertEquals(sub.items.map((item) => [item.price.id, item.product.id, item.quantity]), [
    [PRO, PRODUCT, 1],
    [SEATS, ADDON, 3],
  ]);
  assertEquals(sub.items[0].price, entities.prices[0]);
  assertEquals(sub.items[1].product, entities.products[1]);
  assertEquals(sub.items[0].updated_at, T2);
  assertEquals(sub.items[0].previously_billed_at, T2);
  assertEquals(sub.current_billing_period, { starts_at: T2, ends_at: T4 });
  assertEquals(sub.scheduled_change, { action: "cancel", effective_at: T4, resume_at: null });
  assertEquals(sub.billing_cycle, { interval: "month", frequency: 1 });
  assertEquals([sub.currency_code, sub.collection_mode, sub.next_billed_at], [
    "EUR",
    "automatic",
    null,
  ]);
  assertEquals(sub.custom_data, { user_id: "u1" });
  assertEquals(sub.management_urls?.cancel.endsWith(`/subscriptions/${SUB}/cancel`), true);
  // What the simulator would accept from POST /__entities: a complete, valid account.
  assert(entityBatchSchema.safeParse(entities).success);
});

Deno.test("mirror rows: a row from before items were kept becomes one item from price_id", () => {
  const legacy = { ...rows(), items: [] };
  const [sub] = accountFromMirror(legacy).entities.subscriptions;
  assertEquals(sub.items.map((item) => item.price.id), [PRO]);
  assertEquals(sub.items[0].status, "active");
  assert(entityBatchSchema.safeParse({ subscriptions: [sub] }).success);
});

Deno.test("mirror rows: an item whose price is not in the catalog leaves its subscription out, saying why", () => {
  const account = accountFromMirror({ ...rows(), prices: [priceRow(PRO, PRODUCT, "3000")] });
  assertEquals(account.entities.subscriptions, []);
  assertEquals(account.skipped, [`${SUB}: price ${SEATS} is not in the catalog`]);
  assertEquals(account.entities.customers.length, 1, "the rest of the account is still there");
});
