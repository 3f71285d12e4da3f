/**
 * The "Manage subscription" page: sign in with Supabase Auth, list the user's subscriptions
 * (read under RLS), and ask the customer-portal function for a fresh Paddle portal link on
 * every click, then go there in this tab (Paddle's portal refuses to be framed).
 *
 * Configuration comes from `./config.js` (see config.example.js); the local stack generates it.
 */
import { describeFailure, describeSignInError, readInvokeError } from "./messages.js";

/** Pinned to the version in import_map.json; config.js may point elsewhere (SUPABASE_JS_URL). */
const DEFAULT_SUPABASE_JS_URL = "https://cdn.jsdelivr.net/npm/@supabase/supabase-js@2.119.1/+esm";
const FUNCTION_NAME = "customer-portal";
/** The function answers within its own Paddle deadline (10 s, one retry); this is a backstop. */
const INVOKE_TIMEOUT_MS = 30_000;
const SUBSCRIPTION_COLUMNS =
  "subscription_id, status, price_id, product_id, scheduled_change_action, scheduled_change_effective_at, created_at";

const STATUS_LABELS = /** @type {Record<string, string>} */ ({
  active: "Active",
  trialing: "Trial",
  past_due: "Past due",
  paused: "Paused",
  canceled: "Canceled",
});
const SCHEDULED_LABELS = /** @type {Record<string, string>} */ ({
  cancel: "Cancels on",
  pause: "Pauses on",
  resume: "Resumes on",
});
const TARGET_LABELS = /** @type {Record<string, string>} */ ({
  cancel_subscription: "Cancel subscription",
  update_payment_method: "Update payment method",
});

/**
 * @typedef {object} PageConfig
 * @property {string} supabaseUrl
 * @property {string} supabaseKey
 * @property {string} supabaseJsUrl
 * @property {string | undefined} checkoutUrl
 * @property {Record<string, string>} productNames
 */

/**
 * @typedef {object} PortalRequest
 * @property {"overview" | "cancel_subscription" | "update_payment_method"} target
 * @property {string} [subscriptionId]
 */

/** @param {string} id */
function $(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element;
}

const ui = {
  main: $("main"),
  status: $("status"),
  statusText: $("status-text"),
  statusActions: $("status-actions"),
  account: $("account"),
  accountEmail: $("account-email"),
  signOut: /** @type {HTMLButtonElement} */ ($("sign-out")),
  views: {
    loading: $("view-loading"),
    signedOut: $("view-signed-out"),
    signedIn: $("view-signed-in"),
    configError: $("view-config-error"),
  },
  configErrorText: $("config-error-text"),
  signinHeading: $("signin-heading"),
  signinForm: /** @type {HTMLFormElement} */ ($("signin-form")),
  email: /** @type {HTMLInputElement} */ ($("email")),
  password: /** @type {HTMLInputElement} */ ($("password")),
  signinError: $("signin-error"),
  signinSubmit: /** @type {HTMLButtonElement} */ ($("signin-submit")),
  accountHeading: $("account-heading"),
  manage: /** @type {HTMLButtonElement} */ ($("manage")),
  subscriptionsMessage: $("subscriptions-message"),
  subscriptions: $("subscriptions"),
};

// ---------------------------------------------------------------------------------------------
// Status region (role=status, aria-live=polite)

/** @type {ReturnType<typeof setTimeout> | undefined} */
let retryTimer;

/**
 * @param {string} message
 * @param {"" | "info" | "progress" | "success" | "error"} tone
 * @param {string} [code] the function's error code, kept as `data-code` for support and tests
 */
function setStatus(message, tone = "info", code = undefined) {
  clearTimeout(retryTimer);
  if (code) ui.status.dataset.code = code;
  else delete ui.status.dataset.code;
  ui.statusText.textContent = message;
  ui.statusActions.replaceChildren();
  if (message) ui.status.dataset.tone = tone;
  else delete ui.status.dataset.tone;
}

/**
 * @param {string} label
 * @param {() => void} onClick
 */
function addStatusButton(label, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button-secondary";
  button.textContent = label;
  button.addEventListener("click", onClick);
  ui.statusActions.append(button);
  return button;
}

// ---------------------------------------------------------------------------------------------
// Views

/** @param {keyof typeof ui.views} name */
function showView(name) {
  for (const [key, element] of Object.entries(ui.views)) element.hidden = key !== name;
  ui.account.hidden = name !== "signedIn";
}

/** @param {string} message */
function showConfigError(message) {
  showView("configError");
  ui.configErrorText.textContent = message;
  setStatus("");
}

// ---------------------------------------------------------------------------------------------
// Configuration and supabase-js

/** @returns {Promise<PageConfig>} */
async function loadConfig() {
  /** @type {Record<string, unknown>} */
  let module;
  try {
    // A computed specifier: config.js is per deployment and absent from the repository.
    module = await import(new URL("./config.js", import.meta.url).href);
  } catch {
    throw new Error(
      "config.js could not be loaded. Copy web/config.example.js to web/config.js and set your " +
        "Supabase project URL and browser key.",
    );
  }
  const supabaseUrl = module.SUPABASE_URL;
  const supabaseKey = module.SUPABASE_PUBLISHABLE_KEY ?? module.SUPABASE_ANON_KEY;
  if (typeof supabaseUrl !== "string" || !/^https?:\/\/[^/]/.test(supabaseUrl)) {
    throw new Error(
      "config.js: SUPABASE_URL must be your project's URL (https://<ref>.supabase.co).",
    );
  }
  if (typeof supabaseKey !== "string" || supabaseKey.length < 20) {
    throw new Error(
      "config.js: SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY) must be the project's browser key.",
    );
  }
  const supabaseJsUrl = typeof module.SUPABASE_JS_URL === "string" && module.SUPABASE_JS_URL
    ? module.SUPABASE_JS_URL
    : DEFAULT_SUPABASE_JS_URL;
  const checkoutUrl =
    typeof module.CHECKOUT_URL === "string" && /^https?:\/\//.test(module.CHECKOUT_URL)
      ? module.CHECKOUT_URL
      : undefined;
  const productNames = module.PRODUCT_NAMES && typeof module.PRODUCT_NAMES === "object"
    ? /** @type {Record<string, string>} */ (module.PRODUCT_NAMES)
    : {};
  return {
    supabaseUrl: supabaseUrl.replace(/\/+$/, ""),
    supabaseKey,
    supabaseJsUrl,
    checkoutUrl,
    productNames,
  };
}

// ---------------------------------------------------------------------------------------------
// The page

/** @type {PageConfig} */
let config;
/** @type {any} the supabase-js client (typed loosely: it comes from a URL at run time) */
let supabase;
/** The signed-in user's id, or undefined when signed out. @type {string | undefined} */
let currentUserId;
/** Set while a portal link is being minted: one at a time, never two for one click. */
let portalBusy = false;
/** Bumped on every load or sign-out so a late answer never renders over a newer state. */
let listGeneration = 0;
/**
 * Shown on the sign-in form once the next SIGNED_OUT arrives (why the user is back there).
 * @type {{ text: string, tone: "info" | "success" | "error" } | undefined}
 */
let signedOutMessage;
/** Move focus to the new view after a user action (not on the first render). */
let focusNextView = false;

async function start() {
  try {
    config = await loadConfig();
  } catch (error) {
    showConfigError(error instanceof Error ? error.message : String(error));
    return;
  }
  let createClient;
  try {
    ({ createClient } = await import(config.supabaseJsUrl));
  } catch {
    showConfigError(
      `supabase-js could not be loaded from ${config.supabaseJsUrl}. Check your connection ` +
        "and SUPABASE_JS_URL in config.js.",
    );
    return;
  }
  supabase = createClient(config.supabaseUrl, config.supabaseKey, {
    auth: { persistSession: true, autoRefreshToken: true, detectSessionInUrl: false },
  });

  ui.signinForm.addEventListener("submit", onSignIn);
  ui.signOut.addEventListener("click", onSignOut);
  document.addEventListener("click", onPortalClick);
  // Coming back from the portal with the Back button restores this page from the back/forward
  // cache exactly as it was left: busy. Make it usable again.
  globalThis.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      finishPortalRequest();
      setStatus("");
    }
  });

  // Fires INITIAL_SESSION at once (from storage), then on every sign-in, sign-out and refresh.
  // supabase-js holds a lock while it runs the callback: do the work outside it.
  supabase.auth.onAuthStateChange(
    /** @param {string} event @param {any} session */
    (event, session) => {
      setTimeout(() => onSession(event, session), 0);
    },
  );
}

/**
 * @param {string} event
 * @param {any} session
 */
function onSession(event, session) {
  const user = session?.user;
  if (user) {
    // Token refreshes and repeated SIGNED_IN events for the same user change nothing on screen.
    if (user.id === currentUserId) return;
    currentUserId = user.id;
    ui.accountEmail.textContent = user.email ?? "";
    showView("signedIn");
    if (focusNextView) ui.accountHeading.focus();
    focusNextView = false;
    void loadSubscriptions();
    return;
  }
  const wasSignedIn = currentUserId !== undefined;
  currentUserId = undefined;
  listGeneration++;
  ui.subscriptions.replaceChildren();
  finishPortalRequest();
  showView("signedOut");
  if (signedOutMessage) {
    setStatus(signedOutMessage.text, signedOutMessage.tone);
  } else if (wasSignedIn) {
    // Not asked for here: the session ended elsewhere (signed out in another tab, refresh refused).
    setStatus("Your session has ended. Please sign in again.", "info");
  } else if (event === "INITIAL_SESSION") {
    setStatus("");
  }
  signedOutMessage = undefined;
  if (focusNextView || wasSignedIn) ui.email.focus();
  focusNextView = false;
}

// ---------------------------------------------------------------------------------------------
// Sign in and out

let signingIn = false;

/** @param {SubmitEvent} event */
async function onSignIn(event) {
  event.preventDefault();
  if (signingIn) return;
  const email = ui.email.value.trim();
  const password = ui.password.value;
  setFieldError(ui.email, false);
  setFieldError(ui.password, false);
  if (!email || !ui.email.checkValidity()) {
    showSignInError(
      email ? "Enter a valid email address." : "Enter your email address.",
      [ui.email],
    );
    return;
  }
  if (!password) {
    showSignInError("Enter your password.", [ui.password]);
    return;
  }
  ui.signinError.textContent = "";
  signingIn = true;
  ui.signinSubmit.disabled = true;
  ui.signinForm.setAttribute("aria-busy", "true");
  setStatus("Signing in…", "progress");
  let error;
  try {
    ({ error } = await supabase.auth.signInWithPassword({ email, password }));
  } catch (thrown) {
    error = thrown;
  } finally {
    signingIn = false;
    ui.signinSubmit.disabled = false;
    ui.signinForm.removeAttribute("aria-busy");
  }
  if (error) {
    setStatus("");
    const message = describeSignInError(error);
    const code = /** @type {any} */ (error).code;
    showSignInError(
      message,
      code === "invalid_credentials"
        ? [ui.password, ui.email]
        : code === "email_not_confirmed"
        ? [ui.email]
        : [],
    );
    return;
  }
  ui.password.value = "";
  focusNextView = true;
  setStatus("Signed in.", "success");
}

/**
 * @param {string} message
 * @param {HTMLInputElement[]} fields the first one gets the focus
 */
function showSignInError(message, fields) {
  ui.signinError.textContent = message;
  for (const field of fields) setFieldError(field, true);
  const first = fields[0];
  if (first) {
    first.focus();
    if (first === ui.password) first.select();
  }
}

/**
 * @param {HTMLInputElement} field
 * @param {boolean} invalid
 */
function setFieldError(field, invalid) {
  if (invalid) field.setAttribute("aria-invalid", "true");
  else field.removeAttribute("aria-invalid");
}

async function onSignOut() {
  ui.signOut.disabled = true;
  setStatus("Signing out…", "progress");
  signedOutMessage = { text: "You have signed out.", tone: "success" };
  focusNextView = true;
  try {
    const { error } = await supabase.auth.signOut();
    // Revoking the session on the server failed (offline?): still forget it on this device.
    if (error) await supabase.auth.signOut({ scope: "local" });
  } catch {
    await supabase.auth.signOut({ scope: "local" }).catch(() => {});
  } finally {
    ui.signOut.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Subscriptions (read with the user's own token: row-level security shows only theirs)

async function loadSubscriptions() {
  const generation = ++listGeneration;
  // A reload keeps the current list on screen until the new one arrives.
  ui.subscriptions.parentElement?.setAttribute("aria-busy", "true");
  if (ui.subscriptions.childElementCount === 0) {
    ui.subscriptionsMessage.replaceChildren("Loading your subscriptions…");
  }
  /** @type {{ data: any[] | null, error: any }} */
  let result;
  try {
    result = await supabase.from("subscriptions").select(SUBSCRIPTION_COLUMNS).order(
      "created_at",
      { ascending: false },
    );
  } catch (error) {
    result = { data: null, error };
  }
  if (generation !== listGeneration) return;
  ui.subscriptions.parentElement?.removeAttribute("aria-busy");
  const { data, error } = result;
  if (error || !Array.isArray(data)) {
    ui.subscriptions.replaceChildren();
    const reload = document.createElement("button");
    reload.type = "button";
    reload.className = "button-secondary";
    reload.textContent = "Reload subscriptions";
    reload.addEventListener("click", () => void loadSubscriptions());
    ui.subscriptionsMessage.replaceChildren(
      "Your subscriptions could not be loaded (network or server error). ",
      reload,
    );
    return;
  }
  if (data.length === 0) {
    ui.subscriptions.replaceChildren();
    ui.subscriptionsMessage.replaceChildren("You have no subscriptions yet.");
    if (config.checkoutUrl) {
      ui.subscriptionsMessage.append(" ", checkoutLink());
    }
    return;
  }
  ui.subscriptionsMessage.replaceChildren(
    data.length === 1 ? "1 subscription." : `${data.length} subscriptions.`,
  );
  ui.subscriptions.replaceChildren(...data.map(renderSubscription));
  // A portal request in flight keeps the new buttons disabled too.
  if (portalBusy) setPortalButtonsDisabled(true);
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/**
 * @param {string | null} iso
 * @returns {HTMLElement | string}
 */
function dateElement(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const time = document.createElement("time");
  time.dateTime = date.toISOString();
  time.textContent = dateFormat.format(date);
  return time;
}

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {(Node | string)[]} children
 */
function el(tag, className, ...children) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  element.append(...children);
  return element;
}

/** @param {string} text */
function code(text) {
  return el("code", undefined, text);
}

/**
 * @param {{ subscription_id: string, status: string, price_id: string | null,
 *   product_id: string | null, scheduled_change_action: string | null,
 *   scheduled_change_effective_at: string | null, created_at: string | null }} sub
 */
function renderSubscription(sub) {
  const id = sub.subscription_id;
  const productName = sub.product_id ? config.productNames[sub.product_id] : undefined;
  const title = productName ?? "Subscription";
  const headingId = `subscription-${id}`;

  const heading = el("h3", undefined, title);
  heading.id = headingId;
  const status = el(
    "span",
    `badge badge-${sub.status.replace(/[^a-z_]/g, "")}`,
    STATUS_LABELS[sub.status] ?? sub.status,
  );

  /** @type {[string, Node | string][]} */
  const rows = [
    ["Status", status],
    ["Product", sub.product_id ? code(sub.product_id) : "—"],
    ["Price", sub.price_id ? code(sub.price_id) : "—"],
    [
      "Scheduled change",
      sub.scheduled_change_action
        ? el(
          "span",
          "scheduled",
          `${SCHEDULED_LABELS[sub.scheduled_change_action] ?? sub.scheduled_change_action} `,
          dateElement(sub.scheduled_change_effective_at),
        )
        : "None",
    ],
    ["Started", dateElement(sub.created_at)],
    ["Subscription ID", code(id)],
  ];
  const list = el("dl", "details");
  for (const [term, value] of rows) {
    list.append(el("div", "row", el("dt", undefined, term), el("dd", undefined, value)));
  }

  const article = el("article", "subscription", heading, list);
  article.setAttribute("aria-labelledby", headingId);
  article.dataset.subscriptionId = id;

  if (sub.status === "canceled") {
    article.append(el("p", "hint", "This subscription has ended."));
  } else {
    const who = productName ? `${productName} (${id})` : id;
    const actions = el("div", "actions");
    for (const target of ["cancel_subscription", "update_payment_method"]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = target === "cancel_subscription" ? "button-danger" : "button-secondary";
      button.textContent = TARGET_LABELS[target];
      // The visible words first (WCAG "label in name"), then which subscription it is.
      button.setAttribute("aria-label", `${TARGET_LABELS[target]} ${who}`);
      button.dataset.portalTarget = target;
      button.dataset.subscriptionId = id;
      actions.append(button);
    }
    article.append(actions);
  }
  return el("li", undefined, article);
}

function checkoutLink() {
  const link = document.createElement("a");
  link.href = /** @type {string} */ (config.checkoutUrl);
  link.className = "button-link";
  link.textContent = "Choose a plan";
  return link;
}

// ---------------------------------------------------------------------------------------------
// The portal: one fresh link per click, then this tab goes there

/** @param {MouseEvent} event */
function onPortalClick(event) {
  const target = /** @type {Element | null} */ (event.target);
  const button = /** @type {HTMLButtonElement | null} */ (target?.closest("[data-portal-target]"));
  if (!button || button.disabled) return;
  const kind = button.dataset.portalTarget;
  /** @type {PortalRequest} */
  const request = kind === "cancel_subscription" || kind === "update_payment_method"
    ? { target: kind, subscriptionId: button.dataset.subscriptionId }
    : { target: "overview" };
  void openPortal(button, request);
}

/** @param {boolean} disabled */
function setPortalButtonsDisabled(disabled) {
  for (const button of document.querySelectorAll("button[data-portal-target]")) {
    /** @type {HTMLButtonElement} */ (button).disabled = disabled;
  }
}

function finishPortalRequest() {
  portalBusy = false;
  setPortalButtonsDisabled(false);
  for (const button of document.querySelectorAll("[data-portal-target][aria-busy]")) {
    button.removeAttribute("aria-busy");
  }
}

/**
 * @param {HTMLButtonElement} button
 * @param {PortalRequest} request
 */
async function openPortal(button, request) {
  if (portalBusy) return;
  portalBusy = true;
  // Every portal button, not only this one: a second link minted meanwhile would be wasted.
  setPortalButtonsDisabled(true);
  button.setAttribute("aria-busy", "true");
  setStatus("Opening Paddle's customer portal…", "progress");

  /** @type {{ data: any, error: any }} */
  let result;
  try {
    result = await supabase.functions.invoke(FUNCTION_NAME, {
      body: request,
      timeout: INVOKE_TIMEOUT_MS,
    });
  } catch (error) {
    result = { data: null, error };
  }
  if (!portalBusy) return; // signed out meanwhile

  if (!result.error) {
    const url = result.data?.url;
    if (typeof url === "string" && isWebUrl(url)) {
      setStatus("Redirecting to Paddle's customer portal…", "progress");
      // Same tab, and the buttons stay disabled while the browser leaves the page.
      location.assign(url);
      return;
    }
  }
  const failure = result.error
    ? await readInvokeError(result.error)
    : { kind: /** @type {const} */ ("unexpected"), code: "unexpected_response" };
  finishPortalRequest();
  showPortalFailure(failure, button, request);
}

/** @param {string} url */
function isWebUrl(url) {
  try {
    const { protocol } = new URL(url);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
}

/**
 * @param {import("./messages.js").Failure} failure
 * @param {HTMLButtonElement} button
 * @param {PortalRequest} request
 */
function showPortalFailure(failure, button, request) {
  const outcome = describeFailure(failure, { checkoutAvailable: Boolean(config.checkoutUrl) });
  const tone = failure.code === "no_paddle_customer" ? "info" : "error";

  switch (outcome.action) {
    case "sign-in":
      signedOutMessage = { text: outcome.message, tone: "error" };
      focusNextView = true;
      void supabase.auth.signOut({ scope: "local" });
      return;
    case "checkout":
      setStatus(outcome.message, tone, failure.code);
      if (config.checkoutUrl) ui.statusActions.append(checkoutLink());
      button.focus();
      return;
    case "reload-list":
      setStatus(outcome.message, tone, failure.code);
      void loadSubscriptions();
      ui.manage.focus();
      return;
    case "retry": {
      setStatus(outcome.message, tone, failure.code);
      const retry = addStatusButton("Try again", () => retryPortal(button, request));
      retry.focus();
      return;
    }
    case "retry-later": {
      setStatus(outcome.message, tone, failure.code);
      const retry = addStatusButton("Try again", () => retryPortal(button, request));
      retry.disabled = true;
      retry.setAttribute("aria-describedby", "status-text");
      retryTimer = setTimeout(() => {
        retry.disabled = false;
      }, (outcome.retryAfterSeconds ?? 60) * 1000);
      button.focus();
      return;
    }
    default:
      setStatus(outcome.message, tone, failure.code);
      button.focus();
  }
}

/**
 * @param {HTMLButtonElement} button
 * @param {PortalRequest} request
 */
function retryPortal(button, request) {
  // The list may have been re-rendered meanwhile: find the button for the same request again.
  const current = button.isConnected ? button : request.subscriptionId
    ? document.querySelector(
      `[data-portal-target="${request.target}"][data-subscription-id="${
        CSS.escape(request.subscriptionId)
      }"]`,
    )
    : ui.manage;
  void openPortal(/** @type {HTMLButtonElement} */ (current ?? ui.manage), request);
}

void start();
