/**
 * What paying a transaction at checkout does in Paddle: the transaction is billed and completed
 * (a captured payment, `billed_at`, the billing period), and its recurring items become a new
 * active subscription for the transaction's customer, with the transaction's `custom_data`,
 * currency and collection mode, billed now and next after one billing cycle. The subscription
 * is stored, so the list APIs (and a later sync) see exactly what the webhooks carry.
 *
 * A transaction pays once: any status but `ready` is refused and changes nothing.
 */

import type { PaddleSubscription } from "./entities.ts";
import { type Duration, subscriptionEntity, subscriptionItem } from "./entity_builders.ts";
import { newPaddleId, paddleTimestamp } from "./ids.ts";
import type { EntityStore } from "./store.ts";
import type { PaddleTransaction } from "./transactions.ts";

export type PaymentOutcome =
  | { outcome: "paid"; transaction: PaddleTransaction; subscription: PaddleSubscription | null }
  | { outcome: "not_found" }
  | { outcome: "not_payable"; status: PaddleTransaction["status"]; reason: string };

export function payTransaction(
  store: EntityStore,
  transactionId: string,
  now: Date = new Date(),
): PaymentOutcome {
  const transaction = store.transactions.get(transactionId);
  if (!transaction) return { outcome: "not_found" };
  if (transaction.status !== "ready") {
    return {
      outcome: "not_payable",
      status: transaction.status,
      reason: transaction.status === "completed"
        ? "This transaction has already been paid."
        : transaction.status === "canceled"
        ? "This transaction was canceled."
        : `A ${transaction.status} transaction cannot be paid: it needs a customer.`,
    };
  }

  const paidAt = paddleTimestamp(now);
  const recurring = transaction.items.filter((item) => item.price.billing_cycle !== null);
  const cycle = recurring[0]?.price.billing_cycle as Duration | undefined;
  const periodEnd = cycle ? paddleTimestamp(addCycle(now, cycle)) : null;
  const period = periodEnd === null ? null : { starts_at: paidAt, ends_at: periodEnd };

  let subscription: PaddleSubscription | null = null;
  if (cycle && period) {
    const products = new Map(
      transaction.details.line_items.map((line) => [line.price_id, line.product]),
    );
    subscription = subscriptionEntity({
      id: newPaddleId("sub"),
      customerId: transaction.customer_id!,
      status: "active",
      currencyCode: transaction.currency_code,
      collectionMode: transaction.collection_mode,
      createdAt: paidAt,
      startedAt: paidAt,
      firstBilledAt: paidAt,
      nextBilledAt: period.ends_at,
      currentBillingPeriod: period,
      billingCycle: cycle,
      items: recurring.map((item) =>
        subscriptionItem({
          price: item.price,
          product: products.get(item.price_id)!,
          quantity: item.quantity,
          recurring: true,
          createdAt: paidAt,
          previouslyBilledAt: paidAt,
          nextBilledAt: period.ends_at,
        })
      ),
      // Paddle copies the transaction's custom data onto the subscription it creates.
      customData: transaction.custom_data,
    });
    store.subscriptions.upsert(subscription);
  }

  const completed: PaddleTransaction = {
    ...transaction,
    status: "completed",
    subscription_id: subscription?.id ?? null,
    billing_period: period,
    invoice_id: newPaddleId("inv"),
    invoice_number: `LOCAL-${transaction.id.slice(-8)}`,
    details: {
      ...transaction.details,
      totals: {
        ...transaction.details.totals,
        fee: "0",
        earnings: transaction.details.totals.total,
      },
    },
    payments: [{
      payment_attempt_id: crypto.randomUUID(),
      stored_payment_method_id: crypto.randomUUID(),
      payment_method_id: newPaddleId("paymtd"),
      amount: transaction.details.totals.grand_total,
      status: "captured",
      error_code: null,
      method_details: { type: "card", card: null },
      created_at: paidAt,
      captured_at: paidAt,
    }],
    billed_at: paidAt,
    updated_at: paidAt,
  };
  store.transactions.upsert(completed);
  return { outcome: "paid", transaction: completed, subscription };
}

/** One billing cycle later, in UTC; a month from the 31st ends on the last day of the month. */
export function addCycle(from: Date, cycle: Duration): Date {
  const date = new Date(from.getTime());
  switch (cycle.interval) {
    case "day":
      date.setUTCDate(date.getUTCDate() + cycle.frequency);
      return date;
    case "week":
      date.setUTCDate(date.getUTCDate() + 7 * cycle.frequency);
      return date;
    case "month":
      return addMonths(from, cycle.frequency);
    case "year":
      return addMonths(from, 12 * cycle.frequency);
  }
}

function addMonths(from: Date, months: number): Date {
  const date = new Date(from.getTime());
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0))
    .getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date;
}
