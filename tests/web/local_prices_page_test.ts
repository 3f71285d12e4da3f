/**
 * The plan list in the buyer's currency, in Chromium against the stack: Paddle.js's
 * PricePreview (the simulator's stand-in, client-side token) for the country in `?country=` or
 * the selector; catalog prices while it loads and when it fails; the page never waits for it.
 * A subscriber's change-plan dialog shows the subscription's currency, never a conversion.
 */
import { assert, assertEquals } from "@std/assert";
import type { Browser, Page, Route } from "playwright-core";
import { stackInfo } from "../_stack.ts";
import { LOCAL_PADDLE_CLIENT_TOKEN } from "../../local/web_config.ts";
import { DEMO, freshSubscriber } from "../_subscriber.ts";
import { launchChromium, pageSteps } from "./_browser.ts";
import {
  BASIC_PRICE,
  emailField,
  offerDemoCatalogOnly,
  PASSWORD,
  passwordField,
  PRO_PRICE,
  PRO_YEARLY_PRICE,
  SEAT_PRICE,
  shownPlans,
  signIn,
  signInButton,
  signOutButton,
  STARTER_YEARLY_PRICE,
  subscriptionButton,
} from "./_page.ts";

/** Signs in at `path` with the page offering only the demo catalog (offerDemoCatalogOnly). */
async function signInAt(page: Page, path: string, email = "carol@example.com") {
  await offerDemoCatalogOnly(page);
  await page.goto(path);
  await emailField(page).fill(email);
  await passwordField(page).fill("demo-password");
  await signInButton(page).click();
  await signOutButton(page).waitFor({ state: "visible" });
}

/** Price name → the amount shown, for the demo plans' prices at the interval shown. */
async function amounts(page: Page): Promise<Record<string, string>> {
  const rows = await shownPlans(page, [
    PRO_PRICE,
    BASIC_PRICE,
    PRO_YEARLY_PRICE,
    STARTER_YEARLY_PRICE,
  ]);
  return Object.fromEntries(rows.map(([, name, amount]) => [name, amount]));
}

/** The Pro card's "Extra seat" quantity label. */
async function seatLabel(page: Page, priceId: string): Promise<string> {
  const input = page.locator(`#plans input[data-addon-price-id="${priceId}"]`).first();
  const id = await input.getAttribute("id");
  return (await page.locator(`label[for="${id}"]`).textContent()) ?? "";
}

/** @param interval "month" | "year" */
async function showInterval(page: Page, interval: "month" | "year") {
  await page.getByRole("radio", { name: interval === "month" ? /^Monthly/ : /^Yearly/ }).check();
  await page.locator(`#plans .plan-price[data-interval="${interval}"]`).first().waitFor();
}

Deno.test({
  name: "local prices on the plan list in Chromium",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const browser: Browser = await launchChromium();
    const step = pageSteps(t, browser);
    try {
      await step(
        "?country=DE: euros with VAT included; the selector switches to US and GB",
        async ({ page }) => {
          const authorizations: string[] = [];
          page.on("request", (request) => {
            if (request.url().endsWith("/pricing-preview") && request.method() === "POST") {
              authorizations.push(request.headers()["authorization"] ?? "");
            }
          });
          await signInAt(page, "/?country=DE");
          await page.locator('#plans-local[data-state="local"][data-country="DE"]').waitFor();
          assertEquals(await amounts(page), {
            "Starter monthly": "€9.00 per month incl. VAT",
            "Pro monthly": "€27.00 per month incl. VAT",
          });
          assertEquals(
            await seatLabel(page, SEAT_PRICE),
            "Extra seats (€4.50 per month incl. VAT each)",
          );
          const select = page.getByLabel("Show prices for");
          assertEquals(await select.inputValue(), "DE");
          assertEquals(
            await page.locator("#plans-prices-note").textContent(),
            "Prices for Germany, as you will pay them at checkout.",
          );
          const subscribe = page.locator(`#plans button[data-price-id="${PRO_PRICE}"]`);
          assert(
            (await subscribe.getAttribute("aria-label"))?.endsWith("€27.00 per month incl. VAT"),
          );

          // The switch renders the cards again: yearly is in euros too, with no new preview.
          await showInterval(page, "year");
          assertEquals(await amounts(page), {
            "Starter yearly": "€90.00 per year incl. VAT",
            "Pro yearly": "€270.00 per year incl. VAT",
          });
          const yearly = page.locator(`#plans button[data-price-id="${PRO_YEARLY_PRICE}"]`);
          assert(
            (await yearly.getAttribute("aria-label"))?.endsWith("€270.00 per year incl. VAT"),
          );

          await select.selectOption("US");
          await page.locator('#plans-local[data-state="local"][data-country="US"]').waitFor();
          assertEquals(new URL(page.url()).searchParams.get("country"), "US");
          assertEquals((await amounts(page))["Pro yearly"], "$300.00 per year + tax");
          await showInterval(page, "month");
          assertEquals((await amounts(page))["Pro monthly"], "$30.00 per month + tax");

          await select.selectOption("GB");
          await page.locator('#plans-local[data-state="local"][data-country="GB"]').waitFor();
          assertEquals(await amounts(page), {
            "Starter monthly": "£8.00 per month incl. VAT",
            "Pro monthly": "£24.00 per month incl. VAT",
          });
          await showInterval(page, "year");
          assertEquals((await amounts(page))["Pro yearly"], "£240.00 per year incl. VAT");

          // Always the public client-side token, never the API key.
          assertEquals(authorizations.length, 3);
          for (const header of authorizations) {
            assertEquals(header, `Bearer ${LOCAL_PADDLE_CLIENT_TOKEN}`);
            assert(!header.includes(stackInfo().paddle.apiKey));
          }
        },
      );

      await step(
        "?country=ZZ: Paddle prices no such country, so the catalog prices stay and Subscribe sends none",
        async ({ page }) => {
          // The checkout request is answered here: only what the page would send is looked at.
          const bodies: Record<string, unknown>[] = [];
          await page.route("**/functions/v1/checkout", (route) => {
            if (route.request().method() !== "POST") return void route.continue();
            bodies.push(JSON.parse(route.request().postData() ?? "{}"));
            void route.fulfill({
              status: 409,
              contentType: "application/json",
              headers: { "access-control-allow-origin": "*" },
              body: JSON.stringify({
                error: { code: "already_subscribed", message: "already subscribed" },
              }),
            });
          });
          await signInAt(page, "/?country=ZZ");
          await page.locator('#plans-local[data-state="catalog"]').waitFor();
          assertEquals((await amounts(page))["Pro monthly"], "$30.00 per month");
          await page.locator(`#plans button[data-price-id="${PRO_PRICE}"]`).click();
          while (bodies.length === 0) await new Promise((r) => setTimeout(r, 20));
          assertEquals(bodies[0], { priceId: PRO_PRICE });
        },
      );

      await step(
        "loading shows the catalog prices and says so; a failure keeps them, tax added at checkout",
        async ({ page }) => {
          const held: Route[] = [];
          let failing = false;
          await page.route("**/pricing-preview", (route) => {
            if (route.request().method() !== "POST") return void route.continue();
            // Held while the page is looked at; then this and every retry fail (offline).
            if (failing) return void route.abort("connectionfailed");
            held.push(route);
          });
          await signInAt(page, "/?country=DE");
          await page.locator('#plans-local[data-state="loading"]').waitFor();
          assertEquals(
            await page.locator("#plans-prices-note").textContent(),
            "Prices in your currency are loading…",
          );
          assertEquals((await amounts(page))["Pro monthly"], "$30.00 per month");
          // The page is usable meanwhile: Subscribe is there and enabled.
          assert(await page.locator(`#plans button[data-price-id="${PRO_PRICE}"]`).isEnabled());
          while (held.length === 0) await new Promise((r) => setTimeout(r, 20));
          failing = true;
          for (const route of held) await route.abort("connectionfailed");
          await page.locator('#plans-local[data-state="catalog"]').waitFor();
          assert(
            (await page.locator("#plans-prices-note").textContent())?.includes(
              "tax is added at checkout",
            ),
          );
          assertEquals((await amounts(page))["Pro monthly"], "$30.00 per month");
        },
      );

      await step(
        "a subscriber billed in euros: the change-plan dialog in euros (the price overrides), never converted",
        async ({ page }) => {
          const sub = await freshSubscriber({
            items: [[DEMO.proMonthly, 1], [DEMO.seatsMonthly, 2]],
            currency: "EUR",
            password: PASSWORD,
          });
          await signIn(page, sub.email, PASSWORD);
          await subscriptionButton(page, "Change plan", sub.subscription.id).click();
          const dialog = page.getByRole("dialog", { name: "Change plan" });
          await dialog.waitFor();
          const amount = (plan: string) =>
            dialog.locator(".plan-choice", { hasText: plan }).locator(".plan-amount").textContent();
          assertEquals(await amount("Pro plan"), "€27.00 per month");
          assertEquals(await amount("Starter plan"), "€9.00 per month");
          assertEquals(
            await dialog.locator(".addon .hint").textContent(),
            "€4.50 per month each",
          );
          await dialog.getByRole("radio", { name: /^Yearly/ }).check();
          assertEquals(await amount("Pro plan"), "€270.00 per year");
          assertEquals(
            await dialog.locator(".addon .hint").textContent(),
            "€45.00 per year each",
          );
          // Euro over euro: the same 16% a dollar subscriber is shown.
          assertEquals(
            await dialog.locator('[data-role="saving"]').textContent(),
            " (save 16%)",
          );
        },
      );
    } finally {
      await browser.close();
    }
  },
});
