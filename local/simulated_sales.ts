/**
 * Sales made through a running Paddle simulator as a buyer makes them, for tests and benchmarks
 * that need real events: a customer and a transaction through the real SDK, then the checkout
 * page's pay action. Each sale notifies `customer.created`, `transaction.completed`,
 * `subscription.created` and `subscription.activated`, in that order.
 */
import { type Environment, Paddle } from "@paddle/paddle-node-sdk";
import { PLANS } from "./paddle_webhooks/payloads.ts";

export interface SimulatorAccess {
  apiUrl: string;
  apiKey: string;
}

export const EVENTS_PER_SALE = 4;

export async function simulatedSale(
  paddle: SimulatorAccess,
  buyer: { email: string; userId?: string },
): Promise<{ customerId: string; transactionId: string }> {
  const sdk = new Paddle(paddle.apiKey, { environment: paddle.apiUrl as Environment });
  const customer = await sdk.customers.create({ email: buyer.email });
  const transaction = await sdk.transactions.create({
    items: [{ priceId: PLANS.basic.priceId, quantity: 1 }],
    customerId: customer.id,
    ...(buyer.userId ? { customData: { user_id: buyer.userId } } : {}),
    collectionMode: "automatic",
  });
  const res = await fetch(`${paddle.apiUrl}/checkout/${transaction.id}/pay`, {
    method: "POST",
    headers: { accept: "application/json" },
  });
  if (res.status !== 200) {
    throw new Error(`pay ${transaction.id}: ${res.status} ${await res.text()}`);
  }
  await res.body?.cancel();
  return { customerId: customer.id, transactionId: transaction.id };
}

/** `count` sales, ten at a time: quick, and the events of one sale stay in their order. */
export async function simulatedSales<T>(
  count: number,
  sell: (index: number) => Promise<T>,
): Promise<T[]> {
  const made: T[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) => sell(i + j));
    made.push(...await Promise.all(batch));
  }
  return made;
}
