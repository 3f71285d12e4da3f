/**
 * Moving simulated time forward, and everything that falls due on the way, in order: renewals
 * at `next_billed_at` and scheduled changes (cancel, pause, resume) at `effective_at`. The clock
 * is stepped to each due moment before the step runs, so every timestamp and `occurred_at` the
 * step stamps is that moment, and a subscription renewed twice in a long jump renews from the
 * first new period to the second. A change scheduled for the end of the period wins over the
 * renewal due at the same instant, as in Paddle. Past-due subscriptions wait for recovery (no
 * retries or dunning end are simulated); something already overdue runs at the current time.
 */

import type { BillingEvent, Happening } from "./billing_events.ts";
import { addIsoDuration, type IsoDuration } from "./durations.ts";
import type { PaddleSubscription } from "./entities.ts";
import { paddleTimestamp } from "./ids.ts";
import { renewSubscription } from "./renewals.ts";
import { applyScheduledChange } from "./scheduled_changes.ts";
import type { EntityStore } from "./store.ts";

export type ClockTarget = { advance: IsoDuration } | { to: Date };

export interface ClockAdvance {
  from: string;
  to: string;
  happened: Happening[];
}

/** A long jump renews each subscription many times; this bounds a runaway (a 1-day cycle, years). */
export const MAX_STEPS = 100_000;

/** When the subscription next needs the billing engine, or null if never by itself. */
export function nextDueMs(subscription: PaddleSubscription): number | null {
  const change = subscription.scheduled_change;
  if (change) return Date.parse(change.effective_at);
  if (subscription.status !== "active" || subscription.next_billed_at === null) return null;
  return Date.parse(subscription.next_billed_at);
}

/**
 * Runs everything due up to the target and leaves the clock there. `emit` sends each event as
 * it happens (while the clock reads the step's moment). Throws RangeError for a target in the
 * past, leaving everything as it was.
 */
export function advanceClock(
  store: EntityStore,
  target: ClockTarget,
  emit: (event: BillingEvent) => void,
): ClockAdvance {
  const clock = store.clock;
  const from = clock.now();
  const to = "advance" in target ? addIsoDuration(from, target.advance) : target.to;
  if (!(to.getTime() >= from.getTime())) throw new RangeError("the clock only moves forward");
  const toMs = to.getTime();

  const due: { atMs: number; id: string }[] = [];
  for (const id of store.subscriptions.sortedIds()) {
    const atMs = nextDueMs(store.subscriptions.get(id)!);
    if (atMs !== null && atMs <= toMs) due.push({ atMs, id });
  }
  const byTime = (a: { atMs: number; id: string }, b: { atMs: number; id: string }) =>
    a.atMs - b.atMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  due.sort(byTime);

  const happened: Happening[] = [];
  for (let steps = 0; due.length > 0; steps++) {
    if (steps >= MAX_STEPS) throw new RangeError(`more than ${MAX_STEPS} billing steps`);
    const { atMs, id } = due.shift()!;
    if (atMs > clock.nowMs()) clock.advanceTo(new Date(atMs));
    const subscription = store.subscriptions.get(id)!;
    const happening = subscription.scheduled_change
      ? applyScheduledChange(store, subscription)
      : renewSubscription(store, subscription, subscription.next_billed_at!);
    if (!happening) continue;
    for (const event of happening.events) emit(event);
    happened.push(happening);

    const nextMs = nextDueMs(store.subscriptions.get(id)!);
    // Never again at the same instant: a step always moves a subscription's due date on.
    if (nextMs !== null && nextMs <= toMs && nextMs > atMs) {
      const next = { atMs: nextMs, id };
      const index = due.findIndex((entry) => byTime(next, entry) < 0);
      due.splice(index === -1 ? due.length : index, 0, next);
    }
  }
  if (toMs > clock.nowMs()) clock.advanceTo(to);
  return { from: paddleTimestamp(from), to: paddleTimestamp(clock.now()), happened };
}
