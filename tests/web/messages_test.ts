/** Unit tests of web/messages.js: what the page says for each answer of the function. */
import { assertEquals, assertMatch } from "@std/assert";
import {
  describeFailure,
  describeSignInError,
  formatWait,
  parseRetryAfter,
  readInvokeError,
} from "../../web/messages.js";

/** A FunctionsHttpError as supabase-js builds it: the Response is its context. */
function httpError(status: number, body: unknown, headers: Record<string, string> = {}) {
  const error = new Error("Edge Function returned a non-2xx status code");
  error.name = "FunctionsHttpError";
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return Object.assign(error, { context: new Response(text, { status, headers }) });
}

function errorBody(code: string) {
  return { error: { code, message: "for people" } };
}

Deno.test("readInvokeError reads the code, Retry-After and X-Request-Id", async () => {
  const failure = await readInvokeError(
    httpError(503, errorBody("rate_limited"), { "Retry-After": "42", "X-Request-Id": "req-7" }),
  );
  assertEquals(failure, {
    kind: "http",
    code: "rate_limited",
    status: 503,
    retryAfterSeconds: 42,
    requestId: "req-7",
  });
});

Deno.test("readInvokeError: a body that is not the function's JSON is unexpected", async () => {
  const failure = await readInvokeError(httpError(502, "<html>Bad gateway</html>"));
  assertEquals(failure.code, "unexpected_response");
  assertEquals(failure.status, 502);
  assertMatch(describeFailure(failure).message, /HTTP 502/);
  assertEquals(describeFailure(failure).action, "retry");
});

Deno.test("readInvokeError: network failure, timeout, relay error", async () => {
  const fetchError = Object.assign(new Error("Failed to send a request to the Edge Function"), {
    name: "FunctionsFetchError",
    context: new TypeError("Failed to fetch"),
  });
  assertEquals((await readInvokeError(fetchError)).code, "network_error");
  const timeout = Object.assign(new Error("x"), {
    name: "FunctionsFetchError",
    context: new DOMException("aborted", "AbortError"),
  });
  assertEquals((await readInvokeError(timeout)).code, "client_timeout");
  const relay = Object.assign(new Error("x"), {
    name: "FunctionsRelayError",
    context: new Response(null, { status: 502 }),
  });
  assertEquals((await readInvokeError(relay)).code, "relay_error");
  assertEquals((await readInvokeError("weird")).code, "unexpected_response");
});

Deno.test("every code of the contract has its own outcome", () => {
  const expected: Record<string, string> = {
    no_paddle_customer: "plans",
    already_subscribed: "reload-list",
    price_not_found: "reload-list",
    invalid_quantity: "none",
    invalid_items: "reload-list",
    checkout_in_progress: "retry-later",
    email_not_confirmed: "none",
    customer_conflict: "none",
    not_authenticated: "sign-in",
    subscription_not_found: "reload-list",
    rate_limited: "retry-later",
    too_many_requests: "retry-later",
    paddle_unavailable: "retry",
    paddle_timeout: "retry",
    database_unavailable: "retry",
    internal_error: "retry",
    misconfigured: "none",
    invalid_request: "none",
    method_not_allowed: "none",
    payload_too_large: "none",
    network_error: "retry",
    client_timeout: "retry",
  };
  const messages = new Set<string>();
  for (const [code, action] of Object.entries(expected)) {
    const outcome = describeFailure({ kind: "http", code, status: 500 });
    assertEquals(outcome.action, action, code);
    messages.add(outcome.message);
  }
  assertEquals(messages.size, Object.keys(expected).length, "a distinct message for each");
  assertMatch(
    describeFailure({ kind: "network", code: "network_error" }).message,
    /^Network error/,
  );
});

Deno.test("rate_limited says when to retry", () => {
  const outcome = describeFailure({ kind: "http", code: "rate_limited", retryAfterSeconds: 90 });
  assertMatch(outcome.message, /Try again in 2 minutes\./);
  assertEquals(outcome.retryAfterSeconds, 90);
  const unknown = describeFailure({ kind: "http", code: "rate_limited" });
  assertEquals(unknown.retryAfterSeconds, 60);
});

Deno.test("too_many_requests (our per-user limit) says when to try again", async () => {
  const failure = await readInvokeError(
    httpError(429, errorBody("too_many_requests"), { "Retry-After": "37", "X-Request-Id": "r" }),
  );
  assertEquals(failure.retryAfterSeconds, 37);
  const outcome = describeFailure(failure);
  assertMatch(outcome.message, /Try again in 37 seconds\./);
  assertEquals(outcome.action, "retry-later");
  assertEquals(outcome.retryAfterSeconds, 37);
  assertEquals(describeFailure({ kind: "http", code: "too_many_requests" }).retryAfterSeconds, 60);
});

Deno.test("server errors quote the request id for support", () => {
  const outcome = describeFailure({ kind: "http", code: "paddle_timeout", requestId: "req-9" });
  assertMatch(outcome.message, /Reference: req-9/);
});

Deno.test("no_paddle_customer points at the plans only when the page shows some", () => {
  const failure = { kind: "http" as const, code: "no_paddle_customer" };
  assertMatch(describeFailure(failure).message, /^You don't have a subscription yet/);
  assertEquals(/Choose a plan/.test(describeFailure(failure).message), false);
  assertMatch(describeFailure(failure, { plansAvailable: true }).message, /Choose a plan below/);
});

Deno.test("checkout refusals say what happened and what to do", async () => {
  const say = async (status: number, code: string) =>
    describeFailure(
      await readInvokeError(httpError(status, errorBody(code), { "X-Request-Id": "req-c" })),
      { request: "checkout" },
    );
  assertMatch((await say(409, "already_subscribed")).message, /already have a subscription/);
  assertMatch((await say(404, "price_not_found")).message, /no longer for sale/);
  assertMatch((await say(400, "invalid_quantity")).message, /quantity is not available/);
  assertMatch((await say(403, "email_not_confirmed")).message, /Confirm your email address/);
  const conflict = await say(409, "customer_conflict");
  assertMatch(conflict.message, /contact support\. \(Reference: req-c\.\)$/);
});

Deno.test("the mint limit and misconfiguration name the request that failed", () => {
  const limit = { kind: "http" as const, code: "too_many_requests", retryAfterSeconds: 5 };
  assertMatch(describeFailure(limit).message, /opened the billing portal many times/);
  assertMatch(
    describeFailure(limit, { request: "checkout" }).message,
    /started a checkout many times.*Try again in 5 seconds\./,
  );
  const broken = { kind: "http" as const, code: "misconfigured" };
  assertMatch(describeFailure(broken).message, /portal cannot open/);
  assertMatch(describeFailure(broken, { request: "checkout" }).message, /checkout cannot start/);
});

Deno.test("parseRetryAfter: seconds, HTTP dates, garbage", () => {
  assertEquals(parseRetryAfter("2"), 2);
  assertEquals(parseRetryAfter(" 30 "), 30);
  assertEquals(parseRetryAfter("999999"), 86_400);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assertEquals(parseRetryAfter("Thu, 01 Jan 2026 00:01:00 GMT", now), 60);
  assertEquals(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now), 0);
  assertEquals(parseRetryAfter("soon"), undefined);
  assertEquals(parseRetryAfter(null), undefined);
  assertEquals(parseRetryAfter("-5"), undefined);
});

Deno.test("formatWait", () => {
  assertEquals(formatWait(1), "1 second");
  assertEquals(formatWait(0), "1 second");
  assertEquals(formatWait(2), "2 seconds");
  assertEquals(formatWait(60), "1 minute");
  assertEquals(formatWait(61), "2 minutes");
  assertEquals(formatWait(3600), "about 1 hour");
  assertEquals(formatWait(7200), "about 2 hours");
});

Deno.test("sign-in errors by Auth's code", () => {
  assertEquals(
    describeSignInError({ code: "invalid_credentials", status: 400 }),
    "Wrong email or password.",
  );
  assertMatch(describeSignInError({ code: "email_not_confirmed", status: 400 }), /not confirmed/);
  assertMatch(
    describeSignInError({ name: "AuthRetryableFetchError", status: 0 }),
    /^Network error/,
  );
  assertMatch(describeSignInError({ status: 429 }), /Too many/);
  assertEquals(describeSignInError({ status: 500 }), "Sign-in failed. Please try again.");
});
