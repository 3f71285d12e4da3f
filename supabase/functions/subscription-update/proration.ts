/**
 * The proration rule, the server's alone (the client never names one):
 *
 * - the billing interval changes → `prorated_immediately`. Paddle accepts only
 *   `prorated_immediately`, `full_immediately` or `do_not_bill` when items move to another
 *   interval (changelog 2024-07, "change billing frequency"): the new interval starts a new
 *   billing period now, and the unused part of the old one is credited. So monthly → yearly is
 *   charged today, and yearly → monthly too (with the credit usually covering it).
 * - the recurring total goes up on the same interval (an upgrade, more seats) →
 *   `prorated_immediately`: the customer gets what they pay for at once and pays the prorated
 *   difference today.
 * - it goes down or stays on the same interval → `prorated_next_billing_period`: nothing is
 *   charged today, and the prorated credit lands on the next bill.
 * - except while a change (a cancellation) is scheduled: Paddle then refuses the
 *   `*_next_billing_period` modes (`subscription_invalid_billing_mode_for_scheduled_change`), so
 *   the change is prorated immediately and a downgrade's credit is applied now.
 *
 * Never `do_not_bill` or `full_*`: every change is billed fairly, to the minute, as Paddle counts.
 */

export type ProrationBillingMode = "prorated_immediately" | "prorated_next_billing_period";

export interface ProrationFacts {
  intervalChanges: boolean;
  /** Recurring totals in minor units, as digit strings (exact; never floats). */
  currentTotal: string;
  newTotal: string;
  /** The subscription's scheduled change, if any. */
  scheduledChange: string | null;
}

export function chooseProration(facts: ProrationFacts): ProrationBillingMode {
  if (facts.intervalChanges) return "prorated_immediately";
  if (facts.scheduledChange !== null) return "prorated_immediately";
  return BigInt(facts.newTotal) > BigInt(facts.currentTotal)
    ? "prorated_immediately"
    : "prorated_next_billing_period";
}
