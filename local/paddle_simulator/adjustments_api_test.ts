/**
 * `POST /adjustments` and `GET /adjustments`: a refund of a completed transaction as Paddle makes
 * it (created pending approval, then approved, each with its notification), Paddle's refusals,
 * exact totals, and the list; then the same through Paddle's Node SDK against the running
 * simulator.
 */
import { Environment, Paddle } from "@paddle/paddle-node-sdk";
import { assert, assertEquals, assertMatch } from "@std/assert";
import { AdjustmentSchema } from "../../supabase/functions/paddle-webhook/events.ts";
import { handleAdjustmentsRequest, type PaddleAdjustment } from "./adjustments_api.ts";
import { newPaddleId } from "./ids.ts";
import { CATALOG, catalogStore, paidTransaction, readyTransaction } from "./selling_fixtures.ts";
import type { EntityStore } from "./store.ts";
import { API_KEY, withEntities } from "./test_support.ts";

const CUSTOMER = newPaddleId("ctm");
const BASE = "http://paddle.test";

function setup() {
  const store = catalogStore();
  const completed = paidTransaction(store, CUSTOMER, { quantity: 3 });
  const ready = readyTransaction(store, CUSTOMER);
  const sent: { type: string; data: PaddleAdjustment }[] = [];
  const context = {
    store,
    baseUrl: BASE,
    notify: (type: string, data: unknown) => sent.push({ type, data: data as PaddleAdjustment }),
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const url = new URL(path, BASE);
    const text = body === undefined ? "" : JSON.stringify(body);
    const response = handleAdjustmentsRequest(new Request(url, { method }), url, text, context);
    if (!response) throw new Error(`not routed: ${path}`);
    return { status: response.status, body: await response.json() };
  };
  return { store, completed, ready, sent, call };
}

function errorCode(answer: { body: { error?: { code: string } } }) {
  return answer.body.error?.code;
}

Deno.test("adjustments: a full refund is created pending approval, then approved, notified in order", async () => {
  const { completed, sent, call, store } = setup();
  const answer = await call("POST", "/adjustments", {
    action: "refund",
    transaction_id: completed.id,
    reason: "duplicate purchase",
    type: "full",
  });
  assertEquals(answer.status, 201);
  const created: PaddleAdjustment = answer.body.data;
  assertMatch(created.id, /^adj_[a-z\d]{26}$/);
  assertEquals(created.status, "pending_approval");
  assertEquals([created.action, created.type], ["refund", "full"]);
  assertEquals(created.transaction_id, completed.id);
  assertEquals(created.customer_id, CUSTOMER);
  assertEquals(created.subscription_id, completed.subscription_id);
  const paid = completed.details.totals;
  assertEquals(created.totals.total, paid.grand_total);
  assertEquals(created.totals.tax, paid.tax);
  assertEquals(
    BigInt(created.totals.subtotal) + BigInt(created.totals.tax),
    BigInt(created.totals.total),
  );
  assertEquals(
    created.items.map((item) => item.item_id),
    completed.details.line_items.map((l) => l.id),
  );
  assertEquals(sent.map((event) => [event.type, event.data.status]), [
    ["adjustment.created", "pending_approval"],
    ["adjustment.updated", "approved"],
  ]);
  assert(sent[1].data.updated_at >= sent[0].data.updated_at);
  assertEquals(store.adjustments.get(created.id)?.status, "approved");
  // What the webhook receiver accepts: Paddle's shape, as the mirror parses it.
  for (const event of sent) assert(AdjustmentSchema.safeParse(event.data).success);
  // The transaction is not changed: adjustments sit beside it.
  assertEquals(store.transactions.get(completed.id), completed);

  // Nothing is left to refund.
  const again = await call("POST", "/adjustments", {
    action: "refund",
    transaction_id: completed.id,
    reason: "again",
    type: "full",
  });
  assertEquals([again.status, errorCode(again)], [
    400,
    "adjustment_amount_above_remaining_allowed",
  ]);
});

Deno.test("adjustments: partial refunds take exact amounts of a line until none is left", async () => {
  const { completed, sent, call } = setup();
  const line = completed.details.line_items[0];
  const refund = (amount: string) =>
    call("POST", "/adjustments", {
      action: "refund",
      transaction_id: completed.id,
      reason: "partial",
      items: [{ item_id: line.id, type: "partial", amount }],
    });
  const first = await refund("1000");
  assertEquals(first.status, 201);
  assertEquals(first.body.data.type, "partial");
  assertEquals(first.body.data.totals.total, "1000");
  const left = BigInt(line.totals.total) - 1000n;
  const over = await refund((left + 1n).toString());
  assertEquals([over.status, errorCode(over)], [400, "adjustment_amount_above_remaining_allowed"]);
  const rest = await refund(left.toString());
  assertEquals(rest.status, 201);
  assertEquals(sent.length, 4);
});

Deno.test("adjustments: Paddle's refusals change nothing and notify nobody", async () => {
  const { completed, ready, sent, call, store } = setup();
  const cases: [unknown, number, string][] = [
    [
      { action: "refund", transaction_id: ready.id, reason: "x", type: "full" },
      400,
      "adjustment_transaction_invalid_status_for_refund",
    ],
    [
      { action: "credit", transaction_id: completed.id, reason: "x", type: "full" },
      400,
      "adjustment_transaction_invalid_status_for_credit",
    ],
    [
      { action: "refund", transaction_id: newPaddleId("txn"), reason: "x", type: "full" },
      404,
      "not_found",
    ],
    [{ action: "refund", transaction_id: completed.id, reason: "x" }, 400, "invalid_field"],
    [{ action: "refund", transaction_id: completed.id, type: "full" }, 400, "invalid_field"],
    [
      { action: "chargeback", transaction_id: completed.id, reason: "x", type: "full" },
      400,
      "invalid_field",
    ],
    [
      {
        action: "refund",
        transaction_id: completed.id,
        reason: "x",
        items: [{ item_id: completed.details.line_items[0].id, type: "partial", amount: "10.5" }],
      },
      400,
      "invalid_field",
    ],
    [
      {
        action: "refund",
        transaction_id: completed.id,
        reason: "x",
        items: [{ item_id: newPaddleId("txnitm"), type: "full" }],
      },
      400,
      "invalid_field",
    ],
  ];
  for (const [body, status, code] of cases) {
    const answer = await call("POST", "/adjustments", body);
    assertEquals([answer.status, errorCode(answer)], [status, code], JSON.stringify(body));
  }
  assertEquals(sent, []);
  assertEquals(store.adjustments.size, 0);
  const put = await call("PUT", "/adjustments", {});
  assertEquals([put.status, errorCode(put)], [405, "method_not_allowed"]);
});

Deno.test("adjustments: GET /adjustments lists newest first, filtered and paged", async () => {
  const { completed, call, store } = setup();
  const other = paidTransaction(store as EntityStore, CUSTOMER);
  for (const id of [completed.id, other.id]) {
    const made = await call("POST", "/adjustments", {
      action: "refund",
      transaction_id: id,
      reason: "list",
      type: "full",
    });
    assertEquals(made.status, 201);
  }
  const all = await call("GET", "/adjustments");
  assertEquals(all.body.data.length, 2);
  assert(all.body.data[0].id > all.body.data[1].id);
  assertEquals(all.body.meta.pagination.estimated_total, 2);
  const one = await call("GET", `/adjustments?transaction_id=${other.id}&status=approved`);
  assertEquals(one.body.data.map((a: PaddleAdjustment) => a.transaction_id), [other.id]);
  const page = await call("GET", "/adjustments?per_page=1");
  assertEquals([page.body.data.length, page.body.meta.pagination.has_more], [1, true]);
  const next = new URL(page.body.meta.pagination.next);
  const second = await call("GET", `${next.pathname}${next.search}`);
  assertEquals(second.body.data[0].id, all.body.data[1].id);
  assertEquals(second.body.meta.pagination.has_more, false);
});

Deno.test("adjustments: Paddle's Node SDK refunds a transaction and lists it", async () => {
  const store = catalogStore();
  const completed = paidTransaction(store, CUSTOMER);
  await withEntities({ ...CATALOG, transactions: [completed] }, async (simulator) => {
    const paddle = new Paddle(API_KEY, { environment: simulator.url as Environment });
    const adjustment = await paddle.adjustments.create({
      action: "refund",
      transactionId: completed.id,
      reason: "customer asked",
      type: "full",
    });
    assertEquals(adjustment.status, "pending_approval");
    assertEquals(adjustment.totals?.total, completed.details.totals.grand_total);
    const listed = [];
    for await (const item of paddle.adjustments.list({ transactionId: [completed.id] })) {
      listed.push(item);
    }
    assertEquals(listed.map((a) => [a.id, a.status]), [[adjustment.id, "approved"]]);
    await simulator.webhooksIdle();
  });
});
