/**
 * Builds full Paddle entities (API JSON, snake_case) from the few values that vary: the
 * simulator's seed, its tests and the webhook payloads all use these, so there is one idea of
 * what a complete product, price, customer or subscription looks like. Every field Paddle always
 * returns is present; a value not given is null (never invented), except where Paddle has a
 * fixed default (`type: "standard"`, `locale: "en"`, ...).
 */

import type {
  PaddleCustomer,
  PaddlePrice,
  PaddleProduct,
  PaddleSubscription,
  PaddleSubscriptionItem,
} from "./entities.ts";

type JsonObject = Record<string, unknown>;

// A type alias (not an interface) so it fits the schemas' open object types.
export type Duration = {
  interval: "day" | "week" | "month" | "year";
  frequency: number;
};

export interface ProductInit {
  id: string;
  name: string;
  description?: string | null;
  type?: "standard" | "custom";
  taxCategory?: string;
  imageUrl?: string | null;
  customData?: JsonObject | null;
  status?: "active" | "archived";
  createdAt: string;
  /** Default: createdAt. */
  updatedAt?: string;
}

export function productEntity(init: ProductInit): PaddleProduct {
  return {
    id: init.id,
    name: init.name,
    type: init.type ?? "standard",
    tax_category: init.taxCategory ?? "standard",
    description: init.description ?? null,
    image_url: init.imageUrl ?? null,
    custom_data: init.customData ?? null,
    status: init.status ?? "active",
    import_meta: null,
    created_at: init.createdAt,
    updated_at: init.updatedAt ?? init.createdAt,
  };
}

export interface PriceInit {
  id: string;
  productId: string;
  /** Paddle's `description` is required and shown internally; default: the name or the id. */
  description?: string | null;
  name?: string | null;
  type?: "standard" | "custom";
  /** Lowest denomination, as Paddle's string: "3000" is $30.00. */
  amount: string;
  currencyCode?: string;
  /** null for a one-time price. */
  billingCycle: Duration | null;
  trialPeriod?: Duration | null;
  quantity?: { minimum: number; maximum: number };
  status?: "active" | "archived";
  customData?: JsonObject | null;
  createdAt: string;
  updatedAt?: string;
}

export function priceEntity(init: PriceInit): PaddlePrice {
  return {
    id: init.id,
    product_id: init.productId,
    type: init.type ?? "standard",
    description: init.description ?? init.name ?? init.id,
    name: init.name ?? null,
    tax_mode: "account_setting",
    billing_cycle: init.billingCycle,
    trial_period: init.trialPeriod ?? null,
    unit_price: { amount: init.amount, currency_code: init.currencyCode ?? "USD" },
    unit_price_overrides: [],
    quantity: init.quantity ?? { minimum: 1, maximum: 100 },
    status: init.status ?? "active",
    custom_data: init.customData ?? null,
    import_meta: null,
    created_at: init.createdAt,
    updated_at: init.updatedAt ?? init.createdAt,
  };
}

export interface CustomerInit {
  id: string;
  email: string;
  name?: string | null;
  status?: "active" | "archived";
  customData?: JsonObject | null;
  locale?: string;
  marketingConsent?: boolean;
  createdAt: string;
  updatedAt?: string;
}

export function customerEntity(init: CustomerInit): PaddleCustomer {
  return {
    id: init.id,
    name: init.name ?? null,
    email: init.email,
    marketing_consent: init.marketingConsent ?? false,
    status: init.status ?? "active",
    custom_data: init.customData ?? null,
    locale: init.locale ?? "en",
    created_at: init.createdAt,
    updated_at: init.updatedAt ?? init.createdAt,
    import_meta: null,
  };
}

export interface SubscriptionItemInit {
  price: PaddlePrice;
  product: PaddleProduct;
  status?: "active" | "inactive" | "trialing";
  quantity?: number;
  recurring?: boolean;
  createdAt: string;
  updatedAt?: string;
  previouslyBilledAt?: string | null;
  nextBilledAt?: string | null;
  trialDates?: { starts_at: string; ends_at: string } | null;
}

export function subscriptionItem(init: SubscriptionItemInit): PaddleSubscriptionItem {
  return {
    status: init.status ?? "active",
    quantity: init.quantity ?? 1,
    recurring: init.recurring ?? init.price.billing_cycle !== null,
    created_at: init.createdAt,
    updated_at: init.updatedAt ?? init.createdAt,
    previously_billed_at: init.previouslyBilledAt ?? null,
    next_billed_at: init.nextBilledAt ?? null,
    trial_dates: init.trialDates ?? null,
    price: init.price,
    product: init.product,
  };
}

export interface SubscriptionInit {
  id: string;
  customerId: string;
  status: PaddleSubscription["status"];
  /** Default: derived from the subscription id, so a rebuilt entity keeps the same one. */
  addressId?: string;
  businessId?: string | null;
  currencyCode?: string;
  collectionMode?: "automatic" | "manual";
  createdAt: string;
  updatedAt?: string;
  startedAt?: string | null;
  firstBilledAt?: string | null;
  nextBilledAt?: string | null;
  pausedAt?: string | null;
  canceledAt?: string | null;
  currentBillingPeriod?: { starts_at: string; ends_at: string } | null;
  billingCycle: Duration;
  scheduledChange?: {
    action: "cancel" | "pause" | "resume";
    effective_at: string;
    resume_at: string | null;
  } | null;
  items: PaddleSubscriptionItem[];
  customData?: JsonObject | null;
  /** Paddle's sandbox or live buyer portal; default sandbox. */
  portalBase?: string;
}

export function subscriptionEntity(init: SubscriptionInit): PaddleSubscription {
  const portal = init.portalBase ?? "https://sandbox-buyer-portal.paddle.com";
  return {
    id: init.id,
    status: init.status,
    customer_id: init.customerId,
    address_id: init.addressId ?? addressIdFor(init.id),
    business_id: init.businessId ?? null,
    currency_code: init.currencyCode ?? "USD",
    created_at: init.createdAt,
    updated_at: init.updatedAt ?? init.createdAt,
    started_at: init.startedAt ?? null,
    first_billed_at: init.firstBilledAt ?? null,
    next_billed_at: init.nextBilledAt ?? null,
    paused_at: init.pausedAt ?? null,
    canceled_at: init.canceledAt ?? null,
    collection_mode: init.collectionMode ?? "automatic",
    billing_details: null,
    current_billing_period: init.currentBillingPeriod ?? null,
    billing_cycle: init.billingCycle,
    scheduled_change: init.scheduledChange ?? null,
    items: init.items,
    custom_data: init.customData ?? null,
    management_urls: {
      update_payment_method: `${portal}/subscriptions/${init.id}/update-payment-method`,
      cancel: `${portal}/subscriptions/${init.id}/cancel`,
    },
    discount: null,
    import_meta: null,
  };
}

/** A stable address id for a subscription (the mirror does not keep addresses). */
export function addressIdFor(subscriptionId: string): string {
  return `add_${subscriptionId.slice(subscriptionId.indexOf("_") + 1)}`;
}
