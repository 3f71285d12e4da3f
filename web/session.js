// @ts-check
/**
 * The supabase-js client and who is signed in: the sign-in form, "Sign out", and Supabase
 * Auth's session events, reported to the page as "signed in as this user" / "signed out, and
 * here is why".
 */
import { describeSignInError } from "./messages.js";
import { byId } from "./dom.js";
import { setStatus } from "./status.js";

/**
 * @typedef {object} SessionHandlers
 * @property {(user: { id: string, email?: string }, focus: boolean) => void} signedIn once
 *   per user, not on token refreshes
 * @property {(focus: boolean) => void} signedOut the status region already says why
 */

const form = /** @type {HTMLFormElement} */ (byId("signin-form"));
const email = /** @type {HTMLInputElement} */ (byId("email"));
const password = /** @type {HTMLInputElement} */ (byId("password"));
const formError = byId("signin-error");
const submit = /** @type {HTMLButtonElement} */ (byId("signin-submit"));
const signOutButton = /** @type {HTMLButtonElement} */ (byId("sign-out"));

/**
 * Loads supabase-js from `config.supabaseJsUrl` and makes the client.
 *
 * @param {import("./page_config.js").PageConfig} config
 * @returns {Promise<any>} the supabase-js client (typed loosely: it comes from a URL at run time)
 */
export async function connect(config) {
  let createClient;
  try {
    ({ createClient } = await import(config.supabaseJsUrl));
  } catch {
    throw new Error(
      `supabase-js could not be loaded from ${config.supabaseJsUrl}. Check your connection ` +
        "and SUPABASE_JS_URL in config.js.",
    );
  }
  return createClient(config.supabaseUrl, config.supabaseKey, {
    auth: { persistSession: true, autoRefreshToken: true, detectSessionInUrl: false },
  });
}

/** @type {any} */
let supabase;
/** @type {SessionHandlers} */
let handlers;
/** @type {string | undefined} */
let currentUserId;
let signingIn = false;
/**
 * Shown once the next SIGNED_OUT arrives (why the user is back at the form).
 * @type {{ text: string, tone: "info" | "success" | "error" } | undefined}
 */
let signedOutMessage;
/** Move focus to the new view after a user action (not on the first render). */
let focusNextView = false;

/**
 * @param {any} client
 * @param {SessionHandlers} sessionHandlers
 */
export function watchSession(client, sessionHandlers) {
  supabase = client;
  handlers = sessionHandlers;
  form.addEventListener("submit", onSignIn);
  signOutButton.addEventListener("click", onSignOut);
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
 * Forgets the session on this device (the function refused the token), then says why.
 *
 * @param {string} message
 */
export function endSession(message) {
  signedOutMessage = { text: message, tone: "error" };
  focusNextView = true;
  void supabase.auth.signOut({ scope: "local" });
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
    handlers.signedIn(user, focusNextView);
    focusNextView = false;
    return;
  }
  const wasSignedIn = currentUserId !== undefined;
  currentUserId = undefined;
  if (signedOutMessage) {
    setStatus(signedOutMessage.text, signedOutMessage.tone);
  } else if (wasSignedIn) {
    // Not asked for here: the session ended elsewhere (signed out in another tab, refresh refused).
    setStatus("Your session has ended. Please sign in again.", "info");
  } else if (event === "INITIAL_SESSION") {
    setStatus("");
  }
  signedOutMessage = undefined;
  handlers.signedOut(focusNextView || wasSignedIn);
  if (focusNextView || wasSignedIn) email.focus();
  focusNextView = false;
}

/** @param {SubmitEvent} event */
async function onSignIn(event) {
  event.preventDefault();
  if (signingIn) return;
  const address = email.value.trim();
  setFieldError(email, false);
  setFieldError(password, false);
  if (!address || !email.checkValidity()) {
    showSignInError(
      address ? "Enter a valid email address." : "Enter your email address.",
      [email],
    );
    return;
  }
  if (!password.value) {
    showSignInError("Enter your password.", [password]);
    return;
  }
  formError.textContent = "";
  signingIn = true;
  submit.disabled = true;
  form.setAttribute("aria-busy", "true");
  setStatus("Signing in…", "progress");
  let error;
  try {
    ({ error } = await supabase.auth.signInWithPassword({
      email: address,
      password: password.value,
    }));
  } catch (thrown) {
    error = thrown;
  } finally {
    signingIn = false;
    submit.disabled = false;
    form.removeAttribute("aria-busy");
  }
  if (error) {
    setStatus("");
    const code = /** @type {any} */ (error)?.code;
    showSignInError(
      describeSignInError(error),
      code === "invalid_credentials"
        ? [password, email]
        : code === "email_not_confirmed"
        ? [email]
        : [],
    );
    return;
  }
  password.value = "";
  focusNextView = true;
  setStatus("Signed in.", "success");
}

/**
 * @param {string} message
 * @param {HTMLInputElement[]} fields the first one gets the focus
 */
function showSignInError(message, fields) {
  formError.textContent = message;
  for (const field of fields) setFieldError(field, true);
  const first = fields[0];
  if (first) {
    first.focus();
    if (first === password) first.select();
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
  signOutButton.disabled = true;
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
    signOutButton.disabled = false;
  }
}
