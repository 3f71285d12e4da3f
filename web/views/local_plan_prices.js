// @ts-check
/**
 * The plan cards in the buyer's currency: a country selector below the plans and, once Paddle's
 * pricing preview answers, each price (monthly and yearly, plans and their add-ons) replaced by
 * what the buyer will pay ("€35.70 per month incl. VAT"), kept across the Monthly / Yearly switch. Kept apart from plans.js, which renders the catalog prices this improves on:
 * those stay while the preview loads and when it fails.
 */
import { byId, el } from "../dom.js";
import { formatPrice } from "../format.js";
import { fetchLocalPrices, localPriceWords, pricePreviewer } from "../local_prices.js";
import {
  COUNTRY_CHOICES,
  countryFromSearch,
  countryName,
  renderCountrySelect,
  searchWithCountry,
} from "./country_select.js";

/** A newer call (another country, a reload) makes an older answer stale. */
let generation = 0;

/** @type {import("../data.js").Plan[]} */
let shownPlans = [];

/**
 * Price id → the words and currency the cards show for it now. The cards are rendered again on
 * every Monthly / Yearly switch (plans.js, with catalog prices): an observer puts these back.
 *
 * @type {Map<string, { words: string, currency: string }>}
 */
const shownAmounts = new Map();

/**
 * The note (above the list: what the prices are) and the selector (below it, so the first thing
 * to act on stays a plan), created once; the box holding the note carries the state.
 *
 * @param {string} [locale]
 */
function controls(locale = undefined) {
  let box = document.getElementById("plans-local");
  if (box) return box;
  const note = el("p", "hint");
  note.id = "plans-prices-note";
  note.setAttribute("aria-live", "polite");
  box = el("div", "plans-local", note);
  box.id = "plans-local";
  const select = renderCountrySelect(countryFromSearch(location.search), (country) => {
    history.replaceState(
      history.state,
      "",
      `${location.pathname}${searchWithCountry(location.search, country)}${location.hash}`,
    );
    void showLocalPlanPrices(shownPlans, locale);
  }, locale);
  select.id = "plans-country-field";
  const list = byId("plans");
  list.before(box);
  list.after(select);
  // Only the list's own children: the edits below change text deeper down and never re-trigger.
  new MutationObserver(showAmounts).observe(list, { childList: true });
  return box;
}

/**
 * Puts the shown amounts on the cards as they are now: each plan price (and its Subscribe
 * button's label) and each add-on's "(… each)".
 */
function showAmounts() {
  const list = byId("plans");
  for (const element of list.querySelectorAll(".plan-price[data-price-id]")) {
    const row = /** @type {HTMLElement} */ (element);
    const shown = shownAmounts.get(row.dataset.priceId ?? "");
    const amount = row.querySelector(".plan-price-amount");
    if (!shown || !amount) continue;
    amount.textContent = shown.words;
    row.dataset.currency = shown.currency;
    const card = row.closest("article");
    const subscribe = card?.querySelector(`button[data-price-id="${row.dataset.priceId}"]`);
    const label = subscribe?.getAttribute("aria-label");
    if (subscribe && label) {
      subscribe.setAttribute("aria-label", label.replace(/, [^,]*$/, `, ${shown.words}`));
    }
  }
  for (const element of list.querySelectorAll("input[data-addon-price-id]")) {
    const input = /** @type {HTMLInputElement} */ (element);
    const shown = shownAmounts.get(input.dataset.addonPriceId ?? "");
    const label = input.labels?.[0];
    if (!shown || !label?.textContent) continue;
    label.textContent = label.textContent.replace(/\([^()]*\)$/, `(${shown.words} each)`);
    input.dataset.currency = shown.currency;
  }
}

/**
 * Every price the cards can show: both intervals of each plan and of the add-ons it suggests.
 *
 * @param {import("../data.js").Plan[]} plans
 */
function cardPrices(plans) {
  const prices = plans.flatMap((plan) => [
    ...plan.prices,
    ...plan.addons.flatMap((addon) => addon.prices),
  ]);
  return [...new Map(prices.map((price) => [price.priceId, price])).values()];
}

/**
 * @param {import("../data.js").Plan[]} plans
 * @param {string} [locale]
 */
function showCatalogPrices(plans, locale = undefined) {
  shownAmounts.clear();
  for (const price of cardPrices(plans)) {
    const words = formatPrice(price.amount, price.currency, price.cycle, { locale });
    if (words) shownAmounts.set(price.priceId, { words, currency: price.currency ?? "" });
  }
  showAmounts();
}

/**
 * The country a checkout should be priced for: the one chosen on the page (`?country=`), when the
 * cards show Paddle's prices for it or it is one the selector offers. A country Paddle refused to
 * price (`?country=ZZ`, or one Paddle does not sell to) is not sent: the checkout is then priced
 * from the buyer's IP address, as the catalog prices' note says.
 *
 * @returns {string | undefined}
 */
export function checkoutCountry() {
  const chosen = countryFromSearch(location.search);
  if (!chosen) return undefined;
  const box = document.getElementById("plans-local");
  const priced = box?.dataset.state === "local" && box.dataset.country === chosen;
  return priced || COUNTRY_CHOICES.includes(chosen) ? chosen : undefined;
}

/**
 * Shows the plans' local prices for the country in the URL (or Paddle's guess by IP). Never
 * throws, and resolves once the note says how it went.
 *
 * @param {import("../data.js").Plan[]} plans what plans.js just rendered
 * @param {string} [locale]
 */
export async function showLocalPlanPrices(plans, locale = undefined) {
  const mine = ++generation;
  shownPlans = plans;
  const box = controls(locale);
  const note = /** @type {HTMLElement} */ (box.querySelector("#plans-prices-note"));
  const prices = cardPrices(plans);
  const priceIds = prices.map((price) => price.priceId);
  const field = byId("plans-country-field");
  if (priceIds.length === 0) {
    box.hidden = field.hidden = true;
    return;
  }
  box.hidden = field.hidden = false;
  box.dataset.state = "loading";
  note.textContent = "Prices in your currency are loading…";
  showCatalogPrices(plans, locale);
  const country = countryFromSearch(location.search);
  try {
    const preview = await pricePreviewer();
    if (!preview) throw new Error("Paddle.js is not configured");
    const local = await fetchLocalPrices(preview, priceIds, country);
    if (mine !== generation) return;
    if (!local.country) {
      // Paddle could not tell where the buyer is: its answer is the standard prices before tax.
      showCatalogPrices(plans, locale);
      box.dataset.state = "catalog";
      box.dataset.country = "";
      note.textContent = "Choose your country to see prices in your currency; " +
        "tax is added at checkout.";
      return;
    }
    for (const price of prices) {
      const found = local.prices.get(price.priceId);
      const words = found && localPriceWords(found, price.cycle, locale);
      if (found && words) shownAmounts.set(price.priceId, { words, currency: found.currency });
    }
    showAmounts();
    box.dataset.state = "local";
    box.dataset.country = local.country;
    note.textContent = `Prices for ${
      countryName(local.country, locale)
    }, as you will pay them at checkout.`;
  } catch {
    if (mine !== generation) return;
    showCatalogPrices(plans, locale);
    box.dataset.state = "catalog";
    note.textContent = "Prices in your currency could not be loaded: these are our standard " +
      "prices, and tax is added at checkout.";
  }
}
