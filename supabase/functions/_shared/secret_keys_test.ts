import assert from "node:assert/strict";
import { parseSecretKeys, serverKeys } from "./secret_keys.ts";

Deno.test("the service-role key first, then sb_secret_ keys; publishable keys never count", () => {
  const problems: string[] = [];
  const keys = serverKeys({
    SUPABASE_SERVICE_ROLE_KEY: " legacy ",
    SUPABASE_SECRET_KEYS: JSON.stringify({ a: "sb_secret_a", b: "sb_publishable_b" }),
  }, problems);
  assert.deepEqual(keys, ["legacy", "sb_secret_a"]);
  assert.deepEqual(problems, []);
});

Deno.test("no key at all, or a malformed variable, is a problem naming the variable", () => {
  const problems: string[] = [];
  assert.deepEqual(serverKeys({}, problems), []);
  assert.match(problems[0], /SUPABASE_SERVICE_ROLE_KEY/);
  assert.deepEqual(parseSecretKeys("{", undefined), {
    ok: false,
    error: "SUPABASE_SECRET_KEYS is not valid JSON",
  });
  const single = parseSecretKeys(undefined, "sb_publishable_x");
  assert.ok(!single.ok);
  assert.match(single.error, /SUPABASE_SECRET_KEY must be/);
});
