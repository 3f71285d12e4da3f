/** A monthly subscription for the billing-clock tests, due at a chosen moment. */

import type { PaddleSubscription } from "./entities.ts";
import { subscriptionEntity, subscriptionItem } from "./entity_builders.ts";
import { newPaddleId } from "./ids.ts";
import { MONTHLY, PRODUCT } from "./selling_fixtures.ts";

export function monthlySubscription(
  customerId: string,
  nextBilledAt: string,
  extra: Partial<PaddleSubscription> = {},
): PaddleSubscription {
  const periodStart = new Date(Date.parse(nextBilledAt) - 30 * 86_400_000)
    .toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    ...subscriptionEntity({
      id: newPaddleId("sub"),
      customerId,
      status: "active",
      createdAt: periodStart,
      startedAt: periodStart,
      firstBilledAt: periodStart,
      nextBilledAt,
      currentBillingPeriod: { starts_at: periodStart, ends_at: nextBilledAt },
      billingCycle: { interval: "month", frequency: 1 },
      items: [subscriptionItem({
        price: MONTHLY,
        product: PRODUCT,
        quantity: 2,
        createdAt: periodStart,
        previouslyBilledAt: periodStart,
        nextBilledAt,
      })],
      customData: { user_id: "u1" },
    }),
    ...extra,
  };
}
