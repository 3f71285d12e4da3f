/**
 * What Paddle's checkout does once it knows the buyer's country: the transaction is revised to
 * that country's prices (the price overrides, so the local currency) and tax, with the very
 * figures `POST /pricing-preview` gives for the same items (one computation: pricing_preview.ts),
 * so the checkout's total equals what a pricing page showed.
 */

import { type AccountTaxMode, previewPrices } from "./pricing_preview.ts";
import type { EntityStore } from "./store.ts";
import type { PaddleTransaction, Totals } from "./transactions.ts";

/** The transaction in `country`'s prices and tax, or undefined when they cannot be priced. */
export function localizeTransaction(
  store: EntityStore,
  transaction: PaddleTransaction,
  country: string,
  accountTaxMode?: AccountTaxMode,
): PaddleTransaction | undefined {
  const items = transaction.items.map((item) => ({
    price_id: item.price_id,
    quantity: item.quantity,
  }));
  const preview = previewPrices(store, { items }, country, accountTaxMode);
  if ("error" in preview) return undefined;
  const lines = preview.lineItems as unknown as {
    tax_rate: string;
    unit_totals: Totals;
    totals: Totals;
  }[];
  const sum = (field: keyof Totals) =>
    lines.reduce((total, line) => total + BigInt(line.totals[field]), 0n).toString();
  const total = sum("total");
  const totals = {
    ...transaction.details.totals,
    subtotal: sum("subtotal"),
    discount: sum("discount"),
    tax: sum("tax"),
    total,
    balance: total,
    grand_total: total,
    currency_code: preview.currency,
  };
  return {
    ...transaction,
    currency_code: preview.currency,
    details: {
      ...transaction.details,
      totals,
      adjusted_totals: totals,
      line_items: transaction.details.line_items.map((line, index) => ({
        ...line,
        tax_rate: lines[index].tax_rate,
        unit_totals: lines[index].unit_totals,
        totals: lines[index].totals,
      })),
    },
  };
}
