import assert from "node:assert/strict";
import { ConfigError, loadUserFunctionConfig } from "./user_function_config.ts";

const BASE = {
  SUPABASE_URL: "http://127.0.0.1:54321",
  SUPABASE_ANON_KEY: "sb_publishable_local",
  PADDLE_API_KEY: "pdl_sdbx_apikey_01hv0000000000000000000000",
  PADDLE_ENV: "sandbox",
};

Deno.test("a function's own variables are read by its extra and merged in", () => {
  const c = loadUserFunctionConfig({ ...BASE, MY_SETTING: "7" }, "fn", (env) => ({
    mySetting: Number(env.MY_SETTING),
  }));
  assert.equal(c.mySetting, 7);
  assert.equal(c.supabaseUrl, "http://127.0.0.1:54321");
});

Deno.test("the extra's problems are listed with the shared ones, under the function's name", () => {
  let message = "";
  try {
    loadUserFunctionConfig({ SUPABASE_URL: "nope" }, "my-fn", (_env, problems) => {
      problems.push("MY_SETTING is required");
      return {};
    });
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    message = e.message;
  }
  assert.match(message, /^my-fn configuration is invalid/);
  assert.match(message, /MY_SETTING is required/);
  assert.match(message, /SUPABASE_URL/);
  assert.match(message, /PADDLE_API_KEY/);
});
