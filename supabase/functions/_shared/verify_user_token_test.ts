import assert from "node:assert/strict";
import { createTokenVerifier, userClaimsProblem } from "./verify_user_token.ts";
import {
  makeSigningKey,
  signAsymmetric,
  signHs256,
  type SigningKey,
  TEST_ISSUER,
  TEST_JWT_SECRET,
  TEST_SUPABASE_URL,
  TEST_USER_ID,
} from "./test_tokens.ts";
import type { JWK } from "jose";

const es256 = await makeSigningKey("ES256");
const rs256 = await makeSigningKey("RS256");
const inlineJwks = { keys: [es256.publicJwk, rs256.publicJwk] };

const verify = createTokenVerifier({
  supabaseUrl: TEST_SUPABASE_URL,
  jwks: inlineJwks,
  jwtSecret: TEST_JWT_SECRET,
  issuer: TEST_ISSUER,
});

Deno.test("ES256 user token with the project's key is accepted", async () => {
  assert.deepEqual(await verify(await signAsymmetric(es256)), { ok: true, userId: TEST_USER_ID });
});

Deno.test("RS256 user token is accepted", async () => {
  assert.deepEqual(await verify(await signAsymmetric(rs256)), { ok: true, userId: TEST_USER_ID });
});

Deno.test("a token signed by another key under the same kid is refused", async () => {
  const impostor = await makeSigningKey("ES256", es256.kid);
  assert.deepEqual(await verify(await signAsymmetric(impostor)), {
    ok: false,
    reason: "bad_signature",
  });
});

Deno.test("a tampered payload is refused", async () => {
  const token = await signAsymmetric(es256);
  const [h, , s] = token.split(".");
  const forged = btoa(JSON.stringify({ sub: crypto.randomUUID(), role: "authenticated" }))
    .replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  assert.equal((await verify(`${h}.${forged}.${s}`)).ok, false);
});

Deno.test("an expired token is refused", async () => {
  const past = Math.floor(Date.now() / 1000) - 60;
  assert.deepEqual(await verify(await signAsymmetric(es256, { exp: past, iat: past - 3600 })), {
    ok: false,
    reason: "expired",
  });
});

Deno.test("a token without exp is refused", async () => {
  assert.deepEqual(await verify(await signAsymmetric(es256, { exp: undefined })), {
    ok: false,
    reason: "no_exp",
  });
  assert.deepEqual(await verify(await signHs256({ exp: undefined })), {
    ok: false,
    reason: "no_exp",
  });
});

Deno.test("a token for another audience is refused", async () => {
  for (const aud of ["anon", "some-other-service", undefined]) {
    assert.deepEqual(await verify(await signAsymmetric(es256, { aud })), {
      ok: false,
      reason: "claim_mismatch",
    }, `aud=${aud}`);
  }
});

Deno.test("a token from another issuer is refused when an issuer is configured", async () => {
  const other = { iss: "https://other-project.supabase.co/auth/v1" };
  assert.deepEqual(await verify(await signAsymmetric(es256, other)), {
    ok: false,
    reason: "claim_mismatch",
  });
  assert.deepEqual(await verify(await signHs256(other)), { ok: false, reason: "claim_mismatch" });
  const noIssuerCheck = createTokenVerifier({ supabaseUrl: TEST_SUPABASE_URL, jwks: inlineJwks });
  assert.equal((await noIssuerCheck(await signAsymmetric(es256, other))).ok, true);
});

Deno.test("anon and service_role tokens are refused even when correctly signed", async () => {
  for (const role of ["anon", "service_role", "supabase_admin", undefined]) {
    assert.deepEqual(await verify(await signAsymmetric(es256, { role })), {
      ok: false,
      reason: "wrong_role",
    }, `role=${role}`);
  }
  // The legacy API keys themselves: HS256, no sub, no aud.
  const now = Math.floor(Date.now() / 1000);
  for (const role of ["anon", "service_role"]) {
    const key = await signHs256({ iss: "supabase-demo", role, exp: now + 3600 }, TEST_JWT_SECRET, {
      raw: true,
    });
    assert.equal((await verify(key)).ok, false, role);
  }
});

Deno.test("an anonymous user's token is refused", async () => {
  assert.deepEqual(await verify(await signAsymmetric(es256, { is_anonymous: true })), {
    ok: false,
    reason: "anonymous",
  });
});

Deno.test("a token whose sub is not a uuid is refused", async () => {
  assert.deepEqual(await verify(await signAsymmetric(es256, { sub: "admin" })), {
    ok: false,
    reason: "bad_sub",
  });
});

Deno.test("legacy HS256 tokens without kid verify against SUPABASE_JWT_SECRET", async () => {
  assert.deepEqual(await verify(await signHs256()), { ok: true, userId: TEST_USER_ID });
  assert.deepEqual(await verify(await signHs256({}, "not-the-secret-not-the-secret-not-the")), {
    ok: false,
    reason: "bad_signature",
  });
});

Deno.test("HS256 tokens are refused when no secret is configured", async () => {
  const noSecret = createTokenVerifier({ supabaseUrl: TEST_SUPABASE_URL, jwks: inlineJwks });
  assert.equal((await noSecret(await signHs256())).ok, false);
});

Deno.test("garbage, alg none and sb_ keys are refused", async () => {
  const none = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: TEST_USER_ID })}.`;
  for (const token of ["", "abc", "a.b.c", none, "sb_publishable_abc", "eyJ.eyJ.x"]) {
    assert.equal((await verify(token)).ok, false, token);
  }
});

Deno.test("userClaimsProblem accepts a minimal user claim set", () => {
  assert.equal(userClaimsProblem({ exp: 1, role: "authenticated", sub: TEST_USER_ID }), null);
});

// --- remote JWKS: the module-level cache and jose's cooldown ---------------------------------

function serveJwks(keys: JWK[]) {
  let hits = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => {
      hits++;
      return Response.json({ keys });
    },
  );
  const url = new URL(`http://127.0.0.1:${server.addr.port}/auth/v1/.well-known/jwks.json`);
  return { url, hits: () => hits, close: () => server.shutdown() };
}

Deno.test("remote JWKS is fetched once and reused across requests", async () => {
  const jwks = serveJwks([es256.publicJwk]);
  try {
    const remote = createTokenVerifier({ supabaseUrl: TEST_SUPABASE_URL, jwks: jwks.url });
    for (let i = 0; i < 20; i++) {
      assert.equal((await remote(await signAsymmetric(es256))).ok, true);
    }
    assert.equal(jwks.hits(), 1);
  } finally {
    await jwks.close();
  }
});

Deno.test("a flood of unknown kids does not turn into a JWKS fetch per request", async () => {
  const jwks = serveJwks([es256.publicJwk]);
  try {
    const remote = createTokenVerifier({ supabaseUrl: TEST_SUPABASE_URL, jwks: jwks.url });
    const strangers: SigningKey[] = await Promise.all(
      Array.from({ length: 5 }, () => makeSigningKey("ES256")),
    );
    const tokens = await Promise.all(
      Array.from({ length: 200 }, (_, i) => signAsymmetric(strangers[i % strangers.length])),
    );
    // Sequential and concurrent waves: neither may refetch inside jose's cooldown.
    for (const token of tokens.slice(0, 100)) {
      assert.deepEqual(await remote(token), { ok: false, reason: "unknown_kid" });
    }
    const wave = await Promise.all(tokens.slice(100).map((t) => remote(t)));
    assert.ok(wave.every((r) => !r.ok));
    assert.ok(jwks.hits() <= 1, `JWKS fetched ${jwks.hits()} times for 200 unknown kids`);
    // The genuine key still verifies from the cache.
    assert.equal((await remote(await signAsymmetric(es256))).ok, true);
    assert.ok(jwks.hits() <= 1);
  } finally {
    await jwks.close();
  }
});

Deno.test("HS256 tokens never trigger a remote JWKS fetch", async () => {
  const jwks = serveJwks([es256.publicJwk]);
  try {
    const remote = createTokenVerifier({ supabaseUrl: TEST_SUPABASE_URL, jwks: jwks.url });
    for (let i = 0; i < 10; i++) {
      assert.deepEqual(await remote(await signHs256()), {
        ok: false,
        reason: "hs256_not_configured",
      });
    }
    assert.equal(jwks.hits(), 0);
  } finally {
    await jwks.close();
  }
});

Deno.test("an unreachable JWKS endpoint refuses the token", async () => {
  const jwks = serveJwks([]);
  await jwks.close();
  const remote = createTokenVerifier({ supabaseUrl: TEST_SUPABASE_URL, jwks: jwks.url });
  assert.deepEqual(await remote(await signAsymmetric(es256)), {
    ok: false,
    reason: "jwks_unavailable",
  });
});

function b64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}
