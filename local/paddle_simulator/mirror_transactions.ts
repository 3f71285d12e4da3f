/**
 * The mirror's `transactions` rows back as the Paddle transactions they were made from, for the
 * simulator's account (mirror_rows.ts does the other entities). Totals, line items and the last
 * payment attempt are the row's own, exactly; each item embeds its price and each line its
 * product from the account's catalog, as Paddle's API does. A row whose prices or products the
 * catalog lacks cannot be rebuilt and is reported instead.
 */

import type { PaddlePrice, PaddleProduct } from "./entities.ts";
import type { PaddleTransaction, TransactionStatus, TransactionTotals } from "./transactions.ts";

type Time = string | null;

export interface TransactionLineRow {
  price_id: string;
  product_id: string | null;
  quantity: number;
  tax_rate: string | null;
  subtotal: string | null;
  discount: string | null;
  tax: string | null;
  total: string | null;
}

export interface TransactionRow {
  transaction_id: string;
  customer_id: string | null;
  subscription_id: string | null;
  status: string;
  origin: string | null;
  collection_mode: string | null;
  currency_code: string | null;
  /** numeric as text: Paddle's lowest-denomination strings. */
  subtotal: string | null;
  discount: string | null;
  tax: string | null;
  total: string | null;
  grand_total: string | null;
  credit: string | null;
  balance: string | null;
  invoice_id: string | null;
  invoice_number: string | null;
  billed_at: Time;
  billing_period_starts_at: Time;
  billing_period_ends_at: Time;
  line_items: TransactionLineRow[] | null;
  payment_status: string | null;
  payment_error_code: string | null;
  payment_method_type: string | null;
  payment_card_brand: string | null;
  payment_card_last4: string | null;
  payment_attempted_at: Time;
  custom_data: Record<string, unknown> | null;
  revised_at: Time;
  created_at: Time;
  updated_at: Time;
}

export function transactionFromRow(
  row: TransactionRow,
  priceById: ReadonlyMap<string, PaddlePrice>,
  productById: ReadonlyMap<string, PaddleProduct>,
): PaddleTransaction | string {
  const lines = row.line_items ?? [];
  const missing = lines.find((line) =>
    !priceById.has(line.price_id) ||
    !productById.has(line.product_id ?? priceById.get(line.price_id)!.product_id)
  );
  if (missing) {
    return `transaction ${row.transaction_id}: price ${missing.price_id} or its product is not in the catalog`;
  }
  const currency = row.currency_code ?? "USD";
  const amount = (value: string | null) => value ?? "0";
  const totals: TransactionTotals = {
    subtotal: amount(row.subtotal),
    discount: amount(row.discount),
    tax: amount(row.tax),
    total: amount(row.total),
    credit: amount(row.credit),
    credit_to_balance: "0",
    balance: amount(row.balance),
    grand_total: amount(row.grand_total),
    fee: null,
    earnings: null,
    currency_code: currency,
  };
  const created = row.created_at ?? row.updated_at!;
  return {
    id: row.transaction_id,
    status: row.status as TransactionStatus,
    customer_id: row.customer_id,
    address_id: null,
    business_id: null,
    custom_data: row.custom_data,
    currency_code: currency,
    origin: row.origin ?? "api",
    subscription_id: row.subscription_id,
    invoice_id: row.invoice_id,
    invoice_number: row.invoice_number,
    collection_mode: row.collection_mode === "manual" ? "manual" : "automatic",
    discount_id: null,
    billing_details: null,
    billing_period: row.billing_period_starts_at && row.billing_period_ends_at
      ? { starts_at: row.billing_period_starts_at, ends_at: row.billing_period_ends_at }
      : null,
    items: lines.map((line) => ({
      price_id: line.price_id,
      price: priceById.get(line.price_id)!,
      quantity: line.quantity,
      proration: null,
    })),
    details: {
      tax_rates_used: [],
      totals,
      adjusted_totals: totals,
      payout_totals: null,
      adjusted_payout_totals: null,
      line_items: lines.map((line) => {
        const price = priceById.get(line.price_id)!;
        const lineTotals = {
          subtotal: amount(line.subtotal),
          discount: amount(line.discount),
          tax: amount(line.tax),
          total: amount(line.total),
        };
        return {
          id: `txnitm_${line.price_id.slice(4)}`,
          price_id: line.price_id,
          quantity: line.quantity,
          proration: null,
          tax_rate: line.tax_rate ?? "0",
          unit_totals: perUnit(lineTotals, line.quantity),
          totals: lineTotals,
          product: productById.get(line.product_id ?? price.product_id)!,
        };
      }),
    },
    payments: row.payment_status === null ? [] : [{
      amount: totals.grand_total,
      status: row.payment_status,
      error_code: row.payment_error_code,
      method_details: {
        type: row.payment_method_type ?? "card",
        card: row.payment_card_brand === null ? null : {
          type: row.payment_card_brand,
          last4: row.payment_card_last4,
        },
      },
      created_at: row.payment_attempted_at ?? created,
      captured_at: row.payment_status === "captured" ? row.payment_attempted_at : null,
    }],
    checkout: { url: null },
    created_at: created,
    updated_at: row.updated_at ?? created,
    billed_at: row.billed_at,
    revised_at: null,
  };
}

/** The mirror keeps line totals; a unit's are those divided by the quantity when they divide. */
function perUnit<T extends Record<string, string>>(totals: T, quantity: number): T {
  const divides = Object.values(totals).every((value) => BigInt(value) % BigInt(quantity) === 0n);
  if (!divides) return totals;
  return Object.fromEntries(
    Object.entries(totals).map((
      [key, value],
    ) => [key, (BigInt(value) / BigInt(quantity)).toString()]),
  ) as T;
}
