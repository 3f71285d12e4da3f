/**
 * Paddle entities for the mirror tests, as Paddle's API (and its webhooks) write them, built from
 * small state objects; and the mirror's rows read back in the same terms, so a test can compare
 * "what Paddle has" with "what the tables hold" field by field.
 */
import {
  customerEntity,
  priceEntity,
  productEntity,
  subscriptionEntity,
  subscriptionItem,
} from "../local/paddle_simulator/entity_builders.ts";
import type { PaddlePrice, PaddleProduct } from "../local/paddle_simulator/entities.ts";
import { type JsonObject, paddleTime } from "../local/paddle_webhooks/payloads.ts";
import type { Client } from "./_db.ts";

/** Paddle's `import_meta` on records migrated into Paddle from another platform. */
export type ImportMeta = { external_id: string | null; imported_from: string };

export interface ProductState {
  id: string;
  name: string;
  description: string | null;
  status: "active" | "archived";
  customData: JsonObject | null;
  importMeta?: ImportMeta | null;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface Cycle {
  interval: "day" | "week" | "month" | "year";
  frequency: number;
}

export interface PriceState {
  id: string;
  productId: string;
  name: string;
  amount: string;
  currency: string;
  /** Null for a one-time price. */
  billingCycle: Cycle | null;
  trialPeriod: Cycle | null;
  quantity: { minimum: number; maximum: number };
  status: "active" | "archived";
  customData: JsonObject | null;
  importMeta?: ImportMeta | null;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface CustomerState {
  id: string;
  email: string;
  name: string | null;
  status: "active" | "archived";
  customData: JsonObject | null;
  importMeta?: ImportMeta | null;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface ItemState {
  priceId: string;
  quantity: number;
  status: "active" | "inactive" | "trialing";
  recurring: boolean;
  createdAtMs: number;
  updatedAtMs: number;
  trial: { startsAtMs: number; endsAtMs: number } | null;
}

export type SubscriptionStatus = "active" | "trialing" | "past_due" | "paused" | "canceled";

export interface SubscriptionState {
  id: string;
  customerId: string;
  status: SubscriptionStatus;
  items: ItemState[];
  scheduledChange: { action: "cancel" | "pause" | "resume"; effectiveAtMs: number } | null;
  collectionMode: "automatic" | "manual";
  customData: JsonObject | null;
  importMeta?: ImportMeta | null;
  createdAtMs: number;
  updatedAtMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function productJson(p: ProductState): PaddleProduct {
  return {
    ...productEntity({
      id: p.id,
      name: p.name,
      description: p.description,
      customData: p.customData,
      status: p.status,
      createdAt: paddleTime(p.createdAtMs),
      updatedAt: paddleTime(p.updatedAtMs),
    }),
    import_meta: p.importMeta ?? null,
  };
}

export function priceJson(p: PriceState): PaddlePrice {
  return {
    ...priceEntity({
      id: p.id,
      productId: p.productId,
      name: p.name,
      description: `${p.name} (description)`,
      amount: p.amount,
      currencyCode: p.currency,
      billingCycle: p.billingCycle,
      trialPeriod: p.trialPeriod,
      quantity: p.quantity,
      status: p.status,
      customData: p.customData,
      createdAt: paddleTime(p.createdAtMs),
      updatedAt: paddleTime(p.updatedAtMs),
    }),
    import_meta: p.importMeta ?? null,
  };
}

export function customerJson(c: CustomerState): JsonObject {
  return {
    ...customerEntity({
      id: c.id,
      email: c.email,
      name: c.name,
      status: c.status,
      customData: c.customData,
      createdAt: paddleTime(c.createdAtMs),
      updatedAt: paddleTime(c.updatedAtMs),
    }),
    import_meta: c.importMeta ?? null,
  };
}

/** The period and billing dates Paddle derives from a subscription's state. */
function billing(s: SubscriptionState) {
  const live = s.status !== "canceled" && s.status !== "paused";
  const periodStart = s.createdAtMs;
  const periodEnd = s.createdAtMs + 30 * DAY_MS;
  return {
    live,
    period: live ? { starts_at: paddleTime(periodStart), ends_at: paddleTime(periodEnd) } : null,
    nextBilledAt: live ? paddleTime(periodEnd) : null,
  };
}

/**
 * A subscription as Paddle writes it, its items holding the full price and product objects
 * looked up in `catalog` (as they are at the moment the entity is written).
 */
export function subscriptionJson(
  s: SubscriptionState,
  catalog: {
    price: (id: string) => PriceState;
    product: (id: string) => ProductState;
  },
): JsonObject {
  const { period, nextBilledAt, live } = billing(s);
  const { management_urls: _apiOnly, ...entity } = subscriptionEntity({
    id: s.id,
    customerId: s.customerId,
    status: s.status,
    collectionMode: s.collectionMode,
    createdAt: paddleTime(s.createdAtMs),
    updatedAt: paddleTime(s.updatedAtMs),
    startedAt: paddleTime(s.createdAtMs),
    firstBilledAt: paddleTime(s.createdAtMs),
    nextBilledAt,
    pausedAt: s.status === "paused" ? paddleTime(s.updatedAtMs) : null,
    canceledAt: s.status === "canceled" ? paddleTime(s.updatedAtMs) : null,
    currentBillingPeriod: period,
    billingCycle: { interval: "month", frequency: 1 },
    scheduledChange: s.scheduledChange
      ? {
        action: s.scheduledChange.action,
        effective_at: paddleTime(s.scheduledChange.effectiveAtMs),
        resume_at: null,
      }
      : null,
    items: s.items.map((item) => {
      const price = catalog.price(item.priceId);
      return subscriptionItem({
        price: priceJson(price),
        product: productJson(catalog.product(price.productId)),
        status: item.status,
        quantity: item.quantity,
        recurring: item.recurring,
        createdAt: paddleTime(item.createdAtMs),
        updatedAt: paddleTime(item.updatedAtMs),
        previouslyBilledAt: paddleTime(s.createdAtMs),
        nextBilledAt: live && item.recurring ? nextBilledAt : null,
        trialDates: item.trial
          ? {
            starts_at: paddleTime(item.trial.startsAtMs),
            ends_at: paddleTime(item.trial.endsAtMs),
          }
          : null,
      });
    }),
    customData: s.customData,
  });
  return { ...entity, import_meta: s.importMeta ?? null };
}

// ---- The mirror's rows, in comparable terms (times in ms, amounts as Paddle's strings) ----

const ms = (value: Date | null) => (value === null ? null : value.getTime());

export function expectedProductRow(p: ProductState) {
  return {
    product_id: p.id,
    name: p.name,
    description: p.description,
    status: p.status,
    custom_data: p.customData,
    import_meta: p.importMeta ?? null,
    created_at: p.createdAtMs,
    updated_at: p.updatedAtMs,
  };
}

export function expectedPriceRow(p: PriceState) {
  return {
    price_id: p.id,
    product_id: p.productId,
    name: p.name,
    unit_price_amount: p.amount,
    unit_price_currency: p.currency,
    billing_cycle_interval: p.billingCycle?.interval ?? null,
    billing_cycle_frequency: p.billingCycle?.frequency ?? null,
    trial_period_interval: p.trialPeriod?.interval ?? null,
    trial_period_frequency: p.trialPeriod?.frequency ?? null,
    quantity_minimum: p.quantity.minimum,
    quantity_maximum: p.quantity.maximum,
    status: p.status,
    custom_data: p.customData,
    import_meta: p.importMeta ?? null,
    created_at: p.createdAtMs,
    updated_at: p.updatedAtMs,
  };
}

export function expectedCustomerRow(c: CustomerState) {
  return {
    customer_id: c.id,
    email: c.email,
    name: c.name,
    status: c.status,
    custom_data: c.customData,
    import_meta: c.importMeta ?? null,
    created_at: c.createdAtMs,
    paddle_updated_at: c.updatedAtMs,
  };
}

export function expectedSubscriptionRow(
  s: SubscriptionState,
  priceOf: (id: string) => PriceState,
) {
  const plan = s.items.find((i) => i.recurring) ?? s.items[0];
  const { period, nextBilledAt } = billing(s);
  const parse = (t: string | null | undefined) => (t ? Date.parse(t) : null);
  return {
    subscription_id: s.id,
    customer_id: s.customerId,
    status: s.status,
    price_id: plan.priceId,
    product_id: priceOf(plan.priceId).productId,
    scheduled_change_action: s.scheduledChange?.action ?? null,
    scheduled_change_effective_at: s.scheduledChange?.effectiveAtMs ?? null,
    currency_code: "USD",
    collection_mode: s.collectionMode,
    billing_cycle_interval: "month",
    billing_cycle_frequency: 1,
    current_period_starts_at: parse(period?.starts_at),
    current_period_ends_at: parse(period?.ends_at),
    next_billed_at: parse(nextBilledAt),
    started_at: s.createdAtMs,
    paused_at: s.status === "paused" ? s.updatedAtMs : null,
    canceled_at: s.status === "canceled" ? s.updatedAtMs : null,
    custom_data: s.customData,
    import_meta: s.importMeta ?? null,
    created_at: s.createdAtMs,
    paddle_updated_at: s.updatedAtMs,
    items: s.items
      .map((item) => ({
        price_id: item.priceId,
        product_id: priceOf(item.priceId).productId,
        quantity: item.quantity,
        status: item.status,
        recurring: item.recurring,
        created_at: item.createdAtMs,
        updated_at: item.updatedAtMs,
        trial_starts_at: item.trial?.startsAtMs ?? null,
        trial_ends_at: item.trial?.endsAtMs ?? null,
      }))
      .sort((a, b) => (a.price_id < b.price_id ? -1 : 1)),
  };
}

type Row = Record<string, unknown>;

function comparable(row: Row): Row {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [key, value instanceof Date ? ms(value) : value]),
  );
}

export async function productRows(client: Client, ids: string[]) {
  const { rows } = await client.query(
    `select product_id, name, description, status, custom_data, import_meta, created_at, updated_at
     from public.products where product_id = any($1) order by product_id collate "C"`,
    [ids],
  );
  return rows.map(comparable);
}

export async function priceRows(client: Client, ids: string[]) {
  const { rows } = await client.query(
    `select price_id, product_id, name, unit_price_amount::text as unit_price_amount,
            unit_price_currency, billing_cycle_interval, billing_cycle_frequency,
            trial_period_interval, trial_period_frequency, quantity_minimum, quantity_maximum,
            status, custom_data, import_meta, created_at, updated_at
     from public.prices where price_id = any($1) order by price_id collate "C"`,
    [ids],
  );
  return rows.map(comparable);
}

export async function customerRows(client: Client, ids: string[]) {
  const { rows } = await client.query(
    `select customer_id, email, name, status, custom_data, import_meta, created_at,
            paddle_updated_at
     from public.customers where customer_id = any($1) order by customer_id collate "C"`,
    [ids],
  );
  return rows.map(comparable);
}

export async function subscriptionRows(client: Client, ids: string[]) {
  const { rows } = await client.query(
    `select s.subscription_id, s.customer_id, s.status, s.price_id, s.product_id,
            s.scheduled_change_action, s.scheduled_change_effective_at, s.currency_code,
            s.collection_mode, s.billing_cycle_interval, s.billing_cycle_frequency,
            s.current_period_starts_at, s.current_period_ends_at, s.next_billed_at, s.started_at,
            s.paused_at, s.canceled_at, s.custom_data, s.import_meta, s.created_at,
            s.paddle_updated_at,
            coalesce((
              select jsonb_agg(jsonb_build_object(
                'price_id', i.price_id, 'product_id', i.product_id, 'quantity', i.quantity,
                'status', i.status, 'recurring', i.recurring,
                'created_at', (extract(epoch from i.created_at) * 1000)::bigint,
                'updated_at', (extract(epoch from i.updated_at) * 1000)::bigint,
                'trial_starts_at', (extract(epoch from i.trial_starts_at) * 1000)::bigint,
                'trial_ends_at', (extract(epoch from i.trial_ends_at) * 1000)::bigint
              ) order by i.price_id collate "C")
              from public.subscription_items i where i.subscription_id = s.subscription_id
            ), '[]') as items
     from public.subscriptions s where s.subscription_id = any($1) order by s.subscription_id collate "C"`,
    [ids],
  );
  return rows.map(comparable);
}
