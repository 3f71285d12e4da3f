/**
 * The four entities the simulated account holds, as Paddle's API returns them (snake_case,
 * `data` of `GET /products|prices|customers|subscriptions/{id}`). The schemas check what
 * Paddle always sends and what the SDK's entity classes dereference (a subscription item's
 * `price.quantity`, `price.unit_price`, `billing_cycle`, ...), so an entity loaded into the
 * simulator is one the SDK and the mirror can parse. Fields Paddle adds later pass through.
 */

import { z } from "zod";
import {
  ADDRESS_ID,
  BUSINESS_ID,
  CUSTOMER_ID,
  PRICE_ID,
  PRODUCT_ID,
  SUBSCRIPTION_ID,
  TRANSACTION_ID,
} from "./ids.ts";
import { type PaddleTransaction, TRANSACTION_STATUSES } from "./transactions.ts";

/** Paddle writes UTC with up to microseconds: `2024-04-12T10:18:49.621022Z`. */
export const PADDLE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

const timestamp = z.string().regex(
  PADDLE_TIMESTAMP,
  "must be an RFC 3339 UTC timestamp like 2024-04-12T10:18:49.621022Z",
);
const id = (pattern: RegExp) => z.string().regex(pattern, `must match ${pattern.source}`);
const customData = z.record(z.string(), z.unknown()).nullable();
const importMeta = z
  .looseObject({ external_id: z.string().nullable(), imported_from: z.string() })
  .nullable()
  .optional();
const catalogStatus = z.enum(["active", "archived"]);
const duration = z.looseObject({
  interval: z.enum(["day", "week", "month", "year"]),
  frequency: z.number().int().min(1),
});
const period = z.looseObject({ starts_at: timestamp, ends_at: timestamp });

export const productSchema = z.looseObject({
  id: id(PRODUCT_ID),
  name: z.string().min(1),
  description: z.string().nullable(),
  type: z.enum(["standard", "custom"]),
  tax_category: z.string().min(1),
  image_url: z.string().nullable(),
  custom_data: customData,
  status: catalogStatus,
  import_meta: importMeta,
  created_at: timestamp,
  updated_at: timestamp,
});

export const priceSchema = z.looseObject({
  id: id(PRICE_ID),
  product_id: id(PRODUCT_ID),
  description: z.string(),
  name: z.string().nullable(),
  type: z.enum(["standard", "custom"]),
  billing_cycle: duration.nullable(),
  trial_period: duration.nullable(),
  tax_mode: z.enum(["account_setting", "external", "internal", "location"]),
  unit_price: z.looseObject({
    amount: z.string().regex(/^\d+$/, "must be a string of digits (lowest denomination)"),
    currency_code: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like USD"),
  }),
  unit_price_overrides: z.array(z.looseObject({
    country_codes: z.array(z.string().regex(/^[A-Z]{2}$/, "must be a country code like DE")).min(1),
    unit_price: z.looseObject({
      amount: z.string().regex(/^\d+$/, "must be a string of digits (lowest denomination)"),
      currency_code: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like EUR"),
    }),
  })),
  quantity: z.looseObject({ minimum: z.number().int().min(1), maximum: z.number().int().min(1) }),
  status: catalogStatus,
  custom_data: customData,
  import_meta: importMeta,
  created_at: timestamp,
  updated_at: timestamp,
});

export const customerSchema = z.looseObject({
  id: id(CUSTOMER_ID),
  name: z.string().nullable(),
  email: z.string().regex(/^[^@\s]+@[^@\s]+$/, "must be an email address"),
  marketing_consent: z.boolean(),
  status: catalogStatus,
  custom_data: customData,
  locale: z.string().min(1),
  created_at: timestamp,
  updated_at: timestamp,
  import_meta: importMeta,
});

export const SUBSCRIPTION_STATUSES = [
  "active",
  "canceled",
  "past_due",
  "paused",
  "trialing",
] as const;

const subscriptionItemSchema = z
  .looseObject({
    status: z.enum(["active", "inactive", "trialing"]),
    quantity: z.number().int().min(1),
    recurring: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
    previously_billed_at: timestamp.nullable(),
    next_billed_at: timestamp.nullable(),
    trial_dates: period.nullable(),
    price: priceSchema,
    product: productSchema,
  })
  .refine((item) => item.price.product_id === item.product.id, {
    message: "price.product_id must be the id of the item's product",
    path: ["price", "product_id"],
  });

export const subscriptionSchema = z
  .looseObject({
    id: id(SUBSCRIPTION_ID),
    status: z.enum(SUBSCRIPTION_STATUSES),
    customer_id: id(CUSTOMER_ID),
    address_id: id(ADDRESS_ID),
    business_id: id(BUSINESS_ID).nullable(),
    currency_code: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like USD"),
    created_at: timestamp,
    updated_at: timestamp,
    started_at: timestamp.nullable(),
    first_billed_at: timestamp.nullable(),
    next_billed_at: timestamp.nullable(),
    paused_at: timestamp.nullable(),
    canceled_at: timestamp.nullable(),
    discount: z.record(z.string(), z.unknown()).nullable(),
    collection_mode: z.enum(["automatic", "manual"]),
    billing_details: z.record(z.string(), z.unknown()).nullable(),
    current_billing_period: period.nullable(),
    billing_cycle: duration,
    scheduled_change: z
      .looseObject({
        action: z.enum(["cancel", "pause", "resume"]),
        effective_at: timestamp,
        resume_at: timestamp.nullable(),
      })
      .nullable(),
    items: z.array(subscriptionItemSchema).min(1),
    custom_data: customData,
    management_urls: z
      .looseObject({ update_payment_method: z.string().nullable(), cancel: z.string() })
      .nullable(),
    import_meta: importMeta,
  })
  .refine((sub) => new Set(sub.items.map((item) => item.price.id)).size === sub.items.length, {
    message: "a subscription holds each price at most once",
    path: ["items"],
  });

export type PaddleProduct = z.infer<typeof productSchema>;
export type PaddlePrice = z.infer<typeof priceSchema>;
export type PaddleCustomer = z.infer<typeof customerSchema>;
export type PaddleSubscription = z.infer<typeof subscriptionSchema>;
export type PaddleSubscriptionItem = PaddleSubscription["items"][number];

const amount = z.string().regex(/^-?\d+$/, "must be a string of digits (lowest denomination)");
const lineTotals = z.looseObject({
  subtotal: amount,
  discount: amount,
  tax: amount,
  total: amount,
});

/**
 * A transaction as `GET /transactions/{id}` returns it (transactions.ts builds them): what the
 * list, the invoice PDF and the mirror read is checked; the rest passes through.
 */
export const transactionSchema = z.looseObject({
  id: id(TRANSACTION_ID),
  status: z.enum(TRANSACTION_STATUSES),
  customer_id: id(CUSTOMER_ID).nullable(),
  subscription_id: id(SUBSCRIPTION_ID).nullable(),
  currency_code: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like USD"),
  origin: z.string().min(1),
  collection_mode: z.enum(["automatic", "manual"]),
  invoice_number: z.string().nullable(),
  billing_period: period.nullable(),
  items: z.array(z.looseObject({ price: priceSchema, quantity: z.number().int().min(1) })),
  details: z.looseObject({
    totals: lineTotals.extend({ grand_total: amount }),
    line_items: z.array(z.looseObject({
      price_id: id(PRICE_ID),
      quantity: z.number().int().min(1),
      totals: lineTotals,
      product: productSchema,
    })),
  }),
  payments: z.array(z.looseObject({ status: z.string(), created_at: timestamp })),
  created_at: timestamp,
  updated_at: timestamp,
  billed_at: timestamp.nullable(),
});

/** What `POST /__entities` takes and `startPaddleSimulator({ entities })` loads. */
export const entityBatchSchema = z.strictObject({
  products: z.array(productSchema).optional(),
  prices: z.array(priceSchema).optional(),
  customers: z.array(customerSchema).optional(),
  subscriptions: z.array(subscriptionSchema).optional(),
  /** Kept and listed, but not counted with the four kinds (EntityCounts). */
  transactions: z.array(transactionSchema).optional(),
});

/** The transactions are the simulator's own shape (transactions.ts), which the schema checks. */
export type EntityBatch = Omit<z.infer<typeof entityBatchSchema>, "transactions"> & {
  transactions?: PaddleTransaction[];
};

export const ENTITY_KINDS = ["products", "prices", "customers", "subscriptions"] as const;
export type EntityKind = typeof ENTITY_KINDS[number];

/** Each kind's status values, for the `status` filter. */
export const STATUSES: Record<EntityKind, readonly string[]> = {
  products: catalogStatus.options,
  prices: catalogStatus.options,
  customers: catalogStatus.options,
  subscriptions: SUBSCRIPTION_STATUSES,
};

/** Each kind's id shape, for path ids, `id` filters and `after` cursors. */
export const ID_SHAPES: Record<EntityKind, RegExp> = {
  products: PRODUCT_ID,
  prices: PRICE_ID,
  customers: CUSTOMER_ID,
  subscriptions: SUBSCRIPTION_ID,
};

/**
 * Validates a batch. The error lists at most `maxIssues` problems, each with its path
 * (`subscriptions[12].items[0].price.id`), so a bad entity in 10,000 is easy to find.
 */
export function parseEntityBatch(
  value: unknown,
  maxIssues = 20,
): { success: true; data: EntityBatch } | { success: false; error: string } {
  const result = entityBatchSchema.safeParse(value);
  if (result.success) return { success: true, data: result.data as EntityBatch };
  const issues = result.error.issues;
  const lines = issues.slice(0, maxIssues).map((issue) =>
    `${formatPath(issue.path)}: ${issue.message}`
  );
  if (issues.length > maxIssues) lines.push(`... and ${issues.length - maxIssues} more`);
  return { success: false, error: lines.join("\n") };
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  return path.reduce<string>(
    (text, key) =>
      typeof key === "number"
        ? `${text}[${key}]`
        : text === ""
        ? String(key)
        : `${text}.${String(key)}`,
    "",
  );
}
