import assert from "node:assert/strict";
import { errorResponse, jsonResponse, retryAfterHeaders } from "./json_response.ts";

Deno.test("jsonResponse: JSON, no-store, extra headers kept", async () => {
  const res = jsonResponse({ url: "https://x" }, 200, { "X-Request-Id": "r" });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^application\/json/);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(res.headers.get("x-request-id"), "r");
  assert.deepEqual(await res.json(), { url: "https://x" });
});

Deno.test("errorResponse: the table's status and body", async () => {
  const res = errorResponse("rate_limited", { "Retry-After": "5" });
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "5");
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.deepEqual((await res.json()).error.code, "rate_limited");
});

Deno.test("retryAfterHeaders: whole seconds, rounded up; none when the wait is unknown", () => {
  assert.deepEqual(retryAfterHeaders(7), { "Retry-After": "7" });
  assert.deepEqual(retryAfterHeaders(1.2), { "Retry-After": "2" });
  assert.deepEqual(retryAfterHeaders(undefined), {});
});
