/**
 * Paddle Billing notification payloads for local runs and tests, in Paddle's snake_case shapes
 * (event envelope, customer and subscription entities as the webhooks deliver them). Local
 * tooling only: never used by a deployed function.
 */

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
}

/** The demo catalogue; the same ids `supabase/seed.sql` uses. */
export const PLANS = {
  basic: {
    priceId: "pri_01jdemopricebasic000000000",
    productId: "pro_01jdemoproduct000000000000",
    name: "Basic (monthly)",
    amount: "1000",
  },
  pro: {
    priceId: "pri_01jdemopricepro00000000000",
    productId: "pro_01jdemoproduct000000000000",
    name: "Pro (monthly)",
    amount: "3000",
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
  return {
    id: init.id,
    name: init.name ?? null,
    email: init.email,
    marketing_consent: false,
    status: "active",
    custom_data: null,
    locale: "en",
    created_at: paddleTime(init.createdAtMs),
    updated_at: paddleTime(init.updatedAtMs ?? init.createdAtMs),
    import_meta: null,
  };
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
  const billingCycle = { interval: "month", frequency: 1 };
  const live = init.status !== "canceled" && init.status !== "paused";
  return {
    id: init.id,
    status: init.status,
    customer_id: init.customerId,
    address_id: paddleId("add", init.createdAtMs),
    business_id: null,
    currency_code: "USD",
    created_at: created,
    updated_at: updated,
    started_at: created,
    first_billed_at: created,
    next_billed_at: live ? paddleTime(periodEnd) : null,
    paused_at: init.pausedAtMs ? paddleTime(init.pausedAtMs) : null,
    canceled_at: init.canceledAtMs ? paddleTime(init.canceledAtMs) : null,
    collection_mode: "automatic",
    billing_details: null,
    current_billing_period: live
      ? { starts_at: paddleTime(periodStart), ends_at: paddleTime(periodEnd) }
      : null,
    billing_cycle: billingCycle,
    scheduled_change: init.scheduledChange ?? null,
    items: [{
      status: init.status === "canceled" ? "inactive" : "active",
      quantity: 1,
      recurring: true,
      created_at: created,
      updated_at: updated,
      previously_billed_at: created,
      next_billed_at: live ? paddleTime(periodEnd) : null,
      trial_dates: null,
      price: {
        id: init.plan.priceId,
        product_id: init.plan.productId,
        type: "standard",
        description: init.plan.name,
        name: init.plan.name,
        tax_mode: "account_setting",
        billing_cycle: billingCycle,
        trial_period: null,
        unit_price: { amount: init.plan.amount, currency_code: "USD" },
        unit_price_overrides: [],
        quantity: { minimum: 1, maximum: 1 },
        status: "active",
        custom_data: null,
        import_meta: null,
        created_at: created,
        updated_at: created,
      },
      product: {
        id: init.plan.productId,
        name: "Demo product",
        type: "standard",
        tax_category: "standard",
        description: null,
        image_url: null,
        custom_data: null,
        status: "active",
        import_meta: null,
        created_at: created,
        updated_at: created,
      },
    }],
    custom_data: init.customData ?? null,
    management_urls: {
      update_payment_method:
        `https://sandbox-buyer-portal.paddle.com/subscriptions/${init.id}/update-payment-method`,
      cancel: `https://sandbox-buyer-portal.paddle.com/subscriptions/${init.id}/cancel`,
    },
    discount: null,
    import_meta: null,
  };
}
