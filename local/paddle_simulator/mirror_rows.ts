/**
 * Turns the database's Paddle mirror (rows of `products`, `prices`, `customers`,
 * `subscriptions`, `subscription_items`, and `transactions` through mirror_transactions.ts) back into the Paddle API JSON it was made from, so the
 * simulator can serve the very account the seeded database mirrors and a sync right after
 * `deno task dev` finds nothing newer. Pure: the rows come from local/paddle_account.ts.
 *
 * The version a sync compares is the entity's `updated_at`: Paddle's own value where the mirror
 * keeps it (`paddle_updated_at`, the catalog's `updated_at`), else the event time it was stored
 * at. Fields the mirror does not keep (locale, marketing consent, address id, ...) get Paddle's
 * defaults; a value the mirror lacks is never invented beyond what the API requires.
 */

import type {
  EntityBatch,
  PaddleCustomer,
  PaddlePrice,
  PaddleProduct,
  PaddleSubscription,
  PaddleSubscriptionItem,
} from "./entities.ts";
import {
  customerEntity,
  type Duration,
  priceEntity,
  productEntity,
  subscriptionEntity,
  subscriptionItem,
} from "./entity_builders.ts";
import { transactionFromRow, type TransactionRow } from "./mirror_transactions.ts";
import type { PaddleTransaction } from "./transactions.ts";

type Json = Record<string, unknown> | null;
/** Timestamps arrive as Paddle-format text (`2024-04-12T10:18:49.621022Z`) or null. */
type Time = string | null;

/** Before any version is known; only reached by rows that hold no time at all. */
export const UNKNOWN_TIME = "1970-01-01T00:00:00.000000Z";

export interface ProductRow {
  product_id: string;
  name: string | null;
  description: string | null;
  type: string | null;
  tax_category: string | null;
  image_url: string | null;
  status: string | null;
  custom_data: Json;
  import_meta: Json;
  created_at: Time;
  updated_at: Time;
  last_event_occurred_at: Time;
}

export interface PriceRow {
  price_id: string;
  product_id: string;
  name: string | null;
  description: string | null;
  type: string | null;
  tax_mode: string | null;
  /** numeric as text: Paddle's lowest-denomination string. */
  unit_price_amount: string | null;
  unit_price_currency: string | null;
  /** Paddle's country overrides as the mirror keeps them (absent in an older database). */
  unit_price_overrides?: Json;
  billing_cycle_interval: string | null;
  billing_cycle_frequency: number | null;
  trial_period_interval: string | null;
  trial_period_frequency: number | null;
  quantity_minimum: number | null;
  quantity_maximum: number | null;
  status: string | null;
  custom_data: Json;
  import_meta: Json;
  created_at: Time;
  updated_at: Time;
  last_event_occurred_at: Time;
}

export interface CustomerRow {
  customer_id: string;
  email: string | null;
  name: string | null;
  status: string | null;
  custom_data: Json;
  import_meta: Json;
  created_at: Time;
  paddle_updated_at: Time;
  last_event_occurred_at: Time;
  /** The local row-touched time: the version of last resort. */
  updated_at: Time;
}

export interface SubscriptionRow {
  subscription_id: string;
  customer_id: string;
  status: string;
  price_id: string | null;
  product_id: string | null;
  scheduled_change_action: string | null;
  scheduled_change_effective_at: Time;
  scheduled_change_resume_at: Time;
  currency_code: string | null;
  collection_mode: string | null;
  billing_cycle_interval: string | null;
  billing_cycle_frequency: number | null;
  current_period_starts_at: Time;
  current_period_ends_at: Time;
  next_billed_at: Time;
  started_at: Time;
  first_billed_at: Time;
  paused_at: Time;
  canceled_at: Time;
  custom_data: Json;
  import_meta: Json;
  created_at: Time;
  paddle_updated_at: Time;
  last_event_occurred_at: Time;
  updated_at: Time;
}

export interface SubscriptionItemRow {
  subscription_id: string;
  price_id: string;
  product_id: string;
  quantity: number;
  status: string | null;
  recurring: boolean | null;
  created_at: Time;
  updated_at: Time;
  previously_billed_at: Time;
  next_billed_at: Time;
  trial_starts_at: Time;
  trial_ends_at: Time;
}

export interface MirrorRows {
  products: ProductRow[];
  prices: PriceRow[];
  customers: CustomerRow[];
  subscriptions: SubscriptionRow[];
  items: SubscriptionItemRow[];
  /** Absent on a database migrated before the transactions mirror. */
  transactions?: TransactionRow[];
}

export interface MirroredAccount {
  entities: Required<EntityBatch>;
  /** Rows that cannot become a Paddle entity, with why (e.g. an item whose price is unknown). */
  skipped: string[];
}

export function productFromRow(row: ProductRow): PaddleProduct {
  const created = row.created_at ?? row.updated_at ?? row.last_event_occurred_at ?? UNKNOWN_TIME;
  return withImportMeta(
    productEntity({
      id: row.product_id,
      name: row.name ?? row.product_id,
      description: row.description,
      type: row.type === "custom" ? "custom" : "standard",
      taxCategory: row.tax_category ?? "standard",
      imageUrl: row.image_url,
      customData: row.custom_data,
      status: row.status === "archived" ? "archived" : "active",
      createdAt: created,
      updatedAt: row.updated_at ?? row.last_event_occurred_at ?? created,
    }),
    row.import_meta,
  );
}

export function priceFromRow(row: PriceRow): PaddlePrice {
  const created = row.created_at ?? row.updated_at ?? row.last_event_occurred_at ?? UNKNOWN_TIME;
  const price = priceEntity({
    id: row.price_id,
    productId: row.product_id,
    name: row.name,
    description: row.description,
    type: row.type === "custom" ? "custom" : "standard",
    amount: row.unit_price_amount ?? "0",
    currencyCode: row.unit_price_currency ?? "USD",
    billingCycle: duration(row.billing_cycle_interval, row.billing_cycle_frequency),
    trialPeriod: duration(row.trial_period_interval, row.trial_period_frequency),
    quantity: { minimum: row.quantity_minimum ?? 1, maximum: row.quantity_maximum ?? 100 },
    status: row.status === "archived" ? "archived" : "active",
    customData: row.custom_data,
    createdAt: created,
    updatedAt: row.updated_at ?? row.last_event_occurred_at ?? created,
  });
  if (row.tax_mode) price.tax_mode = row.tax_mode as PaddlePrice["tax_mode"];
  if (Array.isArray(row.unit_price_overrides)) {
    price.unit_price_overrides = row.unit_price_overrides as PaddlePrice["unit_price_overrides"];
  }
  return withImportMeta(price, row.import_meta);
}

export function customerFromRow(row: CustomerRow): PaddleCustomer {
  const version = row.paddle_updated_at ?? row.last_event_occurred_at ?? row.updated_at;
  const created = row.created_at ?? version ?? UNKNOWN_TIME;
  return withImportMeta(
    customerEntity({
      id: row.customer_id,
      // Paddle requires an email; the mirror lacks one only for a customer it met through a
      // subscription event first.
      email: row.email ?? `${row.customer_id.slice(4)}@unknown.example.com`,
      name: row.name,
      status: row.status === "archived" ? "archived" : "active",
      customData: row.custom_data,
      createdAt: created,
      updatedAt: version ?? created,
    }),
    row.import_meta,
  );
}

/**
 * A subscription with its items, each holding the full price and product from the catalog.
 * Items come in Paddle's order as far as the mirror knows it: the first recurring item (the
 * row's price_id) first, then by creation. Returns the reason, as a string, when an item's
 * price or product is not in the catalog, since Paddle never returns an item without them.
 */
export function subscriptionFromRows(
  row: SubscriptionRow,
  items: readonly SubscriptionItemRow[],
  prices: ReadonlyMap<string, PaddlePrice>,
  products: ReadonlyMap<string, PaddleProduct>,
): PaddleSubscription | string {
  const version = row.paddle_updated_at ?? row.last_event_occurred_at ?? row.updated_at;
  const created = row.created_at ?? version ?? UNKNOWN_TIME;
  const updated = version ?? created;
  // Rows mirrored before items were kept hold only the first item's ids.
  const itemRows = items.length > 0 || !row.price_id ? [...items] : [{
    subscription_id: row.subscription_id,
    price_id: row.price_id,
    product_id: row.product_id ?? prices.get(row.price_id)?.product_id ?? "",
    quantity: 1,
    status: null,
    recurring: true,
    created_at: created,
    updated_at: updated,
    previously_billed_at: row.first_billed_at,
    next_billed_at: row.next_billed_at,
    trial_starts_at: null,
    trial_ends_at: null,
  }];
  if (itemRows.length === 0) return `${row.subscription_id}: no items`;
  itemRows.sort((a, b) =>
    Number(b.price_id === row.price_id) - Number(a.price_id === row.price_id) ||
    (a.created_at ?? "").localeCompare(b.created_at ?? "") ||
    a.price_id.localeCompare(b.price_id)
  );

  const built: PaddleSubscriptionItem[] = [];
  for (const item of itemRows) {
    const price = prices.get(item.price_id);
    const product = products.get(item.product_id || price?.product_id || "");
    if (!price || !product) {
      const missing = price ? `product ${item.product_id}` : `price ${item.price_id}`;
      return `${row.subscription_id}: ${missing} is not in the catalog`;
    }
    built.push(subscriptionItem({
      price,
      product,
      status: itemStatus(item.status, row.status),
      quantity: item.quantity,
      recurring: item.recurring ?? price.billing_cycle !== null,
      createdAt: item.created_at ?? created,
      updatedAt: item.updated_at ?? item.created_at ?? updated,
      previouslyBilledAt: item.previously_billed_at,
      nextBilledAt: item.next_billed_at,
      trialDates: item.trial_starts_at && item.trial_ends_at
        ? { starts_at: item.trial_starts_at, ends_at: item.trial_ends_at }
        : null,
    }));
  }

  const first = built[0].price;
  return withImportMeta(
    subscriptionEntity({
      id: row.subscription_id,
      customerId: row.customer_id,
      status: row.status as PaddleSubscription["status"],
      currencyCode: row.currency_code ?? first.unit_price.currency_code,
      collectionMode: row.collection_mode === "manual" ? "manual" : "automatic",
      createdAt: created,
      updatedAt: updated,
      startedAt: row.started_at,
      firstBilledAt: row.first_billed_at,
      nextBilledAt: row.next_billed_at,
      pausedAt: row.paused_at,
      canceledAt: row.canceled_at,
      currentBillingPeriod: row.current_period_starts_at && row.current_period_ends_at
        ? { starts_at: row.current_period_starts_at, ends_at: row.current_period_ends_at }
        : null,
      billingCycle: duration(row.billing_cycle_interval, row.billing_cycle_frequency) ??
        (first.billing_cycle as Duration | null) ?? { interval: "month", frequency: 1 },
      scheduledChange: row.scheduled_change_action && row.scheduled_change_effective_at
        ? {
          action: row.scheduled_change_action as "cancel" | "pause" | "resume",
          effective_at: row.scheduled_change_effective_at,
          resume_at: row.scheduled_change_resume_at,
        }
        : null,
      items: built,
      customData: row.custom_data,
    }),
    row.import_meta,
  );
}

/** The whole mirrored account, ready for `startPaddleSimulator({ entities })`. */
export function accountFromMirror(rows: MirrorRows): MirroredAccount {
  const products = rows.products.map(productFromRow);
  const prices = rows.prices.map(priceFromRow);
  const productById = new Map(products.map((product) => [product.id, product]));
  const priceById = new Map(prices.map((price) => [price.id, price]));
  const itemsBySubscription = new Map<string, SubscriptionItemRow[]>();
  for (const item of rows.items) {
    const list = itemsBySubscription.get(item.subscription_id);
    if (list) list.push(item);
    else itemsBySubscription.set(item.subscription_id, [item]);
  }
  const subscriptions: PaddleSubscription[] = [];
  const skipped: string[] = [];
  for (const row of rows.subscriptions) {
    const built = subscriptionFromRows(
      row,
      itemsBySubscription.get(row.subscription_id) ?? [],
      priceById,
      productById,
    );
    if (typeof built === "string") skipped.push(built);
    else subscriptions.push(built);
  }
  const transactions: PaddleTransaction[] = [];
  for (const row of rows.transactions ?? []) {
    const built = transactionFromRow(row, priceById, productById);
    if (typeof built === "string") skipped.push(built);
    else transactions.push(built);
  }
  return {
    entities: {
      products,
      prices,
      customers: rows.customers.map(customerFromRow),
      subscriptions,
      transactions,
    },
    skipped,
  };
}

function duration(interval: string | null, frequency: number | null): Duration | null {
  if (!interval || !frequency) return null;
  return { interval: interval as Duration["interval"], frequency };
}

function itemStatus(
  status: string | null,
  subscriptionStatus: string,
): PaddleSubscriptionItem["status"] {
  if (status === "active" || status === "inactive" || status === "trialing") return status;
  if (subscriptionStatus === "trialing") return "trialing";
  return subscriptionStatus === "canceled" ? "inactive" : "active";
}

function withImportMeta<T extends { import_meta?: unknown }>(entity: T, importMeta: Json): T {
  if (importMeta) entity.import_meta = importMeta;
  return entity;
}
