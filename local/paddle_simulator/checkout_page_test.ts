import { Environment, Paddle } from "@paddle/paddle-node-sdk";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { newPaddleId, SUBSCRIPTION_ID } from "./ids.ts";
import { type PaddleSimulator, startPaddleSimulator } from "./mod.ts";
import { CATALOG, MONTHLY, PRODUCT, YEARLY } from "./selling_fixtures.ts";
import { API_KEY, control, type ListBody } from "./test_support.ts";
import type { DeliveryRecord } from "./webhook_delivery.ts";

const SECRET = "pdl_ntfset_01jlocalcheckouttestsecret_abcdef";
const RETURN_URL = "http://127.0.0.1:1/?checkout=complete";

interface Setup {
  simulator: PaddleSimulator;
  paddle: Paddle;
  received: { event_type: string; data: Record<string, unknown> }[];
}

async function withCheckout(test: (setup: Setup) => Promise<void>): Promise<void> {
  const received: Setup["received"] = [];
  const receiver = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      received.push(JSON.parse(await req.text()));
      return new Response(null, { status: 200 });
    },
  );
  const simulator = await startPaddleSimulator({
    apiKey: API_KEY,
    entities: CATALOG,
    webhook: { url: `http://127.0.0.1:${receiver.addr.port}/hook`, secret: SECRET },
    checkoutReturnUrl: RETURN_URL,
  });
  try {
    const paddle = new Paddle(API_KEY, { environment: simulator.url as Environment });
    await test({ simulator, paddle, received });
  } finally {
    await simulator.stop();
    await receiver.shutdown();
  }
}

async function readyTransaction(paddle: Paddle, email = "ivan@example.com", quantity = 2) {
  const customer = await paddle.customers.create({ email });
  return await paddle.transactions.create({
    items: [{ priceId: MONTHLY.id, quantity }],
    customerId: customer.id,
    customData: { user_id: "0d9c4b0e-1111-4222-8333-444455556666" },
    collectionMode: "automatic",
  });
}

function pay(simulator: PaddleSimulator, transactionId: string, accept = "text/html") {
  return fetch(`${simulator.url}/checkout/${transactionId}/pay`, {
    method: "POST",
    headers: { accept },
    redirect: "manual",
  });
}

Deno.test("checkout page: shows each item's price, product, quantity and amount, the total, and Pay now", async () => {
  await withCheckout(async ({ simulator, paddle }) => {
    const transaction = await readyTransaction(paddle);
    assertEquals(transaction.checkout?.url, `${simulator.url}/checkout?_ptxn=${transaction.id}`);
    const response = await fetch(transaction.checkout!.url!);
    assertEquals(response.status, 200);
    assertMatch(response.headers.get("content-type") ?? "", /^text\/html/);
    const html = await response.text();
    assertStringIncludes(html, `data-transaction-id="${transaction.id}" data-status="ready"`);
    assertStringIncludes(html, `<td data-field="price-name">${MONTHLY.name}</td>`);
    assertStringIncludes(html, `<td data-field="product-name">${PRODUCT.name}</td>`);
    assertStringIncludes(html, `<td data-field="quantity">2</td>`);
    assertStringIncludes(html, `<td data-field="amount">$25.00</td>`);
    assertStringIncludes(html, `<strong data-field="total">$25.00</strong>`);
    assertStringIncludes(html, `action="/checkout/${transaction.id}/pay"`);
    assertStringIncludes(html, ">Pay now</button>");
  });
});

Deno.test("checkout page: a missing, malformed or unknown _ptxn is a clear error page", async () => {
  await withCheckout(async ({ simulator }) => {
    for (
      const [query, status] of [["", 400], ["?_ptxn=txn_nope", 400], [
        `?_ptxn=${newPaddleId("txn")}`,
        404,
      ]] as const
    ) {
      const response = await fetch(`${simulator.url}/checkout${query}`);
      assertEquals(response.status, status);
      assertStringIncludes(await response.text(), `id="checkout-error"`);
    }
  });
});

Deno.test("pay: completes the transaction, stores an active subscription the API lists, notifies in order, returns the buyer", async () => {
  await withCheckout(async ({ simulator, paddle, received }) => {
    const transaction = await readyTransaction(paddle, "judy@example.com", 3);
    const before = Date.now();
    const response = await pay(simulator, transaction.id);
    assertEquals(response.status, 303);
    assertEquals(response.headers.get("location"), RETURN_URL);

    const completed = await paddle.transactions.get(transaction.id);
    assertEquals(completed.status, "completed");
    assertMatch(completed.subscriptionId ?? "", SUBSCRIPTION_ID);
    assert(completed.billedAt !== null);
    assertEquals(completed.payments[0].status, "captured");

    const subscription = await paddle.subscriptions.get(completed.subscriptionId!);
    assertEquals(subscription.status, "active");
    assertEquals(subscription.customerId, transaction.customerId);
    assertEquals(subscription.customData, { user_id: "0d9c4b0e-1111-4222-8333-444455556666" });
    assertEquals(subscription.currencyCode, "USD");
    assertEquals(subscription.collectionMode, "automatic");
    assertEquals({ ...subscription.billingCycle }, { interval: "month", frequency: 1 });
    assertEquals(
      subscription.items.map((
        item,
      ) => [item.price.id, item.product.id, item.quantity, item.status]),
      [[MONTHLY.id, PRODUCT.id, 3, "active"]],
    );
    const start = Date.parse(subscription.currentBillingPeriod!.startsAt);
    const end = new Date(subscription.currentBillingPeriod!.endsAt);
    assert(start >= Math.floor(before / 1000) * 1000);
    const expectedEnd = new Date(start);
    expectedEnd.setUTCMonth(expectedEnd.getUTCMonth() + 1);
    assertEquals(end.getUTCMonth(), expectedEnd.getUTCMonth());
    assertEquals(subscription.nextBilledAt, subscription.currentBillingPeriod!.endsAt);
    assertEquals(subscription.startedAt, completed.billedAt);
    assertEquals(subscription.firstBilledAt, completed.billedAt);

    const listed = await fetch(
      `${simulator.url}/subscriptions?customer_id=${transaction.customerId}`,
      {
        headers: { authorization: `Bearer ${API_KEY}` },
      },
    );
    assertEquals((await listed.json() as ListBody).data.map((s) => s.id), [subscription.id]);

    await simulator.webhooksIdle();
    assertEquals(received.map((event) => [event.event_type, event.data.id]), [
      ["customer.created", transaction.customerId],
      ["transaction.completed", transaction.id],
      ["subscription.created", subscription.id],
      ["subscription.activated", subscription.id],
    ]);
    // The webhooks carry what the list API returns, so a later sync agrees with them.
    const fromApi = await (await fetch(`${simulator.url}/subscriptions/${subscription.id}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    })).json();
    assertEquals(received[2].data, fromApi.data);
    assertEquals(received[3].data, fromApi.data);
    assertEquals(received[1].data.status, "completed");
  });
});

Deno.test("pay: a second payment is 409 and creates no second subscription or event", async () => {
  await withCheckout(async ({ simulator, paddle }) => {
    const transaction = await readyTransaction(paddle);
    const first = await pay(simulator, transaction.id, "application/json");
    assertEquals(first.status, 200);
    const paid = await first.json();
    assertEquals(paid.status, "completed");
    assertMatch(paid.subscription_id, SUBSCRIPTION_ID);
    const again = await pay(simulator, transaction.id, "application/json");
    assertEquals(again.status, 409);
    assertEquals((await again.json()).error.code, "already_paid");
    const asForm = await pay(simulator, transaction.id);
    assertEquals(asForm.status, 409);
    assertStringIncludes(await asForm.text(), "already been paid");
    const { body } = await control<{ deliveries: DeliveryRecord[] }>(
      simulator,
      "GET",
      "/__webhooks",
    );
    assertEquals(body.deliveries.filter((d) => d.event_type === "subscription.created").length, 1);
    const page = await (await fetch(`${simulator.url}/checkout?_ptxn=${transaction.id}`)).text();
    assertStringIncludes(page, `data-status="completed"`);
    assert(!page.includes("Pay now"));
  });
});

Deno.test("pay: a draft (no customer) or unknown transaction cannot be paid", async () => {
  await withCheckout(async ({ simulator, paddle }) => {
    const draft = await paddle.transactions.create({
      items: [{ priceId: YEARLY.id, quantity: 1 }],
    });
    const refused = await pay(simulator, draft.id, "application/json");
    assertEquals([refused.status, (await refused.json()).error.code], [409, "not_payable"]);
    const unknown = await pay(simulator, newPaddleId("txn"), "application/json");
    assertEquals(unknown.status, 404);
    await unknown.body?.cancel();
    const subscriptions = await fetch(`${simulator.url}/subscriptions`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    assertEquals((await subscriptions.json() as ListBody).data, []);
  });
});

Deno.test("webhook control: GET /__webhooks lists deliveries; hold and release steer them", async () => {
  await withCheckout(async ({ simulator, paddle, received }) => {
    const held = await control<{ held: boolean }>(simulator, "POST", "/__webhooks/hold");
    assertEquals(held.body, { held: true });
    const transaction = await readyTransaction(paddle, "kate@example.com");
    await pay(simulator, transaction.id);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assertEquals(received.length, 0);
    const listed = await control<{ held: boolean; deliveries: DeliveryRecord[] }>(
      simulator,
      "GET",
      "/__webhooks",
    );
    assertEquals(listed.body.held, true);
    assertEquals(listed.body.deliveries.map((d) => [d.event_type, d.state, d.attempts]), [
      ["customer.created", "held", 0],
      ["transaction.completed", "held", 0],
      ["subscription.created", "held", 0],
      ["subscription.activated", "held", 0],
    ]);
    const released = await control<{ held: boolean }>(simulator, "POST", "/__webhooks/release");
    assertEquals(released.body, { held: false });
    await simulator.webhooksIdle();
    assertEquals(received.length, 4);
    assertEquals(
      simulator.webhookDeliveries().map((d) => [d.state, d.last_status]),
      Array(4).fill(["delivered", 200]),
    );
    const wrongMethod = await control(simulator, "GET", "/__webhooks/hold");
    assertEquals(wrongMethod.status, 405);
  });
});
