/**
 * The transaction-invoice function through the whole local stack: the real function, PostgREST
 * and the real migrations (the seed's past payments), the real Paddle SDK asking the Paddle
 * simulator for the invoice link, and the PDF behind it. The simulator's request log is the proof
 * of what reached "Paddle" (and what did not).
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { paddleId } from "../local/paddle_webhooks/payloads.ts";
import { applyEntities, linkedCustomer, withClient } from "./_db.ts";
import { paddleRequests, queueFault, resetPaddle } from "./_paddle.ts";
import { transactionJson } from "./_paddle_transactions.ts";
import { callFunction, control, signedInClient } from "./_stack.ts";
import { userToken } from "./_tokens.ts";

const FUNCTION = "transaction-invoice";

async function invoiceCalls(): Promise<string[]> {
  return (await paddleRequests())
    .map((r) => `${r.method} ${r.path.split("?")[0]}`)
    .filter((r) => /\/invoice$/.test(r));
}

/** The signed-in user's seeded payments, newest first, as the page reads them (RLS). */
async function ownPayments(email: string) {
  const { client } = await signedInClient(email);
  const { data, error } = await client.from("transactions")
    .select("transaction_id, status, invoice_number, grand_total, currency_code")
    .order("created_at", { ascending: false });
  assert(error === null, error?.message);
  return data!;
}

Deno.test("the owner gets a link to the PDF of a seeded payment: invoice number, lines, total", async () => {
  await resetPaddle();
  const [latest] = await ownPayments("alice@example.com");
  assertEquals(latest.status, "completed");
  const { accessToken } = await signedInClient("alice@example.com");
  const answer = await callFunction(FUNCTION, accessToken, {
    transactionId: latest.transaction_id,
  });
  assertEquals(answer.status, 200, JSON.stringify(answer.body));
  assertEquals(Object.keys(answer.body), ["url"]);
  assertEquals(answer.headers.get("cache-control"), "no-store");
  assertEquals(await invoiceCalls(), [`GET /transactions/${latest.transaction_id}/invoice`]);

  const pdf = await fetch(answer.body.url!);
  assertEquals(pdf.status, 200);
  assertEquals(pdf.headers.get("content-type"), "application/pdf");
  const bytes = new Uint8Array(await pdf.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  assert(text.startsWith("%PDF-1.4"));
  assert(text.includes(`(Invoice ${latest.invoice_number}) Tj`), "the invoice number is on it");
  assert(/\(Total \d+\.\d\d USD\) Tj/.test(text), "the total is on it");
});

Deno.test("another user's transaction, or an unknown one: 404 and no Paddle call", async () => {
  await resetPaddle();
  const [alices] = await ownPayments("alice@example.com");
  const { accessToken } = await signedInClient("dave@example.com");
  for (const transactionId of [alices.transaction_id, paddleId("txn")]) {
    const answer = await callFunction(FUNCTION, accessToken, { transactionId });
    assertEquals(answer.status, 404);
    assertEquals(answer.body.error?.code, "transaction_not_found");
  }
  assertEquals(await invoiceCalls(), []);
});

Deno.test("a payment without an invoice yet: 409 and no Paddle call; bad bodies 400", async () => {
  await resetPaddle();
  const { userId, pending } = await withClient(async (db) => {
    const { userId, customerId } = await linkedCustomer(db, "noinvoice");
    const pending = paddleId("txn");
    await applyEntities(db, "transaction", [
      transactionJson({
        id: pending,
        customerId,
        status: "past_due",
        createdAtMs: Date.now(),
        payments: [{ status: "error", errorCode: "declined", last4: "0002", atMs: Date.now() }],
      }),
    ]);
    return { userId, pending };
  });
  const token = await userToken(userId);
  const answer = await callFunction(FUNCTION, token, { transactionId: pending });
  assertEquals(answer.status, 409);
  assertEquals(answer.body.error?.code, "invoice_not_available");
  for (const body of [{}, { transactionId: "txn_1" }, { transactionId: pending, userId }]) {
    const bad = await callFunction(FUNCTION, token, body);
    assertEquals(bad.status, 400);
    assertEquals(bad.body.error?.code, "invalid_request");
  }
  assertEquals(await invoiceCalls(), []);
});

Deno.test("Paddle failing twice: 502 after one retry; the URL is never in the logs", async () => {
  await resetPaddle();
  await control("DELETE", `/functions/${FUNCTION}/logs`);
  const [latest] = await ownPayments("dave@example.com");
  const { accessToken } = await signedInClient("dave@example.com");
  const ok = await callFunction(FUNCTION, accessToken, { transactionId: latest.transaction_id });
  assertEquals(ok.status, 200);
  await queueFault({ status: 503, count: 2 });
  const failed = await callFunction(FUNCTION, accessToken, {
    transactionId: latest.transaction_id,
  });
  assertEquals(failed.status, 502);
  assertEquals(failed.body.error?.code, "paddle_unavailable");
  assertEquals((await invoiceCalls()).length, 3);
  const logs = (await control("GET", `/functions/${FUNCTION}/logs`)) as string[];
  const text = logs.join("\n");
  assert(logs.length >= 2, text);
  assert(!text.includes(new URL(ok.body.url!).pathname), "the link's path is not logged");
  assert(!/https?:\/\//.test(text), text);
  assert(!text.includes(latest.transaction_id), "nor the transaction id");
  assertMatch(text, /"outcome":"paddle_unavailable"/);
});
