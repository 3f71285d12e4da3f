// @ts-check
/**
 * "Change plan": a native modal `<dialog>` (the rest of the page is inert while it is open, so
 * focus stays inside; Escape closes it) with the plans for sale, a Monthly / Yearly switch, the
 * current plan marked, each plan's features, and a quantity for each add-on the chosen plan
 * suggests. "Review" asks subscription-update for Paddle's preview and says it in words;
 * "Confirm" applies exactly what was reviewed. Any change to the choice hides "Confirm" until
 * it is reviewed again.
 */
import { priceFor } from "../data.js";
import { button, el } from "../dom.js";
import { featureWords, formatPrice, yearlySavingPercent } from "../format.js";
import { describeChangeFailure } from "../messages.js";
import { previewWords } from "../plan_change_words.js";

/**
 * @typedef {"month" | "year"} Interval
 * @typedef {{ priceId: string, quantity: number }} ChangeItem
 */

/**
 * @typedef {object} DialogOptions
 * @property {import("../data.js").Subscription} subscription
 * @property {import("../data.js").Catalog} catalog
 * @property {string | undefined} locale
 * @property {(action: "preview" | "apply", items: ChangeItem[]) =>
 *   Promise<{ data: any } | { failure: import("../messages.js").Failure }>} send
 * @property {(planName: string, chargedToday: boolean) => void} onChanged after Paddle applied the
 *   change; `chargedToday` when its preview had something due now (a payment is on its way)
 * @property {(failure: import("../messages.js").Failure) => void} onFatal a failure the page
 *   handles (signed out, subscription gone): the dialog closes first
 * @property {HTMLElement} returnFocus
 */

let opened = 0;

/** @param {DialogOptions} options */
export function openChangePlanDialog(options) {
  const { subscription, catalog, locale } = options;
  const id = `change-plan-${++opened}`;
  const planIds = new Set(catalog.plans.map((p) => p.productId));
  const addonIds = new Set(catalog.plans.flatMap((p) => p.addons.map((a) => a.productId)));
  const currentPlan = subscription.items.find((item) => planIds.has(item.productId));
  const currentInterval = /** @type {Interval} */ (
    subscription.cycle.interval === "year" ? "year" : "month"
  );
  /** Quantities by add-on product: today's, carried over to the other interval. */
  const addonQuantities = new Map(
    subscription.items.filter((item) => addonIds.has(item.productId)).map((
      item,
    ) => [item.productId, item.quantity]),
  );
  let interval = currentInterval;
  let planId = currentPlan?.productId ?? catalog.plans[0]?.productId;
  /** @type {ChangeItem[] | undefined} what "Confirm" applies: exactly what was reviewed */
  let reviewed;
  /** Whether Paddle's preview of `reviewed` had something due today. */
  let reviewedCharge = false;
  let busy = false;

  const heading = el("h2", undefined, "Change plan");
  heading.id = `${id}-heading`;
  const dialog = /** @type {HTMLDialogElement} */ (el("dialog", "change-plan", heading));
  dialog.setAttribute("aria-labelledby", heading.id);
  dialog.dataset.subscriptionId = subscription.id;

  const intervalSet = el("fieldset", "interval-switch", el("legend", undefined, "Billing"));
  const planSet = el("fieldset", "plan-choices", el("legend", undefined, "Plan"));
  const addonSet = el("fieldset", "addon-choices", el("legend", undefined, "Add-ons"));
  const result = el("p", "preview-result");
  result.setAttribute("role", "status");
  result.setAttribute("aria-live", "polite");
  result.id = `${id}-result`;
  const error = el("p", "form-error");
  error.setAttribute("role", "alert");
  const review = button("Review", "button-primary");
  const confirm = button("Confirm", "button-primary");
  confirm.hidden = true;
  confirm.setAttribute("aria-describedby", result.id);
  const cancel = button("Cancel", "button-secondary");
  dialog.append(
    intervalSet,
    planSet,
    addonSet,
    result,
    error,
    el("div", "actions", review, confirm, cancel),
  );

  /** @param {Interval} value */
  const intervalChoice = (value) => {
    const input = /** @type {HTMLInputElement} */ (document.createElement("input"));
    input.type = "radio";
    input.name = `${id}-interval`;
    input.value = value;
    input.checked = value === interval;
    input.addEventListener("change", () => {
      interval = value;
      changed();
    });
    const words = el("span", undefined, value === "month" ? "Monthly" : "Yearly");
    const label = el("label", "choice", input, words);
    if (value === "year") {
      const saving = el("span", "saving");
      saving.dataset.role = "saving";
      label.append(saving);
    }
    return label;
  };
  intervalSet.append(intervalChoice("month"), intervalChoice("year"));

  function renderPlans() {
    planSet.replaceChildren(el("legend", undefined, "Plan"));
    for (const plan of catalog.plans) {
      const price = priceFor(plan, interval);
      const input = /** @type {HTMLInputElement} */ (document.createElement("input"));
      input.type = "radio";
      input.name = `${id}-plan`;
      input.value = plan.productId;
      input.checked = plan.productId === planId;
      input.disabled = !price;
      input.addEventListener("change", () => {
        planId = plan.productId;
        changed();
      });
      const amount = price
        ? formatPrice(price.amount, price.currency, { interval, frequency: 1 }, { locale })
        : `Not available ${interval === "month" ? "monthly" : "yearly"}`;
      const name = el("span", "plan-name", plan.name);
      const label = el(
        "label",
        "choice plan-choice",
        input,
        name,
        el("span", "plan-amount", amount ?? ""),
      );
      label.dataset.productId = plan.productId;
      if (plan.productId === currentPlan?.productId) {
        label.append(el("span", "badge current-plan", "Current plan"));
      }
      const features = el("ul", "features");
      for (const [feature, value] of plan.features) {
        features.append(el("li", undefined, featureWords(feature, value)));
      }
      planSet.append(el("div", "plan-option", label, features));
    }
  }

  function renderAddons() {
    addonSet.replaceChildren(el("legend", undefined, "Add-ons"));
    const plan = catalog.plans.find((p) => p.productId === planId);
    const addons = (plan?.addons ?? []).flatMap((addon) => {
      const price = priceFor(addon, interval);
      return price ? [{ addon, price }] : [];
    });
    addonSet.hidden = addons.length === 0;
    for (const { addon, price } of addons) {
      const input = /** @type {HTMLInputElement} */ (document.createElement("input"));
      input.type = "number";
      input.inputMode = "numeric";
      input.min = "0";
      input.max = String(price.maximum);
      input.step = "1";
      input.id = `${id}-addon-${addon.productId}`;
      input.value = String(addonQuantities.get(addon.productId) ?? 0);
      input.dataset.productId = addon.productId;
      input.addEventListener("input", () => {
        const n = Number(input.value);
        addonQuantities.set(addon.productId, Number.isInteger(n) && n > 0 ? n : 0);
        changed();
      });
      const each = formatPrice(price.amount, price.currency, { interval, frequency: 1 }, {
        locale,
      });
      const label = /** @type {HTMLLabelElement} */ (el("label", undefined, addon.name));
      label.htmlFor = input.id;
      addonSet.append(
        el("div", "field addon", label, input, el("span", "hint", `${each ?? ""} each`)),
      );
    }
  }

  function renderSaving() {
    const plan = catalog.plans.find((p) => p.productId === planId);
    const saving = plan
      ? yearlySavingPercent(priceFor(plan, "month"), priceFor(plan, "year"))
      : undefined;
    const target = intervalSet.querySelector('[data-role="saving"]');
    if (target) target.textContent = saving ? ` (save ${saving}%)` : "";
  }

  /** @returns {ChangeItem[] | undefined} undefined: the plan has no price on this interval */
  function chosenItems() {
    const plan = catalog.plans.find((p) => p.productId === planId);
    const price = plan && priceFor(plan, interval);
    if (!plan || !price) return undefined;
    /** @type {ChangeItem[]} */
    const items = [{ priceId: price.priceId, quantity: 1 }];
    for (const addon of plan.addons) {
      const addonPrice = priceFor(addon, interval);
      const quantity = addonQuantities.get(addon.productId) ?? 0;
      if (addonPrice && quantity > 0) items.push({ priceId: addonPrice.priceId, quantity });
    }
    return items;
  }

  function changed() {
    reviewed = undefined;
    reviewedCharge = false;
    confirm.hidden = true;
    result.textContent = "";
    error.textContent = "";
    renderPlans();
    renderAddons();
    renderSaving();
  }

  /** @param {boolean} value */
  function setBusy(value) {
    busy = value;
    review.disabled = value;
    confirm.disabled = value;
    dialog.setAttribute("aria-busy", String(value));
  }

  /** @param {import("../messages.js").Failure} failure */
  function showFailure(failure) {
    const outcome = describeChangeFailure(failure);
    if (outcome.action === "sign-in" || outcome.action === "reload-list") {
      dialog.close();
      options.onFatal(failure);
      return;
    }
    error.textContent = outcome.message;
    error.dataset.code = failure.code;
  }

  /**
   * One request with the buttons busy and its progress said.
   *
   * @param {"preview" | "apply"} action
   * @param {ChangeItem[]} items
   * @param {string} progress
   * @returns {Promise<any>} the answer, or undefined (a failure shown, or the dialog closed)
   */
  async function request(action, items, progress) {
    setBusy(true);
    result.textContent = progress;
    const answer = await options.send(action, items);
    setBusy(false);
    if (!dialog.open) return undefined;
    if ("failure" in answer) {
      result.textContent = "";
      showFailure(answer.failure);
      return undefined;
    }
    return answer.data;
  }

  review.addEventListener("click", async () => {
    if (busy) return;
    const items = chosenItems();
    error.textContent = "";
    if (!items) {
      error.textContent = "Choose a plan that is available with this billing.";
      return;
    }
    const data = await request("preview", items, "Asking Paddle what this change costs…");
    if (!data) return;
    reviewed = items;
    const due = data.preview.dueNow;
    reviewedCharge = /^\d+$/.test(due) && BigInt(due) > 0n;
    result.textContent = previewWords(data.preview, locale);
    confirm.hidden = false;
    confirm.focus();
  });

  confirm.addEventListener("click", async () => {
    if (busy || !reviewed) return;
    if (!await request("apply", reviewed, "Changing your plan…")) return;
    const name = catalog.plans.find((p) => p.productId === planId)?.name ?? "your new plan";
    dialog.close();
    options.onChanged(name, reviewedCharge);
  });

  cancel.addEventListener("click", () => dialog.close());
  // showModal() makes the page inert, but Tab can still leave for the browser's own controls:
  // wrap around instead, so focus stays in the dialog until it is closed.
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const focusable = [...dialog.querySelectorAll("input, button")].filter((
      element,
    ) => {
      const input = /** @type {HTMLInputElement} */ (element);
      // A radio group is one tab stop: its checked radio.
      return !input.disabled && input.offsetParent !== null &&
        (input.type !== "radio" || input.checked);
    });
    const first = /** @type {HTMLElement | undefined} */ (focusable[0]);
    const last = /** @type {HTMLElement | undefined} */ (focusable[focusable.length - 1]);
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (options.returnFocus.isConnected) options.returnFocus.focus();
  });

  changed();
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
