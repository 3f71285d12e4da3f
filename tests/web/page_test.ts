/**
 * The "Manage subscription" page (web/) in headless Chromium against the local stack:
 * `deno task test tests/web/`. The page is loaded from `localhost` and talks to the API on
 * `127.0.0.1`, so every call is cross-origin as in a deployment. Screenshots of the main states
 * go to test-results/web/; with UPDATE_DOCS_SCREENSHOT=1 the signed-in one also replaces
 * docs/screenshot-signed-in.png.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import type { Browser } from "playwright-core";
import { control, demoUser, stackInfo } from "../_stack.ts";
import { applyEntities, randomPaddleId, withClient } from "../_db.ts";
import { customerData, PLANS, subscriptionData } from "../../local/paddle_webhooks/payloads.ts";
import { DOCS_SCREENSHOT, launchChromium, paddle, pageSteps, screenshot } from "./_browser.ts";
import {
  BASIC_PRICE,
  cardField,
  cardItems,
  DATE,
  emailField,
  FOR_SALE_SQL,
  IDS_OUTSIDE_DETAILS,
  type InPage,
  isFocused,
  LIST_SETTLED,
  manageButton,
  offeredPriceIds,
  PASSWORD,
  passwordField,
  portalPage,
  PRO_PRICE,
  PRO_YEARLY_PRICE,
  SEAT_PRICE,
  SEAT_PRODUCT,
  SEAT_YEARLY_PRICE,
  SEED_PRICES,
  shownPlans,
  shownSubscriptionIds,
  signIn,
  signInAndWait,
  signInButton,
  signOutButton,
  status,
  statusCode,
  subscriptionButton,
  subscriptionCard,
  tryAgainButton,
} from "./_page.ts";

const PORTAL_BUTTONS_ENABLED = () => {
  const doc = (globalThis as InPage).document;
  const buttons = [...doc.querySelectorAll("button[data-portal-target]")];
  return buttons.length > 1 && buttons.every((b: InPage) => !b.disabled);
};
const RETRY_ENABLED = () => {
  const doc = (globalThis as InPage).document;
  return [...doc.querySelectorAll("#status-actions button")].some((b: InPage) => !b.disabled);
};
const STORED_SESSIONS = () =>
  Object.keys((globalThis as InPage).localStorage).filter((key) => key.endsWith("-auth-token"));
const FOCUSED = () => {
  const el = (globalThis as InPage).document.activeElement;
  return String(el?.id || el?.textContent?.trim() || el?.tagName || "");
};
const HEADING_FOCUSED = () =>
  (globalThis as InPage).document.activeElement?.id === "account-heading";
const FOCUSED_PRICE_ID = () =>
  (globalThis as InPage).document.activeElement?.dataset?.priceId as string | undefined;
/** The sentence about Paddle's portal that goes with "Manage subscription". */
const PORTAL_SENTENCE = /open Paddle's secure customer portal/;
const HORIZONTAL_OVERFLOW = () =>
  (globalThis as InPage).document.documentElement.scrollWidth -
  (globalThis as InPage).innerWidth as number;
/** Breaks the stored access token's signature; supabase-js still considers the session valid. */
const BREAK_ACCESS_TOKEN = () => {
  const storage = (globalThis as InPage).localStorage;
  const key = Object.keys(storage).find((k) => k.endsWith("-auth-token"));
  if (!key) throw new Error("no stored session");
  const session = JSON.parse(storage.getItem(key) ?? "{}");
  const [header, payload] = session.access_token.split(".");
  session.access_token = header + "." + payload + "." + "A".repeat(86);
  storage.setItem(key, JSON.stringify(session));
};
const CONFIG_MODULE = async () => {
  const url = new URL("/config.js", (globalThis as InPage).location.href).href;
  return { ...(await import(url)) } as Record<string, unknown>;
};

/** alice's subscription that is not already going to cancel (the other offers "Keep" instead). */
const ALICE_NOT_CANCELING = "sub_01jdemoalicesub10000000000";

Deno.test({
  name: "web page in Chromium",
  // Playwright keeps a pipe to the browser open across steps.
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await paddle.clearFaults();
    const browser: Browser = await launchChromium();
    const step = pageSteps(t, browser);

    try {
      await step(
        "signed out: a labelled form; a wrong password shows an error",
        async ({ page }) => {
          await page.goto("/");
          await page.getByRole("heading", { name: "Sign in", level: 1 }).waitFor();
          assertEquals(await manageButton(page).count(), 0);
          await screenshot(page, "01-signed-out");

          await signIn(page, "alice@example.com", "not-the-password");
          const alert = page.getByRole("alert");
          await alert.filter({ hasText: "Wrong email or password." }).waitFor();
          assertEquals(await passwordField(page).getAttribute("aria-invalid"), "true");
          assert(
            await isFocused(passwordField(page)),
            "focus returns to the password field",
          );
          assertEquals(await manageButton(page).count(), 0, "still signed out");
          await screenshot(page, "02-wrong-password");
        },
      );

      await step("an unconfirmed email is refused with its own message", async ({ page }) => {
        await signIn(page, "erin@example.com");
        await page.getByRole("alert").filter({ hasText: /not confirmed/ }).waitFor();
        assertEquals(await manageButton(page).count(), 0);
      });

      await step("an empty form is not sent", async ({ page }) => {
        await page.goto("/");
        await signInButton(page).click();
        await page.getByRole("alert").filter({ hasText: "Enter your email address." }).waitFor();
        assert(await isFocused(emailField(page)));
      });

      for (const email of ["alice@example.com", "bob@example.com", "dave@example.com"]) {
        await step(
          `${email}: signs in, sees their subscriptions, "Manage subscription" opens their portal`,
          async ({ page }) => {
            const user = demoUser(email);
            assert(user.customerId, `${email} has a customer`);
            await signInAndWait(page, email);
            assertEquals(await shownSubscriptionIds(page), [...user.subscriptionIds].sort());
            if (user.subscriptionIds.length === 0) {
              await page.getByText("You have no subscriptions yet.").waitFor();
            }
            if (email === "alice@example.com") {
              // One of alice's subscriptions is scheduled to cancel.
              await page.locator(".scheduled").filter({ hasText: /^Cancels on / }).waitFor();
              assertEquals(await page.locator(".scheduled").count(), 1);
              await screenshot(page, "03-signed-in");
              if (Deno.env.get("UPDATE_DOCS_SCREENSHOT")) {
                await page.screenshot({ path: DOCS_SCREENSHOT, fullPage: true });
              }
            }

            await paddle.clearRequests();
            await manageButton(page).click();
            const portal = await portalPage(page);
            assertEquals(portal.customerId, user.customerId);
            assertEquals(portal.action, "overview");
            const minted = await paddle.portalSessionRequests();
            assertEquals(minted.length, 1, "one click, one portal session");
            assertEquals(minted[0].path, `/customers/${user.customerId}/portal-sessions`);
          },
        );
      }

      await step(
        '"Cancel subscription" and "Update payment method" open that subscription\'s deep links',
        async ({ page }) => {
          const alice = demoUser("alice@example.com");
          const [first, second] = alice.subscriptionIds;
          assert(first && second, "alice has two subscriptions");
          await signInAndWait(page, alice.email);
          await subscriptionButton(page, "Cancel subscription", second).click();
          let portal = await portalPage(page);
          assertEquals(portal, {
            customerId: alice.customerId,
            action: "cancel_subscription",
            subscriptionId: second,
          });

          await page.goBack();
          await manageButton(page).waitFor();
          // Back from the portal (maybe from the back/forward cache): the page is usable again.
          await page.waitForFunction(PORTAL_BUTTONS_ENABLED);
          await subscriptionButton(page, "Update payment method", first).click();
          portal = await portalPage(page);
          assertEquals(portal, {
            customerId: alice.customerId,
            action: "update_subscription_payment_method",
            subscriptionId: first,
          });
        },
      );

      await step(
        'carol (no customer): no subscriptions, no "Manage subscription", the plans come first',
        async ({ page }) => {
          const carol = demoUser("carol@example.com");
          assertEquals(carol.customerId, null);
          await signInAndWait(page, carol.email);
          await page.getByText("You have no subscriptions yet.").waitFor();
          assertEquals(await shownSubscriptionIds(page), []);
          assertEquals(await manageButton(page).count(), 0, "no portal to open");
          assertEquals(await page.getByText(PORTAL_SENTENCE).isVisible(), false);
          // The plans for sale from the mirrored catalog, by product, with names and prices.
          await page.getByRole("heading", { name: "Choose a plan", level: 2 }).waitFor();
          const forSale = await withClient(async (db) =>
            (await db.query(FOR_SALE_SQL)).rows.map((row) => row.price_id as string)
          );
          assertEquals(await offeredPriceIds(page), forSale, "each plan's monthly price");
          // Plans only: the "Extra seats" add-on is offered on the cards, never on its own.
          assertEquals(await shownPlans(page, SEED_PRICES), [
            ["Pro plan", "Pro monthly", "$30.00 per month"],
            ["Starter plan", "Starter monthly", "$10.00 per month"],
          ]);
          assertEquals(
            await page.locator(`#plans button[data-price-id="${SEAT_PRICE}"]`).count(),
            0,
          );
          const subscribePro = page.locator(`#plans button[data-price-id="${PRO_PRICE}"]`);
          assertEquals(
            await subscribePro.getAttribute("aria-label"),
            "Subscribe to Pro plan, Pro monthly, $30.00 per month",
          );
          assertEquals(await subscribePro.textContent(), "Subscribe");
          // Focus is on the heading after sign-in; the next stop is the billing period.
          assert(await page.evaluate(HEADING_FOCUSED), "focus on the heading after sign-in");
          await page.keyboard.press("Tab");
          assert(
            await isFocused(page.getByRole("radio", { name: "Monthly", exact: true })),
            "the first thing to act on is the Monthly / Yearly switch",
          );
          await screenshot(page, "04-plans");
        },
      );

      await step(
        "plans by keyboard: Monthly / Yearly (save 16%), features, seats carried over, Subscribe sends the plan and its add-ons",
        async ({ page }) => {
          // The checkout requests are answered here, so carol stays without a customer.
          const bodies: unknown[] = [];
          await page.route("**/functions/v1/checkout", (route) => {
            if (route.request().method() !== "POST") return route.continue();
            bodies.push(route.request().postDataJSON());
            return route.fulfill({
              status: 400,
              contentType: "application/json",
              headers: { "access-control-allow-origin": "*" },
              body: JSON.stringify({
                error: { code: "invalid_quantity", message: "That quantity is not available." },
              }),
            });
          });
          await signInAndWait(page, "carol@example.com");
          await page.getByRole("heading", { name: "Choose a plan", level: 2 }).waitFor();
          const switcher = page.getByRole("group", { name: "Billing period" });
          const monthly = switcher.getByRole("radio", { name: "Monthly", exact: true });
          const yearly = switcher.getByRole("radio", { name: /^Yearly/ });
          assertEquals(await yearly.getAttribute("value"), "year");
          // What "Yearly" says is computed from every plan on the page (other tests add plans
          // to the shared catalog): here independently, in SQL integer arithmetic.
          const { rows: savings } = await withClient((db) =>
            db.query(`
              select case when y.amount < 12 * m.amount
                       then div((12 * m.amount - y.amount) * 100, 12 * m.amount)::bigint end as percent
              from (select distinct on (product_id) product_id, unit_price_amount as amount
                      from public.catalog_prices
                     where role = 'plan' and billing_cycle_interval = 'month'
                       and billing_cycle_frequency = 1
                     order by product_id, unit_price_amount, price_id collate "C") m
              full join (select distinct on (product_id) product_id, unit_price_amount as amount
                      from public.catalog_prices
                     where role = 'plan' and billing_cycle_interval = 'year'
                       and billing_cycle_frequency = 1
                     order by product_id, unit_price_amount, price_id collate "C") y
                using (product_id)`)
          );
          const percents = savings.map((r) => r.percent === null ? null : Number(r.percent));
          const most = Math.max(...percents.filter((n): n is number => n !== null && n > 0));
          const words = percents.every((n) => n === most) ? `save ${most}%` : `save up to ${most}%`;
          assertEquals(
            (await switcher.locator("label").last().textContent())?.trim(),
            `Yearly ${words}`,
          );
          assert(savings.length > 2 || words === "save 16%", "the demo plans alone: 16% each");
          assert(await monthly.isChecked());
          const pro = page.locator("#plans article", {
            has: page.getByRole("heading", { name: "Pro plan", exact: true }),
          });
          assertEquals(
            await pro.getByRole("list", { name: "Pro plan features" }).locator("li")
              .allTextContents(),
            ["Priority support", "Projects: Unlimited", "Storage: 100 GB"],
          );
          const starter = page.locator("#plans article", {
            has: page.getByRole("heading", { name: "Starter plan", exact: true }),
          });
          assertEquals(
            await starter.getByRole("list", { name: "Starter plan features" }).locator("li")
              .allTextContents(),
            ["Priority support: not included", "Projects: 3", "Storage: 10 GB"],
          );

          // Arrow keys move the switch, as radio buttons do.
          await monthly.focus();
          await page.keyboard.press("ArrowRight");
          assert(await yearly.isChecked());
          assert(await isFocused(yearly), "focus stays on the switch");
          assertEquals(await shownPlans(page, SEED_PRICES), [
            ["Pro plan", "Pro yearly", "$300.00 per year"],
            ["Starter plan", "Starter yearly", "$100.00 per year"],
          ]);
          assertEquals(
            await pro.locator(".plan-saving").textContent(),
            "Save 16% compared with paying monthly",
          );
          await screenshot(page, "04-plans-yearly");

          // The next stop is the first control on the cards (other tests may add plans named
          // before "Pro plan", some without a yearly price).
          await page.keyboard.press("Tab");
          assert(
            await page.locator("#plans").evaluate((list: InPage) =>
              list.querySelector("input, button") === list.ownerDocument.activeElement
            ),
            "from the switch to the first plan card's first control",
          );
          // In the Pro card, its seats (yearly seats) come before its Subscribe.
          const seats = pro.getByRole("spinbutton", { name: "Extra seats ($50.00 per year each)" });
          await seats.focus();
          await page.keyboard.press("ArrowUp");
          await page.keyboard.press("ArrowUp");
          await page.keyboard.press("ArrowUp");
          assertEquals(await seats.inputValue(), "3");
          await page.keyboard.press("Tab");
          assertEquals(
            await page.evaluate(FOCUSED_PRICE_ID),
            PRO_YEARLY_PRICE,
            "the add-on's quantity comes before Subscribe",
          );
          await page.keyboard.press("Enter");
          await status(page).filter({ hasText: "quantity is not available" }).waitFor();
          assertEquals(bodies, [{
            priceId: PRO_YEARLY_PRICE,
            addons: [{ priceId: SEAT_YEARLY_PRICE, quantity: 3 }],
          }]);

          // Back to monthly: the seats stay chosen, now at the monthly seat price.
          await monthly.check();
          const monthlySeats = pro.getByRole("spinbutton", {
            name: "Extra seats ($5.00 per month each)",
          });
          assertEquals(await monthlySeats.inputValue(), "3");
          assertEquals(
            await starter.getByRole("spinbutton").inputValue(),
            "0",
            "seats chosen on Pro are Pro's",
          );
          // No add-on chosen: the body is the one every earlier client sends.
          await starter.getByRole("button", { name: /^Subscribe/ }).click();
          await status(page).filter({ hasText: "quantity is not available" }).waitFor();
          assertEquals(bodies[1], { priceId: BASIC_PRICE });
        },
      );

      await step(
        'bob (a customer without subscriptions) keeps "Manage subscription" and its sentence',
        async ({ page }) => {
          const bob = demoUser("bob@example.com");
          assert(bob.customerId, "bob has a customer");
          assertEquals(bob.subscriptionIds, []);
          await signInAndWait(page, bob.email);
          await page.getByRole("heading", { name: "Choose a plan", level: 2 }).waitFor();
          assert(
            await manageButton(page).isVisible(),
            "his portal has invoices and payment methods",
          );
          assert(await page.getByText(PORTAL_SENTENCE).isVisible());
        },
      );

      await step(
        'the customer read fails: "Manage subscription" stays, and answers no_paddle_customer',
        async ({ page }) => {
          const carol = demoUser("carol@example.com");
          // Unknown is not "none": the page offers the portal and lets the function decide.
          let refused = 0;
          await page.route((url) => url.pathname === "/rest/v1/customers", (route) => {
            refused++;
            return route.abort("connectionreset");
          });
          await signInAndWait(page, carol.email);
          // Asked once: supabase-js would retry a failed GET for 7 s, and the lists wait for it.
          assertEquals(refused, 1, "the page asked once whether carol has a customer");
          await page.getByRole("heading", { name: "Choose a plan", level: 2 }).waitFor();
          await paddle.clearRequests();
          await manageButton(page).click();
          await status(page).filter({ hasText: "You don't have a subscription yet" }).waitFor();
          await status(page).filter({ hasText: "Choose a plan below." }).waitFor();
          assertEquals(await statusCode(page), "no_paddle_customer");
          assert(
            await isFocused(page.getByRole("heading", { name: "Choose a plan" })),
            "focus moves to the plans",
          );
          assert(await manageButton(page).isEnabled(), "the button works again");
          assertEquals(new URL(page.url()).pathname, "/", "still on the page");
          assertEquals(await paddle.requests(), [], "the simulator received no request");
          await screenshot(page, "04-no-subscription");
        },
      );

      await step(
        "alice's plan cards: names, amounts per interval, dates, scheduled change; ids for support only",
        async ({ page }) => {
          const alice = demoUser("alice@example.com");
          const { rows } = await withClient((db) =>
            db.query(
              `select subscription_id, next_billed_at, current_period_starts_at,
                      current_period_ends_at, scheduled_change_effective_at
                 from public.subscriptions where subscription_id = any($1)`,
              [alice.subscriptionIds],
            )
          );
          const mirror = new Map(rows.map((row) => [row.subscription_id as string, row]));
          const [withSeats, basic] = [
            "sub_01jdemoalicesub10000000000",
            "sub_01jdemoalicesub20000000000",
          ];
          assert(mirror.has(withSeats) && mirror.has(basic), "the seeded subscriptions");
          await signInAndWait(page, alice.email);
          assertEquals(await page.locator("#plans-section").isVisible(), false, "no plans");

          const first = subscriptionCard(page, withSeats);
          assertEquals(await first.getByRole("heading", { level: 3 }).textContent(), "Pro plan");
          assertEquals(await first.locator(".badge").textContent(), "Active");
          assertEquals(await cardItems(first), [
            ["Pro monthly", "$30.00 per month"],
            ["Extra seats: Extra seat", "$15.00 per month (3 × $5.00)"],
          ]);
          assertEquals(await cardField(first, "total"), "$45.00 per month");
          const row = mirror.get(withSeats);
          assertEquals(await cardField(first, "next-payment"), DATE.format(row.next_billed_at));
          assertEquals(
            await cardField(first, "period"),
            DATE.formatRange(row.current_period_starts_at, row.current_period_ends_at),
          );
          assertEquals(await cardField(first, "scheduled"), null);

          const second = subscriptionCard(page, basic);
          assertEquals(await cardItems(second), [["Starter monthly", "$10.00 per month"]]);
          assertEquals(await cardField(second, "total"), null, "one item: no total line");
          assertEquals(await cardField(second, "next-payment"), "None scheduled");
          assertEquals(
            await cardField(second, "scheduled"),
            `Cancels on ${DATE.format(mirror.get(basic).scheduled_change_effective_at)}`,
          );
          // Going to cancel: "Keep my subscription" takes the place of "Cancel subscription".
          await second.getByRole("button", {
            name: "Keep my subscription Starter plan, Starter monthly",
            exact: true,
          }).waitFor();
          assertEquals(
            await second.getByRole("button", { name: /^Cancel subscription/ }).count(),
            0,
          );

          for (const card of [first, second]) {
            assertEquals(await card.evaluate(IDS_OUTSIDE_DETAILS), []);
            const details = card.locator("details.support");
            assertEquals(await details.locator("code").first().isVisible(), false, "closed");
            await details.locator("summary").click();
            await details.getByText(await card.getAttribute("data-subscription-id") ?? "?", {
              exact: true,
            }).waitFor();
            await details.getByText(alice.customerId ?? "?", { exact: true }).waitFor();
          }
        },
      );

      await step(
        'past_due: the card warns first, and "Update payment method" leads',
        async ({ page }) => {
          const dave = demoUser("dave@example.com");
          const [subscriptionId] = dave.subscriptionIds;
          const setStatus = (value: string) =>
            withClient((db) =>
              db.query("update public.subscriptions set status = $2 where subscription_id = $1", [
                subscriptionId,
                value,
              ])
            );
          await setStatus("past_due");
          try {
            await signInAndWait(page, dave.email);
            const card = subscriptionCard(page, subscriptionId);
            assertEquals(await card.locator(".badge").textContent(), "Payment overdue");
            const order = await card.evaluate((article: InPage) =>
              [...article.querySelectorAll(".warning, .items, .actions button")].map((
                el: InPage,
              ) => el.classList.contains("warning") ? "warning" : el.textContent.trim() || "items")
            );
            assertEquals(order.slice(0, 1), ["warning"]);
            assertEquals(
              order.filter((x: string) => x.endsWith("method") || x.startsWith("Cancel")),
              [
                "Update payment method",
                "Cancel subscription",
              ],
            );
            assertMatch(
              (await card.locator(".warning").textContent()) ?? "",
              /payment did not go through/,
            );
            assertEquals(await page.locator("#plans-section").isVisible(), false);
            await screenshot(page, "10-past-due");
            await subscriptionButton(page, "Update payment method", subscriptionId).click();
            assertEquals(await portalPage(page), {
              customerId: dave.customerId,
              action: "update_subscription_payment_method",
              subscriptionId,
            });
          } finally {
            await setStatus("active");
          }
        },
      );

      await step(
        "Subscribe refused: a price no longer for sale, then already subscribed; Paddle is not called",
        async ({ page }) => {
          const bob = demoUser("bob@example.com");
          assert(bob.customerId, "bob has a customer and no subscription");
          const subscriptionId = randomPaddleId("sub");
          // Basic's price and the whole "Extra seats" product stop being sold meanwhile.
          const setCatalogStatus = (value: string) =>
            withClient(async (db) => {
              await db.query("update public.prices set status = $2 where price_id = $1", [
                BASIC_PRICE,
                value,
              ]);
              await db.query("update public.products set status = $2 where product_id = $1", [
                SEAT_PRODUCT,
                value,
              ]);
            });
          await signInAndWait(page, bob.email);
          await page.getByRole("heading", { name: "Choose a plan" }).waitFor();
          await paddle.clearRequests();
          try {
            // The page still offers them; the catalog stopped selling them meanwhile.
            await setCatalogStatus("archived");
            await page.locator(`#plans button[data-price-id="${BASIC_PRICE}"]`).click();
            await status(page).filter({ hasText: "That plan is no longer for sale." }).waitFor();
            assertEquals(await statusCode(page), "price_not_found");
            await page.locator(`#plans button[data-price-id="${BASIC_PRICE}"]`).waitFor({
              state: "detached",
            });
            assertEquals(await shownPlans(page, SEED_PRICES), [
              ["Pro plan", "Pro monthly", "$30.00 per month"],
            ], "an archived price, and every price of an archived product, are gone");
            await screenshot(page, "12-price-not-for-sale");

            // Bob subscribed in another tab: the mirror has it, this page does not yet.
            await withClient((db) =>
              applyEntities(db, "subscription", [
                subscriptionData({
                  id: subscriptionId,
                  customerId: bob.customerId!,
                  status: "active",
                  plan: PLANS.pro,
                  createdAtMs: Date.now(),
                }),
              ])
            );
            await page.locator(`#plans button[data-price-id="${PRO_PRICE}"]`).click();
            await status(page).filter({ hasText: "You already have a subscription." }).waitFor();
            assertEquals(await statusCode(page), "already_subscribed");
            await subscriptionCard(page, subscriptionId).waitFor();
            await page.locator("#plans-section").waitFor({ state: "hidden" });
            assertEquals(await page.getByRole("button", { name: /^Subscribe/ }).count(), 0);
            await screenshot(page, "13-already-subscribed");
            assertEquals(await paddle.requests(), [], "refusals never reach Paddle");
          } finally {
            await setCatalogStatus("active");
            await withClient((db) =>
              db.query("delete from public.subscriptions where subscription_id = $1", [
                subscriptionId,
              ])
            );
          }
        },
      );

      await step(
        'back from checkout: waits for the subscription (at most 30 s), then "Check again" finds it',
        async ({ page }) => {
          const carol = demoUser("carol@example.com");
          await signInAndWait(page, carol.email);
          const startedAt = Date.now();
          await page.goto("/?checkout=complete");
          await status(page).filter({ hasText: "Setting up your subscription…" }).waitFor();
          assertEquals(new URL(page.url()).search, "", "the parameter is gone at once");
          assertEquals(
            await page.locator("#plans-section").isVisible(),
            false,
            "no plans meanwhile",
          );
          assertEquals(await manageButton(page).count(), 0, "no customer yet");
          await status(page).filter({ hasText: "is not showing yet" }).waitFor({ timeout: 40_000 });
          const waited = Date.now() - startedAt;
          assert(waited >= 29_000 && waited < 40_000, `gave up after ${waited} ms`);
          const checkAgain = page.getByRole("button", { name: "Check again", exact: true });
          assert(await isFocused(checkAgain));

          // The subscription reaches the mirror while the page asks again.
          const customerId = randomPaddleId("ctm");
          const subscriptionId = randomPaddleId("sub");
          await checkAgain.click();
          await status(page).filter({ hasText: "Setting up your subscription…" }).waitFor();
          try {
            await withClient(async (db) => {
              const now = Date.now();
              await applyEntities(db, "customer", [
                customerData({ id: customerId, email: carol.email, createdAtMs: now }),
              ]);
              await applyEntities(db, "subscription", [
                subscriptionData({
                  id: subscriptionId,
                  customerId,
                  status: "active",
                  plan: PLANS.pro,
                  createdAtMs: now,
                }),
              ]);
            });
            await status(page).filter({ hasText: "Your subscription is active." }).waitFor({
              timeout: 20_000,
            });
            const card = subscriptionCard(page, subscriptionId);
            assertEquals(await cardItems(card), [["Pro monthly", "$30.00 per month"]]);
            assert(await manageButton(page).isVisible(), "with the customer comes the portal");
            assertEquals(await page.locator("#plans-section").isVisible(), false);
          } finally {
            await withClient((db) =>
              db.query("delete from public.customers where customer_id = $1", [customerId])
            );
          }
        },
      );

      await step("signing out returns to the form and forgets the session", async ({ page }) => {
        await signInAndWait(page, "dave@example.com");
        await page.reload();
        await manageButton(page).waitFor();
        await page.getByText("dave@example.com", { exact: true }).waitFor();

        await signOutButton(page).click();
        await emailField(page).waitFor();
        await status(page).filter({ hasText: "You have signed out." }).waitFor();
        assertEquals(await manageButton(page).count(), 0);
        assertEquals(await page.locator("article[data-subscription-id]").count(), 0);
        assert(await isFocused(emailField(page)));
        const stored = await page.evaluate(STORED_SESSIONS);
        assertEquals(stored, [], "no session left in storage");
        await page.reload();
        await signInButton(page).waitFor();
        assertEquals(await manageButton(page).count(), 0);
      });

      await step(
        "Paddle 429 then 500 twice: the page says when to retry, then retry works",
        async ({ page }) => {
          const dave = demoUser("dave@example.com");
          await signInAndWait(page, dave.email);
          await paddle.clearRequests();
          await paddle.fault({ status: 429, headers: { "Retry-After": "2" }, count: 1 });
          await manageButton(page).click();
          await status(page).filter({ hasText: /too many requests.*Try again in 2 seconds/ })
            .waitFor();
          assertEquals(await statusCode(page), "rate_limited");
          assert(await tryAgainButton(page).isDisabled(), "no retry before Retry-After");
          assert(await manageButton(page).isEnabled());
          await screenshot(page, "05-rate-limited");
          await page.waitForFunction(RETRY_ENABLED, undefined, { timeout: 5_000 });

          // The function retries once on 5xx: two 500s exhaust it.
          await paddle.fault({ status: 500, count: 2 });
          await tryAgainButton(page).click();
          await status(page).filter({ hasText: /not answering right now/ }).waitFor();
          assertEquals(await statusCode(page), "paddle_unavailable");
          assert(
            await isFocused(tryAgainButton(page)),
            "focus moves to the retry button",
          );
          await screenshot(page, "06-paddle-unavailable");
          assertEquals(
            (await paddle.portalSessionRequests()).length,
            3,
            "429, then 500 and its retry",
          );

          await page.keyboard.press("Enter");
          const portal = await portalPage(page);
          assertEquals(portal.customerId, dave.customerId);
          assertEquals(portal.action, "overview");
          assertEquals((await paddle.portalSessionRequests()).length, 4);
        },
      );

      await step(
        "over the per-user mint limit: 429 says when to try again, and Paddle is not called",
        async ({ page }) => {
          const dave = demoUser("dave@example.com");
          await signInAndWait(page, dave.email);
          await paddle.clearRequests();
          // Dave has used up the test stack's whole allowance this second (the real counter the
          // function's lookup reads; its limit is 1000 per minute in the test stack).
          await withClient((db) =>
            db.query(
              `insert into billing_private.mint_slots (user_id, seconds, counts)
               values ($1, array[floor(extract(epoch from clock_timestamp()))::bigint], array[1000])
               on conflict (user_id) do update set seconds = excluded.seconds, counts = excluded.counts`,
              [dave.userId],
            )
          );
          try {
            await manageButton(page).click();
            await status(page).filter({
              hasText: /opened the billing portal many times.*Try again in (1 minute|59 seconds)\./,
            }).waitFor();
            assertEquals(await statusCode(page), "too_many_requests");
            assert(await tryAgainButton(page).isDisabled(), "no retry before Retry-After");
            assert(await manageButton(page).isEnabled());
            assertEquals(await paddle.portalSessionRequests(), []);
          } finally {
            await withClient((db) =>
              db.query("delete from billing_private.mint_slots where user_id = $1", [dave.userId])
            );
          }
        },
      );

      await step(
        "Paddle never answers: paddle_timeout offers a retry that works",
        async ({ page }) => {
          const dave = demoUser("dave@example.com");
          await signInAndWait(page, dave.email);
          await paddle.clearRequests();
          await paddle.fault({ hang: true, count: 1 });
          await manageButton(page).click();
          // The function gives up at its deadline (PADDLE_TIMEOUT_MS; 10 s unless set lower).
          await status(page).filter({ hasText: /took too long to answer/ }).waitFor({
            timeout: 25_000,
          });
          assertEquals(await statusCode(page), "paddle_timeout");
          await tryAgainButton(page).click();
          assertEquals((await portalPage(page)).customerId, dave.customerId);
        },
      );

      await step(
        "a click disables the buttons and shows progress: one click, one link",
        async ({ page }) => {
          const alice = demoUser("alice@example.com");
          await signInAndWait(page, alice.email);
          await paddle.clearRequests();
          // Hold the request in the browser (not at Paddle, whose deadline is the function's
          // business) long enough to look at the page meanwhile.
          let sent = 0;
          await page.route("**/functions/v1/customer-portal", async (route) => {
            if (route.request().method() === "POST") sent++;
            await new Promise((resolve) => setTimeout(resolve, 1_500));
            await route.continue();
          });
          await manageButton(page).dblclick();
          await status(page).filter({ hasText: "Opening Paddle's customer portal" }).waitFor();
          assert(await manageButton(page).isDisabled());
          assertEquals(await manageButton(page).getAttribute("aria-busy"), "true");
          assert(
            await subscriptionButton(page, "Cancel subscription", ALICE_NOT_CANCELING)
              .isDisabled(),
          );
          for (const id of alice.subscriptionIds) {
            assert(await subscriptionButton(page, "Update payment method", id).isDisabled());
          }
          await screenshot(page, "07-opening");
          const portal = await portalPage(page);
          assertEquals(portal.customerId, alice.customerId);
          assertEquals(sent, 1, "a double click sends one request");
          assertEquals(
            (await paddle.portalSessionRequests()).length,
            1,
            "a double click mints once",
          );
        },
      );

      await step("a network failure is named as such, and retry works", async ({ page }) => {
        const bob = demoUser("bob@example.com");
        await signInAndWait(page, bob.email);
        await paddle.clearRequests();
        await page.route(
          "**/functions/v1/customer-portal",
          (route) => route.abort("internetdisconnected"),
        );
        await manageButton(page).click();
        await status(page).filter({
          hasText: /Network error: the request did not reach our server/,
        }).waitFor();
        assertEquals(await statusCode(page), "network_error");
        await screenshot(page, "08-network-error");
        assertEquals(await paddle.requests(), []);
        await page.unroute("**/functions/v1/customer-portal");
        await tryAgainButton(page).click();
        assertEquals((await portalPage(page)).customerId, bob.customerId);
      });

      await step(
        "the database down: database_unavailable offers a retry that works once it is back",
        async ({ page }) => {
          const dave = demoUser("dave@example.com");
          await signInAndWait(page, dave.email);
          await control("POST", "/postgrest/stop");
          try {
            await manageButton(page).click();
            await status(page).filter({ hasText: /database is not answering/ }).waitFor();
            assertEquals(await statusCode(page), "database_unavailable");
          } finally {
            await control("POST", "/postgrest/start");
          }
          await tryAgainButton(page).click();
          assertEquals((await portalPage(page)).customerId, dave.customerId);
        },
      );

      await step(
        "a token the function refuses (not_authenticated) returns to sign-in",
        async ({ page }) => {
          await signInAndWait(page, "alice@example.com");
          await paddle.clearRequests();
          await page.evaluate(BREAK_ACCESS_TOKEN);
          await manageButton(page).click();
          await emailField(page).waitFor();
          await status(page).filter({ hasText: "Your session has ended. Please sign in again." })
            .waitFor();
          assertEquals(await manageButton(page).count(), 0);
          assertEquals(await paddle.requests(), []);
        },
      );

      await step(
        "someone else's subscription id is refused and the list is refreshed",
        async ({ page }) => {
          const alice = demoUser("alice@example.com");
          const dave = demoUser("dave@example.com");
          await signInAndWait(page, alice.email);
          await paddle.clearRequests();
          // Tamper with the request on its way out, as a hostile page script could.
          await page.route("**/functions/v1/customer-portal", async (route) => {
            if (route.request().method() !== "POST") return await route.continue();
            const body = JSON.parse(route.request().postData() ?? "{}");
            await route.continue({
              postData: JSON.stringify({ ...body, subscriptionId: dave.subscriptionIds[0] }),
            });
          });
          await subscriptionButton(page, "Cancel subscription", ALICE_NOT_CANCELING).click();
          await status(page).filter({ hasText: "no longer on your account" }).waitFor();
          assertEquals(await statusCode(page), "subscription_not_found");
          assertEquals(await paddle.requests(), []);
          await page.waitForFunction(LIST_SETTLED);
          assertEquals(await shownSubscriptionIds(page), [...alice.subscriptionIds].sort());
        },
      );

      await step("keyboard only: sign in and open the portal without a mouse", async ({ page }) => {
        const dave = demoUser("dave@example.com");
        await page.goto("/");
        await signInButton(page).waitFor();
        const focused = () => page.evaluate(FOCUSED);
        await page.keyboard.press("Tab");
        assertEquals(await focused(), "Skip to content");
        await page.keyboard.press("Tab");
        assertEquals(await focused(), "email");
        await page.keyboard.type(dave.email);
        await page.keyboard.press("Tab");
        assertEquals(await focused(), "password");
        await page.keyboard.type(PASSWORD);
        await page.keyboard.press("Enter");
        await manageButton(page).waitFor();
        await page.waitForFunction(HEADING_FOCUSED);
        await page.keyboard.press("Tab");
        assertEquals(await focused(), "manage");
        await page.keyboard.press("Enter");
        assertEquals((await portalPage(page)).customerId, dave.customerId);
      });

      await step("fits a 360-pixel-wide screen", async ({ page }) => {
        await page.goto("/");
        await signInButton(page).waitFor();
        const overflow = () => page.evaluate(HORIZONTAL_OVERFLOW);
        assertEquals(await overflow(), 0, "signed out: no horizontal scrolling");
        await signInAndWait(page, "alice@example.com");
        assertEquals(await overflow(), 0, "signed in: no horizontal scrolling");
        for (const button of await page.getByRole("button").all()) {
          const box = await button.boundingBox();
          assert(box && box.x >= 0 && box.x + box.width <= 360, "every button is on screen");
        }
        await screenshot(page, "09-signed-in-360px");
        await signOutButton(page).click();
        await signInAndWait(page, "carol@example.com");
        await page.getByRole("heading", { name: "Choose a plan" }).waitFor();
        assertEquals(await overflow(), 0, "plans: no horizontal scrolling");
        for (const button of await page.getByRole("button").all()) {
          const box = await button.boundingBox();
          assert(box && box.x >= 0 && box.x + box.width <= 360, "every button is on screen");
        }
        await screenshot(page, "11-plans-360px");
      }, { width: 360 });

      await step(
        "CHECKOUT_PRICE_IDS in config.js (gone: the catalog decides) is reported, not ignored",
        async ({ page }) => {
          // A deployment's old config.js with the export, on top of this stack's.
          await page.route("**/config.js", async (route) => {
            const generated = await (await route.fetch()).text();
            await route.fulfill({
              contentType: "text/javascript",
              body: generated +
                `export const CHECKOUT_PRICE_IDS = ["${BASIC_PRICE}", "${SEAT_PRICE}"];\n`,
            });
          });
          await page.goto("/");
          await page.getByRole("heading", { name: "This page is not configured" }).waitFor();
          await page.getByText(/CHECKOUT_PRICE_IDS is no longer read/).waitFor();
        },
      );

      await step("a missing config.js is reported on the page", async ({ page }) => {
        await page.route("**/config.js", (route) => route.fulfill({ status: 404, body: "" }));
        await page.goto("/");
        await page.getByRole("heading", { name: "This page is not configured" }).waitFor();
        await page.getByText(/Copy web\/config\.example\.js to web\/config\.js/).waitFor();
        assertEquals(await signInButton(page).isVisible(), false);
      });

      await step("the page loads supabase-js from the local stack, not a CDN", async ({ page }) => {
        const external: string[] = [];
        page.on("request", (request) => {
          const { hostname, protocol } = new URL(request.url());
          const loopback = hostname === "localhost" || hostname === "127.0.0.1";
          if (protocol.startsWith("http") && !loopback) external.push(request.url());
        });
        await signInAndWait(page, "bob@example.com");
        assertEquals(external, []);
        const config = await page.evaluate(CONFIG_MODULE);
        assertMatch(String(config.SUPABASE_JS_URL), /^\/vendor\/supabase-js\.mjs$/);
        assertEquals(config.SUPABASE_URL, stackInfo().apiUrl);
      });
    } finally {
      await browser.close();
    }
  },
});
