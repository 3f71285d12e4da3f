/**
 * Test helpers: real signing keys and tokens shaped like Supabase Auth's, so verification tests
 * exercise the same code paths as production tokens. Not imported by any function.
 */
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

export const TEST_SUPABASE_URL = "http://127.0.0.1:54321";
export const TEST_ISSUER = `${TEST_SUPABASE_URL}/auth/v1`;
export const TEST_USER_ID = "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b";
export const TEST_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";

export interface SigningKey {
  alg: "ES256" | "RS256";
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeSigningKey(
  alg: "ES256" | "RS256" = "ES256",
  kid: string = crypto.randomUUID(),
): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  // jose types its keys with node:crypto's CryptoKey, which differs from the global one only
  // when @types/node is in the same type-check (the local stack's pg types bring it in).
  return { alg, kid, privateKey: privateKey as unknown as CryptoKey, publicJwk };
}

export function userClaims(overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: TEST_ISSUER,
    sub: TEST_USER_ID,
    aud: "authenticated",
    exp: now + 3600,
    iat: now,
    role: "authenticated",
    aal: "aal1",
    session_id: crypto.randomUUID(),
    email: "alice@example.com",
    is_anonymous: false,
    ...overrides,
  };
}

/** Claims set to `undefined` in `overrides` are left out of the token. */
function withoutUndefined(payload: JWTPayload): JWTPayload {
  return Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
}

export function signAsymmetric(
  key: SigningKey,
  overrides: JWTPayload = {},
  header: { kid?: string } = {},
): Promise<string> {
  return new SignJWT(withoutUndefined(userClaims(overrides)))
    .setProtectedHeader({ alg: key.alg, typ: "JWT", kid: header.kid ?? key.kid })
    .sign(key.privateKey);
}

export function signHs256(
  overrides: JWTPayload = {},
  secret: string = TEST_JWT_SECRET,
  options: { raw?: boolean } = {},
): Promise<string> {
  const payload = options.raw ? overrides : userClaims(overrides);
  return new SignJWT(withoutUndefined(payload))
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secret));
}
