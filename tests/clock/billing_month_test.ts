/**
 * A month of simulated time through the whole stack: `deno task paddle:clock --advance P1M`
 * moves the simulator's clock, the renewals, a declined renewal and a scheduled cancellation
 * reach the mirror as Paddle's signed webhooks, and the portal's "Update payment method" brings
 * the past-due subscription back. These tests run on a stack of their own (tests/clock/): time
 * never goes back, and every seeded subscription falls due on the way.
 */
import { assert, assertEquals } from "@std/assert";
import { callFunction, signedInClient } from "../_stack.ts";
import { withClient } from "../_db.ts";
import { resetPaddle } from "../_paddle.ts";
import { waitForDeliveries } from "../_sales.ts";
import { happeningOf, paddleClock, setCard } from "./_clock.ts";

const ALICE_RENEWING = "sub_01jdemoalicesub10000000000";
const ALICE_CANCELING = "sub_01jdemoalicesub20000000000";
const DAVE = "ctm_01jdemodave000000000000000";
const DAVE_SUB = "sub_01jdemodavesub100000000000";

interface Row {
  subscription_id: string;
  status: string;
  next_billed_at: Date | null;
  current_period_starts_at: Date | null;
  current_period_ends_at: Date | null;
}

async function mirrored(ids: string[]): Promise<Map<string, Row>> {
  const rows = await withClient(async (db) =>
    (await db.query<Row>(
      `select subscription_id, status, next_billed_at, current_period_starts_at,
              current_period_ends_at
         from public.subscriptions where subscription_id = any($1)`,
      [ids],
    )).rows
  );
  return new Map(rows.map((row) => [row.subscription_id, row]));
}

async function transactionsOf(subscriptionId: string) {
  return await withClient(async (db) =>
    (await db.query<
      { transaction_id: string; status: string; origin: string; invoice_number: string | null }
    >(
      `select transaction_id, status, origin, invoice_number from public.transactions
        where subscription_id = $1 order by created_at`,
      [subscriptionId],
    )).rows
  );
}

Deno.test("clock: a month renews, fails a declined renewal and cancels on schedule, and the mirror follows; updating the card recovers", async () => {
  await resetPaddle();
  const ids = [ALICE_RENEWING, ALICE_CANCELING, DAVE_SUB];
  const before = await mirrored(ids);
  assertEquals([...before.values()].map((row) => row.status), ["active", "active", "active"]);
  await setCard(DAVE, true);

  const moved = await paddleClock("--advance", "P1M");
  assertEquals(happeningOf(moved, ALICE_RENEWING).kind, "renewed");
  assertEquals(happeningOf(moved, ALICE_CANCELING).kind, "canceled");
  assertEquals(happeningOf(moved, DAVE_SUB).kind, "payment_failed");

  // The CLI returned once every webhook was delivered: the mirror has moved.
  const after = await mirrored(ids);
  const renewed = after.get(ALICE_RENEWING)!;
  const old = before.get(ALICE_RENEWING)!;
  assertEquals(renewed.status, "active");
  assertEquals(renewed.current_period_starts_at, old.next_billed_at);
  assert(renewed.next_billed_at! > old.next_billed_at!);
  assertEquals(renewed.next_billed_at, renewed.current_period_ends_at);
  assertEquals(after.get(ALICE_CANCELING)!.status, "canceled");
  assertEquals(after.get(DAVE_SUB)!.status, "past_due");

  const aliceRenewal = happeningOf(moved, ALICE_RENEWING);
  const aliceRows = await transactionsOf(ALICE_RENEWING);
  const aliceRow = aliceRows.find((t) => t.transaction_id === aliceRenewal.transaction_id)!;
  assertEquals([aliceRow.status, aliceRow.origin], ["completed", "subscription_recurring"]);
  assert(aliceRow.invoice_number);
  const daveRenewal = happeningOf(moved, DAVE_SUB);
  const daveRow = (await transactionsOf(DAVE_SUB))
    .find((t) => t.transaction_id === daveRenewal.transaction_id)!;
  assertEquals([daveRow.status, daveRow.invoice_number], ["past_due", null]);

  // Dave updates his card in the portal the page opens for him.
  const { accessToken } = await signedInClient("dave@example.com");
  const portal = await callFunction("customer-portal", accessToken, {
    target: "update_payment_method",
    subscriptionId: DAVE_SUB,
  });
  assertEquals(portal.status, 200);
  const html = await (await fetch(portal.body.url!)).text();
  const form = html.match(/<form method="post" action="([^"]+)">/)?.[1] ?? "";
  const token = html.match(/name="form_token" value="([^"]+)"/)?.[1] ?? "";
  assert(form !== "" && token !== "", "the update-payment-method page has a form");
  const saved = await fetch(new URL(form, portal.body.url!), {
    method: "POST",
    body: new URLSearchParams({ form_token: token }),
  });
  assertEquals(saved.status, 200);
  await saved.body?.cancel();

  const recovery = await waitForDeliveries([DAVE_SUB, daveRenewal.transaction_id!], 9 + 5);
  assert(recovery.every((d) => d.state === "delivered"));
  const recovered = await mirrored([DAVE_SUB]);
  assertEquals(recovered.get(DAVE_SUB)!.status, "active");
  const paid = (await transactionsOf(DAVE_SUB))
    .find((t) => t.transaction_id === daveRenewal.transaction_id)!;
  assertEquals(paid.status, "completed");
  assert(paid.invoice_number);
});
