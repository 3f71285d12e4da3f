import assert from "node:assert/strict";
import { bearerToken, framed, refuse } from "./request_frame.ts";
import { jsonResponse } from "./json_response.ts";

function deps(logs: string[]) {
  let t = 100;
  return {
    config: { allowedOrigins: ["https://app.example.com"] as const },
    log: (line: string) => logs.push(line),
    now: () => (t += 7),
    requestId: () => "rid-1",
  };
}

Deno.test("framed: CORS, X-Request-Id and one log line with the route's details", async () => {
  const logs: string[] = [];
  const res = await framed(
    "fn",
    new Request("http://x/fn", { method: "POST", headers: { origin: "https://app.example.com" } }),
    deps(logs),
    (detail) => {
      detail.sync_pages = 3;
      return Promise.resolve({ response: jsonResponse({ ok: 1 }, 200), outcome: "ok" });
    },
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example.com");
  assert.equal(res.headers.get("x-request-id"), "rid-1");
  assert.equal(logs.length, 1);
  const line = JSON.parse(logs[0]);
  assert.equal(line.fn, "fn");
  assert.equal(line.outcome, "ok");
  assert.equal(line.sync_pages, 3);
  assert.equal(line.duration_ms, 7);
});

Deno.test("framed: a thrown exception is internal_error with CORS, its class logged, not its message", async () => {
  const logs: string[] = [];
  const res = await framed(
    "fn",
    new Request("http://x/fn", { method: "POST", headers: { origin: "https://app.example.com" } }),
    deps(logs),
    () => Promise.reject(new RangeError("secret sb_secret_abc")),
  );
  assert.equal(res.status, 500);
  assert.equal((await res.json()).error.code, "internal_error");
  assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example.com");
  assert.equal(JSON.parse(logs[0]).exception, "RangeError");
  assert.doesNotMatch(logs[0], /sb_secret/);
});

Deno.test("refuse builds the table's error; bearerToken reads one token", async () => {
  const r = refuse("rate_limited", { "Retry-After": "5" });
  assert.equal(r.outcome, "rate_limited");
  assert.equal(r.response.status, 503);
  assert.equal(r.response.headers.get("retry-after"), "5");
  assert.equal((await r.response.json()).error.code, "rate_limited");
  assert.equal(bearerToken("Bearer a.b.c"), "a.b.c");
  assert.equal(bearerToken("bearer   xyz "), "xyz");
  assert.equal(bearerToken("Bearer a b"), null);
  assert.equal(bearerToken(null), null);
});
