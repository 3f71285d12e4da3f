/**
 * A subscription's scheduled change taking effect at `scheduled_change.effective_at`, as Paddle
 * applies it: a cancellation ends the subscription (`canceled`, `canceled_at`, no next billing);
 * a pause stops billing (`paused`, `paused_at`), and keeps a resume scheduled when one was
 * asked for (`resume_at`); a scheduled resume starts a new billing period from the resume date
 * and charges for it, as a renewal does.
 */

import type { Happening } from "./billing_events.ts";
import type { PaddleSubscription } from "./entities.ts";
import { paddleTimestamp } from "./ids.ts";
import { renewSubscription } from "./renewals.ts";
import type { EntityStore } from "./store.ts";

export function applyScheduledChange(
  store: EntityStore,
  subscription: PaddleSubscription,
): Happening | null {
  const change = subscription.scheduled_change;
  if (!change) return null;
  const now = paddleTimestamp(store.clock.now());

  if (change.action === "resume") {
    const resuming: PaddleSubscription = {
      ...subscription,
      status: "active",
      paused_at: null,
      scheduled_change: null,
    };
    const happening = renewSubscription(
      store,
      resuming,
      change.effective_at,
      (renewed) => [{ type: "subscription.resumed", data: renewed }],
    );
    return { ...happening, kind: happening.kind === "renewed" ? "resumed" : happening.kind };
  }

  const ended: PaddleSubscription = {
    ...subscription,
    status: change.action === "cancel" ? "canceled" : "paused",
    canceled_at: change.action === "cancel" ? change.effective_at : subscription.canceled_at,
    paused_at: change.action === "pause" ? change.effective_at : subscription.paused_at,
    // A pause with a resume date keeps the resume scheduled; Paddle shows it the same way.
    scheduled_change: change.action === "pause" && change.resume_at
      ? { action: "resume", effective_at: change.resume_at, resume_at: change.resume_at }
      : null,
    next_billed_at: null,
    current_billing_period: null,
    updated_at: now,
    items: subscription.items.map((item) => ({ ...item, next_billed_at: null, updated_at: now })),
  };
  store.subscriptions.upsert(ended);
  const kind = change.action === "cancel" ? "canceled" : "paused";
  return {
    kind,
    at: now,
    subscription_id: subscription.id,
    customer_id: subscription.customer_id,
    transaction_id: null,
    events: [
      { type: "subscription.updated", data: ended },
      { type: `subscription.${kind}`, data: ended },
    ],
  };
}
