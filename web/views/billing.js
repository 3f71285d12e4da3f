// @ts-check
/**
 * The signed-in view's two lists: the user's subscriptions (plan cards) and, when they have
 * no current subscription, the plans for sale.
 */
import { button, byId } from "../dom.js";
import { addonQuantities, renderIntervalSwitch, renderPlans } from "./plans.js";
import { switchIntervals } from "../data.js";
import { renderSubscription } from "./subscription_card.js";

const subscriptionsSection = byId("subscriptions-section");
const subscriptionsMessage = byId("subscriptions-message");
const subscriptionsList = byId("subscriptions");
const plansSection = byId("plans-section");
const plansHeading = byId("plans-heading");
const plansMessage = byId("plans-message");
const plansList = byId("plans");
const plansInterval = byId("plans-interval");

/** The billing interval the plan cards show; kept across reloads of the list. */
let interval = "month";

/** A reload keeps the current lists on screen until the new ones arrive. */
export function showLoading() {
  subscriptionsSection.setAttribute("aria-busy", "true");
  if (subscriptionsList.childElementCount === 0) {
    subscriptionsMessage.replaceChildren("Loading your subscriptions…");
  }
}

/**
 * @param {import("../data.js").Subscription[]} subscriptions
 * @param {string} [emptyMessage] what to say when there are none
 * @param {string} [locale]
 */
export function showSubscriptions(subscriptions, emptyMessage = undefined, locale = undefined) {
  subscriptionsSection.removeAttribute("aria-busy");
  subscriptionsMessage.replaceChildren(
    subscriptions.length === 0
      ? emptyMessage ?? "You have no subscriptions yet."
      : subscriptions.length === 1
      ? "1 subscription."
      : `${subscriptions.length} subscriptions.`,
  );
  subscriptionsList.replaceChildren(
    ...subscriptions.map((subscription) => renderSubscription(subscription, locale)),
  );
}

/**
 * The plans for sale, or none (`undefined`: the user has a current subscription), with the
 * Monthly / Yearly switch when plans are sold at both.
 *
 * @param {import("../data.js").Plan[] | undefined} plans
 * @param {string} [locale]
 */
export function showPlans(plans, locale = undefined) {
  plansSection.hidden = plans === undefined;
  if (!plans) {
    plansList.replaceChildren();
    plansInterval.replaceChildren();
    return;
  }
  plansMessage.replaceChildren(
    plans.length === 0
      ? "No plans are for sale right now. Please check back later."
      : "You pay on the next page, with Paddle, our payment provider.",
  );
  const intervals = switchIntervals(plans);
  if (!intervals.includes(interval) && intervals.length > 0) interval = intervals[0];
  const render = () => {
    plansList.replaceChildren(
      ...renderPlans(plans, interval, { locale, quantities: addonQuantities(plansList) }),
    );
  };
  const toggle = renderIntervalSwitch(plans, interval, (chosen) => {
    interval = chosen;
    render();
  });
  plansInterval.replaceChildren(...(toggle ? [toggle] : []));
  render();
}

/** @returns {boolean} the plans are on screen */
export function plansShown() {
  return !plansSection.hidden && plansList.childElementCount > 0;
}

/**
 * Brings the plans into view and focus (after "nothing to manage").
 *
 * @returns {boolean} false when there are none on screen
 */
export function focusPlans() {
  if (plansSection.hidden) return false;
  plansHeading.focus();
  return true;
}

/** @param {() => void} onReload */
export function showLoadError(onReload) {
  subscriptionsSection.removeAttribute("aria-busy");
  subscriptionsList.replaceChildren();
  const reload = button("Reload subscriptions", "button-secondary");
  reload.addEventListener("click", onReload);
  subscriptionsMessage.replaceChildren(
    "Your subscriptions could not be loaded (network or server error). ",
    reload,
  );
}

export function clearBilling() {
  subscriptionsSection.removeAttribute("aria-busy");
  subscriptionsMessage.replaceChildren();
  subscriptionsList.replaceChildren();
  showPlans(undefined);
}
