/** The payment-link page's pure parts (web/payment_link.js): reading config.js and the link. */
import { assertEquals } from "@std/assert";
import {
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
    { PADDLE_CLIENT_TOKEN: "test_abc" },
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
