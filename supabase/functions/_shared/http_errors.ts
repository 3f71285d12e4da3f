/**
 * Every refusal the functions can give, as data.
 *
 * Codes are a public, stable contract: browsers branch on them (e.g. "subscribe first" on
 * `no_paddle_customer`), so a code is never renamed and its status never changes. Messages are
 * for people and may be reworded; they never carry a token, key, email or URL.
 */
export const HTTP_ERRORS = {
  invalid_request: {
    status: 400,
    message: "The request body or its parameters are not valid.",
  },
  invalid_quantity: {
    status: 400,
    message: "That quantity is not available for this plan.",
  },
  invalid_items: {
    status: 400,
    // Shared by checkout and subscription-update: one plan, only add-ons it suggests, each
    // once, all on one billing interval.
    message:
      "Those items cannot be combined: choose one plan, with only the add-ons it offers, each once and billed on the same interval.",
  },
  payment_declined: {
    status: 402,
    message:
      "Your card was declined, so nothing changed. Update your payment method and try again.",
  },
  not_authenticated: {
    status: 401,
    message: "Sign in to manage your subscription.",
  },
  email_not_confirmed: {
    status: 403,
    message: "Confirm your email address before subscribing.",
  },
  no_paddle_customer: {
    status: 404,
    message: "There is no billing account for this user yet. Subscribe first.",
  },
  subscription_not_found: {
    status: 404,
    message: "That subscription was not found for this user.",
  },
  price_not_found: {
    status: 404,
    message: "That plan is not for sale.",
  },
  transaction_not_found: {
    status: 404,
    message: "That payment was not found for this user.",
  },
  method_not_allowed: {
    status: 405,
    message: "Use POST.",
  },
  already_subscribed: {
    status: 409,
    message: "You already have a subscription. Manage it instead of subscribing again.",
  },
  no_change: {
    status: 409,
    message: "That is already your subscription.",
  },
  subscription_not_changeable: {
    status: 409,
    message:
      "This subscription cannot be changed now. If a payment failed, update the payment method first.",
  },
  renewal_too_close: {
    status: 409,
    message: "Your subscription renews in the next few minutes. Try again after it has renewed.",
  },
  nothing_to_keep: {
    status: 409,
    message: "This subscription is not scheduled to cancel.",
  },
  checkout_in_progress: {
    status: 409,
    message: "Another checkout of yours is being prepared. Please try again in a moment.",
  },
  customer_conflict: {
    status: 409,
    message: "Your email address belongs to another billing account. Please contact support.",
  },
  invoice_not_available: {
    status: 409,
    message: "There is no invoice for this payment yet.",
  },
  payload_too_large: {
    status: 413,
    message: "The request body is too large.",
  },
  too_many_requests: {
    status: 429,
    message: "Too many billing links requested. Please wait a moment and try again.",
  },
  misconfigured: {
    status: 500,
    message: "The billing service is not configured correctly. Please contact support.",
  },
  internal_error: {
    status: 500,
    message: "Something went wrong on our side. Please try again.",
  },
  paddle_unavailable: {
    status: 502,
    message: "The billing provider did not answer properly. Please try again.",
  },
  rate_limited: {
    status: 503,
    message: "Too many requests to the billing provider. Please try again shortly.",
  },
  database_unavailable: {
    status: 503,
    message: "The billing records are unavailable right now. Please try again.",
  },
  paddle_timeout: {
    status: 504,
    message: "The billing provider took too long to answer. Please try again.",
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof HTTP_ERRORS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export function errorStatus(code: ErrorCode): number {
  return HTTP_ERRORS[code].status;
}

/** The body is built from the table only, so no upstream text can leak into it. */
export function errorBody(code: ErrorCode): ErrorBody {
  return { error: { code, message: HTTP_ERRORS[code].message } };
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(HTTP_ERRORS, value);
}
