/**
 * The payment-link page (web/checkout.html + payment_link.js) in Chromium, as a buyer reaches it
 * from a transaction's `checkout.url`: it loads Paddle.js (locally the simulator's stand-in),
 * which opens the overlay checkout for `_ptxn`; paying returns the buyer to the success URL and
 * the webhooks put the subscription in the mirror.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { Browser, Frame, Page } from "playwright-core";
import { stackInfo } from "../_stack.ts";
import { mirroredSale, newBuyer, paddleSdk, sell, waitForDeliveries } from "../_sales.ts";
import { PLANS } from "../../local/paddle_webhooks/payloads.ts";
import {
  browserStep,
  launchChromium,
  paddleOrigin,
  pageOrigin,
  screenshot,
  type TestPage,
} from "./_browser.ts";

function statusText(page: Page) {
  return page.locator("#status-text");
}

async function checkoutFrame(page: Page): Promise<Frame> {
  const handle = await page.locator("[data-paddle-overlay] iframe").elementHandle();
  const frame = await handle?.contentFrame();
  if (!frame) throw new Error("no checkout frame");
  await frame.waitForSelector("#checkout");
  return frame;
}

Deno.test({
  name: "payment-link page in Chromium",
  // Playwright keeps a pipe to the browser open across steps.
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const browser: Browser = await launchChromium();
    const step = (name: string, body: (tp: TestPage) => Promise<void>) =>
      browserStep(t, browser, name, body);

    try {
      await step(
        "a transaction's payment link opens the overlay with its items; Pay now returns to the app and the mirror has the subscription",
        async ({ page }) => {
          const buyer = await newBuyer();
          const { customer, transaction } = await sell(buyer, `${pageOrigin()}/checkout.html`);
          const link = transaction.checkout!.url!;
          assertEquals(link, `${pageOrigin()}/checkout.html?_ptxn=${transaction.id}`);
          const scripts: string[] = [];
          page.on("request", (request) => {
            if (request.resourceType() === "script") scripts.push(request.url());
          });

          await page.goto(link);
          const frame = await checkoutFrame(page);
          assert(scripts.includes(`${paddleOrigin()}/paddle.js`), scripts.join("\n"));
          assertEquals(new URL(frame.url()).origin, paddleOrigin());
          const row = frame.locator(`tr[data-price-id="${PLANS.basic.priceId}"]`);
          assertEquals(
            await row.locator('[data-field="price-name"]').textContent(),
            "Starter monthly",
          );
          assertEquals(
            await row.locator('[data-field="product-name"]').textContent(),
            "Starter plan",
          );
          assertEquals(await row.locator('[data-field="quantity"]').textContent(), "1");
          assertEquals(await row.locator('[data-field="amount"]').textContent(), "$10.00");
          assertEquals(await frame.locator('[data-field="total"]').textContent(), "$10.00");
          await statusText(page).filter({ hasText: "Complete your payment in the checkout." })
            .waitFor();
          await screenshot(page, "payment-link-overlay");

          await frame.getByRole("button", { name: "Pay now" }).click();
          await page.waitForURL(`${pageOrigin()}/?checkout=complete`);

          const completed = await fetch(
            `${stackInfo().paddle.apiUrl}/transactions/${transaction.id}`,
            { headers: { authorization: `Bearer ${stackInfo().paddle.apiKey}` } },
          );
          const { data } = await completed.json();
          assertEquals(data.status, "completed");
          await waitForDeliveries([customer.id, transaction.id, data.subscription_id], 4);
          const sale = await mirroredSale(customer.id);
          assertEquals(sale.customer?.user_id, buyer.userId);
          assertEquals(sale.subscriptions.map((s) => [s.subscription_id, s.status]), [[
            data.subscription_id,
            "active",
          ]]);
          assertEquals(sale.items.map((i) => [i.price_id, i.product_id, i.quantity]), [[
            PLANS.basic.priceId,
            PLANS.basic.productId,
            1,
          ]]);
        },
      );

      await step(
        "checkout.completed reaches the page's eventCallback before the success URL opens",
        async ({ page }) => {
          const buyer = await newBuyer();
          const { transaction } = await sell(buyer, `${pageOrigin()}/checkout.html`);
          // Keep the page: hold the navigation to the success URL so its status can be read.
          await page.route(
            `${pageOrigin()}/?checkout=complete`,
            (route) => route.fulfill({ status: 204 }),
          );
          await page.goto(transaction.checkout!.url!);
          const frame = await checkoutFrame(page);
          await frame.getByRole("button", { name: "Pay now" }).click();
          await statusText(page).filter({ hasText: "Payment received. Taking you back…" })
            .waitFor();
        },
      );

      await step(
        "the checkout keeps the transaction's customer: allowLogout false, no other email, paid by it",
        async ({ page }) => {
          const buyer = await newBuyer();
          const { customer, transaction } = await sell(buyer, `${pageOrigin()}/checkout.html`);
          await page.route(
            `${pageOrigin()}/?checkout=complete`,
            (route) => route.fulfill({ status: 204 }),
          );
          await page.goto(transaction.checkout!.url!);
          const frame = await checkoutFrame(page);
          assertEquals(new URL(frame.url()).searchParams.get("allow_logout"), "false");
          assertEquals(
            await frame.locator('[data-field="customer-email"]').textContent(),
            buyer.email,
          );
          assertEquals(await frame.locator("#change-customer").count(), 0);
          await frame.getByRole("button", { name: "Pay now" }).click();
          await statusText(page).filter({ hasText: "Payment received." }).waitFor();
          const paid = await paddleSdk().transactions.get(transaction.id);
          assertEquals([paid.status, paid.customerId], ["completed", customer.id]);
          const subscription = await paddleSdk().subscriptions.get(paid.subscriptionId!);
          assertEquals(subscription.customerId, customer.id);
        },
      );

      await step(
        "a checkout that cannot open says so in words (checkout.error)",
        async ({ page }) => {
          await page.goto("/checkout.html?_ptxn=txn_01jnosuchtransaction000000");
          await statusText(page).filter({ hasText: "could not be opened for this purchase" })
            .waitFor();
          assertEquals(await page.locator("#status").getAttribute("data-tone"), "error");
        },
      );

      await step(
        "no _ptxn, or a malformed one, says so and loads no Paddle.js",
        async ({ page }) => {
          const scripts: string[] = [];
          page.on("request", (request) => {
            if (request.resourceType() === "script") scripts.push(request.url());
          });
          await page.goto("/checkout.html");
          await statusText(page).filter({ hasText: "names no transaction" }).waitFor();
          assertEquals(await page.locator("#status").getAttribute("data-tone"), "error");
          await page.goto("/checkout.html?_ptxn=txn_<script>");
          await statusText(page).filter({ hasText: "This checkout link is not valid." }).waitFor();
          assert(!scripts.some((url) => url.endsWith("/paddle.js")), scripts.join("\n"));
          assertEquals(await page.locator("[data-paddle-overlay]").count(), 0);
        },
      );

      await step(
        "the page's CSP lets scripts come only from itself and the Paddle.js host",
        async ({ page }) => {
          const response = await page.goto("/checkout.html");
          const html = await response!.text();
          assertStringIncludes(
            html,
            `script-src 'self' https://cdn.paddle.com ${paddleOrigin()}; object-src 'none'`,
          );
          // A string: the page's DOM types are not this file's.
          const blocked = await page.evaluate(`new Promise((resolve) => {
          const script = document.createElement("script");
          script.src = "https://example.com/evil.js";
          script.onerror = () => resolve(true);
          script.onload = () => resolve(false);
          document.head.append(script);
        })`);
          assert(blocked);
        },
      );
    } finally {
      await browser.close();
    }
  },
});
