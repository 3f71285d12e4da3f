/**
 * The page's "Payments" section in headless Chromium while the simulator's clock moves a month:
 * alice's renewal appears as a new paid payment, dave's declined renewal shows "Your payment on …
 * failed" with "Update payment method" first, and after he updates his card in the simulator's
 * portal the same payment is listed as paid. Runs on the clock tests' own stack (tests/clock/),
 * after billing_month_test.ts; it relies only on what it sets up (dave's card) and on what every
 * month brings (alice's monthly renewal).
 */
import { assert, assertEquals } from "@std/assert";
import type { Browser, Page } from "playwright-core";
import { withClient } from "../_db.ts";
import { resetPaddle } from "../_paddle.ts";
import { waitForDeliveries } from "../_sales.ts";
import { launchChromium, pageOrigin, pageSteps } from "../web/_browser.ts";
import { DATE, type InPage, portalPage, signInAndWait } from "../web/_page.ts";
import { happeningOf, paddleClock, setCard } from "./_clock.ts";

const ALICE_SUB = "sub_01jdemoalicesub10000000000";
const DAVE = "ctm_01jdemodave000000000000000";
const DAVE_SUB = "sub_01jdemodavesub100000000000";
const ALICE = "ctm_01jdemoalice00000000000000";

function paymentsSection(page: Page) {
  return page.getByRole("region", { name: "Payments" });
}

/** The payments listed, newest first: [transaction id, outcome, the row's text]. */
async function listedPayments(page: Page): Promise<string[][]> {
  await page.locator("#payments-section:not([aria-busy])").waitFor();
  return await page.locator("#payments > li").evaluateAll((items) =>
    items.map((li) => [
      (li as InPage).dataset.transactionId ?? "",
      (li as InPage).dataset.outcome ?? "",
      (li.textContent ?? "").replace(/\s+/g, " ").trim(),
    ])
  );
}

async function mirroredPayments(customerId: string) {
  return await withClient(async (db) =>
    (await db.query<{ transaction_id: string; status: string }>(
      `select transaction_id, status from public.transactions
        where customer_id = $1 and status in ('billed', 'paid', 'completed', 'past_due', 'canceled')
        order by created_at desc, transaction_id desc`,
      [customerId],
    )).rows
  );
}

Deno.test("payments page: a renewal, a failed renewal and its recovery through the clock", async (t) => {
  await resetPaddle();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const step = pageSteps(t, browser);

    await step("alice sees her past payments, newest first, ten at a time", async ({ page }) => {
      await signInAndWait(page, "alice@example.com");
      const shown = await listedPayments(page);
      const mirrored = await mirroredPayments(ALICE);
      assert(mirrored.length > 0, "the seed gives alice past payments");
      assertEquals(
        shown.map(([id]) => id),
        mirrored.slice(0, 10).map((row) => row.transaction_id),
      );
      assert(shown.every(([, outcome, text]) => outcome === "paid" && text.includes("Paid")));
      await assertEqualsVisible(page, "Show more", mirrored.length > 10);
    });

    await setCard(DAVE, true);
    const moved = await paddleClock("--advance", "P1M");
    const aliceRenewal = happeningOf(moved, ALICE_SUB);
    const daveRenewal = happeningOf(moved, DAVE_SUB);
    assertEquals([aliceRenewal.kind, daveRenewal.kind], ["renewed", "payment_failed"]);

    await step(
      "alice's renewal is her newest payment, paid, dated the renewal",
      async ({ page }) => {
        await signInAndWait(page, "alice@example.com");
        const [newest] = await listedPayments(page);
        assertEquals(newest[0], aliceRenewal.transaction_id);
        assertEquals(newest[1], "paid");
        assert(newest[2].includes(DATE.format(new Date(aliceRenewal.at))), newest[2]);
        const row = page.locator(`#payments > li[data-transaction-id="${newest[0]}"]`);
        // "Invoice" asks transaction-invoice for the renewal's PDF and this tab goes there.
        const pdf = page.waitForResponse((response) =>
          new URL(response.url()).pathname.startsWith("/invoices/")
        );
        await row.getByRole("button", { name: /^Invoice/ }).click();
        const response = await pdf;
        assertEquals(response.status(), 200);
        assertEquals(response.headers()["content-type"], "application/pdf");
      },
    );

    await step(
      "dave's failed renewal comes first with Update payment method; the portal recovers it",
      async ({ page }) => {
        await signInAndWait(page, "dave@example.com");
        const section = paymentsSection(page);
        const alert = section.getByRole("alert");
        await alert.waitFor();
        assertEquals(
          (await alert.locator("p").textContent())?.trim(),
          `Your payment on ${DATE.format(new Date(daveRenewal.at))} failed.`,
        );
        const [newest] = await listedPayments(page);
        assertEquals([newest[0], newest[1]], [daveRenewal.transaction_id, "failed"]);
        assert(newest[2].includes("Payment failed"), newest[2]);
        // "Update payment method" is the section's first control, before any row's button.
        const firstButton = section.getByRole("button").first();
        assertEquals(await firstButton.textContent(), "Update payment method");

        await firstButton.click();
        const portal = await portalPage(page);
        assertEquals([portal.customerId, portal.action, portal.subscriptionId], [
          DAVE,
          "update_subscription_payment_method",
          DAVE_SUB,
        ]);
        await page.getByRole("button", { name: "Save card" }).click();
        await page.locator('main#portal-payment-method[data-outcome="payment_collected"]')
          .waitFor();
        await waitForDeliveries([DAVE_SUB, daveRenewal.transaction_id!], 9 + 5);

        await page.goto(pageOrigin() + "/");
        await page.locator(`#payments > li[data-transaction-id="${daveRenewal.transaction_id}"]`)
          .and(page.locator('[data-outcome="paid"]')).waitFor();
        assert(await alert.isHidden());
        const [paid] = await listedPayments(page);
        assertEquals([paid[0], paid[1]], [daveRenewal.transaction_id, "paid"]);
      },
    );

    // Ten more months: alice has more than a page of payments.
    await setCard(DAVE, false);
    const year = await paddleClock("--advance", "P10M");
    assertEquals(year.happened.filter((h) => h.subscription_id === ALICE_SUB).length, 10);

    await step(
      "Show more appends the next payments after the last one shown, until none are left",
      async ({ page }) => {
        await signInAndWait(page, "alice@example.com");
        const mirrored = (await mirroredPayments(ALICE)).map((row) => row.transaction_id);
        assert(mirrored.length > 10, `${mirrored.length} payments`);
        assertEquals((await listedPayments(page)).map(([id]) => id), mirrored.slice(0, 10));
        const more = page.getByRole("button", { name: "Show more", exact: true });
        for (let shown = 10; shown < mirrored.length; shown += 10) {
          await more.click();
          await page.locator("#payments > li").nth(Math.min(shown + 10, mirrored.length) - 1)
            .waitFor();
          // Focus moves to the first new row.
          assertEquals(
            await page.evaluate(() =>
              (globalThis as InPage).document.activeElement?.closest("li")?.dataset.transactionId
            ),
            mirrored[shown],
          );
        }
        assertEquals((await listedPayments(page)).map(([id]) => id), mirrored);
        await more.waitFor({ state: "hidden" });
      },
    );
  } finally {
    await setCard(DAVE, false);
    await browser?.close();
  }
});

async function assertEqualsVisible(page: Page, name: string, visible: boolean) {
  assertEquals(await page.getByRole("button", { name, exact: true }).isVisible(), visible);
}
