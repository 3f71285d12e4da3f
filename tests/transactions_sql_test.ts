/**
 * The transactions mirror in SQL (migration 20261206000400): every transaction.* event and pages
 * of the API through the one write path, newest-wins, lossless when the customer is unknown, row-
 * level security, the seed's past payments, and the transaction-invoice function's RPC. Against
 * the stack's database (`deno task test tests/transactions_sql_test.ts`); every test makes its
 * own ids.
 */
import assert from "node:assert/strict";
import { paddleEvent, paddleId } from "../local/paddle_webhooks/payloads.ts";
import {
  apply,
  applyEntities,
  type Client,
  createUser,
  inTransaction,
  linkedCustomer,
  sqlState,
  uniqueEmail,
  withClient,
} from "./_db.ts";
import { LINES, TOTALS, transactionJson } from "./_paddle_transactions.ts";
import { TRANSACTION_EVENT_TYPES } from "../supabase/functions/paddle-webhook/events.ts";

const T0 = Date.parse("2026-07-01T10:00:00.000Z");
const MIN = 60_000;

async function row(client: Client, id: string) {
  const { rows } = await client.query(
    `select customer_id, subscription_id, status, origin, collection_mode, currency_code,
            subtotal::text, discount::text, tax::text, total::text, grand_total::text,
            credit::text, balance::text, invoice_id, invoice_number,
            to_char(billed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as billed_at,
            to_char(billing_period_starts_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as period_starts_at,
            line_items, payment_status, payment_error_code, payment_method_type,
            payment_card_brand, payment_card_last4,
            to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as updated_at,
            last_event_id
     from public.transactions where transaction_id = $1`,
    [id],
  );
  return rows[0];
}

/** The rows a signed-in user reads through RLS. */
async function visibleTo(client: Client, userId: string, ids: string[]) {
  return await inTransaction(
    client,
    { role: "authenticated", sub: userId, commit: false },
    async () => {
      const { rows } = await client.query(
        "select transaction_id from public.transactions where transaction_id = any($1) order by 1",
        [ids],
      );
      return rows.map((r) => r.transaction_id as string);
    },
  );
}

Deno.test("every transaction.* event applies, and Paddle's shape is stored field for field", async () => {
  await withClient(async (client) => {
    const { customerId } = await linkedCustomer(client);
    const subscriptionId = paddleId("sub", T0);
    const id = paddleId("txn", T0);
    const statuses = {
      "transaction.created": "draft",
      "transaction.updated": "ready",
      "transaction.ready": "ready",
      "transaction.billed": "billed",
      "transaction.paid": "paid",
      "transaction.completed": "completed",
      "transaction.past_due": "past_due",
      "transaction.payment_failed": "past_due",
      "transaction.canceled": "canceled",
      "transaction.revised": "completed",
    } as const;
    let at = T0;
    for (const type of TRANSACTION_EVENT_TYPES) {
      at += MIN;
      const data = transactionJson({
        id,
        customerId,
        subscriptionId,
        status: statuses[type],
        createdAtMs: T0,
        updatedAtMs: at,
        invoiceNumber: "325-10566",
        period: { startsAtMs: T0, endsAtMs: T0 + 30 * 24 * 60 * MIN },
      });
      const result = await apply(client, paddleEvent(type, data, at));
      assert.equal(result.outcome, "applied", type);
      assert.equal(result.entity, "transaction");
      assert.equal(result.entity_id, id);
      assert.equal(result.customer_linked, true);
      assert.equal((await row(client, id)).status, statuses[type], type);
    }

    const stored = await row(client, id);
    const sent = transactionJson({
      id,
      customerId,
      subscriptionId,
      createdAtMs: T0,
      invoiceNumber: "325-10566",
    });
    assert.equal(stored.customer_id, customerId);
    assert.equal(stored.subscription_id, subscriptionId);
    assert.equal(stored.origin, "web");
    assert.equal(stored.collection_mode, "automatic");
    assert.equal(stored.currency_code, "USD");
    assert.deepEqual(
      [stored.subtotal, stored.discount, stored.tax, stored.total, stored.grand_total],
      [TOTALS.subtotal, TOTALS.discount, TOTALS.tax, TOTALS.total, TOTALS.grand_total],
    );
    assert.deepEqual([stored.credit, stored.balance], [TOTALS.credit, TOTALS.balance]);
    assert.equal(stored.invoice_number, "325-10566");
    assert.equal(stored.billed_at, sent.billed_at);
    assert.equal(stored.period_starts_at, "2026-07-01T10:00:00.000000Z");
    assert.deepEqual(
      stored.line_items,
      LINES.map((line) => ({
        price_id: line.priceId,
        product_id: line.productId,
        product_name: line.productName,
        price_name: line.priceName,
        quantity: line.quantity,
        tax_rate: "0.08875",
        ...line.totals,
      })),
    );
    // The newest attempt is the captured one, whatever order Paddle lists them in.
    assert.deepEqual(
      [stored.payment_status, stored.payment_error_code, stored.payment_method_type],
      ["captured", null, "card"],
    );
    assert.deepEqual([stored.payment_card_brand, stored.payment_card_last4], ["visa", "4242"]);
  });
});

Deno.test("newest wins: an older event or an equal snapshot writes nothing, any order converges", async () => {
  await withClient(async (client) => {
    const { customerId } = await linkedCustomer(client);
    const id = paddleId("txn", T0);
    const state = (status: "ready" | "completed" | "past_due", atMs: number) =>
      transactionJson({ id, customerId, status, createdAtMs: T0, updatedAtMs: atMs });
    const completed = paddleEvent(
      "transaction.completed",
      state("completed", T0 + 2 * MIN),
      T0 + 2 * MIN,
    );
    const ready = paddleEvent("transaction.ready", state("ready", T0 + MIN), T0 + MIN);

    assert.equal((await apply(client, completed)).outcome, "applied");
    assert.equal((await apply(client, ready)).outcome, "stale");
    assert.equal((await apply(client, completed)).outcome, "duplicate");
    assert.equal((await row(client, id)).status, "completed");

    // The same version from the API: nothing written.
    const snapshot = await applyEntities(client, "transaction", [state("completed", T0 + 2 * MIN)]);
    assert.deepEqual([snapshot.received, snapshot.written, snapshot.unchanged], [1, 0, 1]);
    assert.equal((await row(client, id)).last_event_id, completed.event_id);
    // A newer one from the API wins over the event.
    const later = await applyEntities(client, "transaction", [state("past_due", T0 + 3 * MIN)]);
    assert.equal(later.written, 1);
    assert.equal((await row(client, id)).status, "past_due");
    // A page holding the same id twice keeps the newer state.
    const page = await applyEntities(client, "transaction", [
      state("completed", T0 + 5 * MIN),
      state("ready", T0 + 4 * MIN),
    ]);
    assert.equal(page.written, 1);
    assert.equal((await row(client, id)).status, "completed");
  });
});

Deno.test("a transaction whose customer is unknown is kept, and its owner sees it once linked", async () => {
  await withClient(async (client) => {
    const customerId = paddleId("ctm", T0);
    const id = paddleId("txn", T0);
    const result = await apply(
      client,
      paddleEvent(
        "transaction.completed",
        transactionJson({ id, customerId, createdAtMs: T0 }),
        T0,
      ),
    );
    assert.equal(result.outcome, "applied");
    assert.equal(result.customer_stub_created, true);
    assert.equal(result.customer_linked, false);
    assert.equal((await row(client, id)).customer_id, customerId);

    const email = uniqueEmail("late");
    const userId = await createUser(client, email, true);
    assert.deepEqual(await visibleTo(client, userId, [id]), []);
    await apply(
      client,
      paddleEvent("customer.created", {
        id: customerId,
        email,
        status: "active",
        created_at: "2026-07-01T09:00:00.000000Z",
        updated_at: "2026-07-01T09:00:00.000000Z",
      }, T0 + MIN),
    );
    assert.deepEqual(await visibleTo(client, userId, [id]), [id]);

    // A draft without any customer is kept too.
    const draft = paddleId("txn", T0);
    const page = await applyEntities(client, "transaction", [
      transactionJson({ id: draft, customerId: null, status: "draft", createdAtMs: T0 }),
    ]);
    assert.deepEqual([page.written, page.customers_stubbed], [1, 0]);
    assert.equal((await row(client, draft)).customer_id, null);
  });
});

Deno.test("row-level security: the owner reads, another user and anon read nothing, nobody writes", async () => {
  await withClient(async (client) => {
    const owner = await linkedCustomer(client);
    const other = await linkedCustomer(client);
    const id = paddleId("txn", T0);
    await applyEntities(client, "transaction", [
      transactionJson({ id, customerId: owner.customerId, createdAtMs: T0 }),
    ]);
    assert.deepEqual(await visibleTo(client, owner.userId, [id]), [id]);
    assert.deepEqual(await visibleTo(client, other.userId, [id]), []);
    const anon = await inTransaction(
      client,
      { role: "anon", commit: false },
      () => sqlState(client.query("select 1 from public.transactions")),
    );
    assert.equal(anon, "42501");
    for (const role of ["authenticated", "service_role"]) {
      const state = await inTransaction(
        client,
        { role, sub: owner.userId, commit: false },
        () =>
          sqlState(
            client.query(
              "update public.transactions set status = 'canceled' where transaction_id = $1",
              [
                id,
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
    }, () => sqlState(client.query("select public.apply_paddle_entities('transaction', '[]')")));
    assert.equal(call, "42501");
  });
});

Deno.test("a malformed transaction raises 22023 and nothing of the call is kept", async () => {
  await withClient(async (client) => {
    const { customerId } = await linkedCustomer(client);
    const good = transactionJson({ customerId, createdAtMs: T0 });
    const cases: [string, (t: Record<string, unknown>) => void][] = [
      ["status", (t) => (t.status = "refunded")],
      ["customer id", (t) => (t.customer_id = "ctm_NOPE")],
      [
        "float amount",
        (t) => ((t.details as { totals: Record<string, unknown> }).totals.total = 652.15),
      ],
      ["timestamp", (t) => (t.billed_at = "2026-07-01 10:00")],
      ["line items", (t) => ((t.details as Record<string, unknown>).line_items = {})],
    ];
    for (const [name, spoil] of cases) {
      const bad = structuredClone(transactionJson({ customerId, createdAtMs: T0 }));
      spoil(bad);
      const state = await sqlState(applyEntities(client, "transaction", [good, bad]));
      assert.equal(state, "22023", name);
      assert.equal(await row(client, good.id as string), undefined, name);
    }
  });
});

Deno.test("the seed gives alice and dave completed past payments with invoice numbers", async () => {
  await withClient(async (client) => {
    const { rows } = await client.query(
      `select c.email, t.status, t.invoice_number, t.grand_total::text, t.line_items,
              t.payment_status, t.subscription_id, t.billed_at <= now() as past
       from public.transactions t join public.customers c using (customer_id)
       where c.email in ('alice@example.com', 'dave@example.com', 'bob@example.com')
       order by c.email, t.billed_at`,
    );
    const alice = rows.filter((r) => r.email === "alice@example.com");
    const dave = rows.filter((r) => r.email === "dave@example.com");
    assert.ok(alice.length >= 2, `alice: ${alice.length}`);
    assert.ok(dave.length >= 1, `dave: ${dave.length}`);
    assert.equal(rows.filter((r) => r.email === "bob@example.com").length, 0);
    for (const r of rows) {
      assert.equal(r.status, "completed");
      assert.match(r.invoice_number, /^DEMO-\d{5}$/);
      assert.equal(r.payment_status, "captured");
      assert.ok(r.past);
      assert.ok(r.line_items.length >= 1);
    }
    // Pro monthly with 3 extra seats: $30 + 3 × $5.
    const proWithSeats = alice.find((r) => r.subscription_id === "sub_01jdemoalicesub10000000000");
    assert.equal(proWithSeats?.grand_total, "4500");
    assert.equal(new Set(rows.map((r) => r.invoice_number)).size, rows.length);
  });
});

Deno.test("transaction_invoice_prepare: the owner's billed transaction only, refusals before the mint slot", async () => {
  await withClient(async (client) => {
    const owner = await linkedCustomer(client);
    const other = await linkedCustomer(client);
    const completed = paddleId("txn", T0);
    const failed = paddleId("txn", T0);
    await applyEntities(client, "transaction", [
      transactionJson({
        id: completed,
        customerId: owner.customerId,
        createdAtMs: T0,
        invoiceNumber: "1-1",
      }),
      transactionJson({
        id: failed,
        customerId: owner.customerId,
        status: "past_due",
        createdAtMs: T0,
        payments: [{ status: "error", errorCode: "declined", last4: "0002", atMs: T0 }],
      }),
    ]);
    const prepare = (userId: string, id: string) =>
      inTransaction(client, { role: "authenticated", sub: userId, commit: false }, async () => {
        const { rows } = await client.query(
          "select public.transaction_invoice_prepare($1, 10) as r",
          [id],
        );
        return { result: rows[0].r };
      });
    assert.deepEqual((await prepare(other.userId, completed)).result, {
      outcome: "transaction_not_found",
    });
    assert.deepEqual((await prepare(owner.userId, paddleId("txn", T0))).result, {
      outcome: "transaction_not_found",
    });
    assert.deepEqual((await prepare(owner.userId, failed)).result, {
      outcome: "invoice_not_available",
      status: "past_due",
    });
    const ready = (await prepare(owner.userId, completed)).result;
    assert.equal(ready.outcome, "ready");
    assert.equal(ready.transaction_id, completed);
    assert.deepEqual(ready.mint, { taken: true, retry_after_seconds: null });
  });
});

Deno.test("the sync visits transactions last, and a restart after a finished run reads only changes", async () => {
  await withClient(async (client) => {
    await client.query("begin");
    try {
      await client.query("select public.paddle_sync_begin(true)");
      const first = (await client.query("select public.paddle_sync_status() as s")).rows[0].s;
      assert.deepEqual(
        first.entities.map((e: { entity_type: string }) => e.entity_type),
        ["product", "price", "customer", "subscription", "transaction"],
      );
      // Finish the run, then restart: transactions start from the finished run's start, less an hour.
      await client.query(
        "update public.paddle_sync_state set done = true, started_at = '2026-07-01T10:00:00Z'",
      );
      await client.query("select public.paddle_sync_begin(true)");
      const { rows } = await client.query(
        `select entity_type, updated_since from public.paddle_sync_state order by position`,
      );
      for (const r of rows) {
        assert.deepEqual(
          r.updated_since?.toISOString() ?? null,
          r.entity_type === "transaction" ? "2026-07-01T09:00:00.000Z" : null,
          r.entity_type,
        );
      }
    } finally {
      await client.query("rollback");
    }
  });
});
