/**
 * What one billing step produced: the notifications to send, in the order Paddle sends them,
 * and a line for whoever moved the clock. The steps (renewals, scheduled changes, dunning
 * recovery) only compute and store; the caller delivers the events, so each step is testable
 * without a webhook destination.
 */

export interface BillingEvent {
  type: string;
  data: unknown;
}

export type HappeningKind =
  | "renewed"
  | "payment_failed"
  | "billed"
  | "canceled"
  | "paused"
  | "resumed"
  | "recovered";

export interface Happening {
  kind: HappeningKind;
  /** Simulated time the step happened at (Paddle's timestamp). */
  at: string;
  subscription_id: string;
  customer_id: string;
  /** The transaction the step billed or collected, if any. */
  transaction_id: string | null;
  events: BillingEvent[];
}

/** Paddle's pair for a changed transaction: `transaction.updated`, then the status's own event. */
export function transactionChanged(
  status: string,
  transaction: unknown,
): BillingEvent[] {
  return [
    { type: "transaction.updated", data: transaction },
    { type: `transaction.${status}`, data: transaction },
  ];
}
