// @ts-check
/**
 * The payment-link page (checkout.html). The checkout function asks Paddle for a transaction
 * whose `checkout.url` is this page plus `?_ptxn=txn_...`; this page loads Paddle.js and
 * initializes it, and Paddle.js opens the checkout for `_ptxn` by itself, as it does on any
 * payment link. After payment Paddle.js goes to the success URL (the billing page by default).
 *
 * Configuration comes from `./config.js` (see config.example.js): `PADDLE_CLIENT_TOKEN`,
 * `PADDLE_ENVIRONMENT` (sandbox | production; sandbox when unset, so a half-configured site
 * never takes live payments), optional `PADDLE_JS_URL` and `CHECKOUT_SUCCESS_URL`. The local
 * stack serves a config that points at its Paddle.js stand-in.
 *
 * Every transaction this page opens was created by the checkout function for the signed-in
 * buyer's linked Paddle customer, so the checkout is opened with `allowLogout: false`, as Paddle
 * advises when the customer is known: the buyer cannot switch to another email mid-checkout and
 * move the purchase off the customer their account is linked to.
 */

import {
  absoluteUrl,
  DEFAULT_PADDLE_JS_URL,
  loadClassicScript,
  readPaddleJsConfig,
} from "./paddle_js.js";

export { DEFAULT_PADDLE_JS_URL };
export const DEFAULT_SUCCESS_URL = "./?checkout=complete";
const TRANSACTION_ID = /^txn_[a-z\d]{26}$/;

/**
 * @typedef {{ token: string, environment: "sandbox" | "production", paddleJsUrl: string,
 *   successUrl: string }} CheckoutConfig
 * @typedef {{ name?: string, type?: string, code?: string, detail?: string,
 *   data?: { transaction_id?: string, customer?: { id?: string } | null,
 *   error?: { code?: string, detail?: string } } }} PaddleEvent
 * @typedef {{ successUrl: string, allowLogout: boolean }} CheckoutSettings
 * @typedef {{
 *   Environment: { set(environment: string): void },
 *   Initialize(options: { token: string, eventCallback?: (event: PaddleEvent) => void,
 *     checkout?: { settings?: CheckoutSettings } }): void,
 *   Checkout: { open(options: { transactionId: string }): void },
 * }} PaddleGlobal
 * The few DOM parts this page touches, typed here because `deno check` checks the page with
 * Deno's types (no DOM library) alongside the server code.
 * @typedef {{ textContent: string | null, dataset: Record<string, string | undefined> }} PageElement
 * @typedef {{ getElementById(id: string): PageElement | null }} PageDocument
 */

/**
 * Checks config.js's exports; the message says what to fix.
 * @param {Record<string, unknown>} module
 * @param {string} pageUrl
 * @returns {{ config: CheckoutConfig } | { error: string }}
 */
export function readCheckoutConfig(module, pageUrl) {
  const paddle = readPaddleJsConfig(module, pageUrl);
  if ("error" in paddle) return paddle;
  const successUrl = absoluteUrl(module.CHECKOUT_SUCCESS_URL ?? DEFAULT_SUCCESS_URL, pageUrl);
  if (!successUrl) return { error: "config.js: CHECKOUT_SUCCESS_URL must be an http(s) URL." };
  return { config: { ...paddle.config, successUrl } };
}

/**
 * What the checkout opens with: the buyer returns to the success URL, and cannot log out of the
 * transaction's customer (Paddle's `allowLogout: false` for a known customer).
 *
 * @param {CheckoutConfig} config
 * @returns {CheckoutSettings}
 */
export function checkoutSettings(config) {
  return { successUrl: config.successUrl, allowLogout: false };
}

/**
 * What the buyer reads for a Paddle.js event about this transaction, or undefined when the event
 * says nothing to them (or is about another transaction). Paddle's own error text is never shown:
 * it is written for developers.
 *
 * @param {PaddleEvent} event
 * @param {string} transactionId
 * @returns {{ text: string, tone?: "progress" | "error" | "success" } | undefined}
 */
export function checkoutEventMessage(event, transactionId) {
  const about = event.data?.transaction_id;
  if (about && about !== transactionId) return undefined;
  switch (event.name) {
    case "checkout.loaded":
      return { text: "Complete your payment in the checkout." };
    case "checkout.completed":
      return { text: "Payment received. Taking you back…", tone: "success" };
    case "checkout.closed":
      return { text: "The checkout was closed before payment. Reload the page to open it again." };
    case "checkout.payment.failed":
    case "checkout.payment.error":
      return {
        text: "Your payment did not go through and you have not been charged. " +
          "Check the card details or try another payment method in the checkout.",
        tone: "error",
      };
    case "checkout.error":
      return {
        text: "The checkout could not be opened for this purchase. " +
          "Go back and choose your plan again; if it keeps happening, contact us.",
        tone: "error",
      };
  }
  return undefined;
}

/**
 * The transaction this link is for, or why there is none.
 * @param {string} search the page's `location.search`
 * @returns {{ transactionId: string } | { error: string }}
 */
export function transactionFromQuery(search) {
  const value = new URLSearchParams(search).get("_ptxn");
  if (value === null || value === "") {
    return {
      error: "This checkout link is incomplete: it names no transaction. " +
        "Go back and choose your plan again.",
    };
  }
  if (!TRANSACTION_ID.test(value)) {
    return {
      error: "This checkout link is not valid. Go back and choose your plan again.",
    };
  }
  return { transactionId: value };
}

/** @returns {PageDocument} */
function pageDocument() {
  return /** @type {PageDocument} */ (/** @type {Record<string, unknown>} */ (globalThis).document);
}

/**
 * @param {string} text
 * @param {"progress" | "error" | "success"} [tone]
 */
function show(text, tone) {
  const status = /** @type {PageElement} */ (pageDocument().getElementById("status"));
  const statusText = /** @type {PageElement} */ (pageDocument().getElementById("status-text"));
  statusText.textContent = text;
  if (tone) status.dataset.tone = tone;
  else delete status.dataset.tone;
}

async function main() {
  const link = transactionFromQuery(location.search);
  if ("error" in link) return show(link.error, "error");

  /** @type {Record<string, unknown>} */
  let module;
  try {
    // A computed specifier: config.js is per deployment and absent from the repository.
    module = await import(new URL("./config.js", import.meta.url).href);
  } catch {
    return show(
      "Checkout is not configured on this site: config.js could not be loaded.",
      "error",
    );
  }
  const read = readCheckoutConfig(module, location.href);
  if ("error" in read) {
    return show(`Checkout is not configured on this site. ${read.error}`, "error");
  }
  const { config } = read;

  show("Opening the secure checkout…", "progress");
  try {
    await loadClassicScript(config.paddleJsUrl);
  } catch {
    return show(
      "The secure checkout could not be loaded. Check your connection and reload the page.",
      "error",
    );
  }
  const Paddle = /** @type {PaddleGlobal | undefined} */ (
    /** @type {Record<string, unknown>} */ (globalThis).Paddle
  );
  if (!Paddle) return show("The secure checkout could not be started. Reload the page.", "error");

  try {
    if (config.environment === "sandbox") Paddle.Environment.set("sandbox");
    // Paddle.js opens the checkout for ?_ptxn= itself once initialized.
    Paddle.Initialize({
      token: config.token,
      checkout: { settings: checkoutSettings(config) },
      eventCallback: (event) => {
        const message = checkoutEventMessage(event, link.transactionId);
        if (message) show(message.text, message.tone);
      },
    });
  } catch {
    show("The secure checkout could not be started. Reload the page.", "error");
  }
}

if ("document" in globalThis) main();
