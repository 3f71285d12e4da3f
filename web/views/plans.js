// @ts-check
/**
 * The plans for sale, grouped by product, each price with a "Subscribe" button carrying
 * `data-price-id` (web/subscribe.js handles the clicks).
 */
import { button, el } from "../dom.js";
import { formatPrice, intervalWords } from "../format.js";

/**
 * @param {import("../data.js").Plan[]} plans
 * @param {string} [locale]
 * @returns {HTMLElement[]}
 */
export function renderPlans(plans, locale = undefined) {
  return plans.map((plan) => {
    const headingId = `plan-${plan.productId}`;
    const heading = el("h3", undefined, plan.name);
    heading.id = headingId;
    const article = el("article", "plan", heading);
    article.setAttribute("aria-labelledby", headingId);
    article.dataset.productId = plan.productId;
    if (plan.description) article.append(el("p", "hint", plan.description));
    const prices = el("ul", "plan-prices");
    for (const price of plan.prices) {
      const amount = formatPrice(price.amount, price.currency, price.cycle, { locale }) ??
        "Price not available";
      const trial = price.trial ? `Free trial: ${intervalWords(price.trial)}.` : "";
      const subscribe = button("Subscribe", "button-primary");
      subscribe.dataset.priceId = price.priceId;
      subscribe.setAttribute("aria-label", `Subscribe to ${plan.name}, ${price.name}, ${amount}`);
      const text = el(
        "div",
        "plan-price-text",
        el("span", "plan-price-name", price.name),
        el("span", "plan-price-amount", amount),
      );
      if (trial) text.append(el("span", "hint", trial));
      const row = el("li", "plan-price", text, subscribe);
      row.dataset.priceId = price.priceId;
      prices.append(row);
    }
    article.append(prices);
    return el("li", undefined, article);
  });
}
