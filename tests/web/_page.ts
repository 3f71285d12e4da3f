/**
 * What the page tests share: signing in, reading the status region, the plan cards and the
 * plans, and the simulator's portal page.
 */
import type { Locator, Page } from "playwright-core";
import { paddleOrigin } from "./_browser.ts";

export const PASSWORD = "demo-password";

export function emailField(page: Page) {
  return page.getByLabel("Email", { exact: true });
}
export function passwordField(page: Page) {
  return page.getByLabel("Password", { exact: true });
}
export function signInButton(page: Page) {
  return page.getByRole("button", { name: "Sign in", exact: true });
}
export function manageButton(page: Page) {
  return page.getByRole("button", { name: "Manage subscription", exact: true });
}
export function status(page: Page) {
  return page.getByRole("status");
}
export function tryAgainButton(page: Page) {
  return page.getByRole("button", { name: "Try again", exact: true });
}
export function subscriptionCard(page: Page, subscriptionId: string) {
  return page.locator(`article[data-subscription-id="${subscriptionId}"]`);
}
export function subscriptionButton(page: Page, label: string, subscriptionId: string) {
  return subscriptionCard(page, subscriptionId).getByRole("button", { name: label });
}

export async function signIn(
  page: Page,
  email: string,
  password = PASSWORD,
  path = "/",
): Promise<void> {
  await page.goto(path);
  await emailField(page).fill(email);
  await passwordField(page).fill(password);
  await signInButton(page).click();
}

export function signOutButton(page: Page) {
  return page.getByRole("button", { name: "Sign out", exact: true });
}

/**
 * Signs in and waits until the lists have loaded; "Manage subscription" is settled by then too
 * (shown with a customer, absent without one).
 */
export async function signInAndWait(page: Page, email: string, path = "/"): Promise<void> {
  await signIn(page, email, PASSWORD, path);
  await signOutButton(page).waitFor({ state: "visible" });
  await page.getByText(email, { exact: true }).waitFor();
  // The list has loaded (or said there is nothing) once its message is no longer "Loading".
  await page.waitForFunction(LIST_SETTLED);
}

/** Waits for the simulator's portal page and returns what it shows. */
export async function portalPage(page: Page) {
  await page.waitForURL((url) => url.origin === paddleOrigin(), { timeout: 20_000 });
  const portal = page.locator("main#portal");
  await portal.waitFor();
  return {
    customerId: await portal.getAttribute("data-customer-id"),
    action: await portal.getAttribute("data-action"),
    subscriptionId: await portal.getAttribute("data-subscription-id"),
  };
}

export const PRO_PRICE = "pri_01jdemopricepro00000000000";
export const PRO_YEARLY_PRICE = "pri_01jdemoproyearly0000000000";
/** Starter monthly (the id it had as "Basic monthly"). */
export const BASIC_PRICE = "pri_01jdemopricebasic000000000";
export const STARTER_YEARLY_PRICE = "pri_01jdemostarteryearly000000";
export const SEAT_PRICE = "pri_01jdemopriceseats000000000";
export const SEAT_YEARLY_PRICE = "pri_01jdemoseatsyearly00000000";

/**
 * [product, price, amount] of the prices offered under "Choose a plan", in page order; only
 * those of `priceIds` when given (other tests add products to the shared mirror).
 */
export async function shownPlans(page: Page, priceIds?: string[]): Promise<string[][]> {
  const rows = await page.locator("#plans .plan-price").all();
  const shown = await Promise.all(rows.map(async (row) => {
    const plan = row.locator("xpath=ancestor::article[1]");
    return {
      priceId: (await row.getAttribute("data-price-id")) ?? "",
      text: [
        (await plan.getByRole("heading", { level: 3 }).textContent()) ?? "",
        (await row.locator(".plan-price-name").textContent()) ?? "",
        (await row.locator(".plan-price-amount").textContent()) ?? "",
      ],
    };
  }));
  return shown.filter((row) => !priceIds || priceIds.includes(row.priceId)).map((row) => row.text);
}

/** The price ids the plans offer, sorted. */
export async function offeredPriceIds(page: Page): Promise<string[]> {
  const buttons = await page.locator("#plans button[data-price-id]").all();
  return (await Promise.all(buttons.map((b) => b.getAttribute("data-price-id")))).map(String)
    .sort();
}

/**
 * What the cards offer before the switch moves: each plan's monthly price (the cheapest, when a
 * plan has several), sorted.
 */
export const FOR_SALE_SQL = `select price_id from (
    select distinct on (product_id) price_id from public.catalog_prices
    where role = 'plan' and billing_cycle_interval = 'month' and billing_cycle_frequency = 1
    order by product_id, unit_price_amount, price_id collate "C") p
  order by price_id collate "C"`;

export const SEAT_PRODUCT = "pro_01jdemoaddonseats000000000";

export const SEED_PRICES = [
  "pri_01jdemopriceseats000000000",
  "pri_01jdemoseatsyearly00000000",
  "pri_01jdemopricebasic000000000",
  "pri_01jdemostarteryearly000000",
  "pri_01jdemopricepro00000000000",
  "pri_01jdemoproyearly0000000000",
];

/**
 * The page offers only the demo catalog: other tests write prices into the shared mirror that the
 * simulator (Paddle) has never heard of, and a deployment's mirror and Paddle agree. The page's
 * own catalog read goes to PostgREST with one more filter.
 */
export async function offerDemoCatalogOnly(page: Page): Promise<void> {
  await page.route("**/rest/v1/catalog_prices?*", async (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set("price_id", `in.(${SEED_PRICES.join(",")})`);
    await route.continue({ url: url.toString() });
  });
}

/** The text of a plan card's field (`data-field`), as shown. */
export async function cardField(card: Locator, field: string): Promise<string | null> {
  const row = card.locator(`.details [data-field="${field}"] dd`);
  return (await row.count()) === 0 ? null : await row.textContent();
}

/** What a plan card lists: [name, amount] per item. */
export async function cardItems(card: Locator): Promise<string[][]> {
  const items = await card.locator(".item").all();
  return await Promise.all(items.map(async (item) => [
    (await item.locator(".item-name").textContent()) ?? "",
    (await item.locator(".item-amount").textContent()) ?? "",
  ]));
}

export const DATE = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

/** Paddle ids visible in a card outside its "Details for support" disclosure. */
export const IDS_OUTSIDE_DETAILS = (article: InPage) => {
  const copy = article.cloneNode(true);
  for (const details of copy.querySelectorAll("details")) details.remove();
  return (copy.textContent.match(/\b(sub|ctm|pri|pro)_[a-z0-9]+/g) ?? []) as string[];
};

export async function shownSubscriptionIds(page: Page): Promise<string[]> {
  const articles = await page.locator("article[data-subscription-id]").all();
  const ids = await Promise.all(articles.map((a) => a.getAttribute("data-subscription-id")));
  return ids.map(String).sort();
}

// Functions that run in the page reach the DOM through `globalThis`: this program has no DOM
// types (adding them would clash with Deno's in every module type-checked beside it). They are
// functions, not strings: the page's CSP forbids eval, and strings would need it.
// deno-lint-ignore no-explicit-any
export type InPage = any;

export const LIST_SETTLED = () => {
  const doc = (globalThis as InPage).document;
  const message = doc.getElementById("subscriptions-message");
  const text = message?.textContent ?? "";
  return text !== "" && !text.startsWith("Loading") &&
    !message.parentElement.hasAttribute("aria-busy");
};
export async function isFocused(locator: Locator): Promise<boolean> {
  return await locator.evaluate((el: InPage) => el === el.ownerDocument.activeElement);
}

export async function statusCode(page: Page): Promise<string | null> {
  return await page.locator("#status").getAttribute("data-code");
}
