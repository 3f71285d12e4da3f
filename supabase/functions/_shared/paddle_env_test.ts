import assert from "node:assert/strict";
import { ApiError } from "@paddle/paddle-node-sdk";
import { classifyPaddleFailure, paddleEnvironment } from "./paddle_env.ts";

const apiError = (type: string, code: string, retryAfter: number | null = null) =>
  new ApiError({ type, code, detail: "d", documentation_url: "" }, retryAfter);

Deno.test("paddleEnvironment: the override URL wins, else Paddle's environment", () => {
  assert.equal(paddleEnvironment({ paddleEnv: "sandbox" }), "sandbox");
  assert.equal(paddleEnvironment({ paddleEnv: "production" }), "production");
  assert.equal(
    paddleEnvironment({ paddleEnv: "production", apiUrl: "http://127.0.0.1:9" }),
    "http://127.0.0.1:9",
  );
});

Deno.test("classifyPaddleFailure caps Retry-After at 60 s, whatever Paddle says", () => {
  for (const [given, passed] of [[60, 60], [60.2, 60], [61, 60], [99999, 60], [1e300, 60]]) {
    assert.deepEqual(classifyPaddleFailure(apiError("request_error", "too_many_requests", given)), {
      kind: "rate_limited",
      code: "too_many_requests",
      retryAfterSeconds: passed,
    }, `Retry-After ${given}`);
  }
});

Deno.test("classifyPaddleFailure reads the SDK's errors", () => {
  assert.deepEqual(classifyPaddleFailure(apiError("request_error", "too_many_requests", 2.5)), {
    kind: "rate_limited",
    code: "too_many_requests",
    retryAfterSeconds: 3,
  });
  assert.deepEqual(classifyPaddleFailure(apiError("request_error", "too_many_requests")), {
    kind: "rate_limited",
    code: "too_many_requests",
  });
  assert.equal(
    classifyPaddleFailure(apiError("request_error", "invalid_token")).kind,
    "key_refused",
  );
  assert.equal(classifyPaddleFailure(apiError("request_error", "forbidden")).kind, "key_refused");
  assert.equal(classifyPaddleFailure(apiError("api_error", "internal_error")).kind, "server_error");
  assert.equal(classifyPaddleFailure(apiError("request_error", "not_found")).kind, "request_error");
  assert.deepEqual(classifyPaddleFailure(new SyntaxError("<html>")), {
    kind: "not_json",
    code: "not_json",
  });
  assert.deepEqual(classifyPaddleFailure(new TypeError("fetch failed")), {
    kind: "network",
    code: "network",
  });
  assert.deepEqual(classifyPaddleFailure("?"), { kind: "unknown", code: "unknown" });
});
