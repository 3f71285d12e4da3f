import assert from "node:assert/strict";
import { errorBody, errorStatus, HTTP_ERRORS, isErrorCode } from "./http_errors.ts";
import { isSensitive } from "./request_log.ts";

Deno.test("the contract's status for every code", () => {
  assert.deepEqual(
    Object.fromEntries(Object.entries(HTTP_ERRORS).map(([code, e]) => [code, e.status])),
    {
      invalid_request: 400,
      invalid_quantity: 400,
      invalid_items: 400,
      payment_declined: 402,
      not_authenticated: 401,
      email_not_confirmed: 403,
      no_paddle_customer: 404,
      subscription_not_found: 404,
      price_not_found: 404,
      transaction_not_found: 404,
      method_not_allowed: 405,
      already_subscribed: 409,
      no_change: 409,
      subscription_not_changeable: 409,
      renewal_too_close: 409,
      nothing_to_keep: 409,
      checkout_in_progress: 409,
      customer_conflict: 409,
      invoice_not_available: 409,
      payload_too_large: 413,
      too_many_requests: 429,
      misconfigured: 500,
      internal_error: 500,
      paddle_unavailable: 502,
      rate_limited: 503,
      database_unavailable: 503,
      paddle_timeout: 504,
    },
  );
});

Deno.test("bodies are {error: {code, message}} with a human message and nothing sensitive", () => {
  for (const code of Object.keys(HTTP_ERRORS)) {
    assert.ok(isErrorCode(code));
    const body = errorBody(code);
    assert.deepEqual(Object.keys(body.error), ["code", "message"]);
    assert.ok(body.error.message.length > 5);
    assert.equal(isSensitive(body.error.message), false, code);
    assert.equal(errorStatus(code), HTTP_ERRORS[code].status);
  }
  assert.equal(isErrorCode("toString"), false);
  assert.equal(isErrorCode("nope"), false);
});
