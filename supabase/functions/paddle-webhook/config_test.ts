import assert from "node:assert/strict";
import { ConfigError, DEFAULT_TOLERANCE_SECONDS, loadConfig } from "./config.ts";

const SECRET_A = "pdl_ntfset_01jtestsecret0000000000000_aaaa";
const SECRET_B = "pdl_ntfset_01jtestsecret1111111111111_bbbb";
const base = {
  SUPABASE_URL: "http://127.0.0.1:54321",
  SUPABASE_SERVICE_ROLE_KEY: "service-role-key",
  PADDLE_WEBHOOK_SECRETS: SECRET_A,
};
const from = (env: Record<string, string | undefined>) => (name: string) => env[name];

Deno.test("minimal configuration gets the default tolerance", () => {
  assert.deepEqual(loadConfig(from(base)), {
    supabaseUrl: "http://127.0.0.1:54321",
    serviceRoleKey: "service-role-key",
    webhookSecrets: [SECRET_A],
    toleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
  });
});

Deno.test("two comma-separated secrets and a custom tolerance", () => {
  const config = loadConfig(from({
    ...base,
    PADDLE_WEBHOOK_SECRETS: ` ${SECRET_A} , ${SECRET_B} ,`,
    PADDLE_WEBHOOK_TOLERANCE_SECONDS: "60",
  }));
  assert.deepEqual(config.webhookSecrets, [SECRET_A, SECRET_B]);
  assert.equal(config.toleranceSeconds, 60);
});

Deno.test("bad configurations fail at start, naming the variable but not its value", () => {
  const cases: Record<string, Record<string, string | undefined>> = {
    "no secrets": { ...base, PADDLE_WEBHOOK_SECRETS: undefined },
    "empty secrets": { ...base, PADDLE_WEBHOOK_SECRETS: " , " },
    "three secrets": { ...base, PADDLE_WEBHOOK_SECRETS: [SECRET_A, SECRET_B, SECRET_A].join(",") },
    "short secret": { ...base, PADDLE_WEBHOOK_SECRETS: "short-secret" },
    "no url": { ...base, SUPABASE_URL: undefined },
    "bad url": { ...base, SUPABASE_URL: "not a url" },
    "no key": { ...base, SUPABASE_SERVICE_ROLE_KEY: "" },
    "tolerance not a number": { ...base, PADDLE_WEBHOOK_TOLERANCE_SECONDS: "5m" },
    "tolerance zero": { ...base, PADDLE_WEBHOOK_TOLERANCE_SECONDS: "0" },
  };
  for (const [label, env] of Object.entries(cases)) {
    assert.throws(() => loadConfig(from(env)), (error: unknown) => {
      assert.ok(error instanceof ConfigError, label);
      assert.ok(!error.message.includes("short-secret"), label);
      assert.ok(!error.message.includes(SECRET_A), label);
      return true;
    }, label);
  }
});
