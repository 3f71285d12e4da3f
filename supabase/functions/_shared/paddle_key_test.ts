import assert from "node:assert/strict";
import { paddleKeyProblem } from "./paddle_key.ts";

Deno.test("the key's prefix must match PADDLE_ENV", () => {
  assert.equal(paddleKeyProblem("pdl_sdbx_apikey_x", "sandbox"), undefined);
  assert.equal(paddleKeyProblem("pdl_live_apikey_x", "production"), undefined);
  assert.match(paddleKeyProblem("pdl_live_apikey_x", "sandbox")!, /must start with pdl_sdbx_/);
  assert.match(paddleKeyProblem("pdl_sdbx_apikey_x", "production")!, /must start with pdl_live_/);
});
