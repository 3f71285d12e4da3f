/**
 * Selling through the stack's Paddle simulator for integration and browser tests: a buyer (a
 * confirmed user nobody else uses), a customer and a transaction made with the real Paddle SDK,
 * the simulator's webhook log, and what the mirror holds afterwards.
 */
import { Environment, Paddle } from "@paddle/paddle-node-sdk";
import { withClient } from "./_db.ts";
import { stackInfo } from "./_stack.ts";
import { PLANS } from "../local/paddle_webhooks/payloads.ts";
import type { DeliveryRecord } from "../local/paddle_simulator/mod.ts";

export type { DeliveryRecord };

export function paddleSdk(): Paddle {
  const { paddle } = stackInfo();
  return new Paddle(paddle.apiKey, { environment: paddle.apiUrl as Environment });
}

/** A confirmed user who has never checked out (the webhook links a customer with this email). */
export async function newBuyer(): Promise<{ userId: string; email: string }> {
  const userId = crypto.randomUUID();
  const email = `shopper-${userId.slice(0, 8)}@example.com`;
  await withClient((db) =>
    db.query(
      `insert into auth.users (id, aud, role, email, email_confirmed_at)
       values ($1, 'authenticated', 'authenticated', $2, now())`,
      [userId, email],
    )
  );
  return { userId, email };
}

async function simulator(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(stackInfo().paddle.controlUrl + path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** The demo catalog (as supabase/seed.sql holds it) in the simulator, whatever ran before. */
export async function ensureDemoCatalog(): Promise<void> {
  await (await simulator("POST", "/__entities", {
    products: [PLANS.basic.product, PLANS.pro.product],
    prices: [PLANS.basic.price, PLANS.pro.price],
  })).body?.cancel();
}

/** A customer for `email` and a ready transaction for the basic plan, made as the checkout function makes them. */
export async function sell(
  buyer: { userId: string; email: string },
  checkoutUrl?: string,
) {
  await ensureDemoCatalog();
  const paddle = paddleSdk();
  const customer = await paddle.customers.create({ email: buyer.email });
  const transaction = await paddle.transactions.create({
    items: [{ priceId: PLANS.basic.priceId, quantity: 1 }],
    customerId: customer.id,
    customData: { user_id: buyer.userId },
    collectionMode: "automatic",
    checkout: checkoutUrl ? { url: checkoutUrl } : undefined,
  });
  return { customer, transaction };
}

export async function webhookLog(): Promise<{ held: boolean; deliveries: DeliveryRecord[] }> {
  return await (await simulator("GET", "/__webhooks")).json();
}

export async function holdWebhooks(): Promise<void> {
  await (await simulator("POST", "/__webhooks/hold")).body?.cancel();
}

export async function releaseWebhooks(): Promise<void> {
  await (await simulator("POST", "/__webhooks/release")).body?.cancel();
}

/** Waits until every event about `entityIds` has been delivered (or fails with the log). */
export async function waitForDeliveries(
  entityIds: readonly string[],
  count: number,
  timeoutMs = 15_000,
): Promise<DeliveryRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { deliveries } = await webhookLog();
    const ours = deliveries.filter((d) => d.entity_id !== null && entityIds.includes(d.entity_id));
    if (ours.length >= count && ours.every((d) => d.state === "delivered")) return ours;
    if (ours.some((d) => d.state === "failed") || Date.now() > deadline) {
      throw new Error(`webhooks not delivered: ${JSON.stringify(ours, null, 2)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface MirroredSale {
  customer: { customer_id: string; user_id: string | null; email: string } | undefined;
  subscriptions: { subscription_id: string; customer_id: string; status: string }[];
  items: { subscription_id: string; price_id: string; product_id: string; quantity: number }[];
}

/** What the mirror holds for a customer: the row, its subscriptions and their items. */
export async function mirroredSale(customerId: string): Promise<MirroredSale> {
  return await withClient(async (db) => {
    const customer = (await db.query(
      "select customer_id, user_id::text, email from public.customers where customer_id = $1",
      [customerId],
    )).rows[0];
    const subscriptions = (await db.query(
      `select subscription_id, customer_id, status from public.subscriptions
       where customer_id = $1 order by subscription_id`,
      [customerId],
    )).rows;
    const items = (await db.query(
      `select i.subscription_id, i.price_id, i.product_id, i.quantity
       from public.subscription_items i join public.subscriptions s using (subscription_id)
       where s.customer_id = $1 order by i.subscription_id, i.price_id`,
      [customerId],
    )).rows;
    return { customer, subscriptions, items };
  });
}
