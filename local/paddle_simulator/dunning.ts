/**
 * Dunning recovery: after the customer updates their payment method (the portal's "Update
 * payment method"), the card works again and Paddle collects the subscription's past-due
 * transaction at once. The transaction becomes paid, then completed with its invoice, and the
 * subscription is active again (`subscription.updated`, as Paddle's renewal scenario with
 * "recovered after customer updates payment method" sends it); its billing period does not move.
 */

import type { Happening } from "./billing_events.ts";
import { paddleTimestamp } from "./ids.ts";
import { collectPayment } from "./renewals.ts";
import type { EntityStore } from "./store.ts";
import type { PaddleTransaction } from "./transactions.ts";

/** Marks the customer's card as working and collects the subscription's past-due payment. */
export function updatePaymentMethod(
  store: EntityStore,
  customerId: string,
  subscriptionId: string | null,
): Happening | null {
  store.cards.set(customerId, false);
  const subscription = subscriptionId === null
    ? undefined
    : store.subscriptions.get(subscriptionId);
  if (!subscription || subscription.customer_id !== customerId) return null;
  if (subscription.status !== "past_due") return null;
  const overdue = pastDueTransaction(store, subscription.id);
  if (!overdue) return null;

  const now = paddleTimestamp(store.clock.now());
  const events = collectPayment(store, overdue, now);
  const active = { ...subscription, status: "active" as const, updated_at: now };
  store.subscriptions.upsert(active);
  events.push({ type: "subscription.updated", data: active });
  return {
    kind: "recovered",
    at: now,
    subscription_id: subscription.id,
    customer_id: customerId,
    transaction_id: overdue.id,
    events,
  };
}

/** The subscription's newest past-due transaction (ids are time-ordered). */
function pastDueTransaction(
  store: EntityStore,
  subscriptionId: string,
): PaddleTransaction | undefined {
  const page = store.transactions.page({
    descending: true,
    perPage: 1,
    count: false,
    match: (t) => t.subscription_id === subscriptionId && t.status === "past_due",
  });
  return page.entities[0];
}
