// @ts-check
/**
 * The buttons that leave for Paddle: "Manage subscription" and the per-subscription portal
 * buttons (`data-portal-target`) ask customer-portal for a fresh link; "Subscribe"
 * (`data-price-id`) asks checkout for a checkout URL, priced for the country the cards show when
 * the buyer chose one (`?country=`; otherwise Paddle guesses from the IP, as the cards do). One request at a time, never two for one
 * click; progress in the live region; then this tab goes there (Paddle's portal refuses to be
 * framed), or the failure is shown with what it offers.
 */
import { presentFailure } from "./failures.js";
import { invokeForUrl } from "./invoke.js";
import { setStatus } from "./status.js";
import { checkoutCountry } from "./views/local_plan_prices.js";

const ACTION_BUTTONS =
  "button[data-portal-target], button[data-price-id], button[data-invoice-for]";

/**
 * @typedef {object} Action
 * @property {"customer-portal" | "checkout" | "transaction-invoice"} name the function
 * @property {Record<string, unknown>} body
 * @property {string} selector finds the same button again after a re-render
 */

/**
 * @typedef {object} ActionHandlers
 * @property {() => any} client the supabase-js client
 * @property {(message: string) => void} signIn
 * @property {() => void} reload
 * @property {() => boolean} showPlans false when there are none to show
 * @property {() => boolean} plansAvailable
 * @property {() => HTMLElement} fallbackFocus where focus goes after a reload
 */

/** What the live region says while each function answers, then while the browser leaves. */
const PROGRESS_WORDS = {
  "checkout": ["Starting your checkout…", "Redirecting to the checkout…"],
  "customer-portal": [
    "Opening Paddle's customer portal…",
    "Redirecting to Paddle's customer portal…",
  ],
  "transaction-invoice": ["Getting your invoice…", "Opening your invoice…"],
};

/** @type {ActionHandlers} */
let handlers;
let busy = false;

/** @param {ActionHandlers} actionHandlers */
export function listenForActions(actionHandlers) {
  handlers = actionHandlers;
  document.addEventListener("click", onClick);
  // Coming back from Paddle with the Back button restores this page from the back/forward
  // cache exactly as it was left: busy. Make it usable again.
  globalThis.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      finishAction();
      setStatus("");
    }
  });
}

/** True while a link is being minted: new buttons must be rendered disabled too. */
export function actionInFlight() {
  return busy;
}

/** Re-enables every button (after a failure, a sign-out, or the Back button). */
export function finishAction() {
  busy = false;
  setButtonsDisabled(false);
  for (const element of document.querySelectorAll(ACTION_BUTTONS)) {
    element.removeAttribute("aria-busy");
  }
}

/** @param {boolean} disabled */
export function setButtonsDisabled(disabled) {
  for (const element of document.querySelectorAll(ACTION_BUTTONS)) {
    /** @type {HTMLButtonElement} */ (element).disabled = disabled;
  }
}

/** @param {MouseEvent} event */
function onClick(event) {
  const target = /** @type {Element | null} */ (event.target);
  const element = target?.closest(ACTION_BUTTONS);
  if (!(element instanceof HTMLButtonElement) || element.disabled) return;
  const action = actionFor(element);
  if (action) void run(element, action);
}

/**
 * @param {HTMLButtonElement} element
 * @returns {Action | undefined}
 */
function actionFor(element) {
  const transactionId = element.dataset.invoiceFor;
  if (transactionId) {
    return {
      name: "transaction-invoice",
      body: { transactionId },
      selector: `button[data-invoice-for="${CSS.escape(transactionId)}"]`,
    };
  }
  const priceId = element.dataset.priceId;
  if (priceId) {
    // The add-on quantities on the same plan card; none chosen keeps the body as it always was.
    const addons = [
      ...(element.closest("article")?.querySelectorAll("input[data-addon-price-id]") ?? []),
    ]
      .map((input) => /** @type {HTMLInputElement} */ (input))
      .filter((input) => input.value.trim() !== "" && Number(input.value) !== 0)
      .map((input) => ({ priceId: input.dataset.addonPriceId, quantity: Number(input.value) }));
    const country = checkoutCountry();
    return {
      name: "checkout",
      body: { priceId, ...(addons.length ? { addons } : {}), ...(country ? { country } : {}) },
      selector: `button[data-price-id="${CSS.escape(priceId)}"]`,
    };
  }
  const target = element.dataset.portalTarget;
  const subscriptionId = element.dataset.subscriptionId;
  if ((target === "cancel_subscription" || target === "update_payment_method") && subscriptionId) {
    return {
      name: "customer-portal",
      body: { target, subscriptionId },
      selector: `button[data-portal-target="${target}"][data-subscription-id="${
        CSS.escape(subscriptionId)
      }"]`,
    };
  }
  if (target === "overview") {
    return {
      name: "customer-portal",
      body: { target: "overview" },
      selector: 'button[data-portal-target="overview"]',
    };
  }
  return undefined;
}

/**
 * @param {HTMLButtonElement} element
 * @param {Action} action
 */
async function run(element, action) {
  if (busy) return;
  busy = true;
  // Every such button, not only this one: a second link minted meanwhile would be wasted.
  setButtonsDisabled(true);
  element.setAttribute("aria-busy", "true");
  const checkout = action.name === "checkout";
  const words = PROGRESS_WORDS[action.name];
  setStatus(words[0], "progress");
  const result = await invokeForUrl(handlers.client(), action.name, action.body);
  if (!busy) return; // signed out meanwhile

  if ("url" in result) {
    setStatus(words[1], "progress");
    // Same tab, and the buttons stay disabled while the browser leaves the page.
    location.assign(result.url);
    return;
  }
  finishAction();
  presentFailure(result.failure, {
    request: checkout ? "checkout" : "portal",
    plansAvailable: handlers.plansAvailable(),
  }, {
    retry: () => {
      // The lists may have been re-rendered meanwhile: find the button for the same request.
      const again = element.isConnected ? element : document.querySelector(action.selector);
      if (again instanceof HTMLButtonElement) void run(again, action);
    },
    signIn: handlers.signIn,
    reload: () => {
      handlers.reload();
      handlers.fallbackFocus().focus();
    },
    showPlans: () => {
      if (!handlers.showPlans()) element.focus();
    },
    focus: element,
  });
}
