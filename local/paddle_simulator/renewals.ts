/**
 * A subscription's renewal, as Paddle runs it at `next_billed_at`: the subscription moves to the
 * next billing period (`subscription.updated`), a transaction for its recurring items is created
 * already billed (origin `subscription_recurring`), and the card on file is charged. A captured
 * payment makes the transaction paid, then completed with an invoice number. A declined card
 * records the failed attempt (`transaction.payment_failed`), makes the transaction past due and
 * the subscription `past_due`, and dunning waits for the customer to update the card (see
 * dunning.ts). A manually-collected subscription is billed and waits for its invoice to be paid.
 */

import { addCycle } from "./payment.ts";
import { type BillingEvent, type Happening, transactionChanged } from "./billing_events.ts";
import { completedTransaction, paidTransaction, withDeclinedAttempt } from "./collection.ts";
import type { PaddleSubscription } from "./entities.ts";
import { newPaddleId, paddleTimestamp } from "./ids.ts";
import type { EntityStore } from "./store.ts";
import { type PaddleTransaction, transactionEntity } from "./transactions.ts";

/**
 * Renews `subscription` for the period starting at `periodStart` (its `next_billed_at`, or the
 * resume date), with the store's clock as the time everything is stamped. `lead` events (e.g.
 * `subscription.resumed`) go right after the subscription's update.
 */
export function renewSubscription(
  store: EntityStore,
  subscription: PaddleSubscription,
  periodStart: string,
  lead: (renewed: PaddleSubscription) => BillingEvent[] = () => [],
): Happening {
  const nowMs = store.clock.nowMs();
  const now = paddleTimestamp(new Date(nowMs));
  const periodEnd = paddleTimestamp(addCycle(new Date(periodStart), subscription.billing_cycle));
  const period = { starts_at: periodStart, ends_at: periodEnd };
  const recurring = subscription.items.filter((item) => item.recurring);

  let renewed: PaddleSubscription = {
    ...subscription,
    current_billing_period: period,
    next_billed_at: periodEnd,
    updated_at: now,
    items: subscription.items.map((item) =>
      item.recurring
        ? { ...item, previously_billed_at: periodStart, next_billed_at: periodEnd, updated_at: now }
        : item
    ),
  };
  store.subscriptions.upsert(renewed);
  const events: BillingEvent[] = [
    { type: "subscription.updated", data: renewed },
    ...lead(renewed),
  ];

  let transaction: PaddleTransaction = {
    ...transactionEntity({
      id: newPaddleId("txn", nowMs),
      customerId: subscription.customer_id,
      items: recurring.map((item) => ({
        price: item.price,
        product: item.product,
        quantity: item.quantity,
      })),
      customData: subscription.custom_data,
      collectionMode: subscription.collection_mode,
      checkoutBase: null,
      createdAt: now,
    }),
    status: "billed",
    origin: "subscription_recurring",
    subscription_id: subscription.id,
    address_id: subscription.address_id,
    business_id: subscription.business_id,
    billing_period: period,
    billed_at: now,
  };
  store.transactions.upsert(transaction);
  events.push(
    { type: "transaction.created", data: transaction },
    { type: "transaction.billed", data: transaction },
  );
  const happening = (kind: Happening["kind"]): Happening => ({
    kind,
    at: now,
    subscription_id: subscription.id,
    customer_id: subscription.customer_id,
    transaction_id: transaction.id,
    events,
  });

  if (subscription.collection_mode === "manual") return happening("billed");

  if (store.cards.declines(subscription.customer_id)) {
    transaction = withDeclinedAttempt(transaction, now);
    events.push(...transactionChanged("payment_failed", transaction));
    transaction = { ...transaction, status: "past_due" };
    store.transactions.upsert(transaction);
    events.push(...transactionChanged("past_due", transaction));
    renewed = { ...renewed, status: "past_due" };
    store.subscriptions.upsert(renewed);
    events.push(
      { type: "subscription.updated", data: renewed },
      { type: "subscription.past_due", data: renewed },
    );
    return happening("payment_failed");
  }

  events.push(...collectPayment(store, transaction, now));
  return happening("renewed");
}

/** Captures a billed or past-due transaction's payment: paid, then completed; stores both. */
export function collectPayment(
  store: EntityStore,
  transaction: PaddleTransaction,
  at: string,
): BillingEvent[] {
  const paid = paidTransaction(transaction, at);
  const completed = completedTransaction(paid, at);
  store.transactions.upsert(completed);
  return [...transactionChanged("paid", paid), ...transactionChanged("completed", completed)];
}
