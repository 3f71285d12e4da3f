import assert from "node:assert/strict";
import { loadConfig } from "./config.ts";
import { configProblem } from "../_shared/handler_test_support.ts";

const BASE = {
  SUPABASE_URL: "http://127.0.0.1:54321",
  SUPABASE_ANON_KEY: "sb_publishable_local",
  SUPABASE_SERVICE_ROLE_KEY: "service-role-jwt",
  PADDLE_API_KEY: "pdl_sdbx_apikey_01hv0000000000000000000000",
  PADDLE_ENV: "sandbox",
};
const PRI_A = "pri_01hv8p0000000000000000000a";
const PRI_B = "pri_01hv8p0000000000000000000b";

function problem(env: Record<string, string | undefined>): string {
  return configProblem(loadConfig, env);
}

Deno.test("the shared settings and checkout's defaults", () => {
  const c = loadConfig(BASE);
  assert.equal(c.supabaseUrl, "http://127.0.0.1:54321");
  assert.equal(c.serviceKey, "service-role-jwt");
  assert.equal(c.checkoutUrl, undefined);
  assert.equal(c.mintLimitPerMinute, 10);
  assert.equal(c.paddleTimeoutMs, 10_000);
});

Deno.test("PADDLE_CHECKOUT_URL; an empty PADDLE_CHECKOUT_PRICE_IDS is as good as unset", () => {
  const c = loadConfig({
    ...BASE,
    PADDLE_CHECKOUT_URL: "https://app.example.com/checkout.html",
    PADDLE_CHECKOUT_PRICE_IDS: " ",
  });
  assert.equal(c.checkoutUrl, "https://app.example.com/checkout.html");
  assert.equal("allowedPriceIds" in c, false);
});

Deno.test("an sb_secret_ key serves when there is no service-role key", () => {
  const c = loadConfig({
    ...BASE,
    SUPABASE_SERVICE_ROLE_KEY: undefined,
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: "sb_secret_abc" }),
  });
  assert.equal(c.serviceKey, "sb_secret_abc");
});

for (
  const [name, env, expected] of [
    ["no service key", { SUPABASE_SERVICE_ROLE_KEY: undefined }, /SUPABASE_SERVICE_ROLE_KEY/],
    [
      "a checkout URL that is not a URL",
      { PADDLE_CHECKOUT_URL: "checkout.html" },
      /PADDLE_CHECKOUT_URL/,
    ],
    [
      "a checkout URL with a query",
      { PADDLE_CHECKOUT_URL: "https://a.example/c?x=1" },
      /PADDLE_CHECKOUT_URL/,
    ],
    [
      "a non-http checkout URL",
      { PADDLE_CHECKOUT_URL: "javascript:alert(1)" },
      /PADDLE_CHECKOUT_URL/,
    ],
    [
      "a price list, which the catalog replaced",
      { PADDLE_CHECKOUT_PRICE_IDS: `${PRI_A},${PRI_B}` },
      /PADDLE_CHECKOUT_PRICE_IDS is no longer read/,
    ],
  ] as const
) {
  Deno.test(`refused: ${name}`, () => {
    assert.match(problem({ ...BASE, ...env }), expected);
  });
}

Deno.test("checkout's problems are listed with the shared ones, named for checkout", () => {
  const message = problem({ PADDLE_CHECKOUT_URL: "nope" });
  assert.match(message, /^checkout configuration is invalid/);
  for (
    const name of [
      "SUPABASE_URL",
      "PADDLE_API_KEY",
      "PADDLE_CHECKOUT_URL",
      "SUPABASE_SERVICE_ROLE_KEY",
    ]
  ) {
    assert.match(message, new RegExp(name));
  }
});

Deno.test("messages never echo values", () => {
  const message = problem({ ...BASE, PADDLE_CHECKOUT_URL: "https://secret.example/?token=SECRET" });
  assert.ok(!message.includes("SECRET"));
});
