/** A small catalog for the selling tests: what a transaction may and may not be built from. */

import type { EntityBatch, PaddlePrice } from "./entities.ts";
import { priceEntity, productEntity } from "./entity_builders.ts";
import { newPaddleId } from "./ids.ts";
import { payTransaction } from "./payment.ts";
import { EntityStore } from "./store.ts";
import { type PaddleTransaction, transactionEntity } from "./transactions.ts";

const CREATED = "2026-01-05T09:00:00Z";

export const PRODUCT = productEntity({
  id: newPaddleId("pro"),
  name: "Team plan",
  createdAt: CREATED,
});
export const ARCHIVED_PRODUCT = productEntity({
  id: newPaddleId("pro"),
  name: "Old plan",
  status: "archived",
  createdAt: CREATED,
});
export const MONTHLY = priceEntity({
  id: newPaddleId("pri"),
  productId: PRODUCT.id,
  name: "Team monthly",
  amount: "1250",
  billingCycle: { interval: "month", frequency: 1 },
  quantity: { minimum: 1, maximum: 50 },
  createdAt: CREATED,
});
export const YEARLY = priceEntity({
  id: newPaddleId("pri"),
  productId: PRODUCT.id,
  name: "Team yearly",
  amount: "12000",
  billingCycle: { interval: "year", frequency: 1 },
  createdAt: CREATED,
});
export const ARCHIVED_PRICE = priceEntity({
  id: newPaddleId("pri"),
  productId: PRODUCT.id,
  name: "Team weekly",
  amount: "400",
  billingCycle: { interval: "week", frequency: 1 },
  status: "archived",
  createdAt: CREATED,
});
export const ORPHAN_PRICE = priceEntity({
  id: newPaddleId("pri"),
  productId: ARCHIVED_PRODUCT.id,
  name: "Old monthly",
  amount: "900",
  billingCycle: { interval: "month", frequency: 1 },
  createdAt: CREATED,
});
export const EURO_PRICE = priceEntity({
  id: newPaddleId("pri"),
  productId: PRODUCT.id,
  name: "Team monthly (EUR)",
  amount: "1100",
  currencyCode: "EUR",
  billingCycle: { interval: "month", frequency: 1 },
  createdAt: CREATED,
});

export const CATALOG: EntityBatch = {
  products: [PRODUCT, ARCHIVED_PRODUCT],
  prices: [MONTHLY, YEARLY, ARCHIVED_PRICE, ORPHAN_PRICE, EURO_PRICE],
};

export interface TransactionOptions {
  price?: PaddlePrice;
  quantity?: number;
  createdAt?: string;
}

/** A ready transaction for `customerId` from this catalog, stored in `store` (which holds it). */
export function readyTransaction(
  store: EntityStore,
  customerId: string,
  options: TransactionOptions = {},
): PaddleTransaction {
  const transaction = transactionEntity({
    customerId,
    items: [{ price: options.price ?? MONTHLY, product: PRODUCT, quantity: options.quantity ?? 1 }],
    customData: null,
    collectionMode: "automatic",
    checkoutBase: "https://example.test/pay",
    createdAt: options.createdAt ?? "2026-03-01T10:00:00Z",
  });
  store.transactions.upsert(transaction);
  return transaction;
}

/** The same, paid at checkout (`paidAt`, default now): completed, billed, with an invoice number. */
export function paidTransaction(
  store: EntityStore,
  customerId: string,
  options: TransactionOptions & { paidAt?: Date } = {},
): PaddleTransaction {
  const paid = payTransaction(
    store,
    readyTransaction(store, customerId, options).id,
    options.paidAt,
  );
  if (paid.outcome !== "paid") throw new Error(`not paid: ${paid.outcome}`);
  return paid.transaction;
}

/** A store holding this catalog, to build transactions in. */
export function catalogStore(): EntityStore {
  const store = new EntityStore();
  store.load(CATALOG);
  return store;
}

/** A plan priced per country, as a seller sets overrides in Paddle: euro area and GB. */
export const LOCAL_PRODUCT = productEntity({
  id: newPaddleId("pro"),
  name: "Pro",
  createdAt: CREATED,
});
export const LOCAL_PRO = {
  ...priceEntity({
    id: newPaddleId("pri"),
    productId: LOCAL_PRODUCT.id,
    name: "Pro monthly",
    amount: "3000",
    billingCycle: { interval: "month", frequency: 1 },
    createdAt: CREATED,
  }),
  unit_price_overrides: [
    {
      country_codes: ["AT", "BE", "DE", "ES", "FR", "IE", "IT", "NL"],
      unit_price: { amount: "2800", currency_code: "EUR" },
    },
    { country_codes: ["GB"], unit_price: { amount: "2400", currency_code: "GBP" } },
  ],
};
