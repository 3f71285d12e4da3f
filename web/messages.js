// @ts-check
/**
 * What the page says for each outcome of the customer-portal, checkout and subscription-update
 * functions and of sign-in. Pure
 * functions without DOM access, so they are unit-tested in Deno (tests/web/messages_test.ts) as
 * well as through the page in Chromium.
 *
 * Errors are recognised by `error.name`, not `instanceof`, so this works whichever copy of
 * supabase-js the page loaded (CDN or the local stack's bundle).
 */

/**
 * @typedef {object} Failure
 * @property {"http" | "network" | "timeout" | "relay" | "unexpected"} kind
 * @property {string} code the function's error code, or one of ours: `network_error`,
 *   `client_timeout`, `relay_error`, `unexpected_response`
 * @property {number} [status] HTTP status, when there was an answer
 * @property {number} [retryAfterSeconds] from `Retry-After`, for `rate_limited` and
 *   `too_many_requests`
 * @property {string} [requestId] the function's `X-Request-Id`, to quote to support
 */

/**
 * @typedef {object} Outcome
 * @property {string} message for people; shown and announced in the status region
 * @property {"retry" | "retry-later" | "sign-in" | "plans" | "reload-list" | "none"} action
 *   what the page offers next: `plans` points at the plans for sale, `reload-list` reads the
 *   subscriptions and plans again
 * @property {number} [retryAfterSeconds] with `retry-later`: when the retry button turns on
 */

/**
 * Turns the `error` of `supabase.functions.invoke` into a {@link Failure}. Reads the body of a
 * `FunctionsHttpError` once (`error.context.json()`), with `Retry-After` and `X-Request-Id`
 * from its headers (the function exposes both through CORS).
 *
 * @param {unknown} error
 * @param {number} [now] milliseconds since the epoch, for an HTTP-date `Retry-After`
 * @returns {Promise<Failure>}
 */
export async function readInvokeError(error, now = Date.now()) {
  const name = error && typeof error === "object" && "name" in error ? error.name : undefined;
  /** @type {any} */
  const context = error && typeof error === "object" && "context" in error
    ? error.context
    : undefined;

  if (name === "FunctionsFetchError") {
    const cause = context && typeof context === "object" ? context.name : undefined;
    if (cause === "AbortError" || cause === "TimeoutError") {
      return { kind: "timeout", code: "client_timeout" };
    }
    return { kind: "network", code: "network_error" };
  }
  if (name === "FunctionsRelayError") {
    return { kind: "relay", code: "relay_error", status: numberOrUndefined(context?.status) };
  }
  if (name !== "FunctionsHttpError" || !context || typeof context.json !== "function") {
    return { kind: "unexpected", code: "unexpected_response" };
  }

  /** @type {Failure} */
  const failure = { kind: "http", code: "unexpected_response", status: context.status };
  const headers = context.headers;
  if (headers && typeof headers.get === "function") {
    const requestId = headers.get("X-Request-Id");
    if (requestId) failure.requestId = requestId.slice(0, 100);
    const retryAfter = parseRetryAfter(headers.get("Retry-After"), now);
    if (retryAfter !== undefined) failure.retryAfterSeconds = retryAfter;
  }
  try {
    const body = await context.json();
    const code = body?.error?.code;
    if (typeof code === "string" && /^[a-z_]{1,64}$/.test(code)) failure.code = code;
  } catch {
    // Not the function's JSON (a gateway's HTML page, an empty body): stays unexpected_response.
  }
  return failure;
}

/**
 * Seconds to wait from a `Retry-After` value: delta-seconds or an HTTP date (RFC 9110).
 *
 * @param {string | null | undefined} value
 * @param {number} [now]
 * @returns {number | undefined}
 */
export function parseRetryAfter(value, now = Date.now()) {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), 86_400);
  // HTTP dates start with the day's name ("Sun, 06 Nov 1994 08:49:37 GMT"); Date.parse alone
  // would also take "-5" or "2026" as dates.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, Math.ceil((date - now) / 1000)), 86_400);
}

/**
 * "1 second", "45 seconds", "2 minutes", "about 2 hours".
 *
 * @param {number} seconds
 */
export function formatWait(seconds) {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return s === 1 ? "1 second" : `${s} seconds`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return minutes === 1 ? "1 minute" : `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return hours === 1 ? "about 1 hour" : `about ${hours} hours`;
}

/**
 * @typedef {object} FailureContext
 * @property {"portal" | "checkout"} [request] which function failed; default `portal`
 * @property {boolean} [plansAvailable] the page shows plans to subscribe to
 */

/**
 * What to say and offer for a failed portal or checkout request.
 *
 * @param {Failure} failure
 * @param {FailureContext} [context]
 * @returns {Outcome}
 */
export function describeFailure(failure, context = {}) {
  const reference = failure.requestId ? ` (Reference: ${failure.requestId}.)` : "";
  const checkout = context.request === "checkout";
  switch (failure.code) {
    case "no_paddle_customer":
      return {
        message: context.plansAvailable
          ? "You don't have a subscription yet, so there is nothing to manage. Choose a plan below."
          : "You don't have a subscription yet, so there is nothing to manage.",
        action: "plans",
      };
    case "already_subscribed":
      return {
        message:
          "You already have a subscription. It is shown below: manage it from there instead of buying another.",
        action: "reload-list",
      };
    case "price_not_found":
      return {
        message: "That plan is no longer for sale. The list of plans has been refreshed.",
        action: "reload-list",
      };
    case "invalid_quantity":
      return {
        message: "That quantity is not available for this plan. Choose another plan or quantity.",
        action: "none",
      };
    case "invalid_items":
      return {
        message:
          "Those add-ons can't be combined with this plan. The list of plans has been refreshed.",
        action: "reload-list",
      };
    case "checkout_in_progress":
      return {
        message: "Another checkout of yours is still being prepared. Try again in a moment.",
        action: "retry-later",
        retryAfterSeconds: failure.retryAfterSeconds ?? 1,
      };
    case "email_not_confirmed":
      return {
        message:
          "Confirm your email address before you subscribe: open the link in the email we sent you, then sign in again.",
        action: "none",
      };
    case "customer_conflict":
      return {
        message:
          `Your email address is already used by another account at Paddle, our payment provider, so we can't start a checkout for you. Please contact support.${reference}`,
        action: "none",
      };
    case "not_authenticated":
      return { message: "Your session has ended. Please sign in again.", action: "sign-in" };
    case "transaction_not_found":
      return {
        message: "That payment is no longer on your account. The list has been refreshed.",
        action: "reload-list",
      };
    case "invoice_not_available":
      return {
        message:
          "Paddle has no invoice for that payment yet: it is issued once the payment is billed. Try again later.",
        action: "none",
      };
    case "subscription_not_found":
      return {
        message: "That subscription is no longer on your account. The list has been refreshed.",
        action: "reload-list",
      };
    case "rate_limited":
      return failure.retryAfterSeconds !== undefined
        ? {
          message: `Paddle, our payment provider, is receiving too many requests. Try again in ${
            formatWait(failure.retryAfterSeconds)
          }.`,
          action: "retry-later",
          retryAfterSeconds: failure.retryAfterSeconds,
        }
        : {
          message:
            "Paddle, our payment provider, is receiving too many requests. Try again in a minute.",
          action: "retry-later",
          retryAfterSeconds: 60,
        };
    case "too_many_requests": {
      // Our own per-user limit: the answer always says when the next link can be opened.
      const wait = failure.retryAfterSeconds ?? 60;
      return {
        message: `You have ${
          checkout ? "started a checkout" : "opened the billing portal"
        } many times in the last minute. Try again in ${formatWait(wait)}.`,
        action: "retry-later",
        retryAfterSeconds: wait,
      };
    }
    case "paddle_unavailable":
      return {
        message:
          `Paddle, our payment provider, is not answering right now. Please try again.${reference}`,
        action: "retry",
      };
    case "paddle_timeout":
      return {
        message:
          `Paddle, our payment provider, took too long to answer. Please try again.${reference}`,
        action: "retry",
      };
    case "database_unavailable":
      return {
        message:
          `We couldn't look up your account: our database is not answering. Please try again.${reference}`,
        action: "retry",
      };
    case "internal_error":
      return {
        message: `Something went wrong on our side. Please try again.${reference}`,
        action: "retry",
      };
    case "misconfigured":
      return {
        message: `The billing service is not set up correctly, so the ${
          checkout ? "checkout cannot start" : "portal cannot open"
        }. Please contact support.${reference}`,
        action: "none",
      };
    case "network_error":
      return {
        message:
          "Network error: the request did not reach our server. Check your connection, then try again.",
        action: "retry",
      };
    case "client_timeout":
      return {
        message:
          "Network error: no answer from our server in time. Check your connection, then try again.",
        action: "retry",
      };
    case "relay_error":
      return {
        message: "Our server could not be reached just now. Please try again.",
        action: "retry",
      };
    case "invalid_request":
    case "method_not_allowed":
    case "payload_too_large":
      return {
        message:
          `The request was refused (${failure.code}). Reload the page and try again.${reference}`,
        action: "none",
      };
    default:
      return {
        message: `Unexpected answer from the server${
          failure.status ? ` (HTTP ${failure.status})` : ""
        }. Please try again.${reference}`,
        action: "retry",
      };
  }
}

/**
 * What to say for a failed plan change, keep or preview (subscription-update): its own codes in
 * words, the rest as for any other request. The action is what the dialog or page offers next.
 *
 * @param {Failure} failure
 * @returns {Outcome}
 */
export function describeChangeFailure(failure) {
  const wait = failure.retryAfterSeconds;
  switch (failure.code) {
    case "payment_declined":
      return {
        message:
          "Your card was declined, so your plan has not changed. Update your payment method, then try again.",
        action: "none",
      };
    case "no_change":
      return {
        message: "That is already your plan. Choose another plan or quantity.",
        action: "none",
      };
    case "invalid_items":
      return {
        message:
          "That combination is not available: choose one plan, with only the add-ons it offers, all monthly or all yearly.",
        action: "none",
      };
    case "invalid_quantity":
      return {
        message: "That quantity is not available. Choose another quantity.",
        action: "none",
      };
    case "price_not_found":
      return {
        message: "That plan is no longer for sale. The list of plans has been refreshed.",
        action: "reload-list",
      };
    case "subscription_not_changeable":
      return {
        message:
          "This subscription cannot be changed right now. If a payment failed, update your payment method first.",
        action: "reload-list",
      };
    case "renewal_too_close":
      return {
        message:
          `Your subscription renews in the next few minutes, and Paddle does not allow changes then. Try again in ${
            formatWait(wait ?? 1800)
          }.`,
        action: "retry-later",
        retryAfterSeconds: wait ?? 1800,
      };
    case "nothing_to_keep":
      return {
        message:
          "This subscription is not scheduled to cancel any more. The list has been refreshed.",
        action: "reload-list",
      };
    case "too_many_requests":
      // Our per-user limit, or Paddle's on immediate charges per subscription: the wait says which.
      return {
        message: `Too many billing changes in a short time. Try again in ${
          formatWait(wait ?? 60)
        }.`,
        action: "retry-later",
        retryAfterSeconds: wait ?? 60,
      };
    default:
      return describeFailure(failure);
  }
}

/**
 * Sign-in errors of supabase-js (`AuthApiError` carries Auth's `code`; a network failure is an
 * `AuthRetryableFetchError`).
 *
 * @param {unknown} error
 * @returns {string}
 */
export function describeSignInError(error) {
  /** @type {any} */
  const e = error;
  const code = typeof e?.code === "string" ? e.code : undefined;
  switch (code) {
    case "invalid_credentials":
      return "Wrong email or password.";
    case "email_not_confirmed":
      return "This email address is not confirmed yet. Open the link in the confirmation email we sent you, then sign in.";
    case "user_banned":
      return "This account is blocked. Please contact support.";
    case "over_request_rate_limit":
    case "over_email_send_rate_limit":
      return "Too many sign-in attempts. Wait a minute, then try again.";
    case "validation_failed":
      return "Enter your email address and password.";
  }
  if (e?.name === "AuthRetryableFetchError" || e?.status === 0) {
    return "Network error: the sign-in service could not be reached. Check your connection, then try again.";
  }
  if (e?.status === 429) return "Too many sign-in attempts. Wait a minute, then try again.";
  return "Sign-in failed. Please try again.";
}

/**
 * @param {unknown} value
 * @returns {number | undefined}
 */
function numberOrUndefined(value) {
  return typeof value === "number" ? value : undefined;
}
