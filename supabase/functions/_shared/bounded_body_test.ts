import assert from "node:assert/strict";
import { declaredTooLarge, readBodyWithLimit } from "./bounded_body.ts";

const req = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request("http://localhost/", { method: "POST", body, headers });

Deno.test("reads a body within the cap", async () => {
  assert.deepEqual(await readBodyWithLimit(req('{"a":1}'), 16), { ok: true, text: '{"a":1}' });
  assert.deepEqual(await readBodyWithLimit(req(null), 16), { ok: true, text: "" });
});

Deno.test("refuses by Content-Length without reading", async () => {
  const r = req("x", { "content-length": "999999" });
  assert.equal(declaredTooLarge(r, 16), true);
  assert.deepEqual(await readBodyWithLimit(r, 16), { ok: false, reason: "too_large" });
  assert.equal(r.bodyUsed, false);
  assert.equal(declaredTooLarge(req("x", { "content-length": "abc" }), 16), true);
});

Deno.test("counts the bytes actually read (multi-byte characters count as bytes)", async () => {
  assert.deepEqual(await readBodyWithLimit(req("é".repeat(9)), 16), {
    ok: false,
    reason: "too_large",
  });
  assert.equal((await readBodyWithLimit(req("é".repeat(8)), 16)).ok, true);
});

Deno.test("invalid UTF-8 is unreadable", async () => {
  assert.deepEqual(await readBodyWithLimit(req(new Uint8Array([0xff, 0xfe])), 16), {
    ok: false,
    reason: "unreadable",
  });
});
