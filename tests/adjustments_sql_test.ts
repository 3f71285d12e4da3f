/**
 * The adjustments mirror in SQL (migration 20261206000800): adjustment.created / .updated through
 * the one write path, newest-wins, lossless when the customer or transaction is unknown, row-level
 * security, validation, and public.refunds(transactions), the computed relationship the page
 * embeds. Against the stack's database (`deno task test tests/adjustments_sql_test.ts`).
 */
import assert from "node:assert/strict";
import { paddleEvent, paddleId } from "../local/paddle_webhooks/payloads.ts";
import {
  apply,
  applyEntities,
  type Client,
  inTransaction,
  linkedCustomer,
  sqlState,
  withClient,
} from "./_db.ts";
import { adjustmentJson } from "./_paddle_adjustments.ts";
import { transactionJson } from "./_paddle_transactions.ts";

const T0 = Date.parse("2026-08-01T10:00:00.000Z");
const MIN = 60_000;

async function row(client: Client, id: string) {
  const { rows } = await client.query(
    `select transaction_id, customer_id, subscription_id, action, type, status, reason,
            currency_code, subtotal::text, tax::text, total::text, fee::text, earnings::text,
            jsonb_array_length(items) as items, last_event_id
     from public.adjustments where adjustment_id = $1`,
    [id],
  );
  return rows[0];
}

/** The refunds a signed-in user sees embedded in a transaction, as PostgREST reads them. */
async function refundsSeenBy(client: Client, userId: string, transactionId: string) {
  return await inTransaction(
    client,
    { role: "authenticated", sub: userId, commit: false },
    async () => {
      const { rows } = await client.query(
        `select r.adjustment_id, r.status from public.transactions t, public.refunds(t) r
         where t.transaction_id = $1 order by r.adjustment_id`,
        [transactionId],
      );
      return rows.map((r) => `${r.adjustment_id}:${r.status}`);
    },
  );
}

Deno.test("adjustment.created then .updated apply, and Paddle's shape is stored field for field", async () => {
  await withClient(async (client) => {
    const { customerId } = await linkedCustomer(client);
    const transactionId = paddleId("txn", T0);
    const subscriptionId = paddleId("sub", T0);
    const id = paddleId("adj", T0);
    const init = { id, transactionId, customerId, subscriptionId, total: "1089", createdAtMs: T0 };
    const created = await apply(
      client,
      paddleEvent("adjustment.created", adjustmentJson(init), T0),
    );
    assert.equal(created.outcome, "applied");
    assert.equal(created.entity, "adjustment");
    assert.equal(created.entity_id, id);
    assert.equal(created.customer_id, customerId);
    assert.equal(created.customer_linked, true);
    assert.equal((await row(client, id)).status, "pending_approval");

    const approved = paddleEvent(
      "adjustment.updated",
      adjustmentJson({ ...init, status: "approved", updatedAtMs: T0 + 10 * MIN }),
      T0 + 10 * MIN,
    );
    assert.equal((await apply(client, approved)).outcome, "applied");
    assert.deepEqual(await row(client, id), {
      transaction_id: transactionId,
      customer_id: customerId,
      subscription_id: subscriptionId,
      action: "refund",
      type: "partial",
      status: "approved",
      reason: "Customer asked for a refund",
      currency_code: "USD",
      subtotal: "1001",
      tax: "88",
      total: "1089",
      fee: "54",
      earnings: "947",
      items: 1,
      last_event_id: approved.event_id,
    });

    // The older event delivered late, and a redelivery: nothing changes.
    const late = await apply(
      client,
      paddleEvent("adjustment.created", adjustmentJson(init), T0 + MIN),
    );
    assert.equal(late.outcome, "stale");
    assert.equal((await apply(client, approved)).outcome, "duplicate");
    assert.equal((await row(client, id)).status, "approved");
    // A page of the API with the same version writes nothing either.
    const page = await applyEntities(client, "adjustment", [
      adjustmentJson({ ...init, status: "approved", updatedAtMs: T0 + 10 * MIN }),
    ]);
    assert.deepEqual([page.written, page.unchanged], [0, 1]);
  });
});

Deno.test("an adjustment whose customer and transaction are unknown is kept, with a stub customer", async () => {
  await withClient(async (client) => {
    const customerId = paddleId("ctm", T0);
    const transactionId = paddleId("txn", T0);
    const id = paddleId("adj", T0);
    const result = await apply(
      client,
      paddleEvent(
        "adjustment.created",
        adjustmentJson({ id, transactionId, customerId, total: "500", createdAtMs: T0 }),
        T0,
      ),
    );
    assert.equal(result.outcome, "applied");
    assert.equal(result.customer_stub_created, true);
    assert.equal(result.customer_linked, false);
    assert.equal((await row(client, id)).transaction_id, transactionId);
    const { rows } = await client.query(
      "select email from public.customers where customer_id = $1",
      [customerId],
    );
    assert.deepEqual(rows, [{ email: null }]);
  });
});

Deno.test("refunds(transactions): the owner's approved and pending refunds only; RLS and no writes", async () => {
  await withClient(async (client) => {
    const owner = await linkedCustomer(client);
    const other = await linkedCustomer(client);
    const transactionId = paddleId("txn", T0);
    await applyEntities(client, "transaction", [
      transactionJson({ id: transactionId, customerId: owner.customerId, createdAtMs: T0 }),
    ]);
    const base = { transactionId, customerId: owner.customerId, total: "100" };
    const approved = adjustmentJson({ ...base, status: "approved", createdAtMs: T0 });
    const pending = adjustmentJson({ ...base, createdAtMs: T0 + MIN });
    const rejected = adjustmentJson({ ...base, status: "rejected", createdAtMs: T0 + 2 * MIN });
    const chargeback = adjustmentJson({
      ...base,
      action: "chargeback",
      status: "approved",
      createdAtMs: T0 + 3 * MIN,
    });
    const page = await applyEntities(client, "adjustment", [
      approved,
      pending,
      rejected,
      chargeback,
    ]);
    assert.deepEqual([page.written, page.customers_stubbed], [4, 0]);

    assert.deepEqual(
      await refundsSeenBy(client, owner.userId, transactionId),
      [`${approved.id}:approved`, `${pending.id}:pending_approval`].sort(),
    );
    assert.deepEqual(await refundsSeenBy(client, other.userId, transactionId), []);
    const direct = await inTransaction(
      client,
      { role: "authenticated", sub: other.userId, commit: false },
      async () =>
        (await client.query("select 1 from public.adjustments where transaction_id = $1", [
          transactionId,
        ])).rowCount,
    );
    assert.equal(direct, 0);
    const anon = await inTransaction(
      client,
      { role: "anon", commit: false },
      () => sqlState(client.query("select 1 from public.adjustments")),
    );
    assert.equal(anon, "42501");
    for (const role of ["authenticated", "service_role"]) {
      const state = await inTransaction(
        client,
        { role, sub: owner.userId, commit: false },
        () =>
          sqlState(
            client.query(
              "update public.adjustments set status = 'approved' where adjustment_id = $1",
              [
                pending.id,
              ],
            ),
          ),
      );
      assert.equal(state, "42501", role);
    }
    const call = await inTransaction(client, {
      role: "authenticated",
      sub: owner.userId,
      commit: false,
    }, () => sqlState(client.query("select public.apply_paddle_entities('adjustment', '[]')")));
    assert.equal(call, "42501");
  });
});

Deno.test("a malformed adjustment raises 22023 and nothing of the call is kept", async () => {
  await withClient(async (client) => {
    const { customerId } = await linkedCustomer(client);
    const transactionId = paddleId("txn", T0);
    const good = adjustmentJson({ transactionId, customerId, total: "100", createdAtMs: T0 });
    const cases: [string, (a: Record<string, unknown>) => void][] = [
      ["action", (a) => (a.action = "discount")],
      ["status", (a) => (a.status = "refunded")],
      ["type", (a) => (a.type = "most")],
      ["no transaction", (a) => delete a.transaction_id],
      ["no customer", (a) => delete a.customer_id],
      ["float amount", (a) => ((a.totals as Record<string, unknown>).total = 10.89)],
      ["timestamp", (a) => (a.updated_at = "2026-08-01 10:00")],
      ["items", (a) => (a.items = [1])],
    ];
    for (const [name, spoil] of cases) {
      const bad = structuredClone(
        adjustmentJson({ transactionId, customerId, total: "100", createdAtMs: T0 }),
      );
      spoil(bad);
      const state = await sqlState(applyEntities(client, "adjustment", [good, bad]));
      assert.equal(state, "22023", name);
      assert.equal(await row(client, good.id as string), undefined, name);
    }
  });
});
