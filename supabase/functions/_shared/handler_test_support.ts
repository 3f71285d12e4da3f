/**
 * What every user-facing function's handler tests check of an answer: the error envelope and the
 * headers every response carries. Test-only.
 */
import assert from "node:assert/strict";
import { isSensitive } from "./request_log.ts";
import { ConfigError } from "./user_function_config.ts";

export async function expectError(res: Response, status: number, code: string) {
  assert.equal(res.status, status);
  const body = await res.json();
  assert.deepEqual(Object.keys(body), ["error"]);
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message"]);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, "string");
  assert.equal(isSensitive(body.error.message), false);
  assertCommonHeaders(res);
}

export function assertCommonHeaders(res: Response) {
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  assert.match(res.headers.get("access-control-allow-headers") ?? "", /authorization/);
  assert.match(res.headers.get("access-control-allow-headers") ?? "", /x-client-info/);
  assert.match(res.headers.get("access-control-expose-headers") ?? "", /Retry-After/);
  assert.match(res.headers.get("x-request-id") ?? "", /^req-\d+$/);
}

/** The message of the `ConfigError` a configuration loader throws for `env`. */
export function configProblem(
  load: (env: Record<string, string | undefined>) => unknown,
  env: Record<string, string | undefined>,
): string {
  try {
    load(env);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.message;
  }
  throw new Error("expected a ConfigError");
}
