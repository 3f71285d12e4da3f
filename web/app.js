// @ts-check
/**
 * The billing page: wires the modules together. Sign in with Supabase Auth (session.js), read
 * the user's subscriptions and the plans under RLS (data.js), show them (views/), send
 * "Manage subscription" and "Subscribe" to the functions (actions.js), and wait for the new
 * subscription after checkout (checkout_return.js).
 *
 * Configuration comes from `./config.js` (see config.example.js; page_config.js reads it).
 */
import { actionInFlight, finishAction, listenForActions, setButtonsDisabled } from "./actions.js";
import {
  fetchCatalog,
  fetchHasCustomer,
  fetchSubscriptions,
  hasCurrentSubscription,
  offersPortal,
} from "./data.js";
import { byId } from "./dom.js";
import { loadConfig } from "./page_config.js";
import { listenForPlanChanges } from "./plan_change.js";
import { connect, endSession, watchSession } from "./session.js";
import { addStatusButton, setStatus } from "./status.js";
import { takeCheckoutReturn, waitForSubscription } from "./checkout_return.js";
import {
  clearBilling,
  focusPlans,
  plansShown,
  showLoadError,
  showLoading,
  showPlans,
  showSubscriptions,
} from "./views/billing.js";
import { portalEntryFocus, showPortalEntry } from "./views/portal_entry.js";
import { clearPayments, showPayments } from "./views/payments.js";
import { showLocalPlanPrices } from "./views/local_plan_prices.js";

const views = {
  loading: byId("view-loading"),
  signedOut: byId("view-signed-out"),
  signedIn: byId("view-signed-in"),
  configError: byId("view-config-error"),
};
const account = byId("account");
const accountEmail = byId("account-email");
const accountHeading = byId("account-heading");

/** @type {import("./page_config.js").PageConfig} */
let config;
/** @type {any} */
let supabase;
/** Bumped on every load and sign-out, so a late answer never renders over a newer state. */
let generation = 0;
/** This load is the return from checkout: wait for the subscription once signed in. */
let returnedFromCheckout = takeCheckoutReturn(location, history);
/** @type {AbortController | undefined} */
let waiting;
/** @type {import("./data.js").Subscription[]} the ones on screen, for "Change plan" */
let shownSubscriptions = [];

/** @param {keyof typeof views} name */
function showView(name) {
  for (const [key, element] of Object.entries(views)) element.hidden = key !== name;
  account.hidden = name !== "signedIn";
}

/** @param {string} message */
function showConfigError(message) {
  showView("configError");
  byId("config-error-text").textContent = message;
  setStatus("");
}

async function start() {
  try {
    config = await loadConfig();
    supabase = await connect(config);
  } catch (error) {
    showConfigError(error instanceof Error ? error.message : String(error));
    return;
  }
  listenForActions({
    client: () => supabase,
    signIn: endSession,
    reload: () => void loadBilling(),
    showPlans: focusPlans,
    plansAvailable: plansShown,
    fallbackFocus: portalEntryFocus,
  });
  listenForPlanChanges({
    client: () => supabase,
    subscriptions: () => shownSubscriptions,
    reload: () => loadBilling(),
    signIn: endSession,
    fallbackFocus: () => accountHeading,
  });
  watchSession(supabase, {
    signedIn(user, focus) {
      accountEmail.textContent = user.email ?? "";
      showView("signedIn");
      if (focus) accountHeading.focus();
      if (returnedFromCheckout) {
        returnedFromCheckout = false;
        void waitAfterCheckout();
      } else {
        void loadBilling();
      }
    },
    signedOut() {
      generation++;
      waiting?.abort();
      clearBilling();
      clearPayments();
      showPortalEntry(false);
      finishAction();
      showView("signedOut");
    },
  });
}

/**
 * Reads the subscriptions and whether the user has a Paddle customer, then the plans when there
 * is no current subscription, and shows them ("Manage subscription" only with a customer).
 * While waiting after checkout the plans stay hidden: a second purchase is the last thing
 * anyone wants then.
 *
 * @param {{ afterCheckout?: boolean }} [options]
 * @returns {Promise<boolean | undefined>} whether the user has a current subscription
 *   (undefined when the read failed or a newer one started)
 */
async function loadBilling(options = {}) {
  const mine = ++generation;
  showLoading();
  // Every load reads the payments again: a checkout's or a plan change's charge shows up with it.
  void showPayments(supabase);
  // Unknown until the reads answer: then the portal function says if there is nothing to manage.
  let portal = true;
  try {
    const [subscriptions, hasCustomer] = await Promise.all([
      fetchSubscriptions(supabase),
      fetchHasCustomer(supabase),
    ]);
    portal = offersPortal(hasCustomer, subscriptions);
    const current = hasCurrentSubscription(subscriptions);
    const plans = current || options.afterCheckout
      ? undefined
      : (await fetchCatalog(supabase)).plans;
    if (mine !== generation) return undefined;
    shownSubscriptions = subscriptions;
    showSubscriptions(
      subscriptions,
      options.afterCheckout ? "Waiting for your new subscription…" : undefined,
    );
    showPlans(plans);
    if (plans) void showLocalPlanPrices(plans);
    showPortalEntry(portal);
    // A request in flight keeps the new buttons disabled too.
    if (actionInFlight()) setButtonsDisabled(true);
    return current;
  } catch {
    if (mine !== generation) return undefined;
    showLoadError(() => void loadBilling());
    showPortalEntry(portal);
    return undefined;
  }
}

/**
 * Back from checkout: "Setting up your subscription…" until the mirror shows it (the webhooks
 * may land after the buyer), at most 30 s; then the plan card, or a message with "Check again".
 */
async function waitAfterCheckout() {
  waiting?.abort();
  const controller = new AbortController();
  waiting = controller;
  setStatus("Setting up your subscription…", "progress");
  const check = async () => (await loadBilling({ afterCheckout: true })) === true;
  const outcome = await waitForSubscription(check, {
    signal: controller.signal,
  });
  if (outcome === "aborted") return;
  if (outcome === "found") {
    setStatus("Your subscription is active. Thank you!", "success");
    accountHeading.focus();
    return;
  }
  setStatus(
    "Your subscription is not showing yet. If you completed the payment, it can take a minute " +
      "to reach us from Paddle, our payment provider: check again in a moment.",
    "info",
  );
  addStatusButton("Check again", () => void waitAfterCheckout()).focus();
}

void start();
