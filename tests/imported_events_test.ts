/**
 * `customer.imported` and `subscription.imported` (a seller migrating records into Paddle from
 * another billing platform) are stored and linked like their `created` counterparts. The complete
 * Paddle mirror (issue 9) adds them to apply_paddle_event; until it lands this file is excluded
 * from `deno test` in deno.json ("test.exclude") and fails on its own. Remove that exclusion when
 * issue 9 is merged.
 */
import { assertEquals } from "@std/assert";
import {
  customerData,
  paddleEvent,
  PLANS,
  subscriptionData,
} from "../local/paddle_webhooks/payloads.ts";
import { apply, randomPaddleId, withClient } from "./_db.ts";

const IMPORT_META = { external_id: "cus_stripe_123", imported_from: "stripe" };

Deno.test("an imported customer and subscription are stored, and the customer linked to the user with that confirmed email", async () => {
  await withClient(async (db) => {
    const email = `imported-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const { rows } = await db.query(
      `insert into auth.users (aud, role, email, email_confirmed_at)
       values ('authenticated', 'authenticated', $1, now()) returning id`,
      [email],
    );
    const userId = rows[0].id;
    const customerId = randomPaddleId("ctm");
    const subscriptionId = randomPaddleId("sub");
    const at = Date.now() - 60_000;

    const customer = paddleEvent(
      "customer.imported",
      { ...customerData({ id: customerId, email, createdAtMs: at }), import_meta: IMPORT_META },
      at,
    );
    const subscription = paddleEvent(
      "subscription.imported",
      {
        ...subscriptionData({
          id: subscriptionId,
          customerId,
          status: "active",
          plan: PLANS.pro,
          createdAtMs: at,
        }),
        import_meta: { ...IMPORT_META, external_id: "sub_stripe_456" },
      },
      at + 1000,
    );
    await apply(db, customer);
    await apply(db, subscription);
    // A redelivery is a no-op, never an error.
    await apply(db, subscription);

    const stored = await db.query(
      `select c.customer_id, c.email, c.user_id, s.subscription_id, s.status
       from public.customers c join public.subscriptions s using (customer_id)
       where c.customer_id = $1`,
      [customerId],
    );
    assertEquals(stored.rows, [{
      customer_id: customerId,
      email,
      user_id: userId,
      subscription_id: subscriptionId,
      status: "active",
    }]);
    const ledger = await db.query(
      "select event_type from public.paddle_events where event_id = any($1) order by event_type",
      [[customer.event_id, subscription.event_id]],
    );
    assertEquals(ledger.rows.map((r) => r.event_type), [
      "customer.imported",
      "subscription.imported",
    ]);
  });
});
