/**
 * The Paddle notifications this function mirrors, as zod schemas over Paddle's snake_case payloads.
 *
 * Objects strip unknown keys, so what reaches the database is the subset of Paddle's event that
 * `public.apply_paddle_event` reads, still in Paddle's shape. Only the fields the tables cannot do
 * without are required: Paddle adds fields over time and older payloads lack some (`updated_at` on
 * prices embedded in subscription events, `import_meta`), and an optional field must not turn a
 * delivery into a permanent failure. What is present is checked as strictly as the SQL checks it,
 * so a payload the database would refuse is a 400 here, not an endless 503-and-retry.
 */
import { z } from "zod";

export const CUSTOMER_EVENT_TYPES = [
  "customer.created",
  "customer.updated",
  "customer.imported",
] as const;
export const SUBSCRIPTION_EVENT_TYPES = [
  "subscription.created",
  "subscription.updated",
  "subscription.activated",
  "subscription.trialing",
  "subscription.past_due",
  "subscription.paused",
  "subscription.resumed",
  "subscription.canceled",
  "subscription.imported",
] as const;
export const PRODUCT_EVENT_TYPES = [
  "product.created",
  "product.updated",
  "product.imported",
] as const;
export const PRICE_EVENT_TYPES = ["price.created", "price.updated", "price.imported"] as const;
export const TRANSACTION_EVENT_TYPES = [
  "transaction.created",
  "transaction.updated",
  "transaction.ready",
  "transaction.billed",
  "transaction.paid",
  "transaction.completed",
  "transaction.past_due",
  "transaction.payment_failed",
  "transaction.canceled",
  "transaction.revised",
] as const;
/** Refunds, credits and chargebacks: Paddle sends no other adjustment events. */
export const ADJUSTMENT_EVENT_TYPES = ["adjustment.created", "adjustment.updated"] as const;
export const MIRRORED_EVENT_TYPES: readonly string[] = [
  ...CUSTOMER_EVENT_TYPES,
  ...SUBSCRIPTION_EVENT_TYPES,
  ...PRODUCT_EVENT_TYPES,
  ...PRICE_EVENT_TYPES,
  ...TRANSACTION_EVENT_TYPES,
  ...ADJUSTMENT_EVENT_TYPES,
];

const paddleId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[a-z\\d]{26}$`));
// RFC 3339 with an explicit offset: a zone-less time would be read in the database's zone.
const timestamp = z.iso.datetime({ offset: true });
const optionalTimestamp = timestamp.nullable().optional();
const optionalText = z.string().nullable().optional();
// What the SQL casts to integer; Paddle sends JSON numbers.
const integer = z.number().int().min(-999_999_999).max(999_999_999);

/** The part of every notification that is read before knowing whether it is mirrored. */
export const EnvelopeSchema = z.object({
  event_id: z.string().min(1).max(64),
  event_type: z.string().min(1).max(64),
});

const customData = z.record(z.string(), z.unknown()).nullable().optional();
// {external_id, imported_from} on records migrated into Paddle; stored, never trusted.
const importMeta = z.record(z.string(), z.unknown()).nullable().optional();
const cycle = z.object({
  interval: z.enum(["day", "week", "month", "year"]),
  frequency: integer,
}).nullable().optional();

export const CustomerSchema = z.object({
  id: paddleId("ctm"),
  // Paddle validates the address; we only compare it, so a cap is all the check we need.
  email: z.string().min(3).max(320),
  name: optionalText,
  status: z.enum(["active", "archived"]).optional(),
  custom_data: customData,
  import_meta: importMeta,
  created_at: timestamp.optional(),
  updated_at: timestamp.optional(),
});

export const ProductSchema = z.object({
  id: paddleId("pro"),
  name: optionalText,
  description: optionalText,
  type: optionalText,
  tax_category: optionalText,
  image_url: optionalText,
  status: z.enum(["active", "archived"]).optional(),
  custom_data: customData,
  import_meta: importMeta,
  // Older payloads (and prices embedded in subscription events) may lack the times.
  created_at: optionalTimestamp,
  updated_at: optionalTimestamp,
});

export const PriceSchema = z.object({
  id: paddleId("pri"),
  product_id: paddleId("pro"),
  name: optionalText,
  description: optionalText,
  type: optionalText,
  tax_mode: optionalText,
  unit_price: z.object({
    // Lowest denomination as a string ("3000" = $30.00): kept exact, never a float.
    amount: z.string().regex(/^-?\d+(\.\d+)?$/),
    currency_code: z.string().min(3).max(3),
  }).nullable().optional(),
  // Country prices, passed on as Paddle sent them; the SQL checks their shape.
  unit_price_overrides: z.array(z.unknown()).nullable().optional(),
  billing_cycle: cycle,
  trial_period: cycle,
  quantity: z.object({ minimum: integer.optional(), maximum: integer.optional() }).nullable()
    .optional(),
  status: z.enum(["active", "archived"]).optional(),
  custom_data: customData,
  import_meta: importMeta,
  created_at: optionalTimestamp,
  updated_at: optionalTimestamp,
});

const SubscriptionItemSchema = z.object({
  price: PriceSchema,
  product: ProductSchema.nullable().optional(),
  quantity: integer.optional(),
  status: z.enum(["active", "inactive", "trialing"]).optional(),
  recurring: z.boolean().optional(),
  created_at: optionalTimestamp,
  updated_at: optionalTimestamp,
  previously_billed_at: optionalTimestamp,
  next_billed_at: optionalTimestamp,
  trial_dates: z.object({ starts_at: optionalTimestamp, ends_at: optionalTimestamp }).nullable()
    .optional(),
});

const ScheduledChangeSchema = z.object({
  action: z.enum(["cancel", "pause", "resume"]),
  effective_at: timestamp,
  resume_at: timestamp.nullable().optional(),
});

export const SubscriptionSchema = z.object({
  id: paddleId("sub"),
  customer_id: paddleId("ctm"),
  status: z.enum(["active", "trialing", "past_due", "paused", "canceled"]),
  items: z.array(SubscriptionItemSchema).min(1),
  scheduled_change: ScheduledChangeSchema.nullable().optional(),
  currency_code: optionalText,
  collection_mode: z.enum(["automatic", "manual"]).optional(),
  billing_cycle: cycle,
  current_billing_period: z.object({ starts_at: optionalTimestamp, ends_at: optionalTimestamp })
    .nullable().optional(),
  next_billed_at: optionalTimestamp,
  started_at: optionalTimestamp,
  first_billed_at: optionalTimestamp,
  paused_at: optionalTimestamp,
  canceled_at: optionalTimestamp,
  custom_data: customData,
  import_meta: importMeta,
  created_at: timestamp.optional(),
  updated_at: timestamp.optional(),
});

// Lowest denomination as a string ("65215" = $652.15), negative for credits: kept exact.
const amount = z.string().regex(/^-?\d+(\.\d+)?$/);
const optionalAmount = amount.nullable().optional();
const LineTotalsSchema = z.object({
  subtotal: optionalAmount,
  discount: optionalAmount,
  tax: optionalAmount,
  total: optionalAmount,
});

/**
 * What the mirror keeps of a transaction: totals and line items as Paddle computed them, each
 * item's price (for its name), and the payment attempts (the newest is kept). A price embedded
 * in a transaction may lack `type` and its times, and a line item's product its `updated_at`.
 */
export const TransactionSchema = z.object({
  id: paddleId("txn"),
  status: z.enum(["draft", "ready", "billed", "paid", "completed", "canceled", "past_due"]),
  customer_id: paddleId("ctm").nullable().optional(),
  subscription_id: paddleId("sub").nullable().optional(),
  origin: optionalText,
  collection_mode: z.enum(["automatic", "manual"]).optional(),
  currency_code: optionalText,
  invoice_id: optionalText,
  invoice_number: optionalText,
  billed_at: optionalTimestamp,
  revised_at: optionalTimestamp,
  billing_period: z.object({ starts_at: optionalTimestamp, ends_at: optionalTimestamp })
    .nullable().optional(),
  items: z.array(z.object({
    price: z.object({
      id: paddleId("pri"),
      product_id: paddleId("pro").optional(),
      name: optionalText,
      description: optionalText,
    }).nullable().optional(),
    quantity: integer.optional(),
  })).optional(),
  details: z.object({
    totals: LineTotalsSchema.extend({
      grand_total: optionalAmount,
      credit: optionalAmount,
      balance: optionalAmount,
    }).nullable().optional(),
    line_items: z.array(z.object({
      price_id: paddleId("pri"),
      quantity: integer.optional(),
      tax_rate: optionalText,
      totals: LineTotalsSchema.nullable().optional(),
      product: z.object({ id: paddleId("pro"), name: optionalText }).nullable().optional(),
    })).optional(),
  }).nullable().optional(),
  payments: z.array(z.object({
    status: optionalText,
    error_code: optionalText,
    created_at: optionalTimestamp,
    method_details: z.object({
      type: optionalText,
      card: z.object({ type: optionalText, last4: optionalText }).nullable().optional(),
    }).nullable().optional(),
  })).optional(),
  custom_data: customData,
  created_at: optionalTimestamp,
  updated_at: timestamp.optional(),
});

/**
 * What the mirror keeps of an adjustment (a refund, credit or chargeback against a billed or
 * completed transaction): its kind, status and totals as Paddle computed them. `type` (full or
 * partial) is absent on adjustments made before Paddle added it.
 */
export const AdjustmentSchema = z.object({
  id: paddleId("adj"),
  action: z.enum([
    "refund",
    "credit",
    "chargeback",
    "chargeback_reverse",
    "chargeback_warning",
    "credit_reverse",
  ]),
  type: z.enum(["full", "partial"]).nullable().optional(),
  transaction_id: paddleId("txn"),
  customer_id: paddleId("ctm"),
  subscription_id: paddleId("sub").nullable().optional(),
  status: z.enum(["pending_approval", "approved", "rejected", "reversed"]),
  reason: optionalText,
  currency_code: optionalText,
  totals: z.object({
    subtotal: optionalAmount,
    tax: optionalAmount,
    total: optionalAmount,
    fee: optionalAmount,
    earnings: optionalAmount,
    currency_code: optionalText,
  }).nullable().optional(),
  // Kept as Paddle sent them; only their shape (objects) is checked.
  items: z.array(z.looseObject({})).optional(),
  created_at: optionalTimestamp,
  updated_at: timestamp.optional(),
});

const base = {
  event_id: paddleId("evt"),
  notification_id: paddleId("ntf").optional(),
  occurred_at: timestamp,
};

export const CustomerEventSchema = z.object({
  ...base,
  event_type: z.enum(CUSTOMER_EVENT_TYPES),
  data: CustomerSchema,
});

export const SubscriptionEventSchema = z.object({
  ...base,
  event_type: z.enum(SUBSCRIPTION_EVENT_TYPES),
  data: SubscriptionSchema,
});

export const ProductEventSchema = z.object({
  ...base,
  event_type: z.enum(PRODUCT_EVENT_TYPES),
  data: ProductSchema,
});

export const PriceEventSchema = z.object({
  ...base,
  event_type: z.enum(PRICE_EVENT_TYPES),
  data: PriceSchema,
});

export const TransactionEventSchema = z.object({
  ...base,
  event_type: z.enum(TRANSACTION_EVENT_TYPES),
  data: TransactionSchema,
});

export const AdjustmentEventSchema = z.object({
  ...base,
  event_type: z.enum(ADJUSTMENT_EVENT_TYPES),
  data: AdjustmentSchema,
});

export const MirroredEventSchema = z.union([
  CustomerEventSchema,
  SubscriptionEventSchema,
  ProductEventSchema,
  PriceEventSchema,
  TransactionEventSchema,
  AdjustmentEventSchema,
]);

export type CustomerEvent = z.infer<typeof CustomerEventSchema>;
export type SubscriptionEvent = z.infer<typeof SubscriptionEventSchema>;
export type ProductEvent = z.infer<typeof ProductEventSchema>;
export type PriceEvent = z.infer<typeof PriceEventSchema>;
export type TransactionEvent = z.infer<typeof TransactionEventSchema>;
export type AdjustmentEvent = z.infer<typeof AdjustmentEventSchema>;
export type MirroredEvent = z.infer<typeof MirroredEventSchema>;

const SCHEMA_BY_ENTITY = {
  customer: CustomerEventSchema,
  subscription: SubscriptionEventSchema,
  product: ProductEventSchema,
  price: PriceEventSchema,
  transaction: TransactionEventSchema,
  adjustment: AdjustmentEventSchema,
} as const;

export type ParsedNotification =
  | { kind: "mirrored"; event: MirroredEvent }
  | { kind: "ignored"; eventId: string; eventType: string }
  | { kind: "invalid"; eventId?: string; eventType?: string; problems: string[] };

/**
 * Classifies a verified notification. `problems` lists paths and zod messages, never values:
 * the payload holds customer emails.
 */
export function parseNotification(json: unknown): ParsedNotification {
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    return { kind: "invalid", problems: describe(envelope.error) };
  }
  const { event_id: eventId, event_type: eventType } = envelope.data;
  if (!MIRRORED_EVENT_TYPES.includes(eventType)) {
    return { kind: "ignored", eventId, eventType };
  }
  const entity = eventType.slice(0, eventType.indexOf(".")) as keyof typeof SCHEMA_BY_ENTITY;
  const parsed = SCHEMA_BY_ENTITY[entity].safeParse(json);
  if (!parsed.success) {
    return { kind: "invalid", eventId, eventType, problems: describe(parsed.error) };
  }
  return { kind: "mirrored", event: parsed.data };
}

function describe(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((i) => `${i.path.join(".") || "(root)"}: ${i.code}`);
}
