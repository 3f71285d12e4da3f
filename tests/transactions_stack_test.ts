/**
 * The transactions mirror through the stack: a signed transaction event through the webhook
 * function, a sync paging `GET /transactions` from the simulator (and a later run paging only
 * what changed), and the simulator's account agreeing with the seeded mirror.
 */
import { assert, assertEquals } from "@std/assert";
import { paddleEvent, paddleId } from "../local/paddle_webhooks/payloads.ts";
import { deliverEvent } from "../local/paddle_webhooks/sign.ts";
import { readPaddleAccount } from "../local/paddle_account.ts";
import { startPaddleSimulator } from "../local/paddle_simulator/mod.ts";
import { linkedCustomer, withClient } from "./_db.ts";
import { paddleRequests, resetPaddle } from "./_paddle.ts";
import { entity, postEntities, syncToEnd } from "./_paddle_sync.ts";
import { transactionJson } from "./_paddle_transactions.ts";
import { stackInfo } from "./_stack.ts";
import { userToken } from "./_tokens.ts";

async function ownTransactions(token: string) {
  const res = await fetch(
    `${stackInfo().apiUrl}/rest/v1/transactions?select=transaction_id,status,grand_total,payment_status,payment_error_code,payment_card_last4,line_items&order=created_at.desc`,
    { headers: { apikey: stackInfo().anonKey, authorization: `Bearer ${token}` } },
  );
  assertEquals(res.status, 200);
  return await res.json();
}

async function linkedUser() {
  const user = await withClient((db) => linkedCustomer(db, "payments"));
  return { ...user, token: await userToken(user.userId) };
}

Deno.test("a failed renewal, then its recovery, through the webhook: the owner reads both states", async () => {
  const user = await linkedUser();
  const other = await linkedUser();
  const id = paddleId("txn");
  const at = Date.now();
  const failed = transactionJson({
    id,
    customerId: user.customerId,
    subscriptionId: paddleId("sub"),
    status: "past_due",
    origin: "subscription_recurring",
    createdAtMs: at,
    updatedAtMs: at + 1000,
    invoiceNumber: "325-20001",
    payments: [{ status: "error", errorCode: "declined", last4: "0002", atMs: at + 500 }],
  });
  const recovered = transactionJson({
    ...{ id, customerId: user.customerId, subscriptionId: failed.subscription_id as string },
    status: "completed",
    origin: "subscription_recurring",
    createdAtMs: at,
    updatedAtMs: at + 5000,
    invoiceNumber: "325-20001",
    payments: [
      { status: "error", errorCode: "declined", last4: "0002", atMs: at + 500 },
      { status: "captured", last4: "4242", atMs: at + 4000 },
    ],
  });
  const url = `${stackInfo().apiUrl}/functions/v1/paddle-webhook`;
  const secret = stackInfo().paddle.webhookSecret;
  const first = await deliverEvent(
    url,
    paddleEvent("transaction.payment_failed", failed, at + 1000),
    secret,
  );
  assertEquals(first.status, 200, first.body);
  assertEquals(JSON.parse(first.body).outcome, "applied");
  const [row] = await ownTransactions(user.token);
  assertEquals(
    [row.status, row.payment_status, row.payment_error_code, row.payment_card_last4],
    ["past_due", "error", "declined", "0002"],
  );
  assertEquals(row.grand_total, 65215);

  // The recovery arrives, then a stale redelivery of the failure: the newest state stays.
  for (
    const event of [
      paddleEvent("transaction.completed", recovered, at + 5000),
      paddleEvent("transaction.past_due", failed, at + 1000),
    ]
  ) {
    const delivery = await deliverEvent(url, event, secret);
    assertEquals(delivery.status, 200, delivery.body);
  }
  const [after] = await ownTransactions(user.token);
  assertEquals(
    [after.status, after.payment_status, after.payment_card_last4],
    ["completed", "captured", "4242"],
  );
  assertEquals(after.line_items[0].product_name, "ChatApp Pro");
  assertEquals(await ownTransactions(other.token), []);
});

Deno.test("the sync pages GET /transactions, 30 at a time; a later run asks only for what changed", async () => {
  await resetPaddle();
  const user = await linkedUser();
  const at = Date.now();
  const transactions = Array.from(
    { length: 35 },
    (_, i) =>
      transactionJson({
        customerId: user.customerId,
        createdAtMs: at + i,
        invoiceNumber: `S-${i}`,
      }),
  );
  // The simulator's account needs the items' prices and products to list them whole.
  const account = await readPaddleAccount(stackInfo().dbUrl);
  const ids = new Set(transactions.map((t) => t.id as string));
  const simulatorShape = transactions.map((t) => ({
    ...t,
    items: (t.items as { price: Record<string, unknown>; quantity: number }[]).map((item) => ({
      ...item,
      price: account.entities.prices[0],
    })),
    details: {
      ...(t.details as Record<string, unknown>),
      line_items: (t.details as { line_items: Record<string, unknown>[] }).line_items.map(
        (line) => ({
          ...line,
          price_id: account.entities.prices[0].id,
          product: account.entities.products.find((p) =>
            p.id === account.entities.prices[0].product_id
          ),
        }),
      ),
    },
  }));
  await postEntities({ transactions: simulatorShape } as never);
  // The bound this restart will use: none on a first run; after a finished run, its start less an
  // hour (other tests may have run the sync before this one).
  const previous = await withClient(async (db) =>
    (await db.query(
      `select case when done then started_at - interval '1 hour' else updated_since end as bound
       from public.paddle_sync_state where entity_type = 'transaction'`,
    )).rows[0]?.bound as Date | null | undefined
  );
  const reports = await syncToEnd(true);
  const run = reports.at(-1)!.run;
  const tx = entity(run, "transaction");
  assertEquals(tx.done, true);
  assert(tx.records >= 35, `${tx.records}`);
  const listed = (await paddleRequests())
    .filter((r) => r.path.startsWith("/transactions?"))
    .map((r) => new URL(r.path, "http://x").searchParams);
  assert(listed.length >= 2);
  const bound = (since: string | null) => since === null ? null : Date.parse(since);
  for (const params of listed) {
    assertEquals(params.get("per_page"), "30");
    assertEquals(bound(params.get("updated_at[GTE]")), previous ? previous.getTime() : null);
  }
  const stored = await withClient(async (db) =>
    (await db.query(
      "select transaction_id from public.transactions where transaction_id = any($1)",
      [
        [...ids],
      ],
    )).rows.length
  );
  assertEquals(stored, 35);

  // A restart after a finished run pages transactions updated since that run began (less an hour).
  await resetPaddle();
  const again = await syncToEnd(true);
  const since = (await paddleRequests())
    .filter((r) => r.path.startsWith("/transactions?"))
    .map((r) => new URL(r.path, "http://x").searchParams.get("updated_at[GTE]"));
  assert(since.length >= 1 && since.every((s) => s !== null), JSON.stringify(since));
  assertEquals(entity(again.at(-1)!.run, "transaction").written, 0);
});

Deno.test("the simulator built from the seeded mirror serves the same payments; applying them writes nothing", async () => {
  const account = await readPaddleAccount(stackInfo().dbUrl);
  const seeded = account.entities.transactions.filter((t) =>
    ["ctm_01jdemoalice00000000000000", "ctm_01jdemodave000000000000000"].includes(
      t.customer_id ?? "",
    ) && t.invoice_number?.startsWith("DEMO-")
  );
  // Every seeded payment became a simulator transaction (other tests' may lack a catalog).
  const inMirror = await withClient(async (db) =>
    (await db.query(
      `select transaction_id from public.transactions
       where customer_id in ('ctm_01jdemoalice00000000000000', 'ctm_01jdemodave000000000000000')
         and invoice_number like 'DEMO-%'`,
    )).rows.map((r) => r.transaction_id as string)
  );
  assert(inMirror.length >= 3, `${inMirror.length}`);
  assertEquals(seeded.map((t) => t.id).sort(), inMirror.sort());
  const apiKey = "pdl_sdbx_apikey_01jtxnseedtestkey00000000_txnseed";
  const simulator = await startPaddleSimulator({ apiKey, entities: account.entities });
  try {
    const res = await fetch(
      `${simulator.url}/transactions?customer_id=ctm_01jdemoalice00000000000000&per_page=30`,
      { headers: { authorization: `Bearer ${apiKey}` } },
    );
    const { data } = await res.json();
    const alices = seeded.filter((t) => t.customer_id === "ctm_01jdemoalice00000000000000");
    assertEquals(
      data.map((t: { id: string }) => t.id).filter((id: string) => alices.some((a) => a.id === id))
        .sort(),
      alices.map((t) => t.id).sort(),
    );
    const result = await withClient(async (db) => {
      await db.query("begin");
      try {
        const { rows: [{ r }] } = await db.query(
          "select public.apply_paddle_entities('transaction', $1::jsonb) as r",
          [JSON.stringify(seeded)],
        );
        return r;
      } finally {
        await db.query("rollback");
      }
    });
    assertEquals([result.received, result.written], [seeded.length, 0]);
  } finally {
    await simulator.stop();
  }
});
