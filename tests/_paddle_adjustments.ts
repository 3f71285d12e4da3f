/**
 * Adjustments in the shape Paddle sends them (webhook `data` and `GET /adjustments` entries),
 * modelled on the adjustment example in Paddle's API reference: a refund against a completed
 * transaction, `pending_approval` until Paddle approves it, with `items` (one per transaction
 * item adjusted), `totals`, `payout_totals` (with `chargeback_fee` and `retained_fee`) and
 * `tax_rates_used`; fields the mirror does not keep (`credit_applied_to_balance`,
 * `payout_totals`, `tax_rates_used`) present. Each call takes fresh ids unless given one.
 */
import { type JsonObject, paddleId, paddleTime } from "../local/paddle_webhooks/payloads.ts";

export interface AdjustmentInit {
  id?: string;
  transactionId: string;
  customerId: string;
  subscriptionId?: string | null;
  action?: string;
  type?: "full" | "partial";
  status?: "pending_approval" | "approved" | "rejected" | "reversed";
  /** The refunded amount with tax, lowest denomination; tax is a fixed 8.875% share of it. */
  total: string;
  currency?: string;
  createdAtMs: number;
  updatedAtMs?: number;
}

export function adjustmentJson(init: AdjustmentInit): JsonObject {
  const total = BigInt(init.total);
  const tax = total * 8875n / 108875n;
  const subtotal = total - tax;
  const fee = total * 5n / 100n;
  const currency = init.currency ?? "USD";
  const totals = {
    subtotal: subtotal.toString(),
    tax: tax.toString(),
    total: total.toString(),
    fee: fee.toString(),
    earnings: (subtotal - fee).toString(),
    currency_code: currency,
  };
  return {
    id: init.id ?? paddleId("adj", init.createdAtMs),
    action: init.action ?? "refund",
    type: init.type ?? "partial",
    transaction_id: init.transactionId,
    subscription_id: init.subscriptionId ?? null,
    customer_id: init.customerId,
    reason: "Customer asked for a refund",
    credit_applied_to_balance: null,
    currency_code: currency,
    status: init.status ?? "pending_approval",
    items: [{
      id: paddleId("adjitm", init.createdAtMs),
      item_id: paddleId("txnitm", init.createdAtMs),
      type: init.type ?? "partial",
      amount: subtotal.toString(),
      proration: null,
      totals: { subtotal: subtotal.toString(), tax: tax.toString(), total: total.toString() },
    }],
    totals,
    payout_totals: {
      ...totals,
      chargeback_fee: { amount: "0", original: null },
      retained_fee: "0",
    },
    tax_rates_used: [{
      tax_rate: "0.08875",
      totals: {
        subtotal: subtotal.toString(),
        discount: "0",
        tax: tax.toString(),
        total: total.toString(),
      },
    }],
    created_at: paddleTime(init.createdAtMs),
    updated_at: paddleTime(init.updatedAtMs ?? init.createdAtMs),
  };
}
