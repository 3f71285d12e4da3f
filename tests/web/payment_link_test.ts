/** The payment-link page's pure parts (web/payment_link.js): reading config.js and the link. */
import { assertEquals } from "@std/assert";
import {
  checkoutEventMessage,
  checkoutSettings,
  DEFAULT_PADDLE_JS_URL,
  readCheckoutConfig,
  transactionFromQuery,
} from "../../web/payment_link.js";

const PAGE = "https://app.example.com/billing/checkout.html?_ptxn=txn_01jexample0000000000000000";

Deno.test("payment link: defaults are Paddle's CDN and the billing page beside checkout.html", () => {
  assertEquals(
    readCheckoutConfig({
      PADDLE_CLIENT_TOKEN: "live_0123456789abcdef",
      PADDLE_ENVIRONMENT: "production",
    }, PAGE),
    {
      config: {
        token: "live_0123456789abcdef",
        environment: "production",
        paddleJsUrl: DEFAULT_PADDLE_JS_URL,
        successUrl: "https://app.example.com/billing/?checkout=complete",
      },
    },
  );
  const local = readCheckoutConfig({
    PADDLE_CLIENT_TOKEN: "test_local",
    PADDLE_ENVIRONMENT: "sandbox",
    PADDLE_JS_URL: "http://127.0.0.1:54329/paddle.js",
    CHECKOUT_SUCCESS_URL: "/done",
  }, PAGE);
  assertEquals(local, {
    config: {
      token: "test_local",
      environment: "sandbox",
      paddleJsUrl: "http://127.0.0.1:54329/paddle.js",
      successUrl: "https://app.example.com/done",
    },
  });
});

Deno.test("payment link: a missing or mismatched token, a bad environment or URL is a config error", () => {
  const errors = [
    {},
    // No PADDLE_ENVIRONMENT means sandbox: a live token then does not fit.
    { PADDLE_CLIENT_TOKEN: "live_abc" },
    { PADDLE_CLIENT_TOKEN: "live_abc", PADDLE_ENVIRONMENT: "sandbox" },
    { PADDLE_CLIENT_TOKEN: "test_abc", PADDLE_ENVIRONMENT: "staging" },
    {
      PADDLE_CLIENT_TOKEN: "test_abc",
      PADDLE_ENVIRONMENT: "sandbox",
      PADDLE_JS_URL: "javascript:alert(1)",
    },
    { PADDLE_CLIENT_TOKEN: "test_abc", PADDLE_ENVIRONMENT: "sandbox", CHECKOUT_SUCCESS_URL: 7 },
  ].map((module) => readCheckoutConfig(module, PAGE));
  for (const result of errors) assertEquals("error" in result, true, JSON.stringify(result));
  assertEquals(
    errors.map((
      result,
    ) => ("error" in result ? result.error.split(":")[1].trim().split(" ")[0] : "")),
    [
      "PADDLE_CLIENT_TOKEN",
      "PADDLE_CLIENT_TOKEN",
      "PADDLE_CLIENT_TOKEN",
      "PADDLE_ENVIRONMENT",
      "PADDLE_JS_URL",
      "CHECKOUT_SUCCESS_URL",
    ],
  );
});

Deno.test("payment link: _ptxn must be a transaction id", () => {
  assertEquals(transactionFromQuery("?_ptxn=txn_01jexample0000000000000000"), {
    transactionId: "txn_01jexample0000000000000000",
  });
  for (const search of ["", "?_ptxn=", "?other=1"]) {
    const result = transactionFromQuery(search);
    assertEquals("error" in result && result.error.includes("names no transaction"), true);
  }
  for (
    const search of [
      "?_ptxn=txn_short",
      "?_ptxn=ctm_01jexample0000000000000000",
      "?_ptxn=TXN_01JEXAMPLE0000000000000000",
    ]
  ) {
    const result = transactionFromQuery(search);
    assertEquals("error" in result && result.error.includes("not valid"), true, search);
  }
});

Deno.test("payment link: PADDLE_ENVIRONMENT unset is sandbox, never production", () => {
  const read = readCheckoutConfig({ PADDLE_CLIENT_TOKEN: "test_abc" }, PAGE);
  assertEquals("config" in read && read.config.environment, "sandbox");
});

Deno.test("payment link: the checkout keeps the transaction's customer (allowLogout false)", () => {
  const read = readCheckoutConfig({ PADDLE_CLIENT_TOKEN: "test_abc" }, PAGE);
  if (!("config" in read)) throw new Error(read.error);
  assertEquals(checkoutSettings(read.config), {
    successUrl: "https://app.example.com/billing/?checkout=complete",
    allowLogout: false,
  });
});

Deno.test("payment link: checkout errors and failed payments are told in words", () => {
  const txn = "txn_01jexample0000000000000000";
  const failed = checkoutEventMessage({
    name: "checkout.payment.failed",
    data: { transaction_id: txn },
  }, txn);
  assertEquals(failed?.tone, "error");
  assertEquals(failed?.text.startsWith("Your payment did not go through"), true);
  const error = checkoutEventMessage({
    name: "checkout.error",
    data: { error: { code: "transaction_not_found", detail: "internal detail" } },
  }, txn);
  assertEquals(error?.tone, "error");
  assertEquals(error?.text.includes("could not be opened"), true);
  assertEquals(error?.text.includes("internal detail"), false);
  assertEquals(checkoutEventMessage({ name: "checkout.completed" }, txn)?.tone, "success");
  // Another transaction's events and events the buyer needs no words for say nothing.
  assertEquals(
    checkoutEventMessage({
      name: "checkout.payment.failed",
      data: { transaction_id: "txn_01jother000000000000000000" },
    }, txn),
    undefined,
  );
  assertEquals(checkoutEventMessage({ name: "checkout.items.updated" }, txn), undefined);
});
