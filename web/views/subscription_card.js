// @ts-check
/**
 * One subscription as a person reads it: what it is (product and price names), what it costs
 * per billing interval, its status in words, the next payment, the current period and any
 * scheduled change; a warning first when a payment failed; ids only inside a "for support"
 * disclosure. The portal buttons carry `data-portal-target` / `data-subscription-id`
 * (web/actions.js handles their clicks); "Change plan" and "Keep my subscription" carry
 * `data-change-plan` / `data-keep-subscription` (web/plan_change.js).
 */
import { button, el, timeElement } from "../dom.js";
import {
  formatDate,
  formatMoney,
  formatPeriod,
  formatPrice,
  scheduledChangeWords,
  statusWords,
} from "../format.js";

const PORTAL_LABELS = /** @type {const} */ ({
  cancel_subscription: "Cancel subscription",
  update_payment_method: "Update payment method",
});

/**
 * @param {import("../data.js").Subscription} sub
 * @param {string} [locale]
 */
export function renderSubscription(sub, locale = undefined) {
  const headingId = `subscription-${sub.id}`;
  const heading = el("h3", undefined, sub.title);
  heading.id = headingId;
  const badge = el(
    "span",
    `badge badge-${sub.status.replace(/[^a-z_]/g, "")}`,
    statusWords(sub.status),
  );
  const article = el("article", "subscription", el("div", "subscription-head", heading, badge));
  article.setAttribute("aria-labelledby", headingId);
  article.dataset.subscriptionId = sub.id;
  article.dataset.status = sub.status;

  if (sub.status === "past_due") {
    article.append(
      el(
        "p",
        "warning",
        "Your last payment did not go through. Update your payment method to keep your subscription.",
      ),
    );
  }

  article.append(itemList(sub, locale), detailList(sub, locale));

  if (sub.status === "canceled") {
    article.append(el("p", "hint", "This subscription has ended."));
  } else {
    const actions = portalButtons(sub);
    article.append(actions);
    const note = planActions(sub, actions);
    if (note) article.append(note);
  }
  article.append(supportDetails(sub));
  return el("li", undefined, article);
}

/**
 * @param {import("../data.js").Subscription} sub
 * @param {string | undefined} locale
 */
function itemList(sub, locale) {
  const list = el("ul", "items");
  list.setAttribute("aria-label", `What ${sub.title} includes`);
  for (const item of sub.items) {
    const name = item.productName === sub.title
      ? item.priceName ?? item.productName
      : item.priceName && item.priceName !== item.productName
      ? `${item.productName}: ${item.priceName}`
      : item.productName;
    const cycle = item.cycle.interval ? item.cycle : sub.cycle;
    const line = formatPrice(item.amount, item.currency, cycle, {
      quantity: item.quantity,
      locale,
    });
    const unit = formatMoney(item.amount, item.currency, { locale });
    const amount = !line
      ? "Price not available"
      : item.quantity === 1
      ? line
      : `${line} (${item.quantity} × ${unit})`;
    const row = el(
      "li",
      "item",
      el("span", "item-name", name),
      el("span", "item-amount", amount),
    );
    row.dataset.priceId = item.priceId;
    list.append(row);
  }
  return list;
}

/**
 * @param {import("../data.js").Subscription} sub
 * @param {string | undefined} locale
 */
function detailList(sub, locale) {
  /** @type {[string, Node | string, string][]} */
  const rows = [];
  if (sub.items.length > 1 && sub.total) {
    const total = formatPrice(sub.total.amount, sub.total.currency, sub.cycle, { locale });
    if (total) rows.push(["Total", total, "total"]);
  }
  if (sub.status !== "canceled") {
    rows.push([
      "Next payment",
      sub.nextBilledAt
        ? timeElement(sub.nextBilledAt, formatDate(sub.nextBilledAt, locale))
        : "None scheduled",
      "next-payment",
    ]);
    const period = formatPeriod(sub.periodStartsAt, sub.periodEndsAt, locale);
    if (period) rows.push(["Current period", period, "period"]);
  }
  const change = scheduledChangeWords(sub.scheduledAction, sub.scheduledAt, locale);
  if (change) rows.push(["Scheduled change", el("span", "scheduled", change), "scheduled"]);
  if (sub.startedAt) {
    rows.push([
      "Started",
      timeElement(sub.startedAt, formatDate(sub.startedAt, locale)),
      "started",
    ]);
  }
  const list = el("dl", "details");
  for (const [term, value, key] of rows) {
    const row = el("div", "row", el("dt", undefined, term), el("dd", undefined, value));
    row.dataset.field = key;
    list.append(row);
  }
  return list;
}

/** @param {import("../data.js").Subscription} sub */
function portalButtons(sub) {
  const targets = /** @type {(keyof typeof PORTAL_LABELS)[]} */ (
    // A failed payment is fixed in the portal: that button comes first and stands out.
    sub.status === "past_due"
      ? ["update_payment_method", "cancel_subscription"]
      : ["cancel_subscription", "update_payment_method"]
  ).filter((target) =>
    // Already going to cancel: "Keep my subscription" takes the place of "Cancel subscription".
    target !== "cancel_subscription" || sub.scheduledAction !== "cancel"
  );
  const actions = el("div", "actions");
  for (const target of targets) {
    const className = target === "cancel_subscription"
      ? "button-danger"
      : sub.status === "past_due"
      ? "button-primary"
      : "button-secondary";
    const element = button(PORTAL_LABELS[target], className);
    // The visible words first (WCAG "label in name"), then which subscription it is, in words.
    const plan = sub.items[0]?.priceName;
    element.setAttribute(
      "aria-label",
      `${PORTAL_LABELS[target]} ${sub.title}${plan && plan !== sub.title ? `, ${plan}` : ""}`,
    );
    element.dataset.portalTarget = target;
    element.dataset.subscriptionId = sub.id;
    actions.append(element);
  }
  return actions;
}

/**
 * "Change plan" (web/plan_change.js opens the dialog) first in the card's actions, or "Keep my
 * subscription" when it is going to cancel. A subscription Paddle will not change (a payment
 * overdue, paused, in trial) keeps the button, disabled, with the reason beside "Update payment
 * method".
 *
 * @param {import("../data.js").Subscription} sub
 * @param {HTMLElement} actions
 * @returns {HTMLElement | undefined} the note saying why "Change plan" is disabled
 */
function planActions(sub, actions) {
  const plan = sub.items[0]?.priceName;
  const which = `${sub.title}${plan && plan !== sub.title ? `, ${plan}` : ""}`;
  if (sub.scheduledAction === "cancel") {
    const keep = button("Keep my subscription", "button-primary");
    keep.setAttribute("aria-label", `Keep my subscription ${which}`);
    keep.dataset.keepSubscription = sub.id;
    actions.prepend(keep);
    return undefined;
  }
  const change = button("Change plan", "button-secondary");
  change.setAttribute("aria-label", `Change plan ${which}`);
  change.dataset.changePlan = sub.id;
  actions.prepend(change);
  const why = sub.status === "past_due"
    ? "To change plan, first update your payment method: the last payment did not go through."
    : sub.status === "paused"
    ? "To change plan, resume this subscription first."
    : sub.status === "trialing"
    ? "You can change plan once your trial has ended."
    : undefined;
  if (!why) return undefined;
  change.disabled = true;
  const note = el("p", "hint change-plan-note", why);
  note.id = `change-plan-note-${sub.id}`;
  change.setAttribute("aria-describedby", note.id);
  return note;
}

/** @param {import("../data.js").Subscription} sub */
function supportDetails(sub) {
  const list = el("dl", "details");
  /** @type {[string, string][]} */
  const rows = [
    ["Subscription ID", sub.id],
    ["Customer ID", sub.customerId],
    ...sub.items.map((item) => /** @type {[string, string]} */ (["Price ID", item.priceId])),
  ];
  for (const [term, value] of rows) {
    list.append(
      el(
        "div",
        "row",
        el("dt", undefined, term),
        el("dd", undefined, el("code", undefined, value)),
      ),
    );
  }
  return el("details", "support", el("summary", undefined, "Details for support"), list);
}
