/**
 * The whole loop in Chromium on the local stack: a user without a Paddle customer signs in,
 * sees the plans, subscribes (the checkout function), pays on the payment-link page
 * (web/checkout.html with the simulator's Paddle.js stand-in), comes back, waits for the
 * webhooks, sees the plan card and opens the portal of their own new customer. And the same
 * with the webhooks held back at the simulator, arriving late; and a buyer shown German prices
 * (`?country=DE`) pays at checkout exactly the euro total the plan card showed.
 *
 * The page runs on the API's origin here, as a deployment serves checkout.html next to
 * index.html: Paddle's success URL returns the buyer to the same origin, where the session is.
 */
import { assert, assertEquals, assertMatch, assertNotEquals } from "@std/assert";
import type { Browser, Page } from "playwright-core";
import { demoUser, stackInfo } from "../_stack.ts";
import { createUserWithPassword, uniqueEmail, withClient } from "../_db.ts";
import { holdWebhooks, releaseWebhooks } from "../_sales.ts";
import { launchChromium, paddle, pageSteps, screenshot } from "./_browser.ts";
import {
  cardItems,
  manageButton,
  offerDemoCatalogOnly,
  PASSWORD,
  portalPage,
  PRO_PRICE,
  signInAndWait,
  status,
  subscriptionCard,
} from "./_page.ts";

/** The mirror's customer and subscriptions of a user, as the webhooks and checkout wrote them. */
async function mirrorOf(userId: string) {
  const { rows } = await withClient((db) =>
    db.query(
      `select c.customer_id, c.email, s.subscription_id, s.status, s.custom_data
         from public.customers c
         left join public.subscriptions s on s.customer_id = c.customer_id
        where c.user_id = $1
        order by s.created_at desc nulls last`,
      [userId],
    )
  );
  return rows as {
    customer_id: string;
    email: string;
    subscription_id: string | null;
    status: string | null;
    custom_data: Record<string, unknown> | null;
  }[];
}

/** A new confirmed user with the demo password and no Paddle customer. */
async function newUser(label: string): Promise<{ email: string; userId: string }> {
  const email = uniqueEmail(label);
  const userId = await withClient((db) => createUserWithPassword(db, email, PASSWORD));
  return { email, userId };
}

/** Subscribe to Pro monthly, then pay on the payment-link page; returns the transaction id. */
async function subscribeAndPay(page: Page): Promise<string> {
  await page.getByRole("heading", { name: "Choose a plan" }).waitFor();
  const subscribe = page.locator(`#plans button[data-price-id="${PRO_PRICE}"]`);
  // The plan as the mirror names and prices it, not as ids.
  assertEquals(
    await subscribe.getAttribute("aria-label"),
    "Subscribe to Pro plan, Pro monthly, $30.00 per month",
  );
  await subscribe.click();
  await page.waitForURL((url) => url.pathname.endsWith("/checkout.html"), { timeout: 20_000 });
  const transactionId = new URL(page.url()).searchParams.get("_ptxn") ?? "";
  assertMatch(transactionId, /^txn_[a-z0-9]{26}$/);
  const checkout = page.frameLocator("iframe");
  await checkout.getByText("$30.00").first().waitFor();
  await screenshot(page, "20-payment-link-page");
  await checkout.getByRole("button", { name: "Pay now" }).click();
  // Back at `./?checkout=complete`, which the page takes out of the address at once.
  await page.waitForURL((url) => url.pathname === "/" && url.search === "", { timeout: 20_000 });
  return transactionId;
}

/** The sale's payment is listed as paid, with no reload: the wait read the payments too. */
async function paymentListed(page: Page, transactionId: string) {
  const payment = page.locator(`#payments > li[data-transaction-id="${transactionId}"]`);
  await payment.waitFor();
  assertEquals(await payment.getAttribute("data-outcome"), "paid");
}

/** The buyer signs in, subscribes, pays, returns and opens the portal of their new customer. */
async function buyerSubscribes(page: Page, buyer: { userId: string; email: string }) {
  await signInAndWait(page, buyer.email);
  assertEquals(await manageButton(page).count(), 0, "no customer yet: no portal to open");
  const transactionId = await subscribeAndPay(page);

  await status(page).filter({ hasText: "Your subscription is active." }).waitFor({
    timeout: 35_000,
  });
  const mirror = await mirrorOf(buyer.userId);
  assertEquals(mirror.length, 1, "one customer, one subscription");
  const [row] = mirror;
  assertEquals(row.email, buyer.email);
  assertEquals(row.status, "active");
  assertEquals(row.custom_data?.user_id, buyer.userId);
  for (const other of ["alice@example.com", "bob@example.com", "dave@example.com"]) {
    assertNotEquals(row.customer_id, demoUser(other).customerId);
  }
  const card = subscriptionCard(page, row.subscription_id ?? "?");
  assertEquals(await cardItems(card), [["Pro monthly", "$30.00 per month"]]);
  assertEquals(await page.locator("#plans-section").isVisible(), false);
  await paymentListed(page, transactionId);
  await screenshot(page, "21-subscribed");

  const transaction = await (await fetch(
    `${stackInfo().paddle.apiUrl}/transactions/${transactionId}`,
    { headers: { authorization: `Bearer ${stackInfo().paddle.apiKey}` } },
  )).json();
  assertEquals(transaction.data.status, "completed");
  assertEquals(transaction.data.customer_id, row.customer_id);

  await paddle.clearRequests();
  await manageButton(page).click();
  const portal = await portalPage(page);
  assertEquals(portal.customerId, row.customer_id, "the portal of THEIR new customer");
  assertEquals(portal.action, "overview");
  const minted = await paddle.portalSessionRequests();
  assertEquals(minted.map((r) => r.path), [
    `/customers/${row.customer_id}/portal-sessions`,
  ]);
}

Deno.test({
  name: "the whole loop in Chromium: subscribe, pay, return, manage",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await paddle.clearFaults();
    const browser: Browser = await launchChromium();
    const step = pageSteps(t, browser, { origin: stackInfo().apiUrl });

    try {
      await step(
        "a user without a customer subscribes, pays, returns to the plan card and opens the portal of THEIR new customer",
        async ({ page }) => {
          // A fresh user rather than the seeded carol: the tests that run later know carol as the
          // seed made her, and the simulator, like Paddle, cannot delete what a test bought.
          const buyer = await newUser("loop-buyer");
          assertEquals(await mirrorOf(buyer.userId), [], "the buyer starts without a customer");
          await buyerSubscribes(page, buyer);
        },
      );

      await step(
        "?country=DE: the checkout's total is the card's euro price with VAT, on the buyer's own customer",
        async ({ page }) => {
          // As carol would see it, with a fresh user for the reason above.
          const buyer = await newUser("de-buyer");
          await offerDemoCatalogOnly(page);
          await signInAndWait(page, buyer.email, "/?country=DE");
          await page.locator('#plans-local[data-state="local"][data-country="DE"]').waitFor();
          const subscribe = page.locator(`#plans button[data-price-id="${PRO_PRICE}"]`);
          assertEquals(
            await subscribe.getAttribute("aria-label"),
            "Subscribe to Pro plan, Pro monthly, €27.00 per month incl. VAT",
          );
          await subscribe.click();
          await page.waitForURL((url) => url.pathname.endsWith("/checkout.html"), {
            timeout: 20_000,
          });
          const transactionId = new URL(page.url()).searchParams.get("_ptxn") ?? "";
          const checkout = page.frameLocator("iframe");
          const shown = checkout.locator("main#checkout");
          await shown.waitFor();
          assertEquals(await shown.getAttribute("data-country"), "DE");
          assertEquals(await shown.getAttribute("data-currency"), "EUR");
          assertEquals(await checkout.locator('[data-field="total"]').textContent(), "€27.00");

          const headers = { authorization: `Bearer ${stackInfo().paddle.apiKey}` };
          const api = stackInfo().paddle.apiUrl;
          const transaction = (await (await fetch(`${api}/transactions/${transactionId}`, {
            headers,
          })).json()).data;
          assertEquals(transaction.currency_code, "EUR");
          assertEquals(transaction.details.totals.grand_total, "2700");
          const [row] = await mirrorOf(buyer.userId);
          assertEquals(transaction.customer_id, row.customer_id);
          const addresses = (await (await fetch(`${api}/customers/${row.customer_id}/addresses`, {
            headers,
          })).json()).data as { id: string; country_code: string }[];
          assertEquals(
            addresses.map((a) => [a.id, a.country_code]),
            [[transaction.address_id, "DE"]],
          );

          await checkout.getByRole("button", { name: "Pay now" }).click();
          await page.waitForURL((url) => url.pathname === "/" && url.search === "", {
            timeout: 20_000,
          });
          await status(page).filter({ hasText: "Your subscription is active." }).waitFor({
            timeout: 35_000,
          });
          const paid = (await (await fetch(`${api}/transactions/${transactionId}`, { headers }))
            .json()).data;
          assertEquals([paid.status, paid.currency_code], ["completed", "EUR"]);
          assertEquals(paid.details.totals.grand_total, "2700");
        },
      );

      await step(
        "the webhooks arrive late: the page waits, then shows the plan card",
        async ({ page }) => {
          const user = await newUser("late-webhook");
          await signInAndWait(page, user.email);
          assertEquals(await manageButton(page).count(), 0, "no customer yet");
          await holdWebhooks();
          let transactionId = "";
          try {
            transactionId = await subscribeAndPay(page);
            await status(page).filter({ hasText: "Setting up your subscription…" }).waitFor();
            // Several reads of the mirror come and go; nothing has arrived, so nothing shows.
            await page.waitForTimeout(4_000);
            assertEquals(await page.locator("article[data-subscription-id]").count(), 0);
            assertEquals(await page.locator("#plans-section").isVisible(), false);
            await status(page).filter({ hasText: "Setting up your subscription…" }).waitFor();
            assertEquals((await mirrorOf(user.userId))[0]?.subscription_id ?? null, null);
          } finally {
            await releaseWebhooks();
          }
          await status(page).filter({ hasText: "Your subscription is active." }).waitFor({
            timeout: 30_000,
          });
          const [row] = await mirrorOf(user.userId);
          assert(row?.subscription_id, "the released webhooks wrote the subscription");
          await subscriptionCard(page, row.subscription_id ?? "?").waitFor();
          await paymentListed(page, transactionId);
        },
      );
    } finally {
      await browser.close();
    }
  },
});
