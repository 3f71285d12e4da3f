/**
 * "Change plan" and "Keep my subscription" in Chromium on the local stack: the page's dialog,
 * the real subscription-update function, the simulator's `PATCH /subscriptions/{id}[/preview]`
 * and the mirror. Each step signs in as a fresh subscriber (tests/_subscriber.ts), so the demo
 * users stay as the other page tests expect them.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import type { Browser, Page, Response } from "playwright-core";
import { cardDeclines, DEMO, freshSubscriber, mirrored } from "../_subscriber.ts";
import { launchChromium, paddle, pageSteps, screenshot } from "./_browser.ts";
import {
  cardItems,
  type InPage,
  LIST_SETTLED,
  PASSWORD,
  signIn,
  signOutButton,
  status,
  subscriptionButton,
  subscriptionCard,
} from "./_page.ts";

const USD = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const DATE = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

function dollars(minor: string): string {
  return USD.format(Number(BigInt(minor)) / 100);
}

type Subscriber = Awaited<ReturnType<typeof freshSubscriber>>;

async function signInAs(page: Page, sub: Subscriber) {
  await signIn(page, sub.email, PASSWORD);
  await signOutButton(page).waitFor({ state: "visible" });
  await page.waitForFunction(LIST_SETTLED);
  await subscriptionCard(page, sub.subscription.id).waitFor();
}

function dialog(page: Page) {
  return page.getByRole("dialog", { name: "Change plan" });
}

async function openDialog(page: Page, sub: Subscriber) {
  // The request log then holds only what this step sent (other test files share the simulator).
  await paddle.clearRequests();
  await signInAs(page, sub);
  await subscriptionButton(page, "Change plan", sub.subscription.id).click();
  await dialog(page).waitFor();
}

function isUpdate(action: string) {
  return (response: Response) =>
    response.url().endsWith("/functions/v1/subscription-update") &&
    response.request().method() === "POST" &&
    JSON.parse(response.request().postData() ?? "{}").action === action;
}

/** Clicks Review and returns Paddle's preview as the function answered it. */
async function review(page: Page) {
  const answered = page.waitForResponse(isUpdate("preview"));
  await dialog(page).getByRole("button", { name: "Review" }).click();
  const body = await (await answered).json();
  await dialog(page).getByRole("button", { name: "Confirm" }).waitFor();
  return body.preview as {
    dueNow: string;
    credit: string;
    nextTotal: string;
    nextBilledAt: string;
  };
}

async function previewText(page: Page): Promise<string> {
  return ((await dialog(page).locator(".preview-result").textContent()) ?? "").trim();
}

async function confirm(page: Page) {
  const answered = page.waitForResponse(isUpdate("apply"));
  await dialog(page).getByRole("button", { name: "Confirm" }).click();
  return await answered;
}

Deno.test({
  name:
    "Change plan in Chromium: upgrade, downgrade, yearly with seats, seats, keep, a declined card",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await paddle.clearFaults();
    const browser: Browser = await launchChromium();
    const step = pageSteps(t, browser);
    try {
      await step(
        "the dialog: plans, current plan marked, features; focus stays inside; Escape closes",
        async ({ page }) => {
          const sub = await freshSubscriber({
            items: [[DEMO.starterMonthly, 1]],
            password: PASSWORD,
          });
          await openDialog(page, sub);
          const current = dialog(page).locator(".plan-choice", { hasText: "Current plan" });
          assertMatch((await current.textContent()) ?? "", /^Starter plan/);
          assertEquals(
            await dialog(page).getByRole("radio", { name: /^Starter plan/ }).isChecked(),
            true,
          );
          await dialog(page).getByText("Projects: Unlimited").waitFor();
          await dialog(page).getByText("Priority support: not included").waitFor();
          await dialog(page).getByRole("radio", { name: "Monthly", exact: true }).waitFor();
          for (let i = 0; i < 12; i++) {
            await page.keyboard.press("Tab");
            const inside = await page.evaluate(() => {
              const doc = (globalThis as InPage).document;
              return doc.querySelector("dialog[open]")?.contains(doc.activeElement) ?? false;
            });
            assert(inside, `focus left the dialog after ${i + 1} Tab presses`);
          }
          await screenshot(page, "change-plan-dialog");
          await page.keyboard.press("Escape");
          await dialog(page).waitFor({ state: "detached" });
          const focused = await page.evaluate(() =>
            (globalThis as InPage).document.activeElement?.textContent?.trim()
          );
          assertEquals(focused, "Change plan", "focus returns to the button that opened it");
          assertEquals((await paddle.requests()).filter((r) => r.method === "PATCH"), []);
        },
      );

      await step(
        "upgrade with a charge today: Paddle's amount in words, then the card shows the new plan",
        async ({ page }) => {
          const sub = await freshSubscriber({
            items: [[DEMO.starterMonthly, 1]],
            password: PASSWORD,
          });
          await openDialog(page, sub);
          await dialog(page).getByRole("radio", { name: /^Pro plan/ }).check();
          const preview = await review(page);
          assert(BigInt(preview.dueNow) > 0n);
          assertEquals(
            await previewText(page),
            `You pay ${dollars(preview.dueNow)} today. From ${
              DATE.format(new Date(preview.nextBilledAt))
            }: $30.00 per month.`,
          );
          await confirm(page);
          await dialog(page).waitFor({ state: "detached" });
          await status(page).filter({ hasText: "Your plan has changed to Pro plan." }).waitFor();
          const card = subscriptionCard(page, sub.subscription.id);
          await card.getByRole("heading", { name: "Pro plan" }).waitFor();
          assertEquals((await mirrored(sub.subscription.id)).items, [
            { price_id: DEMO.proMonthly, quantity: 1 },
          ]);
          // The charge joins the payments without a reload, and turns "Paid" once Paddle's
          // webhooks land (the list is read again while Paddle is still collecting).
          const charged = page.locator(
            "#payments > li[data-outcome='paid']",
            { hasText: dollars(preview.dueNow) },
          );
          await charged.waitFor({ timeout: 20_000 });
          assertEquals(await charged.getByRole("button", { name: /^Invoice/ }).count(), 1);
        },
      );

      await step("downgrade at the next period: no charge today, in words", async ({ page }) => {
        const sub = await freshSubscriber({ items: [[DEMO.proMonthly, 1]], password: PASSWORD });
        await openDialog(page, sub);
        await dialog(page).getByRole("radio", { name: /^Starter plan/ }).check();
        const preview = await review(page);
        assertEquals(preview.dueNow, "0");
        assertEquals(
          await previewText(page),
          `No charge today; from ${
            DATE.format(new Date(preview.nextBilledAt))
          } you pay $10.00 per month. Paddle credits ${
            dollars(preview.credit)
          } for the unused time.`,
        );
        await confirm(page);
        await subscriptionCard(page, sub.subscription.id).getByRole("heading", {
          name: "Starter plan",
        }).waitFor();
      });

      await step("monthly to yearly with seats carried over", async ({ page }) => {
        const sub = await freshSubscriber({
          items: [[DEMO.proMonthly, 1], [DEMO.seatsMonthly, 3]],
          password: PASSWORD,
        });
        await openDialog(page, sub);
        const yearly = dialog(page).getByRole("radio", { name: /^Yearly/ });
        // 12 × $30.00 = $360.00 against $300.00 a year: 16.67%, said as 16%.
        assertMatch((await yearly.locator("xpath=..").textContent()) ?? "", /save 16%/);
        await yearly.check();
        assertEquals(await dialog(page).getByLabel("Extra seats").inputValue(), "3");
        const preview = await review(page);
        assertEquals(preview.nextTotal, "45000");
        assertEquals(
          await previewText(page),
          `You pay ${dollars(preview.dueNow)} today. From ${
            DATE.format(new Date(preview.nextBilledAt))
          }: $450.00 per year.`,
        );
        await confirm(page);
        const card = subscriptionCard(page, sub.subscription.id);
        await card.locator(`[data-price-id="${DEMO.seatsYearly}"]`).waitFor();
        const items = await cardItems(card);
        assert(
          items.some(([, amount]) => /\$150\.00 per year \(3 × \$50\.00\)/.test(amount)),
          JSON.stringify(items),
        );
        const row = await mirrored(sub.subscription.id);
        assertEquals(row.billing_cycle_interval, "year");
      });

      await step("seats changed on the same plan", async ({ page }) => {
        const sub = await freshSubscriber({
          items: [[DEMO.proMonthly, 1], [DEMO.seatsMonthly, 1]],
          password: PASSWORD,
        });
        await openDialog(page, sub);
        await dialog(page).getByLabel("Extra seats").fill("4");
        const preview = await review(page);
        assert(BigInt(preview.dueNow) > 0n);
        await confirm(page);
        const card = subscriptionCard(page, sub.subscription.id);
        await card.locator(".item-amount", { hasText: "(4 × $5.00)" }).waitFor();
      });

      await step(
        'keep: "Cancels on …", "Keep my subscription" and no "Cancel subscription"',
        async ({ page }) => {
          const sub = await freshSubscriber({
            items: [[DEMO.starterMonthly, 1]],
            cancel: true,
            password: PASSWORD,
          });
          await signInAs(page, sub);
          const card = subscriptionCard(page, sub.subscription.id);
          await card.locator(".scheduled", { hasText: /^Cancels on / }).waitFor();
          assertEquals(await card.getByRole("button", { name: /^Cancel subscription/ }).count(), 0);
          await subscriptionButton(page, "Keep my subscription", sub.subscription.id).click();
          await status(page).filter({ hasText: "no longer scheduled to cancel" }).waitFor();
          await card.getByRole("button", { name: /^Change plan/ }).waitFor();
          assertEquals(await card.locator(".scheduled").count(), 0);
          await card.getByRole("button", { name: /^Cancel subscription/ }).waitFor();
          assertEquals((await mirrored(sub.subscription.id)).scheduled_change_action, null);
        },
      );

      await step(
        "a declined card: the reason in the dialog, and the plan unchanged",
        async ({ page }) => {
          const sub = await freshSubscriber({
            items: [[DEMO.starterMonthly, 1]],
            password: PASSWORD,
          });
          await cardDeclines(sub.customerId, true);
          try {
            await openDialog(page, sub);
            await dialog(page).getByRole("radio", { name: /^Pro plan/ }).check();
            await review(page);
            const answer = await confirm(page);
            assertEquals(answer.status(), 402);
            const alert = dialog(page).getByRole("alert");
            await alert.filter({ hasText: "Your card was declined" }).waitFor();
            assertEquals(await alert.getAttribute("data-code"), "payment_declined");
            await page.keyboard.press("Escape");
            await dialog(page).waitFor({ state: "detached" });
            await subscriptionCard(page, sub.subscription.id).getByRole("heading", {
              name: "Starter plan",
            }).waitFor();
            assertEquals((await mirrored(sub.subscription.id)).items, [
              { price_id: DEMO.starterMonthly, quantity: 1 },
            ]);
          } finally {
            await cardDeclines(sub.customerId, false);
          }
        },
      );

      await step(
        "past_due: Change plan is disabled, and the card says why beside Update payment method",
        async ({ page }) => {
          const sub = await freshSubscriber({
            items: [[DEMO.starterMonthly, 1]],
            status: "past_due",
            password: PASSWORD,
          });
          await signInAs(page, sub);
          const change = subscriptionButton(page, "Change plan", sub.subscription.id);
          assert(await change.isDisabled());
          const noteId = await change.getAttribute("aria-describedby");
          const note = page.locator(`#${noteId}`);
          assertMatch((await note.textContent()) ?? "", /first update your payment method/);
          await subscriptionButton(page, "Update payment method", sub.subscription.id).waitFor();
        },
      );
    } finally {
      await browser.close();
    }
  },
});
