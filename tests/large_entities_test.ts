/**
 * An entity with a large custom_data (the review's 629 KB, 20,000 keys) costs time linear in its
 * size on every write path, for every entity type: a customer used to spend seconds in a quadratic
 * jsonb_agg (8.5 s on the reviewer's machine, past the webhook's 3.5 s deadline), so Paddle's every
 * redelivery answered 503 and every sync run failed on the page holding it. Each case goes through
 * the real path (a signed webhook through the gateway, or a sync slice from the simulator) and
 * must be answered and stored whole, up to the most keys the webhook's 1 MiB body can carry
 * (70,000: quadratic, that was 12 times the review's case). The figures are in the migration's
 * comment, not asserted here.
 */
import { assert, assertEquals } from "@std/assert";
import {
  customerEntity,
  priceEntity,
  productEntity,
  subscriptionEntity,
  subscriptionItem,
} from "../local/paddle_simulator/entity_builders.ts";
import { paddleEvent } from "../local/paddle_webhooks/payloads.ts";
import { deliverEvent } from "../local/paddle_webhooks/sign.ts";
import { randomPaddleId, uniqueEmail } from "./_db.ts";
import { resetPaddle } from "./_paddle.ts";
import { postEntities, slice, sql } from "./_paddle_sync.ts";
import { stackInfo } from "./_stack.ts";

/** 20,000 keys, 629 KB as JSON, like the review's customer. */
const REVIEWED_KEYS = 20_000;
/** About as many keys as fit in the webhook's 1 MiB body with the rest of an event (910 KB). */
const KEYS = 70_000;

function reviewedCustomData(): Record<string, string> {
  const data: Record<string, string> = {};
  for (let i = 0; i < REVIEWED_KEYS; i++) {
    data[`preference_${String(i).padStart(5, "0")}`] = `value-${i}`;
  }
  return data;
}

/** String values: jsonb_agg's cost grew with the square of the number of strings it copied. */
function manyKeys(): Record<string, string> {
  const data: Record<string, string> = {};
  for (let i = 0; i < KEYS; i++) data[`k${String(i).padStart(5, "0")}`] = "v";
  return data;
}

const REVIEWED = reviewedCustomData();
const LARGE = manyKeys();
type Data = Record<string, unknown>;
const T0 = "2026-01-01T00:00:00.000Z";

function product(customData: Data | null = null) {
  return productEntity({ id: randomPaddleId("pro"), name: "Large", customData, createdAt: T0 });
}

function price(productId: string, customData: Data | null = null) {
  return priceEntity({
    id: randomPaddleId("pri"),
    productId,
    amount: "1000",
    billingCycle: { interval: "month", frequency: 1 },
    customData,
    createdAt: T0,
  });
}

function subscription(
  customData: Data | null,
  items: { product: ReturnType<typeof product>; price: ReturnType<typeof price> },
) {
  return subscriptionEntity({
    id: randomPaddleId("sub"),
    customerId: randomPaddleId("ctm"),
    status: "active",
    createdAt: T0,
    billingCycle: { interval: "month", frequency: 1 },
    items: [subscriptionItem({ ...items, createdAt: T0 })],
    customData,
  });
}

async function keysStored(table: string, idColumn: string, id: string): Promise<number> {
  const [row] = await sql<{ n: number }>(
    `select (select count(*) from jsonb_object_keys(custom_data))::int as n
     from public.${table} where ${idColumn} = $1`,
    [id],
  );
  return row?.n ?? -1;
}

async function deliver(eventType: string, data: unknown) {
  const event = paddleEvent(eventType, data, Date.now());
  const body = JSON.stringify(event);
  assert(body.length > 600_000 && body.length < 1000 * 1000, `${eventType}: ${body.length} bytes`);
  const delivery = await deliverEvent(
    `${stackInfo().apiUrl}/functions/v1/paddle-webhook`,
    event,
    stackInfo().paddle.webhookSecret,
  );
  assertEquals(delivery.status, 200, `${eventType}: ${delivery.body}`);
  return JSON.parse(delivery.body);
}

Deno.test("the sizes: the review's customer is 629 KB with 20,000 keys; the largest 910 KB", () => {
  const bytes = JSON.stringify(REVIEWED).length;
  assert(bytes > 600_000 && bytes < 660_000, `${bytes}`);
  assert(JSON.stringify(LARGE).length > 800_000, `${JSON.stringify(LARGE).length}`);
});

Deno.test("a customer with the review's custom_data, and with 70,000 keys: 200, stored whole", async () => {
  for (const [customData, keys] of [[REVIEWED, REVIEWED_KEYS], [LARGE, KEYS]] as const) {
    const customer = customerEntity({
      id: randomPaddleId("ctm"),
      email: uniqueEmail("large"),
      createdAt: T0,
      customData,
    });
    await deliver("customer.created", customer);
    assertEquals(await keysStored("customers", "customer_id", customer.id), keys);
  }
});

Deno.test("the same data on a product, a price and a subscription, and embedded in one: 200, stored whole", async () => {
  const bigProduct = product(LARGE);
  await deliver("product.created", bigProduct);
  assertEquals(await keysStored("products", "product_id", bigProduct.id), KEYS);

  const bigPrice = price(product().id, LARGE);
  await deliver("price.created", bigPrice);
  assertEquals(await keysStored("prices", "price_id", bigPrice.id), KEYS);

  const ownProduct = product();
  const own = subscription(LARGE, { product: ownProduct, price: price(ownProduct.id) });
  await deliver("subscription.created", own);
  assertEquals(await keysStored("subscriptions", "subscription_id", own.id), KEYS);

  // The subscription's embedded catalog goes into the catalog through the same aggregation.
  const embeddedProduct = product(LARGE);
  const withProduct = subscription(null, {
    product: embeddedProduct,
    price: price(embeddedProduct.id),
  });
  await deliver("subscription.created", withProduct);
  assertEquals(await keysStored("products", "product_id", embeddedProduct.id), KEYS);

  const plain = product();
  const embeddedPrice = price(plain.id, LARGE);
  await deliver(
    "subscription.created",
    subscription(null, { product: plain, price: embeddedPrice }),
  );
  assertEquals(await keysStored("prices", "price_id", embeddedPrice.id), KEYS);
});

Deno.test("a sync page holding that customer is applied, not failed", async () => {
  const customer = customerEntity({
    id: randomPaddleId("ctm"),
    email: uniqueEmail("large-sync"),
    createdAt: T0,
    customData: LARGE,
  });
  await postEntities({ customers: [customer] });
  await resetPaddle();
  const report = await slice({ restart: true, sliceMs: 20_000 });
  assertEquals(report.error, undefined, JSON.stringify(report.error));
  assertEquals(report.status, "done");
  assertEquals(await keysStored("customers", "customer_id", customer.id), KEYS);
});
