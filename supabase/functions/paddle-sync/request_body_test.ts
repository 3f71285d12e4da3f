import assert from "node:assert/strict";
import { MAX_BODY_BYTES, parseSyncRequest, readSyncRequest } from "./request_body.ts";

Deno.test("empty body and {} continue; restart true/false is read", () => {
  assert.deepEqual(parseSyncRequest(""), { ok: true, value: { restart: false } });
  assert.deepEqual(parseSyncRequest("{}"), { ok: true, value: { restart: false } });
  assert.deepEqual(parseSyncRequest('{"restart":true}'), { ok: true, value: { restart: true } });
  assert.deepEqual(parseSyncRequest('{"restart":false}'), { ok: true, value: { restart: false } });
});

Deno.test("events true asks for the catch-up; events false is the full sync", () => {
  assert.deepEqual(parseSyncRequest('{"events":true}'), {
    ok: true,
    value: { restart: false, events: true },
  });
  assert.deepEqual(parseSyncRequest('{"events":false}'), { ok: true, value: { restart: false } });
  for (const body of ['{"events":true,"restart":true}', '{"events":"yes"}', '{"events":1}']) {
    assert.deepEqual(parseSyncRequest(body), { ok: false, code: "invalid_request" }, body);
  }
});

Deno.test("anything else is invalid_request", () => {
  for (
    const body of [
      "not json",
      "[]",
      "null",
      "true",
      '{"restart":"yes"}',
      '{"restart":1}',
      '{"restart":true,"entity":"customer"}',
      '{"cursor":"ctm_01"}',
    ]
  ) {
    assert.deepEqual(parseSyncRequest(body), { ok: false, code: "invalid_request" }, body);
  }
});

Deno.test("a body over the cap is payload_too_large", async () => {
  const big = JSON.stringify({ restart: true, pad: "x".repeat(MAX_BODY_BYTES) });
  const result = await readSyncRequest(new Request("http://x", { method: "POST", body: big }));
  assert.deepEqual(result, { ok: false, code: "payload_too_large" });
});
