/**
 * The paddle-webhook function through the local stack: Paddle-signed events in,
 * mirrored rows out, and the portal button working for the new customer.
 */
import { assertEquals } from "@std/assert";
import { withClient } from "./_db.ts";
import { newBuyer } from "./_sales.ts";
import { userToken } from "./_tokens.ts";
import { buildScenario } from "../local/paddle_webhooks/scenarios.ts";
import { deliverEvent, paddleSignature } from "../local/paddle_webhooks/sign.ts";
import { control, stackInfo } from "./_stack.ts";
import {
  customerEntity,
  priceEntity,
  productEntity,
  subscriptionEntity,
  subscriptionItem,
} from "../local/paddle_simulator/entity_builders.ts";
import { paddleEvent, paddleId, paddleTime } from "../local/paddle_webhooks/payloads.ts";
import { paddleRequests, portalPage, registerCustomer, resetPaddle } from "./_paddle.ts";

const webhookUrl = () => `${stackInfo().apiUrl}/functions/v1/paddle-webhook`;

/** A confirmed user who has never checked out, and an access token for them. */
async function newUser(): Promise<{ userId: string; email: string; token: string }> {
  const { userId, email } = await newBuyer();
  const token = await userToken(userId, { email });
  return { userId, email, token };
}

async function portal(token: string, body: unknown) {
  const res = await fetch(`${stackInfo().apiUrl}/functions/v1/customer-portal`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("new customer subscribes: rows mirrored, linked, and the portal deep link works", async () => {
  const user = await newUser();
  const before = await portal(user.token, {});
  assertEquals(before.body.error.code, "no_paddle_customer");

  const scenario = buildScenario("new-customer-subscribes", { email: user.email });
  await registerCustomer(scenario.customerId); // Paddle itself knows the customer it created
  for (const event of scenario.events) {
    const delivery = await deliverEvent(webhookUrl(), event, stackInfo().paddle.webhookSecret);
    assertEquals(delivery.status, 200, delivery.body);
  }
  const rows = await withClient(async (db) =>
    (await db.query(
      `select c.user_id, s.subscription_id, s.status from public.customers c
       join public.subscriptions s using (customer_id) where c.customer_id = $1`,
      [scenario.customerId],
    )).rows
  );
  assertEquals(rows, [{
    user_id: user.userId,
    subscription_id: scenario.subscriptionId,
    status: "active",
  }]);

  await resetPaddle();
  const link = await portal(user.token, {
    target: "cancel_subscription",
    subscriptionId: scenario.subscriptionId,
  });
  assertEquals(link.status, 200, JSON.stringify(link.body));
  const page = await portalPage(link.body.url);
  assertEquals(page.customerId, scenario.customerId);
  assertEquals(page.action, "cancel_subscription");
  assertEquals(page.subscriptionId, scenario.subscriptionId);
  const [request] = await paddleRequests();
  assertEquals(request.path, `/customers/${scenario.customerId}/portal-sessions`);
});

Deno.test("an unsigned, tampered or stale delivery is refused and writes nothing", async () => {
  const user = await newUser();
  const scenario = buildScenario("new-customer-subscribes", { email: user.email });
  const body = JSON.stringify(scenario.events[0]);
  const secret = stackInfo().paddle.webhookSecret;
  const now = Math.floor(Date.now() / 1000);
  const attempts: [string, Record<string, string>, string][] = [
    ["no signature", {}, body],
    ["wrong secret", {
      "paddle-signature": await paddleSignature(body, "pdl_ntfset_wrong_secret_000"),
    }, body],
    [
      "tampered body",
      { "paddle-signature": await paddleSignature(body, secret) },
      body.replace(user.email, "x@example.com"),
    ],
    ["stale", { "paddle-signature": await paddleSignature(body, secret, now - 3600) }, body],
    ["garbage header", { "paddle-signature": "ts=abc;h1=zz" }, body],
  ];
  for (const [what, headers, payload] of attempts) {
    const res = await fetch(webhookUrl(), {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: payload,
    });
    assertEquals(res.status, 401, what);
    assertEquals((await res.json()).error.code, "invalid_signature");
  }
  const count = await withClient(async (db) =>
    (await db.query("select count(*)::int as n from public.customers where customer_id = $1", [
      scenario.customerId,
    ])).rows[0].n
  );
  assertEquals(count, 0);
});

Deno.test("a body over 1 MiB is refused with 413", async () => {
  const res = await fetch(webhookUrl(), {
    method: "POST",
    headers: { "content-type": "application/json", "paddle-signature": "ts=1;h1=00" },
    body: JSON.stringify({ pad: "x".repeat(1024 * 1024) }),
  });
  assertEquals(res.status, 413);
  await res.body?.cancel();
});

Deno.test("database down: 503 so Paddle retries, then the redelivery is stored once", async () => {
  const user = await newUser();
  const scenario = buildScenario("new-customer-subscribes", { email: user.email });
  const [event] = scenario.events;
  const secret = stackInfo().paddle.webhookSecret;
  await control("POST", "/postgrest/stop");
  try {
    const down = await deliverEvent(webhookUrl(), event, secret);
    assertEquals(down.status, 503, down.body);
  } finally {
    await control("POST", "/postgrest/start");
  }
  const retried = await deliverEvent(webhookUrl(), event, secret);
  assertEquals(retried.status, 200, retried.body);
  assertEquals(JSON.parse(retried.body).outcome, "applied");
  const again = await deliverEvent(webhookUrl(), event, secret);
  assertEquals(again.status, 200);
  assertEquals(JSON.parse(again.body).outcome, "duplicate");
  const rows = await withClient(async (db) =>
    (await db.query("select user_id from public.customers where customer_id = $1", [
      scenario.customerId,
    ])).rows
  );
  assertEquals(rows, [{ user_id: user.userId }]);
});

Deno.test("catalog and imported events through the function: stored, then a page reads the names", async () => {
  const user = await newUser();
  const at = Date.now();
  const productId = paddleId("pro", at);
  const priceId = paddleId("pri", at);
  const product = productEntity({ id: productId, name: "Team plan", createdAt: paddleTime(at) });
  const price = priceEntity({
    id: priceId,
    productId,
    name: "Team monthly",
    amount: "4900",
    billingCycle: { interval: "month", frequency: 1 },
    createdAt: paddleTime(at),
  });
  const customerId = paddleId("ctm", at);
  const subscriptionId = paddleId("sub", at);
  const imported = { external_id: "sub_legacy_1", imported_from: "stripe" };
  const events = [
    paddleEvent("product.created", product, at),
    paddleEvent("price.imported", price, at + 1),
    paddleEvent(
      "customer.imported",
      customerEntity({ id: customerId, email: user.email, createdAt: paddleTime(at) }),
      at + 2,
    ),
    paddleEvent("subscription.imported", {
      ...subscriptionEntity({
        id: subscriptionId,
        customerId,
        status: "active",
        createdAt: paddleTime(at),
        billingCycle: { interval: "month", frequency: 1 },
        items: [subscriptionItem({ price, product, quantity: 4, createdAt: paddleTime(at) })],
      }),
      import_meta: imported,
    }, at + 3),
    // Not mirrored: acknowledged and ignored.
    paddleEvent("address.created", { id: paddleId("add", at) }, at + 4),
  ];
  const outcomes = [];
  for (const event of events) {
    const delivery = await deliverEvent(webhookUrl(), event, stackInfo().paddle.webhookSecret);
    assertEquals(delivery.status, 200, delivery.body);
    outcomes.push(JSON.parse(delivery.body).outcome);
  }
  assertEquals(outcomes, ["applied", "applied", "applied", "applied", "ignored"]);

  const res = await fetch(
    `${stackInfo().apiUrl}/rest/v1/subscriptions?select=import_meta,subscription_items(quantity,prices(name,unit_price_amount,products(name)))`,
    { headers: { apikey: stackInfo().anonKey, authorization: `Bearer ${user.token}` } },
  );
  assertEquals(await res.json(), [{
    import_meta: imported,
    subscription_items: [{
      quantity: 4,
      prices: { name: "Team monthly", unit_price_amount: 4900, products: { name: "Team plan" } },
    }],
  }]);
});
