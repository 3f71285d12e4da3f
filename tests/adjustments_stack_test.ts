/**
 * A refund end to end on the stack: Paddle's Node SDK asks the simulator to refund a completed
 * transaction (`POST /adjustments`), the simulator sends `adjustment.created` (pending approval)
 * and `adjustment.updated` (approved) signed to the real paddle-webhook function, the mirror
 * stores the newest, and the owner reads it embedded in the payment through PostgREST
 * (`refunds(...)`), while another user reads nothing.
 */
import { assertEquals } from "@std/assert";
import { readPaddleAccount } from "../local/paddle_account.ts";
import { applyEntities, linkedCustomer, withClient } from "./_db.ts";
import { postEntities } from "./_paddle_sync.ts";
import { transactionJson } from "./_paddle_transactions.ts";
import { paddleSdk, waitForDeliveries } from "./_sales.ts";
import { stackInfo } from "./_stack.ts";
import { userToken } from "./_tokens.ts";

async function linkedUser() {
  const user = await withClient((db) => linkedCustomer(db, "refund"));
  return { ...user, token: await userToken(user.userId) };
}

async function paymentWithRefunds(token: string, transactionId: string) {
  const res = await fetch(
    `${stackInfo().apiUrl}/rest/v1/transactions?select=transaction_id,grand_total:grand_total::text,refunds(status,type,total:total::text)&transaction_id=eq.${transactionId}`,
    { headers: { apikey: stackInfo().anonKey, authorization: `Bearer ${token}` } },
  );
  assertEquals(res.status, 200);
  return await res.json();
}

Deno.test("a refund made through the simulator reaches the mirror signed, and its owner reads it", async () => {
  const user = await linkedUser();
  const other = await linkedUser();
  const completed = transactionJson({
    customerId: user.customerId,
    createdAtMs: Date.now() - 60_000,
  });
  // The simulator lists a transaction whole only with prices and products it knows.
  const account = await readPaddleAccount(stackInfo().dbUrl);
  const price = account.entities.prices[0];
  const product = account.entities.products.find((p) => p.id === price.product_id);
  const details = completed.details as { line_items: Record<string, unknown>[] };
  await postEntities({
    transactions: [{
      ...completed,
      items: (completed.items as Record<string, unknown>[]).map((item) => ({ ...item, price })),
      details: {
        ...details,
        line_items: details.line_items.map((line) => ({ ...line, price_id: price.id, product })),
      },
    }],
  } as never);
  await withClient((db) => applyEntities(db, "transaction", [completed]));

  const adjustment = await paddleSdk().adjustments.create({
    action: "refund",
    transactionId: completed.id as string,
    reason: "requested by the customer",
    type: "full",
  });
  assertEquals(adjustment.status, "pending_approval");
  const deliveries = await waitForDeliveries([adjustment.id], 2);
  assertEquals(deliveries.map((d) => d.event_type), ["adjustment.created", "adjustment.updated"]);

  const [payment] = await paymentWithRefunds(user.token, completed.id as string);
  assertEquals(payment.refunds, [{ status: "approved", type: "full", total: payment.grand_total }]);
  assertEquals(await paymentWithRefunds(other.token, completed.id as string), []);
  const stored = await withClient(async (db) =>
    (await db.query(
      "select status, total::text, customer_id from public.adjustments where adjustment_id = $1",
      [adjustment.id],
    )).rows
  );
  assertEquals(stored, [{
    status: "approved",
    total: payment.grand_total,
    customer_id: user.customerId,
  }]);
});
