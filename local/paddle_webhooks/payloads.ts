/**
 * Paddle Billing notification payloads for local runs and tests, in Paddle's snake_case shapes
 * (event envelope, customer and subscription entities as the webhooks deliver them). The
 * entities come from the simulator's builders (one idea of a complete entity) and embed the demo
 * catalog exactly as supabase/seed.sql stores it, so an event never renames the catalog. Local
 * tooling only: never used by a deployed function.
 */

import type { PaddlePrice, PaddleProduct } from "../paddle_simulator/entities.ts";
import {
  customerEntity,
  priceEntity,
  productEntity,
  subscriptionEntity,
  subscriptionItem,
} from "../paddle_simulator/entity_builders.ts";

// Paddle ids are 26 lowercase base-32 characters, time-ordered like ULIDs.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** `<prefix>_<26>`: 10 time characters then 16 random ones, so ids sort by creation time. */
export function paddleId(prefix: string, atMs: number = Date.now()): string {
  let time = "";
  let t = Math.max(0, Math.floor(atMs));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  return `${prefix}_${time}${Array.from(random, (b) => ALPHABET[b % 32]).join("")}`;
}

/** Paddle's timestamps carry microseconds: `2024-04-12T10:18:49.621022Z`. */
export function paddleTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export interface Plan {
  priceId: string;
  productId: string;
  name: string;
  amount: string;
  /** The catalog objects an item embeds; built from the fields above when absent. */
  price?: PaddlePrice;
  product?: PaddleProduct;
}

/**
 * The demo catalog exactly as supabase/seed.sql holds it (fixed Paddle timestamps): an event
 * carrying a different product or price would win over the seeded one and rename the catalog
 * (or drop a plan's suggested_addons, turning the add-on into a plan).
 */
const SEATS_PRODUCT_ID = "pro_01jdemoaddonseats000000000";
const STARTER_PRODUCT = productEntity({
  id: "pro_01jdemostarter000000000000",
  name: "Starter plan",
  description: "For one person getting started.",
  customData: {
    features: { "Projects": "3", "Storage": "10 GB", "Priority support": false },
    suggested_addons: [SEATS_PRODUCT_ID],
  },
  createdAt: "2026-01-05T09:00:00.000000Z",
});
const DEMO_PRODUCT = productEntity({
  id: "pro_01jdemoproduct000000000000",
  name: "Pro plan",
  description: "Everything in the demo app.",
  customData: {
    features: { "Projects": "Unlimited", "Storage": "100 GB", "Priority support": true },
    suggested_addons: [SEATS_PRODUCT_ID],
  },
  createdAt: "2026-01-05T09:00:00.000000Z",
});
const DEMO_PRICE_TIME = "2026-01-05T09:05:00.000000Z";
/** When the seller added local prices (supabase/seed.sql's last step, the same time). */
const DEMO_PRICES_LOCALIZED = "2026-01-06T09:00:00.000000Z";
const EURO_AREA = [
  "AT",
  "BE",
  "CY",
  "DE",
  "EE",
  "ES",
  "FI",
  "FR",
  "GR",
  "HR",
  "IE",
  "IT",
  "LT",
  "LU",
  "LV",
  "MT",
  "NL",
  "PT",
  "SI",
  "SK",
];
/** The demo's local prices, as seed.sql sets them: euro area 90% of the dollars, GB 80%. */
export function demoPriceOverrides(usdAmount: string) {
  const amount = BigInt(usdAmount);
  return [
    {
      country_codes: EURO_AREA,
      unit_price: { amount: `${amount * 9n / 10n}`, currency_code: "EUR" },
    },
    { country_codes: ["GB"], unit_price: { amount: `${amount * 8n / 10n}`, currency_code: "GBP" } },
  ];
}
const demoPrice = (
  id: string,
  product: PaddleProduct,
  name: string,
  amount: string,
): PaddlePrice => ({
  ...priceEntity({
    id,
    productId: product.id,
    name,
    description: name,
    amount,
    billingCycle: { interval: "month", frequency: 1 },
    quantity: { minimum: 1, maximum: 1 },
    createdAt: DEMO_PRICE_TIME,
    updatedAt: DEMO_PRICES_LOCALIZED,
  }),
  unit_price_overrides: demoPriceOverrides(amount),
});
// The Starter monthly price keeps the id it had as "Basic monthly".
const BASIC_PRICE = demoPrice(
  "pri_01jdemopricebasic000000000",
  STARTER_PRODUCT,
  "Starter monthly",
  "1000",
);
const PRO_PRICE = demoPrice("pri_01jdemopricepro00000000000", DEMO_PRODUCT, "Pro monthly", "3000");

/** The demo plans' monthly prices; the same ids and objects `supabase/seed.sql` uses. */
export const PLANS = {
  basic: {
    priceId: BASIC_PRICE.id,
    productId: STARTER_PRODUCT.id,
    name: "Starter monthly",
    amount: "1000",
    price: BASIC_PRICE,
    product: STARTER_PRODUCT,
  },
  pro: {
    priceId: PRO_PRICE.id,
    productId: DEMO_PRODUCT.id,
    name: "Pro monthly",
    amount: "3000",
    price: PRO_PRICE,
    product: DEMO_PRODUCT,
  },
} as const satisfies Record<string, Plan>;

export type PlanName = keyof typeof PLANS;

export type SubscriptionStatus = "active" | "trialing" | "past_due" | "paused" | "canceled";

export interface ScheduledChange {
  action: "cancel" | "pause" | "resume";
  effective_at: string;
  resume_at: string | null;
}

export type JsonObject = { [key: string]: unknown };

export interface PaddleEvent<T = JsonObject> {
  event_id: string;
  event_type: string;
  occurred_at: string;
  notification_id: string;
  data: T;
}

export function paddleEvent<T>(eventType: string, data: T, occurredAtMs: number): PaddleEvent<T> {
  return {
    event_id: paddleId("evt", occurredAtMs),
    event_type: eventType,
    occurred_at: paddleTime(occurredAtMs),
    notification_id: paddleId("ntf", occurredAtMs),
    data,
  };
}

export interface CustomerInit {
  id: string;
  email: string;
  name?: string | null;
  createdAtMs: number;
  updatedAtMs?: number;
}

export function customerData(init: CustomerInit): JsonObject {
  return customerEntity({
    id: init.id,
    email: init.email,
    name: init.name ?? null,
    createdAt: paddleTime(init.createdAtMs),
    updatedAt: paddleTime(init.updatedAtMs ?? init.createdAtMs),
  });
}

export interface SubscriptionInit {
  id: string;
  customerId: string;
  status: SubscriptionStatus;
  plan: Plan;
  createdAtMs: number;
  updatedAtMs?: number;
  scheduledChange?: ScheduledChange | null;
  /** What checkout passed as `customData`; the webhook never trusts it for linking. */
  customData?: JsonObject | null;
  canceledAtMs?: number | null;
  pausedAtMs?: number | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function subscriptionData(init: SubscriptionInit): JsonObject {
  const created = paddleTime(init.createdAtMs);
  const updated = paddleTime(init.updatedAtMs ?? init.createdAtMs);
  const periodStart = init.createdAtMs;
  const periodEnd = init.createdAtMs + 30 * DAY_MS;
  const billingCycle = { interval: "month", frequency: 1 } as const;
  const live = init.status !== "canceled" && init.status !== "paused";
  const product = init.plan.product ?? productEntity({
    id: init.plan.productId,
    name: "Demo product",
    createdAt: created,
  });
  const price = init.plan.price ?? priceEntity({
    id: init.plan.priceId,
    productId: init.plan.productId,
    name: init.plan.name,
    description: init.plan.name,
    amount: init.plan.amount,
    billingCycle,
    quantity: { minimum: 1, maximum: 1 },
    createdAt: created,
  });
  return subscriptionEntity({
    id: init.id,
    customerId: init.customerId,
    status: init.status,
    addressId: paddleId("add", init.createdAtMs),
    createdAt: created,
    updatedAt: updated,
    startedAt: created,
    firstBilledAt: created,
    nextBilledAt: live ? paddleTime(periodEnd) : null,
    pausedAt: init.pausedAtMs ? paddleTime(init.pausedAtMs) : null,
    canceledAt: init.canceledAtMs ? paddleTime(init.canceledAtMs) : null,
    currentBillingPeriod: live
      ? { starts_at: paddleTime(periodStart), ends_at: paddleTime(periodEnd) }
      : null,
    billingCycle,
    scheduledChange: init.scheduledChange ?? null,
    items: [subscriptionItem({
      price,
      product,
      status: init.status === "canceled" ? "inactive" : "active",
      quantity: 1,
      recurring: true,
      createdAt: created,
      updatedAt: updated,
      previouslyBilledAt: created,
      nextBilledAt: live ? paddleTime(periodEnd) : null,
    })],
    customData: init.customData ?? null,
  });
}
