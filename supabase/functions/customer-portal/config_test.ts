import assert from "node:assert/strict";
import { loadConfig } from "./config.ts";
import { configProblem } from "../_shared/handler_test_support.ts";

const BASE = {
  SUPABASE_URL: "http://127.0.0.1:54321",
  SUPABASE_ANON_KEY: "sb_publishable_local",
  PADDLE_API_KEY: "pdl_sdbx_apikey_01hv0000000000000000000000",
  PADDLE_ENV: "sandbox",
};

function problem(env: Record<string, string | undefined>): string {
  return configProblem(loadConfig, env);
}

Deno.test("minimal configuration and its defaults", () => {
  const c = loadConfig(BASE);
  assert.equal(c.supabaseUrl, "http://127.0.0.1:54321");
  assert.equal(String(c.jwks), "http://127.0.0.1:54321/auth/v1/.well-known/jwks.json");
  assert.equal(c.paddleTimeoutMs, 10_000);
  assert.equal(c.dbTimeoutMs, 5_000);
  assert.equal(c.mintLimitPerMinute, 10);
  assert.equal(c.allowedOrigins, "*");
  assert.equal(c.paddleApiUrl, undefined);
  assert.equal(c.jwtIssuer, undefined);
  assert.equal(c.jwtSecret, undefined);
});

Deno.test("every optional variable", () => {
  const c = loadConfig({
    ...BASE,
    SUPABASE_ANON_KEY: undefined,
    SUPABASE_PUBLISHABLE_KEY: "sb_publishable_x",
    SUPABASE_JWKS_URL: "https://proj.supabase.co/auth/v1/.well-known/jwks.json",
    SUPABASE_JWT_SECRET: "x".repeat(40),
    SUPABASE_JWT_ISSUER: "http://127.0.0.1:54321/auth/v1/",
    PADDLE_API_URL: "http://127.0.0.1:8787/",
    PADDLE_TIMEOUT_MS: "2500",
    SUPABASE_DB_TIMEOUT_MS: "800",
    MINT_RATE_LIMIT_PER_MINUTE: "3",
    ALLOWED_ORIGINS: "https://app.example.com,http://localhost:3000",
  });
  assert.equal(c.supabaseAnonKey, "sb_publishable_x");
  assert.equal(String(c.jwks), "https://proj.supabase.co/auth/v1/.well-known/jwks.json");
  assert.equal(c.jwtIssuer, "http://127.0.0.1:54321/auth/v1");
  assert.equal(c.paddleApiUrl, "http://127.0.0.1:8787");
  assert.equal(c.paddleTimeoutMs, 2500);
  assert.equal(c.dbTimeoutMs, 800);
  assert.equal(c.mintLimitPerMinute, 3);
  assert.deepEqual(c.allowedOrigins, ["https://app.example.com", "http://localhost:3000"]);
});

Deno.test("inline SUPABASE_JWKS wins over the URL", () => {
  const jwk = { kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k", alg: "ES256" };
  const c = loadConfig({ ...BASE, SUPABASE_JWKS: JSON.stringify({ keys: [jwk] }) });
  assert.deepEqual(c.jwks, { keys: [jwk] });
  assert.deepEqual(loadConfig({ ...BASE, SUPABASE_JWKS: JSON.stringify([jwk]) }).jwks, {
    keys: [jwk],
  });
});

Deno.test("each missing required variable is named", () => {
  const message = problem({});
  for (const name of ["SUPABASE_URL", "SUPABASE_ANON_KEY", "PADDLE_API_KEY", "PADDLE_ENV"]) {
    assert.match(message, new RegExp(name));
  }
});

for (
  const [name, env, expected] of [
    [
      "a key for the other environment",
      { PADDLE_API_KEY: "pdl_live_apikey_x" },
      /PADDLE_API_KEY must start with pdl_sdbx_/,
    ],
    [
      "a sandbox key in production",
      { PADDLE_ENV: "production" },
      /PADDLE_API_KEY must start with pdl_live_/,
    ],
    ["an unknown PADDLE_ENV", { PADDLE_ENV: "live" }, /PADDLE_ENV/],
    ["a non-numeric timeout", { PADDLE_TIMEOUT_MS: "10s" }, /PADDLE_TIMEOUT_MS/],
    ["a zero timeout", { PADDLE_TIMEOUT_MS: "0" }, /PADDLE_TIMEOUT_MS/],
    ["a non-URL PADDLE_API_URL", { PADDLE_API_URL: "localhost:8787" }, /PADDLE_API_URL/],
    ["a non-URL SUPABASE_URL", { SUPABASE_URL: "supabase" }, /SUPABASE_URL/],
    ["broken SUPABASE_JWKS", { SUPABASE_JWKS: "{" }, /SUPABASE_JWKS/],
    ["an empty key set", { SUPABASE_JWKS: '{"keys":[]}' }, /SUPABASE_JWKS/],
    [
      "JWKS over plain http to a remote host",
      { SUPABASE_URL: "http://supabase.example.com" },
      /SUPABASE_URL.*https/,
    ],
    ["a short JWT secret", { SUPABASE_JWT_SECRET: "short" }, /SUPABASE_JWT_SECRET/],
    ["an origin with a path", { ALLOWED_ORIGINS: "https://a.example/app" }, /ALLOWED_ORIGINS/],
    ["a non-URL issuer", { SUPABASE_JWT_ISSUER: "supabase" }, /SUPABASE_JWT_ISSUER/],
  ] as const
) {
  Deno.test(`refused: ${name}`, () => {
    assert.match(problem({ ...BASE, ...env }), expected);
  });
}

Deno.test("the Supabase CLI's internal gateway (http://kong:8000) is accepted", () => {
  const config = loadConfig({ ...BASE, SUPABASE_URL: "http://kong:8000" });
  assert.equal(String(config.jwks), "http://kong:8000/auth/v1/.well-known/jwks.json");
});

Deno.test("messages never echo secret values", () => {
  const secret = "pdl_live_apikey_SECRETSECRET";
  const message = problem({ ...BASE, PADDLE_API_KEY: secret, SUPABASE_JWT_SECRET: "tiny" });
  assert.ok(!message.includes("SECRETSECRET"));
  assert.ok(!message.includes("tiny"));
});

Deno.test("MINT_RATE_LIMIT_PER_MINUTE: 0 turns the limit off, empty is the default, junk is refused", () => {
  assert.equal(loadConfig({ ...BASE, MINT_RATE_LIMIT_PER_MINUTE: "0" }).mintLimitPerMinute, 0);
  assert.equal(loadConfig({ ...BASE, MINT_RATE_LIMIT_PER_MINUTE: " " }).mintLimitPerMinute, 10);
  for (const bad of ["-1", "1.5", "ten", "100001"]) {
    assert.match(
      problem({ ...BASE, MINT_RATE_LIMIT_PER_MINUTE: bad }),
      /MINT_RATE_LIMIT_PER_MINUTE/,
    );
  }
});
