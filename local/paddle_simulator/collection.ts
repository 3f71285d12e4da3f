/**
 * Collecting a transaction's payment, as Paddle records it on the transaction: each attempt is
 * appended to `payments` (newest first, as Paddle lists them), a captured one makes the
 * transaction `paid`, and completing it assigns the invoice (`invoice_id`, `invoice_number`) and
 * the payout figures. The checkout, renewals and dunning recovery all collect through these, so
 * a transaction looks the same whichever way it was paid.
 */

import { newPaddleId } from "./ids.ts";
import type { PaddleTransaction } from "./transactions.ts";

/** Paddle's error code for a card the issuer refused. */
export const DECLINED = "declined";

/** A payment attempt on the customer's card; `error` when it was declined. */
export function paymentAttempt(
  transaction: PaddleTransaction,
  at: string,
  outcome: "captured" | "error",
) {
  return {
    payment_attempt_id: crypto.randomUUID(),
    stored_payment_method_id: crypto.randomUUID(),
    payment_method_id: newPaddleId("paymtd", Date.parse(at)),
    amount: transaction.details.totals.grand_total,
    status: outcome,
    error_code: outcome === "error" ? DECLINED : null,
    method_details: { type: "card", card: null },
    created_at: at,
    captured_at: outcome === "captured" ? at : null,
  };
}

/** The transaction with a declined attempt recorded; its status is the caller's to set. */
export function withDeclinedAttempt(transaction: PaddleTransaction, at: string): PaddleTransaction {
  return {
    ...transaction,
    payments: [paymentAttempt(transaction, at, "error"), ...transaction.payments],
    updated_at: at,
  };
}

/** Paid: the captured attempt recorded, payout figures filled, no invoice yet. */
export function paidTransaction(transaction: PaddleTransaction, at: string): PaddleTransaction {
  return {
    ...transaction,
    status: "paid",
    details: {
      ...transaction.details,
      totals: {
        ...transaction.details.totals,
        fee: "0",
        earnings: transaction.details.totals.total,
      },
    },
    payments: [paymentAttempt(transaction, at, "captured"), ...transaction.payments],
    billed_at: transaction.billed_at ?? at,
    updated_at: at,
  };
}

/** Completed: Paddle has processed the payment and numbered the invoice. */
export function completedTransaction(paid: PaddleTransaction, at: string): PaddleTransaction {
  return {
    ...paid,
    status: "completed",
    invoice_id: newPaddleId("inv", Date.parse(at)),
    invoice_number: `LOCAL-${paid.id.slice(-8)}`,
    updated_at: at,
  };
}
