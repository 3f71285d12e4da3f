// @ts-check
/**
 * The plan card's own actions, answered on this page (not in Paddle's portal): "Change plan"
 * (`data-change-plan`) opens the dialog (views/change_plan_dialog.js) over the catalog; "Keep my
 * subscription" (`data-keep-subscription`) removes a scheduled cancellation. Both call
 * subscription-update; after Paddle applied a change the function has written it to the
 * mirror, so reading the subscriptions again shows the new plan at once.
 */
import { fetchCatalogInCurrency } from "./catalog_in_currency.js";
import { invokeFunction } from "./invoke.js";
import { describeChangeFailure } from "./messages.js";
import { addStatusButton, setStatus } from "./status.js";
import { openChangePlanDialog } from "./views/change_plan_dialog.js";
import { expectNewPayment } from "./views/payments.js";

const FUNCTION = "subscription-update";

/**
 * @typedef {object} PlanChangeHandlers
 * @property {() => any} client the supabase-js client
 * @property {() => import("./data.js").Subscription[]} subscriptions those on screen
 * @property {() => Promise<unknown>} reload reads the subscriptions again
 * @property {(message: string) => void} signIn ends the local session, then says why
 * @property {() => HTMLElement} fallbackFocus
 */

/** @type {PlanChangeHandlers} */
let handlers;
let busy = false;

/** @param {PlanChangeHandlers} planChangeHandlers */
export function listenForPlanChanges(planChangeHandlers) {
  handlers = planChangeHandlers;
  document.addEventListener("click", (event) => {
    const target = /** @type {Element | null} */ (event.target);
    const element = target?.closest("button[data-change-plan], button[data-keep-subscription]");
    if (!(element instanceof HTMLButtonElement) || element.disabled || busy) return;
    if (element.dataset.changePlan) void changePlan(element, element.dataset.changePlan);
    else if (element.dataset.keepSubscription) {
      void keep(element, element.dataset.keepSubscription);
    }
  });
}

/**
 * @param {HTMLButtonElement} element
 * @param {string} subscriptionId
 */
async function changePlan(element, subscriptionId) {
  const subscription = handlers.subscriptions().find((s) => s.id === subscriptionId);
  if (!subscription) return;
  busy = true;
  element.setAttribute("aria-busy", "true");
  setStatus("Loading the plans…", "progress");
  let catalog;
  try {
    catalog = await fetchCatalogInCurrency(handlers.client(), subscription.currency ?? null);
  } catch {
    setStatus("The plans could not be loaded (network or server error).", "error");
    addStatusButton("Try again", () => void changePlan(element, subscriptionId)).focus();
    return;
  } finally {
    busy = false;
    element.removeAttribute("aria-busy");
  }
  setStatus("");
  openChangePlanDialog({
    subscription,
    catalog,
    locale: undefined,
    returnFocus: element,
    send: (action, items) =>
      invokeFunction(handlers.client(), FUNCTION, { subscriptionId, action, items }),
    onChanged: async (planName, chargedToday) => {
      // The charge reaches the mirror by Paddle's webhooks, maybe after the reload's read.
      if (chargedToday) expectNewPayment();
      await handlers.reload();
      setStatus(`Your plan has changed to ${planName}.`, "success");
    },
    onFatal: (failure) => void presentChangeFailure(failure, element),
  });
}

/**
 * @param {HTMLButtonElement} element
 * @param {string} subscriptionId
 */
async function keep(element, subscriptionId) {
  busy = true;
  element.disabled = true;
  element.setAttribute("aria-busy", "true");
  setStatus("Keeping your subscription…", "progress");
  const answer = await invokeFunction(handlers.client(), FUNCTION, {
    subscriptionId,
    action: "keep",
  });
  busy = false;
  element.disabled = false;
  element.removeAttribute("aria-busy");
  if ("failure" in answer) {
    await presentChangeFailure(answer.failure, element, () => void keep(element, subscriptionId));
    return;
  }
  await handlers.reload();
  setStatus("Your subscription continues: it is no longer scheduled to cancel.", "success");
  handlers.fallbackFocus().focus();
}

/**
 * @param {import("./messages.js").Failure} failure
 * @param {HTMLElement} focus
 * @param {() => void} [retry]
 */
async function presentChangeFailure(failure, focus, retry = undefined) {
  const outcome = describeChangeFailure(failure);
  if (outcome.action === "sign-in") {
    handlers.signIn(outcome.message);
    return;
  }
  if (outcome.action === "reload-list") {
    await handlers.reload();
    setStatus(outcome.message, "info", failure.code);
    handlers.fallbackFocus().focus();
    return;
  }
  setStatus(outcome.message, "error", failure.code);
  if (retry && (outcome.action === "retry" || outcome.action === "retry-later")) {
    const again = addStatusButton("Try again", retry, {
      enableAfterSeconds: outcome.action === "retry-later" ? outcome.retryAfterSeconds : undefined,
    });
    if (outcome.action === "retry") again.focus();
    return;
  }
  if (focus.isConnected) focus.focus();
}
