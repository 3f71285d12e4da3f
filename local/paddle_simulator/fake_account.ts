/**
 * A made-up Paddle account of any size, for tests and benchmarks: products with monthly and
 * yearly prices, customers, and subscriptions of 1-3 items over those prices (one currency and
 * one billing interval per subscription, as Paddle requires). The same seed gives the same
 * account, so a failing test or a benchmark figure can be reproduced.
 */

import type {
  EntityBatch,
  PaddleCustomer,
  PaddlePrice,
  PaddleProduct,
  PaddleSubscription,
} from "./entities.ts";
import {
  customerEntity,
  priceEntity,
  productEntity,
  subscriptionEntity,
  subscriptionItem,
} from "./entity_builders.ts";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const DAY_MS = 24 * 60 * 60 * 1000;

export interface FakeAccountOptions {
  customers: number;
  /** Each belongs to a customer, round-robin. Default: one per customer. */
  subscriptions?: number;
  /** Prices over products of 5 prices each. Default 50. */
  prices?: number;
  /** Most items a subscription holds (1..3). Default 3. */
  maxItems?: number;
  seed?: number;
  /** The account's first entity is created then; later ones a minute apart. Default 2024-01-01. */
  startMs?: number;
}

export interface FakeAccount extends Required<EntityBatch> {
  products: PaddleProduct[];
  prices: PaddlePrice[];
  customers: PaddleCustomer[];
  subscriptions: PaddleSubscription[];
}

export function fakeAccount(options: FakeAccountOptions): FakeAccount {
  const random = prng(options.seed ?? 1);
  const start = options.startMs ?? Date.UTC(2024, 0, 1);
  let tick = 0;
  const nextTime = () => start + 60_000 * tick++;
  const id = (prefix: string, atMs: number) => {
    let time = "";
    let t = atMs;
    for (let i = 0; i < 10; i++) {
      time = ALPHABET[t % 32] + time;
      t = Math.floor(t / 32);
    }
    let rest = "";
    for (let i = 0; i < 16; i++) rest += ALPHABET[Math.floor(random() * 32)];
    return `${prefix}_${time}${rest}`;
  };
  const at = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

  const priceCount = options.prices ?? 50;
  const products: PaddleProduct[] = [];
  const prices: PaddlePrice[] = [];
  for (let i = 0; i < priceCount; i++) {
    if (i % 5 === 0) {
      const created = nextTime();
      products.push(productEntity({
        id: id("pro", created),
        name: `Plan ${products.length + 1}`,
        description: `Everything in plan ${products.length + 1}`,
        taxCategory: "saas",
        customData: { tier: products.length + 1 },
        createdAt: at(created),
        updatedAt: at(created + 1000),
      }));
    }
    const product = products[products.length - 1];
    const yearly = i % 2 === 1;
    const created = nextTime();
    prices.push(priceEntity({
      id: id("pri", created),
      productId: product.id,
      name: `${product.name} (${yearly ? "yearly" : "monthly"})`,
      amount: String((1 + (i % 5)) * (yearly ? 10000 : 1000)),
      billingCycle: { interval: yearly ? "year" : "month", frequency: 1 },
      trialPeriod: i % 7 === 0 ? { interval: "day", frequency: 14 } : null,
      createdAt: at(created),
      updatedAt: at(created + 2000),
    }));
  }

  const customers: PaddleCustomer[] = [];
  for (let i = 0; i < options.customers; i++) {
    const created = nextTime();
    customers.push(customerEntity({
      id: id("ctm", created),
      email: `customer${i + 1}@example.com`,
      name: i % 3 === 0 ? null : `Customer ${i + 1}`,
      status: i % 50 === 49 ? "archived" : "active",
      customData: i % 4 === 0 ? { crm_id: `crm-${i + 1}` } : null,
      createdAt: at(created),
      updatedAt: at(created + 5000),
    }));
  }

  const productById = new Map(products.map((product) => [product.id, product]));
  const statuses = ["active", "active", "active", "trialing", "past_due", "paused", "canceled"];
  const subscriptions: PaddleSubscription[] = [];
  const subscriptionCount = options.subscriptions ?? options.customers;
  const maxItems = Math.min(Math.max(options.maxItems ?? 3, 1), 3);
  for (let i = 0; i < subscriptionCount && customers.length > 0; i++) {
    const created = nextTime();
    const customer = customers[i % customers.length];
    // One billing interval per subscription: pick prices of one parity (monthly or yearly).
    const parity = Math.floor(random() * 2);
    const pool = prices.filter((_, index) => index % 2 === parity);
    const count = Math.min(1 + Math.floor(random() * maxItems), pool.length);
    const chosen = new Set<PaddlePrice>();
    while (chosen.size < count) chosen.add(pool[Math.floor(random() * pool.length)]);
    const status = statuses[Math.floor(random() * statuses.length)] as PaddleSubscription["status"];
    const live = status !== "canceled" && status !== "paused";
    const periodDays = parity === 1 ? 365 : 30;
    const periodStart = created;
    const periodEnd = created + periodDays * DAY_MS;
    const items = [...chosen].map((price) =>
      subscriptionItem({
        price,
        product: productById.get(price.product_id)!,
        status: status === "trialing" ? "trialing" : status === "canceled" ? "inactive" : "active",
        quantity: 1 + Math.floor(random() * 3),
        createdAt: at(created),
        updatedAt: at(created + 3000),
        previouslyBilledAt: status === "trialing" ? null : at(created),
        nextBilledAt: live ? at(periodEnd) : null,
        trialDates: status === "trialing"
          ? { starts_at: at(created), ends_at: at(created + 14 * DAY_MS) }
          : null,
      })
    );
    subscriptions.push(subscriptionEntity({
      id: id("sub", created),
      customerId: customer.id,
      status,
      createdAt: at(created),
      updatedAt: at(created + 3000),
      startedAt: at(created),
      firstBilledAt: status === "trialing" ? null : at(created),
      nextBilledAt: live ? at(periodEnd) : null,
      pausedAt: status === "paused" ? at(created + 3000) : null,
      canceledAt: status === "canceled" ? at(created + 3000) : null,
      currentBillingPeriod: live ? { starts_at: at(periodStart), ends_at: at(periodEnd) } : null,
      billingCycle: { interval: parity === 1 ? "year" : "month", frequency: 1 },
      scheduledChange: status === "active" && i % 10 === 0
        ? { action: "cancel", effective_at: at(periodEnd), resume_at: null }
        : null,
      items,
      customData: i % 5 === 0 ? { plan_source: "checkout" } : null,
    }));
  }
  return { products, prices, customers, subscriptions, transactions: [] };
}

/**
 * A small, fast, seedable PRNG (mulberry32, public domain); fake accounts and property tests need
 * repeatable, not secure.
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
