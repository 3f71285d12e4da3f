/**
 * Signing keys for the local stack: an ES256 key pair (what Supabase Auth signs
 * user tokens with) and a legacy HS256 secret (what the anon and service_role
 * API keys are signed with, as on projects created before signing keys).
 *
 * Kept in the stack's state folder so tokens and the browser key survive a
 * restart of `deno task dev`.
 */
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";

export interface StackKeys {
  /** Private ES256 JWK with `kid`, `alg` and `use`. */
  signingKey: JWK & { kid: string };
  /** The legacy HS256 shared secret (at least 32 characters, as Supabase requires). */
  jwtSecret: string;
  /** A stable id for the HS256 key in the JWKS PostgREST verifies against. */
  legacyKid: string;
  /** The Paddle notification secret the local webhook verifies signatures with. */
  webhookSecret: string;
}

export async function generateKeys(): Promise<StackKeys> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = crypto.randomUUID();
  const secretBytes = crypto.getRandomValues(new Uint8Array(32));
  return {
    signingKey: { ...jwk, kid, alg: "ES256", use: "sig" },
    jwtSecret: Array.from(secretBytes, (b) => b.toString(16).padStart(2, "0")).join(""),
    legacyKid: crypto.randomUUID(),
    webhookSecret: `pdl_ntfset_local_${
      Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0"))
        .join("")
    }`,
  };
}

/** Loads the keys from `file`, generating and saving them on first use. */
export async function loadOrCreateKeys(file: string): Promise<StackKeys> {
  try {
    return JSON.parse(await Deno.readTextFile(file)) as StackKeys;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const keys = await generateKeys();
  await Deno.writeTextFile(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

/** The public half of the signing key, as Supabase Auth publishes it. */
export function publicSigningJwk(keys: StackKeys): JWK {
  const { kty, crv, x, y, kid, alg } = keys.signingKey;
  return { kty, crv, x, y, kid, alg, use: "sig", key_ops: ["verify"] };
}

function base64url(text: string): string {
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * What PostgREST verifies tokens against: the public ES256 key and the HS256
 * secret in one JWKS, so both user tokens and the legacy API keys verify, as
 * on a Supabase project. Never served publicly (it holds the shared secret).
 */
export function postgrestJwks(keys: StackKeys): { keys: JWK[] } {
  return {
    keys: [
      publicSigningJwk(keys),
      { kty: "oct", k: base64url(keys.jwtSecret), alg: "HS256", kid: keys.legacyKid },
    ],
  };
}

/** Signs `claims` with the ES256 signing key, the way Supabase Auth signs access tokens. */
export async function signUserToken(
  keys: StackKeys,
  claims: Record<string, unknown>,
): Promise<string> {
  const key = await importJWK(keys.signingKey, "ES256");
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: keys.signingKey.kid, typ: "JWT" })
    .sign(key);
}

/** Signs `claims` with the legacy HS256 secret (no `kid`, like Supabase's legacy keys). */
export async function signLegacyToken(
  keys: StackKeys,
  claims: Record<string, unknown>,
): Promise<string> {
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(keys.jwtSecret));
}

/** The legacy API keys: long-lived HS256 JWTs naming a role and no user. */
export async function apiKeys(
  keys: StackKeys,
): Promise<{ anonKey: string; serviceRoleKey: string }> {
  const iat = 1_764_000_000; // fixed, so the keys are stable across restarts
  const exp = iat + 10 * 365 * 24 * 3600;
  const [anonKey, serviceRoleKey] = await Promise.all([
    signLegacyToken(keys, { iss: "supabase-local", role: "anon", iat, exp }),
    signLegacyToken(keys, { iss: "supabase-local", role: "service_role", iat, exp }),
  ]);
  return { anonKey, serviceRoleKey };
}
