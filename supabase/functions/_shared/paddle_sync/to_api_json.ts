/**
 * The SDK's list calls hand back camelCase entity classes; the database's apply functions take
 * Paddle's API JSON (snake_case), the same shape webhooks deliver. This module turns one into the
 * other field by field, for the fields the mirror stores (and `import_meta`, which says a record
 * was imported). It is explicit on purpose: a recursive key rename would also rewrite the keys
 * inside `custom_data`, which is the seller's own JSON (`{"featureFlags": ...}` must stay as it
 * is), and would silently pass along whatever a future SDK adds. `custom_data` goes through
 * verbatim.
 *
 * An absent value stays absent (`undefined` disappears in JSON), so an embedded price without
 * `updated_at` reaches SQL without one, which is what the "newer" rule keys on.
 */
import type { Customer, Price, Product, Subscription, Transaction } from "@paddle/paddle-node-sdk";
import type { EntityType } from "./entity_types.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };
export type ApiJson = { [key: string]: Json | undefined };

type CamelProduct = Pick<
  Product,
  | "id"
  | "name"
  | "type"
  | "description"
  | "taxCategory"
  | "imageUrl"
  | "customData"
  | "status"
  | "createdAt"
  | "updatedAt"
  | "importMeta"
>;

type CamelPrice = Pick<
  Price,
  | "id"
  | "productId"
  | "name"
  | "description"
  | "type"
  | "taxMode"
  | "billingCycle"
  | "trialPeriod"
  | "unitPrice"
  | "unitPriceOverrides"
  | "quantity"
  | "status"
  | "customData"
  | "importMeta"
  | "createdAt"
  | "updatedAt"
>;

type CamelCustomer = Pick<
  Customer,
  | "id"
  | "name"
  | "email"
  | "status"
  | "customData"
  | "createdAt"
  | "updatedAt"
  | "importMeta"
>;

export function productToApiJson(p: CamelProduct): ApiJson {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    type: p.type,
    tax_category: p.taxCategory,
    image_url: p.imageUrl,
    custom_data: p.customData as Json,
    status: p.status,
    import_meta: importMeta(p.importMeta),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

export function priceToApiJson(p: CamelPrice): ApiJson {
  return {
    id: p.id,
    product_id: p.productId,
    name: p.name,
    description: p.description,
    type: p.type,
    tax_mode: p.taxMode,
    billing_cycle: duration(p.billingCycle),
    trial_period: duration(p.trialPeriod),
    unit_price: { amount: p.unitPrice.amount, currency_code: p.unitPrice.currencyCode },
    unit_price_overrides: p.unitPriceOverrides?.map((o) => ({
      country_codes: [...o.countryCodes],
      unit_price: { amount: o.unitPrice.amount, currency_code: o.unitPrice.currencyCode },
    })),
    quantity: { minimum: p.quantity.minimum, maximum: p.quantity.maximum },
    status: p.status,
    custom_data: p.customData as Json,
    import_meta: importMeta(p.importMeta),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

export function customerToApiJson(c: CamelCustomer): ApiJson {
  return {
    id: c.id,
    name: c.name,
    email: c.email,
    status: c.status,
    custom_data: c.customData as Json,
    import_meta: importMeta(c.importMeta),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export function subscriptionToApiJson(s: Subscription): ApiJson {
  return {
    id: s.id,
    status: s.status,
    customer_id: s.customerId,
    currency_code: s.currencyCode,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    started_at: s.startedAt,
    first_billed_at: s.firstBilledAt,
    next_billed_at: s.nextBilledAt,
    paused_at: s.pausedAt,
    canceled_at: s.canceledAt,
    collection_mode: s.collectionMode,
    current_billing_period: period(s.currentBillingPeriod),
    billing_cycle: duration(s.billingCycle),
    scheduled_change: s.scheduledChange
      ? {
        action: s.scheduledChange.action,
        effective_at: s.scheduledChange.effectiveAt,
        resume_at: s.scheduledChange.resumeAt,
      }
      : s.scheduledChange,
    items: s.items.map((item) => ({
      status: item.status,
      quantity: item.quantity,
      recurring: item.recurring,
      created_at: item.createdAt,
      updated_at: item.updatedAt,
      previously_billed_at: item.previouslyBilledAt,
      next_billed_at: item.nextBilledAt,
      trial_dates: period(item.trialDates),
      price: priceToApiJson(item.price),
      product: productToApiJson(item.product),
    })),
    custom_data: s.customData as Json,
    import_meta: importMeta(s.importMeta),
  };
}

/**
 * A transaction as the mirror reads it: totals and line items as Paddle computed them (amounts
 * stay strings), each embedded price, the line items' product id and name, and every payment
 * attempt (the mirror keeps the newest).
 */
export function transactionToApiJson(t: Transaction): ApiJson {
  const totals = t.details?.totals;
  return {
    id: t.id,
    status: t.status,
    customer_id: t.customerId,
    subscription_id: t.subscriptionId,
    origin: t.origin,
    collection_mode: t.collectionMode,
    currency_code: t.currencyCode,
    invoice_id: t.invoiceId,
    invoice_number: t.invoiceNumber,
    custom_data: t.customData as Json,
    billing_period: period(t.billingPeriod),
    items: t.items.map((item) => ({
      price: item.price ? priceToApiJson(item.price) : null,
      quantity: item.quantity,
    })),
    details: t.details
      ? {
        totals: totals
          ? {
            subtotal: totals.subtotal,
            discount: totals.discount,
            tax: totals.tax,
            total: totals.total,
            credit: totals.credit,
            balance: totals.balance,
            grand_total: totals.grandTotal,
            currency_code: totals.currencyCode,
          }
          : null,
        line_items: t.details.lineItems.map((line) => ({
          id: line.id,
          price_id: line.priceId,
          quantity: line.quantity,
          tax_rate: line.taxRate,
          totals: line.totals
            ? {
              subtotal: line.totals.subtotal,
              discount: line.totals.discount,
              tax: line.totals.tax,
              total: line.totals.total,
            }
            : null,
          product: line.product ? { id: line.product.id, name: line.product.name } : null,
        })),
      }
      : null,
    payments: t.payments.map((payment) => ({
      amount: payment.amount,
      status: payment.status,
      error_code: payment.errorCode,
      created_at: payment.createdAt,
      captured_at: payment.capturedAt,
      method_details: payment.methodDetails
        ? {
          type: payment.methodDetails.type,
          card: payment.methodDetails.card
            ? { type: payment.methodDetails.card.type, last4: payment.methodDetails.card.last4 }
            : null,
        }
        : null,
    })),
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    billed_at: t.billedAt,
    revised_at: t.revisedAt,
  };
}

function duration(
  d: { interval: string; frequency: number } | null | undefined,
): Json | undefined {
  return d ? { interval: d.interval, frequency: d.frequency } : d;
}

function period(p: { startsAt: string; endsAt: string } | null | undefined): Json | undefined {
  return p ? { starts_at: p.startsAt, ends_at: p.endsAt } : p;
}

function importMeta(
  meta: { externalId: string | null; importedFrom: string } | null | undefined,
): Json | undefined {
  return meta ? { external_id: meta.externalId, imported_from: meta.importedFrom } : meta;
}

export type SdkEntity<T extends EntityType> = T extends "product" ? Product
  : T extends "price" ? Price
  : T extends "customer" ? Customer
  : T extends "subscription" ? Subscription
  : Transaction;

/** One entity of a list page, as Paddle's API would have sent it. */
export function toApiJson<T extends EntityType>(entityType: T, entity: SdkEntity<T>): ApiJson {
  switch (entityType) {
    case "product":
      return productToApiJson(entity as Product);
    case "price":
      return priceToApiJson(entity as Price);
    case "customer":
      return customerToApiJson(entity as Customer);
    case "subscription":
      return subscriptionToApiJson(entity as Subscription);
    default:
      return transactionToApiJson(entity as Transaction);
  }
}
