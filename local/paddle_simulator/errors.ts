/**
 * Paddle's error envelope. The codes, types and details are the ones Paddle documents under
 * https://developer.paddle.com/errors/shared/, so code that branches on `error.code` or shows
 * `error.detail` behaves here as it will against Paddle.
 */

export type PaddleErrorType = "request_error" | "api_error";

export interface FieldError {
  field: string;
  message: string;
}

interface ErrorDefinition {
  status: number;
  type: PaddleErrorType;
  detail: string;
  /** The section of Paddle's error docs; "shared" unless the code belongs to one entity. */
  docs?: string;
}

export const PADDLE_ERRORS = {
  bad_request: { status: 400, type: "request_error", detail: "Invalid request." },
  invalid_field: {
    status: 400,
    type: "request_error",
    detail: "Request does not pass validation.",
  },
  authentication_missing: {
    status: 403,
    type: "request_error",
    detail: "Authentication header missing.",
  },
  authentication_malformed: {
    status: 403,
    type: "request_error",
    detail: "Authentication header included, but incorrectly formatted.",
  },
  invalid_token: { status: 403, type: "request_error", detail: "Invalid or revoked API key." },
  forbidden: {
    status: 403,
    type: "request_error",
    detail: "You aren't permitted to perform this request.",
  },
  not_found: { status: 404, type: "request_error", detail: "Entity not found." },
  customer_already_exists: {
    status: 409,
    type: "request_error",
    detail: "Customer already exists.",
    docs: "customers",
  },
  transaction_price_not_found: {
    status: 400,
    type: "request_error",
    detail: "One or more provided price_ids could not be found.",
    docs: "transactions",
  },
  transaction_product_not_found: {
    status: 400,
    type: "request_error",
    detail: "One or more product_ids could not be found.",
    docs: "transactions",
  },
  // Paddle's refusals of `PATCH /subscriptions/{id}` (and its preview), as documented under
  // https://developer.paddle.com/errors/subscriptions/.
  subscription_update_when_canceled: {
    status: 400,
    type: "request_error",
    detail: "cannot update subscription, as subscription is canceled",
    docs: "subscriptions",
  },
  subscription_update_when_past_due: {
    status: 400,
    type: "request_error",
    detail: "cannot update subscription, as the subscription status is 'past_due'",
    docs: "subscriptions",
  },
  subscription_update_error_when_paused: {
    status: 501,
    type: "request_error",
    detail: "paused subscriptions cannot be updated with prorate, or bill immediately enabled",
    docs: "subscriptions",
  },
  subscription_locked_renewal: {
    status: 409,
    type: "request_error",
    detail: "unable to update subscription 30m0s before renewal",
    docs: "subscriptions",
  },
  subscription_items_update_missing_proration_billing_mode: {
    status: 400,
    type: "request_error",
    detail: "proration_billing_mode is required when updating subscription items",
    docs: "subscriptions",
  },
  subscription_price_not_found: {
    status: 400,
    type: "request_error",
    detail: "One or more prices sent in the items array could not be found.",
    docs: "subscriptions",
  },
  subscription_new_items_not_valid: {
    status: 400,
    type: "request_error",
    detail: "the new items are not valid for updating this subscription",
    docs: "subscriptions",
  },
  subscription_invalid_billing_mode_for_scheduled_change: {
    status: 400,
    type: "request_error",
    detail:
      "Subscription can only be updated with `do_not_bill`, `full_immediately`, or `prorated_immediately` as the `proration_billing_mode` because it has a scheduled change.",
    docs: "subscriptions",
  },
  subscription_immediate_charge_hour_limit_exceeded: {
    status: 429,
    type: "request_error",
    detail:
      "You've exceeded the limit for the number of immediate charges that can be made to this subscription in an hour. Limit: 20 per hour",
    docs: "subscriptions",
  },
  subscription_immediate_charge_24_hour_limit_exceeded: {
    status: 429,
    type: "request_error",
    detail:
      "You've exceeded the limit for the number of immediate charges that can be made to this subscription in 24 hours. Limit: 100 per 24 hours",
    docs: "subscriptions",
  },
  subscription_payment_declined: {
    status: 400,
    type: "request_error",
    detail: "payment declined",
    docs: "subscriptions",
  },
  transaction_invalid_status_change: {
    status: 400,
    type: "request_error",
    detail: "Invalid status change attempted.",
    docs: "transactions",
  },
  transaction_cannot_be_modified_and_canceled: {
    status: 400,
    type: "request_error",
    detail: "Cannot update transaction to canceled, along with other fields at the same time",
    docs: "transactions",
  },
  adjustment_transaction_invalid_status_for_refund: {
    status: 400,
    type: "request_error",
    detail: "The transaction being adjusted (refund) has a non supported status.",
    docs: "adjustments",
  },
  adjustment_transaction_invalid_status_for_credit: {
    status: 400,
    type: "request_error",
    detail: "The transaction being adjusted (credit) has a non supported status.",
    docs: "adjustments",
  },
  adjustment_amount_above_remaining_allowed: {
    status: 400,
    type: "request_error",
    detail: "Adjustment item amount defined is above the remaining allowed",
    docs: "adjustments",
  },
  adjustment_total_amount_above_remaining_allowed: {
    status: 400,
    type: "request_error",
    detail: "Adjustment amount defined is above the remaining allowed",
    docs: "adjustments",
  },
  method_not_allowed: {
    status: 405,
    type: "request_error",
    detail: "HTTP method used isn't allowed for this endpoint.",
  },
  too_many_requests: {
    status: 429,
    type: "api_error",
    detail:
      "IP address exceeded the allowed rate limit. Retry after the number of seconds in the Retry-After header.",
  },
  internal_error: {
    status: 500,
    type: "api_error",
    detail: "Problem processing your request. The Paddle team has been notified.",
  },
  service_unavailable: {
    status: 503,
    type: "api_error",
    detail:
      "Endpoint is down temporarily and can't process your request. The Paddle team has been notified.",
  },
} as const satisfies Record<string, ErrorDefinition>;

export type PaddleErrorCode = keyof typeof PADDLE_ERRORS;

export interface PaddleErrorOptions {
  /** Overrides the documented status, for faults that pair a code with another status. */
  status?: number;
  detail?: string;
  errors?: FieldError[];
  headers?: HeadersInit;
}

export function paddleErrorBody(code: PaddleErrorCode, options: PaddleErrorOptions = {}) {
  const definition: ErrorDefinition = PADDLE_ERRORS[code];
  return {
    error: {
      type: definition.type,
      code,
      detail: options.detail ?? definition.detail,
      documentation_url: `https://developer.paddle.com/errors/${
        definition.docs ?? "shared"
      }/${code}`,
      // Paddle sends `errors` only for validation failures; an empty list would be a lie.
      ...(options.errors ? { errors: options.errors } : {}),
    },
    meta: { request_id: crypto.randomUUID() },
  };
}

export function paddleError(code: PaddleErrorCode, options: PaddleErrorOptions = {}): Response {
  const headers = new Headers(options.headers);
  headers.set("content-type", "application/json");
  if (code === "too_many_requests" && !headers.has("retry-after")) {
    // Paddle's rate limit is counted per minute; clients are told to wait in this header.
    headers.set("retry-after", "60");
  }
  return new Response(JSON.stringify(paddleErrorBody(code, options)), {
    status: options.status ?? PADDLE_ERRORS[code].status,
    headers,
  });
}

/**
 * The code Paddle would answer with for a bare status, so a fault that names only a status
 * still produces an envelope the SDK turns into an ApiError. Success and redirect statuses
 * have no error code: those faults answer with an empty body.
 */
export function errorCodeForStatus(status: number): PaddleErrorCode | null {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "invalid_token";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 429:
      return "too_many_requests";
    case 503:
      return "service_unavailable";
  }
  if (status >= 500) return "internal_error";
  if (status >= 400) return "bad_request";
  return null;
}
