/**
 * A fresh subscriber for plan-change tests: a confirmed user, their Paddle customer and one
 * subscription on the demo catalog's prices, loaded into the stack's Paddle simulator and into
 * the mirror (through the one write path), so both agree as they would after a checkout. Each
 * test gets its own, so the seeded demo users stay as the page tests expect them.
 */
import {
  customerEntity,
  subscriptionEntity,
  subscriptionItem,
} from "../local/paddle_simulator/entity_builders.ts";
import type { PaddlePrice, PaddleProduct } from "../local/paddle_simulator/entities.ts";
import { newPaddleId, paddleTimestamp } from "../local/paddle_simulator/ids.ts";
import {
  applyEntities,
  createUser,
  createUserWithPassword,
  uniqueEmail,
  withClient,
} from "./_db.ts";
import { stackInfo } from "./_stack.ts";
import { userToken } from "./_tokens.ts";

export const DEMO = {
  starterMonthly: "pri_01jdemopricebasic000000000",
  starterYearly: "pri_01jdemostarteryearly000000",
  proMonthly: "pri_01jdemopricepro00000000000",
  proYearly: "pri_01jdemoproyearly0000000000",
  seatsMonthly: "pri_01jdemopriceseats000000000",
  seatsYearly: "pri_01jdemoseatsyearly00000000",
} as const;

const DAY = 86_400_000;

async function paddleGet<T>(path: string): Promise<T> {
  const { apiUrl, apiKey } = stackInfo().paddle;
  const res = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()).data;
}

export async function loadIntoPaddle(batch: Record<string, unknown[]>): Promise<void> {
  const res = await fetch(`${stackInfo().paddle.controlUrl}/__entities`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(batch),
  });
  if (res.status !== 201) throw new Error(`__entities: ${res.status} ${await res.text()}`);
  await res.body?.cancel();
}

export interface SubscriberOptions {
  items: [priceId: string, quantity: number][];
  status?: "active" | "past_due";
  /** A cancellation scheduled for the end of the period. */
  cancel?: boolean;
  /** The period: days since it began and until it ends (default 10 and 20). */
  since?: number;
  until?: number;
  /** A password, for a subscriber who signs in to the page. */
  password?: string;
  /** The currency Paddle bills it in (default USD; another is a price override's). */
  currency?: string;
}

export async function freshSubscriber(options: SubscriberOptions) {
  const email = uniqueEmail("changer");
  const userId = await withClient((db) =>
    options.password
      ? createUserWithPassword(db, email, options.password)
      : createUser(db, email, true)
  );
  const now = Date.now();
  const start = paddleTimestamp(new Date(now - (options.since ?? 10) * DAY));
  const end = paddleTimestamp(new Date(now + (options.until ?? 20) * DAY));
  const customer = customerEntity({ id: newPaddleId("ctm"), email, createdAt: start });
  const items = [];
  for (const [priceId, quantity] of options.items) {
    const price = await paddleGet<PaddlePrice>(`/prices/${priceId}`);
    const product = await paddleGet<PaddleProduct>(`/products/${price.product_id}`);
    items.push(subscriptionItem({
      price,
      product,
      quantity,
      createdAt: start,
      previouslyBilledAt: start,
      nextBilledAt: options.cancel ? null : end,
    }));
  }
  const subscription = subscriptionEntity({
    id: newPaddleId("sub"),
    customerId: customer.id,
    status: options.status ?? "active",
    currencyCode: options.currency,
    createdAt: start,
    startedAt: start,
    firstBilledAt: start,
    nextBilledAt: options.cancel ? null : end,
    currentBillingPeriod: { starts_at: start, ends_at: end },
    billingCycle: items[0].price.billing_cycle!,
    scheduledChange: options.cancel
      ? { action: "cancel", effective_at: end, resume_at: null }
      : null,
    items,
  });
  await loadIntoPaddle({ customers: [customer], subscriptions: [subscription] });
  await withClient(async (db) => {
    await applyEntities(db, "customer", [customer]);
    await applyEntities(db, "subscription", [subscription]);
  });
  return { userId, email, customerId: customer.id, subscription, token: await userToken(userId) };
}

/** The mirror's view of a subscription: its row's plan-change fields and its items. */
export async function mirrored(subscriptionId: string) {
  return await withClient(async (db) => {
    const row = (await db.query(
      `select status, billing_cycle_interval, billing_cycle_frequency, scheduled_change_action,
              next_billed_at, paddle_updated_at
       from public.subscriptions where subscription_id = $1`,
      [subscriptionId],
    )).rows[0];
    const items = (await db.query(
      `select price_id, quantity from public.subscription_items
       where subscription_id = $1 order by price_id`,
      [subscriptionId],
    )).rows;
    return { ...row, items };
  });
}

/** Makes the customer's card decline (or work again) for charges made without them. */
export async function cardDeclines(customerId: string, declines: boolean): Promise<void> {
  const res = await fetch(`${stackInfo().paddle.controlUrl}/__cards`, {
    method: "POST",
    body: JSON.stringify({ customerId, declines }),
  });
  if (!res.ok) throw new Error(`__cards: ${res.status}`);
  await res.body?.cancel();
}
