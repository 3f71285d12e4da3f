import assert from "node:assert/strict";
import { formatLogLine, isSensitive, logPaddleAttempts, scrub } from "./request_log.ts";

Deno.test("one JSON line with level, function and the entry", () => {
  const line = formatLogLine("customer-portal", {
    request_id: "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b",
    method: "POST",
    outcome: "ok",
    status: 200,
    duration_ms: 12,
    paddle_transaction_ids: ["0b6f3f0e-2a34-4b8e-9a71-1f0c5d8e9a10"],
  }, new Date(0));
  assert.ok(!line.includes("\n"));
  assert.deepEqual(JSON.parse(line), {
    ts: "1970-01-01T00:00:00.000Z",
    level: "info",
    fn: "customer-portal",
    request_id: "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b",
    method: "POST",
    outcome: "ok",
    status: 200,
    duration_ms: 12,
    paddle_transaction_ids: ["0b6f3f0e-2a34-4b8e-9a71-1f0c5d8e9a10"],
  });
});

Deno.test("levels follow the status", () => {
  const entry = { request_id: "r", method: "POST", outcome: "x", duration_ms: 1 };
  assert.equal(JSON.parse(formatLogLine("f", { ...entry, status: 404 })).level, "warn");
  assert.equal(JSON.parse(formatLogLine("f", { ...entry, status: 502 })).level, "error");
});

Deno.test("tokens, keys, emails and URLs are redacted wherever they slip in", () => {
  for (
    const secret of [
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
      "Bearer abc",
      "pdl_sdbx_apikey_01abc",
      "pdl_live_apikey_01abc",
      "sb_secret_abc",
      "alice@example.com",
      "https://customer-portal.paddle.com/cpl_1?action=overview&token=pga_1",
      "http://127.0.0.1:54321/rest/v1",
    ]
  ) {
    assert.ok(isSensitive(secret), secret);
    assert.equal(scrub(secret), "[redacted]");
    assert.deepEqual(scrub({ nested: [secret] }), { nested: ["[redacted]"] });
  }
  for (const safe of ["too_many_requests", "PGRST301", "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b"]) {
    assert.equal(isSensitive(safe), false, safe);
  }
});

Deno.test("undefined fields are left out", () => {
  assert.deepEqual(scrub({ a: 1, b: undefined }), { a: 1 });
});

Deno.test("logPaddleAttempts: Paddle's request ids and the attempt count go on the log line", () => {
  const entry: Record<string, unknown> = {};
  logPaddleAttempts(entry, { transactionIds: ["a", "b"], attempts: 2 });
  assert.deepEqual(entry, { paddle_transaction_ids: ["a", "b"], paddle_attempts: 2 });
});
