import assert from "node:assert/strict";
import { paddleSignature } from "../../../local/paddle_webhooks/sign.ts";
import {
  importWebhookSecrets,
  parseSignatureHeader,
  verifyPaddleSignature,
} from "./verify_signature.ts";
import { loadConfig } from "./config.ts";

const SECRET = "pdl_ntfset_01jtestsecret0000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const NEW_SECRET = "pdl_ntfset_01jtestsecret1111111111111_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const OTHER = "pdl_ntfset_01jsomeoneelse000000000000_cccccccccccccccccccccccccccccc";
const NOW_MS = 1_764_000_000_000;
const NOW_S = NOW_MS / 1000;
const body = new TextEncoder().encode('{"event_id":"evt_1","data":{"email":"é@example.com"}}');
const opts = { nowMs: NOW_MS, toleranceSeconds: 300 };
const keys = await importWebhookSecrets([SECRET]);

Deno.test("a valid signature over the raw bytes is accepted", async () => {
  const header = await paddleSignature(body, SECRET, NOW_S);
  assert.deepEqual(await verifyPaddleSignature(body, header, keys, opts), {
    ok: true,
    timestamp: NOW_S,
  });
});

Deno.test("a tampered body is refused", async () => {
  const header = await paddleSignature(body, SECRET, NOW_S);
  const tampered = body.slice();
  tampered[tampered.length - 3] ^= 1;
  assert.deepEqual(await verifyPaddleSignature(tampered, header, keys, opts), {
    ok: false,
    reason: "mismatch",
  });
});

Deno.test("a signature made with another secret is refused", async () => {
  const header = await paddleSignature(body, OTHER, NOW_S);
  assert.deepEqual(await verifyPaddleSignature(body, header, keys, opts), {
    ok: false,
    reason: "mismatch",
  });
});

Deno.test("a changed timestamp breaks the signature", async () => {
  const header = (await paddleSignature(body, SECRET, NOW_S)).replace(
    `ts=${NOW_S}`,
    `ts=${NOW_S + 1}`,
  );
  assert.deepEqual(await verifyPaddleSignature(body, header, keys, opts), {
    ok: false,
    reason: "mismatch",
  });
});

Deno.test("stale and future timestamps beyond the tolerance are refused", async () => {
  for (const ts of [NOW_S - 301, NOW_S + 301]) {
    const header = await paddleSignature(body, SECRET, ts);
    assert.deepEqual(await verifyPaddleSignature(body, header, keys, opts), {
      ok: false,
      reason: "stale",
    });
  }
  for (const ts of [NOW_S - 300, NOW_S + 300]) {
    const header = await paddleSignature(body, SECRET, ts);
    assert.equal((await verifyPaddleSignature(body, header, keys, opts)).ok, true);
  }
});

Deno.test("the default tolerance is Paddle's 5 seconds: 4 s old or ahead passes, 6 s does not", async () => {
  const { toleranceSeconds } = loadConfig((name) =>
    ({
      SUPABASE_URL: "http://127.0.0.1:54321",
      SUPABASE_SERVICE_ROLE_KEY: "service-role-key",
      PADDLE_WEBHOOK_SECRETS: SECRET,
    } as Record<string, string>)[name]
  );
  assert.equal(toleranceSeconds, 5);
  const atDefault = { nowMs: NOW_MS, toleranceSeconds };
  for (const ts of [NOW_S - 4, NOW_S + 4]) {
    const header = await paddleSignature(body, SECRET, ts);
    assert.equal((await verifyPaddleSignature(body, header, keys, atDefault)).ok, true, `${ts}`);
  }
  for (const ts of [NOW_S - 6, NOW_S + 6]) {
    const header = await paddleSignature(body, SECRET, ts);
    assert.deepEqual(await verifyPaddleSignature(body, header, keys, atDefault), {
      ok: false,
      reason: "stale",
    });
  }
});

Deno.test("the tolerance is configurable", async () => {
  const header = await paddleSignature(body, SECRET, NOW_S - 20);
  const strict = { nowMs: NOW_MS, toleranceSeconds: 10 };
  assert.deepEqual(await verifyPaddleSignature(body, header, keys, strict), {
    ok: false,
    reason: "stale",
  });
});

Deno.test("rotation: either configured secret verifies", async () => {
  const both = await importWebhookSecrets([SECRET, NEW_SECRET]);
  for (const secret of [SECRET, NEW_SECRET]) {
    const header = await paddleSignature(body, secret, NOW_S);
    assert.equal((await verifyPaddleSignature(body, header, both, opts)).ok, true);
  }
  const header = await paddleSignature(body, OTHER, NOW_S);
  assert.equal((await verifyPaddleSignature(body, header, both, opts)).ok, false);
});

Deno.test("several h1: any one matching is enough, in any position", async () => {
  // Paddle rotating its side: one h1 per destination secret, old and new.
  const header = await paddleSignature(body, [OTHER, SECRET], NOW_S);
  assert.equal(header.split("h1=").length - 1, 2);
  assert.equal((await verifyPaddleSignature(body, header, keys, opts)).ok, true);
  const reversed = await paddleSignature(body, [SECRET, OTHER], NOW_S);
  assert.equal((await verifyPaddleSignature(body, reversed, keys, opts)).ok, true);
  const none = await paddleSignature(body, [OTHER, NEW_SECRET], NOW_S);
  assert.equal((await verifyPaddleSignature(body, none, keys, opts)).ok, false);
});

Deno.test("missing header", async () => {
  assert.deepEqual(await verifyPaddleSignature(body, null, keys, opts), {
    ok: false,
    reason: "missing",
  });
  assert.deepEqual(await verifyPaddleSignature(body, "  ", keys, opts), {
    ok: false,
    reason: "missing",
  });
});

Deno.test("malformed headers are refused before any HMAC", async () => {
  const h1 = "a".repeat(64);
  for (
    const header of [
      "garbage",
      `h1=${h1}`,
      `ts=${NOW_S}`,
      `ts=${NOW_S};h1=xyz`,
      `ts=${NOW_S};h1=${"a".repeat(63)}`,
      `ts=abc;h1=${h1}`,
      `ts=-5;h1=${h1}`,
      `ts=${NOW_S};ts=${NOW_S};h1=${h1}`,
      `ts=${NOW_S};${Array(5).fill(`h1=${h1}`).join(";")}`,
      `ts=${NOW_S};h1=${h1};x`,
      `ts=${NOW_S};h1=${h1};pad=${"x".repeat(1100)}`,
    ]
  ) {
    assert.deepEqual(await verifyPaddleSignature(body, header, keys, opts), {
      ok: false,
      reason: "malformed",
    }, header.slice(0, 80));
  }
});

Deno.test("header parsing tolerates spaces and unknown schemes", () => {
  const h1 = "ab".repeat(32);
  const parsed = parseSignatureHeader(` ts = ${NOW_S} ; h1=${h1};h2=whatever`);
  assert.ok(parsed);
  assert.equal(parsed.timestamp, String(NOW_S));
  assert.equal(parsed.signatures.length, 1);
});
