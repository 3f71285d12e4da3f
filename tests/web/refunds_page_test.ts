/**
 * Refunds on the page, in headless Chromium: a payment of a fresh user, then Paddle's refund
 * notifications delivered signed to the real webhook function (adjustment.created pending
 * approval, adjustment.updated approved, a second refund for the rest), and after each the
 * payment's status in words: "Refund pending", "Partly refunded" with the amount refunded, and
 * "Refunded". Everything between the webhook and the page is real: the function, the SQL apply,
 * PostgREST embedding `refunds(...)`, the page's modules.
 */
import { assert, assertEquals } from "@std/assert";
import type { Browser, Page } from "playwright-core";
import { createUserWithPassword, uniqueEmail, withClient } from "../_db.ts";
import { stackInfo } from "../_stack.ts";
import { adjustmentJson } from "../_paddle_adjustments.ts";
import { TOTALS, transactionJson } from "../_paddle_transactions.ts";
import {
  customerData,
  type PaddleEvent,
  paddleEvent,
  paddleId,
} from "../../local/paddle_webhooks/payloads.ts";
import { deliverEvent } from "../../local/paddle_webhooks/sign.ts";
import { launchChromium, pageSteps } from "./_browser.ts";
import { type InPage, PASSWORD, signInAndWait } from "./_page.ts";

const webhookUrl = () => `${stackInfo().apiUrl}/functions/v1/paddle-webhook`;

async function deliver(event: PaddleEvent<unknown>) {
  const delivery = await deliverEvent(webhookUrl(), event, stackInfo().paddle.webhookSecret);
  assertEquals(delivery.status, 200, delivery.body);
  assertEquals(JSON.parse(delivery.body).outcome, "applied", delivery.body);
}

/** The payment's row once the list has settled: [refund state, badge words, the row's text]. */
async function shownPayment(page: Page, transactionId: string): Promise<string[]> {
  await page.locator("#payments-section:not([aria-busy])").waitFor();
  const row = page.locator(`#payments > li[data-transaction-id="${transactionId}"]`);
  return await row.evaluate((li) => [
    (li as InPage).dataset.refund ?? "",
    (li.querySelector(".badge")?.textContent ?? "").trim(),
    (li.textContent ?? "").replace(/\s+/g, " ").trim(),
  ]);
}

Deno.test("payments page: a refund shows as pending, then partly refunded with its amount, then refunded", async (t) => {
  const email = uniqueEmail("refund");
  await withClient((db) => createUserWithPassword(db, email, PASSWORD));
  const at = Date.now() - 24 * 60 * 60 * 1000;
  const customerId = paddleId("ctm", at);
  const transactionId = paddleId("txn", at);
  await deliver(
    paddleEvent("customer.created", customerData({ id: customerId, email, createdAtMs: at }), at),
  );
  await deliver(paddleEvent(
    "transaction.completed",
    transactionJson({ id: transactionId, customerId, createdAtMs: at, invoiceNumber: "325-20001" }),
    at + 1000,
  ));
  const partial = { transactionId, customerId, total: "1089", createdAtMs: at + 60_000 };
  const first = paddleId("adj", at + 60_000);

  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const step = pageSteps(t, browser);

    await step("a paid payment says Paid", async ({ page }) => {
      await signInAndWait(page, email);
      const [refund, words] = await shownPayment(page, transactionId);
      assertEquals([refund, words], ["", "Paid"]);
    });

    await deliver(
      paddleEvent("adjustment.created", adjustmentJson({ ...partial, id: first }), at + 60_000),
    );
    await step("a refund awaiting Paddle's approval says Refund pending", async ({ page }) => {
      await signInAndWait(page, email);
      const [refund, words] = await shownPayment(page, transactionId);
      assertEquals([refund, words], ["refund_pending", "Refund pending"]);
    });

    await deliver(paddleEvent(
      "adjustment.updated",
      adjustmentJson({ ...partial, id: first, status: "approved", updatedAtMs: at + 120_000 }),
      at + 120_000,
    ));
    await step(
      "approved, part of it: Partly refunded, with the exact amount refunded",
      async ({ page }) => {
        await signInAndWait(page, email);
        const [refund, words, text] = await shownPayment(page, transactionId);
        assertEquals([refund, words], ["partly_refunded", "Partly refunded"]);
        assert(text.includes("$10.89 refunded"), text);
        // The amount paid is still what was paid.
        const paid = (BigInt(TOTALS.grand_total) / 100n).toLocaleString("en-US");
        assert(text.includes(`$${paid}.`), text);
      },
    );

    const rest = (BigInt(TOTALS.grand_total) - 1089n).toString();
    await deliver(paddleEvent(
      "adjustment.created",
      adjustmentJson({
        transactionId,
        customerId,
        total: rest,
        status: "approved",
        createdAtMs: at + 180_000,
      }),
      at + 180_000,
    ));
    await step("refunds adding up to the grand total: Refunded", async ({ page }) => {
      await signInAndWait(page, email);
      const [refund, words] = await shownPayment(page, transactionId);
      assertEquals([refund, words], ["refunded", "Refunded"]);
      // Refunded in full: no partial amount beside the badge.
      const row = page.locator(`#payments > li[data-transaction-id="${transactionId}"]`);
      assertEquals(await row.locator(".payment-refund").count(), 0);
    });
  } finally {
    await browser?.close();
  }
});
