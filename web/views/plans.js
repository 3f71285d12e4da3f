// @ts-check
/**
 * The plans for sale as cards: a Monthly / Yearly switch (native radio buttons: arrow keys move
 * between them and screen readers announce the group), and per plan its price for the chosen
 * interval, what a year saves, its features and a quantity for each add-on it suggests, then a
 * "Subscribe" button carrying `data-price-id` (web/actions.js reads the add-on quantities from
 * the same card).
 */
import { priceFor, switchIntervals } from "../data.js";
import { button, el } from "../dom.js";
import { featureWords, formatPrice, intervalWords, yearlySavingPercent } from "../format.js";

const INTERVAL_LABELS = /** @type {Record<string, string>} */ ({
  month: "Monthly",
  year: "Yearly",
});

/**
 * The whole percent the plan's yearly price saves against its monthly one, if any.
 *
 * @param {import("../data.js").Plan} plan
 */
export function planSaving(plan) {
  return yearlySavingPercent(priceFor(plan, "month"), priceFor(plan, "year"));
}

/**
 * The Monthly / Yearly switch, or null when the plans are sold at one interval only. "Yearly"
 * says what it saves: the same for every plan, or "up to" the most one saves.
 *
 * @param {import("../data.js").Plan[]} plans
 * @param {string} interval the one chosen
 * @param {(interval: string) => void} onChange
 * @returns {HTMLFieldSetElement | null}
 */
export function renderIntervalSwitch(plans, interval, onChange) {
  const intervals = switchIntervals(plans);
  if (intervals.length < 2) return null;
  const savings = plans.map(planSaving).filter((n) => n !== undefined);
  const most = savings.length ? Math.max(...savings) : undefined;
  const same = savings.length === plans.length && savings.every((n) => n === most);
  const fieldset = /** @type {HTMLFieldSetElement} */ (el(
    "fieldset",
    "interval-switch",
    el("legend", undefined, "Billing period"),
  ));
  for (const value of intervals) {
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "plan-interval";
    input.value = value;
    input.checked = value === interval;
    input.addEventListener("change", () => {
      if (input.checked) onChange(value);
    });
    const label = el("label", "interval-option", input, INTERVAL_LABELS[value] ?? value);
    if (value === "year" && most !== undefined) {
      label.append(" ", el("span", "saving", same ? `save ${most}%` : `save up to ${most}%`));
    }
    fieldset.append(label);
  }
  return fieldset;
}

/**
 * @param {import("../data.js").Plan[]} plans
 * @param {string} interval `month` | `year`: the price each card offers
 * @param {{ locale?: string, quantities?: ReadonlyMap<string, number> }} [options]
 *   quantities: add-on quantities by `addonKey`, kept across a switch
 * @returns {HTMLElement[]}
 */
export function renderPlans(plans, interval, options = {}) {
  const { locale, quantities } = options;
  return plans.map((plan) => {
    const headingId = `plan-${plan.productId}`;
    const heading = el("h3", undefined, plan.name);
    heading.id = headingId;
    const article = el("article", "plan", heading);
    article.setAttribute("aria-labelledby", headingId);
    article.dataset.productId = plan.productId;
    if (plan.description) article.append(el("p", "hint", plan.description));

    const price = priceFor(plan, interval);
    const prices = el("ul", "plan-prices");
    /** @type {HTMLButtonElement | undefined} */
    let subscribe;
    if (price) {
      const amount = formatPrice(price.amount, price.currency, price.cycle, { locale }) ??
        "Price not available";
      const text = el(
        "div",
        "plan-price-text",
        el("span", "plan-price-name", price.name),
        el("span", "plan-price-amount", amount),
      );
      const saving = interval === "year" ? planSaving(plan) : undefined;
      if (saving !== undefined) {
        text.append(el("span", "plan-saving", `Save ${saving}% compared with paying monthly`));
      }
      if (price.trial) {
        text.append(el("span", "hint", `Free trial: ${intervalWords(price.trial)}.`));
      }
      const row = el("li", "plan-price", text);
      row.dataset.priceId = price.priceId;
      row.dataset.interval = interval;
      prices.append(row);
      subscribe = button("Subscribe", "button-primary");
      subscribe.dataset.priceId = price.priceId;
      subscribe.setAttribute("aria-label", `Subscribe to ${plan.name}, ${price.name}, ${amount}`);
    }
    article.append(prices);
    if (!price) {
      article.append(el(
        "p",
        "hint",
        `Not available with ${(INTERVAL_LABELS[interval] ?? interval).toLowerCase()} billing.`,
      ));
    }

    if (plan.features.length > 0) {
      const features = el(
        "ul",
        "plan-features",
        ...plan.features.map(([name, value]) => el("li", undefined, featureWords(name, value))),
      );
      features.setAttribute("aria-label", `${plan.name} features`);
      article.append(features);
    }

    // Add-on quantities before the button, so the keyboard meets them first.
    const addons = price ? renderAddons(plan, interval, locale, quantities) : null;
    if (addons) article.append(addons);
    if (subscribe) article.append(el("div", "actions plan-actions", subscribe));
    return el("li", undefined, article);
  });
}

/**
 * A quantity for each add-on the plan suggests at this interval (0: none), before Subscribe.
 *
 * @param {import("../data.js").Plan} plan
 * @param {string} interval
 * @param {string | undefined} locale
 * @param {ReadonlyMap<string, number> | undefined} quantities
 */
function renderAddons(plan, interval, locale, quantities) {
  const rows = plan.addons.flatMap((addon) => {
    const price = priceFor(addon, interval);
    if (!price) return [];
    const each = formatPrice(price.amount, price.currency, price.cycle, { locale }) ?? "";
    const input = document.createElement("input");
    input.type = "number";
    input.inputMode = "numeric";
    input.min = "0";
    input.max = String(price.maximum);
    input.step = "1";
    input.value = String(
      Math.min(quantities?.get(addonKey(plan.productId, addon.productId)) ?? 0, price.maximum),
    );
    input.id = `addon-${plan.productId}-${addon.productId}`;
    input.dataset.addonPriceId = price.priceId;
    input.dataset.addonKey = addonKey(plan.productId, addon.productId);
    const label = el("label", undefined, `${addon.name} (${each} each)`);
    label.setAttribute("for", input.id);
    return [el("div", "plan-addon", label, input)];
  });
  if (rows.length === 0) return null;
  return el("fieldset", "plan-addons", el("legend", undefined, "Add-ons"), ...rows);
}

/**
 * One plan's add-on: the seats chosen on one card are that card's, whatever the interval.
 *
 * @param {string} planProductId
 * @param {string} addonProductId
 */
function addonKey(planProductId, addonProductId) {
  return `${planProductId} ${addonProductId}`;
}

/**
 * The add-on quantities the plan cards show now (what a switch keeps).
 *
 * @param {ParentNode} root
 * @returns {Map<string, number>}
 */
export function addonQuantities(root) {
  /** @type {Map<string, number>} */
  const quantities = new Map();
  for (const element of root.querySelectorAll("input[data-addon-key]")) {
    const input = /** @type {HTMLInputElement} */ (element);
    const value = Number(input.value);
    if (input.dataset.addonKey && Number.isInteger(value) && value > 0) {
      quantities.set(input.dataset.addonKey, value);
    }
  }
  return quantities;
}
