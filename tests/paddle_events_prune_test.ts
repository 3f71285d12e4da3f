/**
 * The paddle_events ledger is pruned without a scheduler: every `paddle_events_prune_every`
 * inserts, the insert trigger deletes at most `paddle_events_prune_batch` rows older than
 * `paddle_events_retention` (public.billing_settings, one row, default 30 days, changed by the
 * service role only).
 */
import { assert, assertEquals } from "@std/assert";
import { customerData, paddleEvent } from "../local/paddle_webhooks/payloads.ts";
import { apply, type Client, randomPaddleId, withClient } from "./_db.ts";
import { signedInClient, stackInfo } from "./_stack.ts";

async function settings(db: Client) {
  const { rows } = await db.query(
    `select extract(epoch from paddle_events_retention)::int / 86400 as days,
            paddle_events_prune_every as every, paddle_events_prune_batch as batch
     from public.billing_settings`,
  );
  return rows[0] as { days: number; every: number; batch: number };
}

/** Ledger rows received `ageDays` ago, inserted with triggers off (as if stored back then). */
async function oldRows(db: Client, n: number, ageDays: number, tag: string): Promise<void> {
  await db.query("begin");
  await db.query("set local session_replication_role = replica");
  await db.query(
    `insert into public.paddle_events (event_id, event_type, occurred_at, entity_id, outcome, received_at)
     select 'evt_' || $3 || lpad(i::text, 26 - length($3), '0'), 'customer.updated',
            now() - make_interval(days => $2), 'ctm_x', 'applied', now() - make_interval(days => $2)
     from generate_series(1, $1::int) i`,
    [n, ageDays, tag],
  );
  await db.query("commit");
}

async function countTagged(db: Client, tag: string): Promise<number> {
  const { rows } = await db.query(
    "select count(*)::int as n from public.paddle_events where event_id like $1",
    [`evt_${tag}%`],
  );
  return rows[0].n;
}

async function applyCustomerEvents(db: Client, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const id = randomPaddleId("ctm");
    const at = Date.now();
    await apply(
      db,
      paddleEvent(
        "customer.created",
        customerData({ id, email: `${id}@example.test`, createdAtMs: at, updatedAtMs: at }),
        at,
      ),
    );
  }
}

Deno.test("defaults: 30 days, a bounded batch every 100 events", async () => {
  await withClient(async (db) => {
    assertEquals(await settings(db), { days: 30, every: 100, batch: 500 });
  });
});

Deno.test("every N applied events, at most a batch of rows older than the window is deleted", async () => {
  await withClient(async (db) => {
    const before = await settings(db);
    // The service role changes the settings (as it would with PATCH /rest/v1/billing_settings).
    await db.query("begin");
    await db.query("set local role service_role");
    await db.query(
      "update public.billing_settings set paddle_events_prune_every = 5, paddle_events_prune_batch = 40",
    );
    await db.query("commit");
    try {
      await oldRows(db, 100, 31, "01jpruneold");
      await oldRows(db, 10, 29, "01jprunekeep");
      // Five events: exactly one prune, of 40 old rows.
      await applyCustomerEvents(db, 5);
      assertEquals(await countTagged(db, "01jpruneold"), 60);
      await applyCustomerEvents(db, 5);
      assertEquals(await countTagged(db, "01jpruneold"), 20);
      await applyCustomerEvents(db, 5);
      assertEquals(await countTagged(db, "01jpruneold"), 0);
      assertEquals(await countTagged(db, "01jprunekeep"), 10, "inside the window: kept");
      const recent = await db.query(
        "select count(*)::int as n from public.paddle_events where received_at > now() - interval '1 hour'",
      );
      assert(recent.rows[0].n >= 15, "the 15 events just applied are kept");
    } finally {
      await db.query(
        "update public.billing_settings set paddle_events_prune_every = $1, paddle_events_prune_batch = $2",
        [before.every, before.batch],
      );
      await db.query("delete from public.paddle_events where event_id like 'evt_01jprune%'");
    }
  });
});

Deno.test("the window cannot be shorter than Paddle's 3 days of retries", async () => {
  await withClient(async (db) => {
    const error = await db.query(
      "update public.billing_settings set paddle_events_retention = interval '2 days'",
    ).then(() => null, (e) => e);
    assertEquals(error?.code, "23514");
  });
});

Deno.test("signed-in users and anon can neither read nor change the settings", async () => {
  const { accessToken } = await signedInClient("alice@example.com");
  for (const token of [accessToken, null]) {
    const headers = {
      apikey: stackInfo().anonKey,
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    };
    const read = await fetch(`${stackInfo().apiUrl}/rest/v1/billing_settings`, { headers });
    await read.body?.cancel();
    assert(read.status === 401 || read.status === 403, `read ${read.status}`);
    const write = await fetch(`${stackInfo().apiUrl}/rest/v1/billing_settings?id=eq.true`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ paddle_events_retention: "3 days" }),
    });
    await write.body?.cancel();
    assert(write.status === 401 || write.status === 403, `write ${write.status}`);
  }
  await withClient(async (db) => assertEquals((await settings(db)).days, 30));
});
