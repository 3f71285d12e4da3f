import assert from "node:assert/strict";
import { lazyTokenVerifier, type loadTokenVerifier } from "./lazy_token_verifier.ts";

Deno.test("the verifier's module loads on first call, built from the shared configuration", async () => {
  const built: unknown[] = [];
  const load: typeof loadTokenVerifier = () =>
    Promise.resolve((options) => {
      built.push(options);
      return () => Promise.resolve({ ok: false, reason: "expired" } as const);
    });
  const jwks = new URL("https://p.supabase.co/auth/v1/.well-known/jwks.json");
  const lazy = lazyTokenVerifier({
    supabaseUrl: "https://p.supabase.co",
    jwks,
    jwtSecret: undefined,
    jwtIssuer: "https://p.supabase.co/auth/v1",
  }, load);
  assert.deepEqual(built, []);
  assert.deepEqual(await lazy.call("t"), { ok: false, reason: "expired" });
  await lazy.call("t");
  assert.deepEqual(built, [{
    supabaseUrl: "https://p.supabase.co",
    jwks,
    jwtSecret: undefined,
    issuer: "https://p.supabase.co/auth/v1",
  }]);
});
