// @ts-check
/**
 * The plan list in the buyer's currency: a country selector above the plans and, once Paddle's
 * pricing preview answers, each price replaced by what the buyer will pay ("€35.70 per month
 * incl. VAT"). Kept apart from plans.js, which renders the catalog prices this improves on:
 * those stay while the preview loads and when it fails.
 */
import { byId, el } from "../dom.js";
import { formatPrice } from "../format.js";
import { fetchLocalPrices, localPriceWords, pricePreviewer } from "../local_prices.js";
import {
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
  byId("plans").before(box);
  byId("plans").after(select);
  return box;
}

/**
 * @param {string} priceId
 * @param {string} words
 * @param {string} currency
 */
function showAmount(priceId, words, currency) {
  const row = document.querySelector(`#plans .plan-price[data-price-id="${priceId}"]`);
  const amount = row?.querySelector(".plan-price-amount");
  if (!row || !amount) return;
  amount.textContent = words;
  /** @type {HTMLElement} */ (row).dataset.currency = currency;
  const subscribe = row.querySelector("button[data-price-id]");
  const label = subscribe?.getAttribute("aria-label");
  if (subscribe && label) {
    subscribe.setAttribute("aria-label", label.replace(/, [^,]*$/, `, ${words}`));
  }
}

/**
 * @param {import("../data.js").Plan[]} plans
 * @param {string} [locale]
 */
function showCatalogPrices(plans, locale = undefined) {
  for (const price of plans.flatMap((plan) => plan.prices)) {
    const words = formatPrice(price.amount, price.currency, price.cycle, { locale });
    if (words) showAmount(price.priceId, words, price.currency ?? "");
  }
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
  const priceIds = plans.flatMap((plan) => plan.prices.map((price) => price.priceId));
  const field = byId("plans-country-field");
  if (priceIds.length === 0) {
    box.hidden = field.hidden = true;
    return;
  }
  box.hidden = field.hidden = false;
  box.dataset.state = "loading";
  note.textContent = "Prices in your currency are loading…";
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
    for (const price of plans.flatMap((plan) => plan.prices)) {
      const found = local.prices.get(price.priceId);
      const words = found && localPriceWords(found, price.cycle, locale);
      if (found && words) showAmount(price.priceId, words, found.currency);
    }
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
