/**
 * A sale through the stack: the simulator's webhooks reach the real paddle-webhook function,
 * signed with the stack's secret, and the mirror ends up as Paddle's list APIs describe it.
 */
import { assert, assertEquals } from "@std/assert";
import { control, stackInfo } from "./_stack.ts";
import { resetPaddle } from "./_paddle.ts";
import { syncToEnd } from "./_paddle_sync.ts";
import {
  holdWebhooks,
  mirroredSale,
  newBuyer,
  paddleSdk,
  releaseWebhooks,
  sell,
  waitForDeliveries,
  webhookLog,
} from "./_sales.ts";
import { withClient } from "./_db.ts";
import { PLANS } from "../local/paddle_webhooks/payloads.ts";

function pay(transactionId: string): Promise<Response> {
  return fetch(`${stackInfo().paddle.apiUrl}/checkout/${transactionId}/pay`, {
    method: "POST",
    redirect: "manual",
  });
}

const written = (reports: { slice: { written: number } }[]) =>
  reports.reduce((sum, report) => sum + report.slice.written, 0);

Deno.test("sale: signed webhooks are applied, the subscription is the buyer's, and a sync afterwards writes nothing", async () => {
  await resetPaddle();
  // Whatever earlier tests left in the simulator, the mirror matches it before the sale.
  await syncToEnd(true);
  const buyer = await newBuyer();
  const { customer, transaction } = await sell(buyer, `${stackInfo().apiUrl}/checkout.html`);
  assertEquals(
    transaction.checkout?.url,
    `${stackInfo().apiUrl}/checkout.html?_ptxn=${transaction.id}`,
  );
  const paid = await pay(transaction.id);
  assertEquals(paid.status, 303);
  assertEquals(paid.headers.get("location"), `${stackInfo().apiUrl}/?checkout=complete`);
  const subscriptionId = (await paddleSdk().transactions.get(transaction.id)).subscriptionId!;

  const deliveries = await waitForDeliveries([customer.id, transaction.id, subscriptionId], 4);
  assertEquals(deliveries.map((d) => [d.event_type, d.attempts, d.last_status]), [
    ["customer.created", 1, 200],
    ["transaction.completed", 1, 200],
    ["subscription.created", 1, 200],
    ["subscription.activated", 1, 200],
  ]);

  const sale = await mirroredSale(customer.id);
  assertEquals(sale.customer, {
    customer_id: customer.id,
    user_id: buyer.userId,
    email: buyer.email,
  });
  assertEquals(sale.subscriptions, [{
    subscription_id: subscriptionId,
    customer_id: customer.id,
    status: "active",
  }]);
  assertEquals(sale.items, [{
    subscription_id: subscriptionId,
    price_id: PLANS.basic.priceId,
    product_id: PLANS.basic.productId,
    quantity: 1,
  }]);
  // The function verified each signature and recorded each mirrored event once.
  const ledger = await withClient(async (db) =>
    (await db.query(
      `select event_type, outcome from public.paddle_events where event_id = any($1)
       order by event_type`,
      [deliveries.map((d) => d.event_id)],
    )).rows
  );
  assertEquals(ledger, [
    { event_type: "customer.created", outcome: "applied" },
    { event_type: "subscription.activated", outcome: "applied" },
    { event_type: "subscription.created", outcome: "applied" },
    { event_type: "transaction.completed", outcome: "applied" },
  ]);
  // The payment is mirrored too, with Paddle's invoice number, for the buyer's payments list.
  const payment = await withClient(async (db) =>
    (await db.query(
      `select customer_id, subscription_id, status, invoice_number is not null as invoiced
       from public.transactions where transaction_id = $1`,
      [transaction.id],
    )).rows
  );
  assertEquals(payment, [{
    customer_id: customer.id,
    subscription_id: subscriptionId,
    status: "completed",
    invoiced: true,
  }]);

  assertEquals(written(await syncToEnd(true)), 0, "the sync found nothing the webhooks missed");
});

Deno.test("sale: a held webhook arrives late; the mirror shows the subscription only after release", async () => {
  await resetPaddle();
  const buyer = await newBuyer();
  const { customer, transaction } = await sell(buyer);
  await waitForDeliveries([customer.id], 1);
  await holdWebhooks();
  try {
    assertEquals((await pay(transaction.id)).status, 303);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const log = await webhookLog();
    assertEquals(log.held, true);
    assertEquals(
      log.deliveries.filter((d) => d.state === "held").map((d) => d.event_type),
      ["transaction.completed", "subscription.created", "subscription.activated"],
    );
    assertEquals((await mirroredSale(customer.id)).subscriptions, []);
  } finally {
    await releaseWebhooks();
  }
  const subscriptionId = (await paddleSdk().transactions.get(transaction.id)).subscriptionId!;
  await waitForDeliveries([transaction.id, subscriptionId], 3);
  const sale = await mirroredSale(customer.id);
  assertEquals(sale.subscriptions.map((s) => [s.subscription_id, s.status]), [[
    subscriptionId,
    "active",
  ]]);
});

Deno.test("sale: while the database is down the function answers 503 and the simulator retries until it is applied", async () => {
  await resetPaddle();
  const buyer = await newBuyer();
  await control("POST", "/postgrest/stop");
  let customerId: string;
  try {
    ({ customer: { id: customerId } } = await sell(buyer));
    // The first attempt fails while PostgREST is stopped.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const record = (await webhookLog()).deliveries.find((d) => d.entity_id === customerId);
      // An attempt is over once it has an answer (or an error).
      if (record && (record.last_status !== null || record.last_error !== null)) {
        assertEquals(record.last_status, 503);
        assertEquals(record.state, "pending");
        break;
      }
      assert(Date.now() < deadline, "no first attempt");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await control("POST", "/postgrest/start");
  }
  const [delivered] = await waitForDeliveries([customerId], 1);
  assert(delivered.attempts >= 2, JSON.stringify(delivered));
  assertEquals(delivered.last_status, 200);
  assertEquals((await mirroredSale(customerId)).customer?.user_id, buyer.userId);
});
