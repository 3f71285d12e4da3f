/**
 * Paddle transactions as `POST /transactions` creates them, `GET /transactions/{id}` returns
 * them and `PATCH /transactions/{id}` `{"status": "canceled"}` cancels them (API JSON, snake_case). Only what the simulator sells is modelled: catalog prices, no
 * discounts, no tax (every tax figure is "0", and `tax_rates_used` is empty), automatic
 * collection. Totals are the unit prices times the quantities, in the prices' lowest
 * denomination, as strings like Paddle's.
 */

import type { PaddlePrice, PaddleProduct } from "./entities.ts";
import { newPaddleId } from "./ids.ts";

type JsonObject = Record<string, unknown>;

export const TRANSACTION_STATUSES = [
  "draft",
  "ready",
  "billed",
  "paid",
  "completed",
  "canceled",
  "past_due",
] as const;

export type TransactionStatus = typeof TRANSACTION_STATUSES[number];

export interface Totals {
  subtotal: string;
  discount: string;
  tax: string;
  total: string;
}

export interface TransactionTotals extends Totals {
  credit: string;
  credit_to_balance: string;
  balance: string;
  grand_total: string;
  /** Paddle fills fee and earnings once the payment is captured. */
  fee: string | null;
  earnings: string | null;
  currency_code: string;
}

/** How much of a billing period a line bills: Paddle's `proration` on items and line items. */
export interface Proration {
  rate: string;
  billing_period: { starts_at: string; ends_at: string };
}

export interface TransactionLineItem {
  id: string;
  price_id: string;
  quantity: number;
  proration: Proration | null;
  tax_rate: string;
  unit_totals: Totals;
  totals: Totals;
  product: PaddleProduct;
}

export interface PaddleTransaction {
  id: string;
  status: TransactionStatus;
  customer_id: string | null;
  address_id: string | null;
  business_id: string | null;
  custom_data: JsonObject | null;
  currency_code: string;
  /** `api` for what `POST /transactions` creates; renewals are `subscription_recurring`. */
  origin: string;
  subscription_id: string | null;
  invoice_id: string | null;
  invoice_number: string | null;
  collection_mode: "automatic" | "manual";
  discount_id: null;
  billing_details: null;
  billing_period: { starts_at: string; ends_at: string } | null;
  items: { price_id: string; price: PaddlePrice; quantity: number; proration: Proration | null }[];
  details: {
    tax_rates_used: never[];
    totals: TransactionTotals;
    adjusted_totals: TransactionTotals;
    payout_totals: null;
    adjusted_payout_totals: null;
    line_items: TransactionLineItem[];
  };
  payments: JsonObject[];
  checkout: { url: string | null };
  created_at: string;
  updated_at: string;
  billed_at: string | null;
  revised_at: null;
}

export interface TransactionInit {
  id?: string;
  customerId: string | null;
  /** Each price with its product (the line items embed the product). */
  items: { price: PaddlePrice; product: PaddleProduct; quantity: number }[];
  customData: JsonObject | null;
  collectionMode: "automatic" | "manual";
  /** The payment link without `_ptxn`; the transaction's id is appended. Null: no link. */
  checkoutBase: string | null;
  createdAt: string;
}

export function transactionEntity(init: TransactionInit): PaddleTransaction {
  if (init.items.length === 0) throw new TypeError("a transaction needs at least one item");
  const id = init.id ?? newPaddleId("txn");
  const currency = init.items[0].price.unit_price.currency_code;
  const lineItems = init.items.map(({ price, product, quantity }): TransactionLineItem => {
    const unit = BigInt(price.unit_price.amount);
    return {
      id: newPaddleId("txnitm"),
      price_id: price.id,
      quantity,
      proration: null,
      tax_rate: "0",
      unit_totals: untaxed(unit),
      totals: untaxed(unit * BigInt(quantity)),
      product,
    };
  });
  const subtotal = lineItems.reduce((sum, item) => sum + BigInt(item.totals.subtotal), 0n);
  const totals = transactionTotals(subtotal, currency);
  return {
    id,
    // Paddle marks a transaction ready once it has items and a customer; the checkout then
    // only collects payment (an address is asked for there, so it is not required here).
    status: init.customerId === null ? "draft" : "ready",
    customer_id: init.customerId,
    address_id: null,
    business_id: null,
    custom_data: init.customData,
    currency_code: currency,
    origin: "api",
    subscription_id: null,
    invoice_id: null,
    invoice_number: null,
    collection_mode: init.collectionMode,
    discount_id: null,
    billing_details: null,
    billing_period: null,
    items: init.items.map(({ price, quantity }) => ({
      price_id: price.id,
      price,
      quantity,
      proration: null,
    })),
    details: {
      tax_rates_used: [],
      totals,
      adjusted_totals: totals,
      payout_totals: null,
      adjusted_payout_totals: null,
      line_items: lineItems,
    },
    payments: [],
    checkout: { url: init.checkoutBase === null ? null : paymentLink(init.checkoutBase, id) },
    created_at: init.createdAt,
    updated_at: init.createdAt,
    billed_at: null,
    revised_at: null,
  };
}

/** Paddle cancels a transaction that is not yet paid: draft, ready or billed. */
export const CANCELABLE: readonly TransactionStatus[] = ["draft", "ready", "billed"];

/** The transaction canceled at `at` (Paddle's timestamp); its checkout can no longer be paid. */
export function canceledTransaction(transaction: PaddleTransaction, at: string): PaddleTransaction {
  if (!CANCELABLE.includes(transaction.status)) {
    throw new TypeError(`a ${transaction.status} transaction cannot be canceled`);
  }
  return { ...transaction, status: "canceled", updated_at: at };
}

/** Paddle appends `_ptxn` to the payment link, keeping any query the link already has. */
export function paymentLink(base: string, transactionId: string): string {
  const url = new URL(base);
  url.searchParams.set("_ptxn", transactionId);
  return url.toString();
}

function untaxed(amount: bigint): Totals {
  const text = amount.toString();
  return { subtotal: text, discount: "0", tax: "0", total: text };
}

function transactionTotals(subtotal: bigint, currency: string): TransactionTotals {
  const text = subtotal.toString();
  return {
    subtotal: text,
    discount: "0",
    tax: "0",
    total: text,
    credit: "0",
    credit_to_balance: "0",
    balance: text,
    grand_total: text,
    fee: null,
    earnings: null,
    currency_code: currency,
  };
}
