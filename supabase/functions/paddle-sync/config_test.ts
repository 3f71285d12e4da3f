import assert from "node:assert/strict";
import {
  ConfigError,
  DEFAULT_MAX_PAGES,
  DEFAULT_SLICE_SECONDS,
  loadConfig,
  parseSecretKeys,
} from "./config.ts";

const BASE = {
  SUPABASE_URL: "https://abc.supabase.co/",
  SUPABASE_SERVICE_ROLE_KEY: "service-role-jwt",
  PADDLE_ENV: "sandbox",
  PADDLE_API_KEY: "pdl_sdbx_apikey_01abc",
};

Deno.test("defaults: 25 s slices, Paddle's own API, the service-role key for the database", () => {
  const c = loadConfig(BASE);
  assert.equal(c.sliceMs, DEFAULT_SLICE_SECONDS * 1000);
  assert.equal(c.maxPages, DEFAULT_MAX_PAGES);
  // Half of Paddle's 240 a minute: the other half stays with users' portal and checkout calls.
  assert.equal(c.requestsPerMinute, 120);
  assert.equal(c.supabaseUrl, "https://abc.supabase.co");
  assert.equal(c.databaseKey, "service-role-jwt");
  assert.deepEqual(c.callerKeys, ["service-role-jwt"]);
  assert.equal(c.paddleApiUrl, undefined);
  assert.equal(c.allowedOrigins, "*");
});

Deno.test("PADDLE_SYNC_SLICE_SECONDS and PADDLE_API_URL are read", () => {
  const c = loadConfig({
    ...BASE,
    PADDLE_SYNC_SLICE_SECONDS: "5",
    PADDLE_SYNC_MAX_PAGES: "40",
    PADDLE_SYNC_REQUESTS_PER_MINUTE: "60",
    PADDLE_API_URL: "http://127.0.0.1:54325/",
  });
  assert.equal(c.requestsPerMinute, 60);
  assert.equal(c.sliceMs, 5000);
  assert.equal(c.maxPages, 40);
  assert.equal(c.paddleApiUrl, "http://127.0.0.1:54325");
});

Deno.test("secret keys: the platform's JSON object and the single form both count", () => {
  const c = loadConfig({
    ...BASE,
    SUPABASE_SERVICE_ROLE_KEY: "",
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: "sb_secret_a", cron: "sb_secret_b" }),
  });
  assert.deepEqual(c.callerKeys, ["sb_secret_a", "sb_secret_b"]);
  assert.equal(c.databaseKey, "sb_secret_a");
  assert.deepEqual(parseSecretKeys(undefined, "sb_secret_c"), { ok: true, value: ["sb_secret_c"] });
  assert.deepEqual(
    parseSecretKeys(JSON.stringify({ web: "sb_publishable_x", ok: "sb_secret_y" }), undefined),
    { ok: true, value: ["sb_secret_y"] },
    "only sb_secret_ keys run the sync",
  );
});

Deno.test("every bad variable is named, never its value", () => {
  const bad = [
    [{ ...BASE, SUPABASE_URL: undefined }, /SUPABASE_URL is required/],
    [{ ...BASE, SUPABASE_SERVICE_ROLE_KEY: undefined }, /SUPABASE_SERVICE_ROLE_KEY \(or/],
    [{ ...BASE, PADDLE_ENV: "live" }, /PADDLE_ENV must be sandbox or production/],
    [{ ...BASE, PADDLE_API_KEY: undefined }, /PADDLE_API_KEY is required/],
    [{ ...BASE, PADDLE_ENV: "production" }, /PADDLE_API_KEY must start with pdl_live_/],
    [{ ...BASE, PADDLE_SYNC_SLICE_SECONDS: "0" }, /PADDLE_SYNC_SLICE_SECONDS must be at least 1/],
    [{ ...BASE, PADDLE_SYNC_SLICE_SECONDS: "2.5" }, /PADDLE_SYNC_SLICE_SECONDS must be a whole/],
    [{ ...BASE, PADDLE_SYNC_SLICE_SECONDS: "301" }, /at most 300/],
    [{ ...BASE, PADDLE_SYNC_MAX_PAGES: "0" }, /PADDLE_SYNC_MAX_PAGES must be at least 1/],
    [{ ...BASE, PADDLE_SYNC_REQUESTS_PER_MINUTE: "0" }, /PER_MINUTE must be at least 1/],
    [{ ...BASE, PADDLE_SYNC_REQUESTS_PER_MINUTE: "1.5" }, /PER_MINUTE must be a whole number/],
    [{ ...BASE, PADDLE_SYNC_REQUESTS_PER_MINUTE: "60001" }, /PER_MINUTE must be at most 60000/],
    [{ ...BASE, SUPABASE_SECRET_KEYS: "{nope" }, /SUPABASE_SECRET_KEYS is not valid JSON/],
    [{ ...BASE, SUPABASE_SECRET_KEY: "sb_publishable_x" }, /SUPABASE_SECRET_KEY must be/],
    [{ ...BASE, ALLOWED_ORIGINS: "https://a.com/app" }, /ALLOWED_ORIGINS/],
  ] as const;
  for (const [env, message] of bad) {
    assert.throws(() => loadConfig(env), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /pdl_sdbx_apikey_01abc|service-role-jwt/);
      return true;
    });
  }
});
