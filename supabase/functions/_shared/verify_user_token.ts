/**
 * The first wall: is this bearer token a Supabase Auth access token for a real, signed-in user?
 *
 * Asymmetric tokens (ES256/RS256, with a `kid`) go through `@supabase/server`'s
 * `verifyCredentials`, which checks the signature against the project's JWKS, `exp`/`nbf`, `aud`
 * and `iss`, and keeps one module-level remote JWKS resolver, so jose's 30 s cooldown stops a flood
 * of unknown `kid`s from turning into a JWKS fetch per request. Legacy HS256 tokens usually have no
 * `kid`, which `@supabase/server` refuses, so they are checked here with jose and the shared secret.
 *
 * Neither library checks what makes a token a *user* token, so `userClaimsProblem` does: `exp`
 * present (a token that never expires is a leaked credential forever), `role` is `authenticated`
 * (the anon and service_role keys are signed JWTs too), not anonymous (anonymous sign-ins have no
 * billing account to manage), and `sub` a uuid (it is compared with `customers.user_id`).
 */
import { verifyCredentials } from "@supabase/server/core";
import { decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";

export const USER_AUDIENCE = "authenticated";

export type AuthFailure =
  | "missing_token"
  | "malformed"
  | "unsupported_alg"
  | "bad_signature"
  | "unknown_kid"
  | "expired"
  | "claim_mismatch"
  | "no_exp"
  | "wrong_role"
  | "anonymous"
  | "bad_sub"
  | "hs256_not_configured"
  | "jwks_unavailable";

export type TokenVerification =
  | { ok: true; userId: string }
  | { ok: false; reason: AuthFailure };

export type VerifyToken = (token: string) => Promise<TokenVerification>;

export interface TokenVerifierOptions {
  /** Project URL; `@supabase/server` needs it even when the JWKS source is given. */
  supabaseUrl: string;
  /** Inline key set (`SUPABASE_JWKS`) or the JWKS endpoint. */
  jwks: JSONWebKeySet | URL;
  /** Legacy shared secret (`SUPABASE_JWT_SECRET`); without it HS256 tokens are refused. */
  jwtSecret?: string;
  /** Expected `iss`, e.g. `<SUPABASE_URL>/auth/v1`; not checked when absent. */
  issuer?: string;
}

const ASYMMETRIC_ALGS = new Set(["ES256", "RS256"]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;

export function createTokenVerifier(options: TokenVerifierOptions): VerifyToken {
  const secret = options.jwtSecret ? new TextEncoder().encode(options.jwtSecret) : undefined;
  const serverEnv = {
    url: options.supabaseUrl,
    jwks: options.jwks,
    // Empty key sets keep @supabase/server from reading SUPABASE_*_KEYS from the environment;
    // this verifier accepts user tokens only.
    publishableKeys: {},
    secretKeys: {},
  };

  return async function verifyToken(token: string): Promise<TokenVerification> {
    if (!token) return { ok: false, reason: "missing_token" };
    if (!COMPACT_JWS.test(token)) return { ok: false, reason: "malformed" };
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return { ok: false, reason: "malformed" };
    }

    let claims: Record<string, unknown>;
    if (alg === "HS256" && secret) {
      try {
        claims = (await jwtVerify(token, secret, {
          algorithms: ["HS256"],
          audience: USER_AUDIENCE,
          issuer: options.issuer,
        })).payload;
      } catch (e) {
        return { ok: false, reason: joseFailure(e) };
      }
    } else if (alg === "HS256" && options.jwks instanceof URL) {
      // A remote JWKS never holds the shared secret; do not let these tokens trigger refetches.
      return { ok: false, reason: "hs256_not_configured" };
    } else if (alg === "HS256" || ASYMMETRIC_ALGS.has(alg ?? "")) {
      // HS256 reaches here only with an inline JWKS, which may carry the secret as an `oct` key.
      const { data, error } = await verifyCredentials({ token, apikey: null }, {
        auth: "user",
        audience: USER_AUDIENCE,
        issuer: options.issuer,
        env: serverEnv,
      });
      if (error) return { ok: false, reason: serverFailure(error) };
      claims = data.jwtClaims ?? {};
    } else {
      return { ok: false, reason: "unsupported_alg" };
    }

    const problem = userClaimsProblem(claims);
    if (problem) return { ok: false, reason: problem };
    return { ok: true, userId: claims.sub as string };
  };
}

/** What `@supabase/server` and jose leave unchecked; exported for its own tests. */
export function userClaimsProblem(claims: Record<string, unknown>): AuthFailure | null {
  if (typeof claims.exp !== "number") return "no_exp";
  if (claims.role !== "authenticated") return "wrong_role";
  if (claims.is_anonymous === true) return "anonymous";
  if (typeof claims.sub !== "string" || !UUID.test(claims.sub)) return "bad_sub";
  return null;
}

function joseFailure(error: unknown): AuthFailure {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return "expired";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "bad_signature";
    case "ERR_JWKS_NO_MATCHING_KEY":
      return "unknown_kid";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return "claim_mismatch";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
    case "ERR_JOSE_NOT_SUPPORTED":
      return "unsupported_alg";
    case "ERR_JWKS_TIMEOUT":
    case "ERR_JWKS_INVALID":
      return "jwks_unavailable";
    default:
      return "malformed";
  }
}

function serverFailure(error: { code?: string; cause?: unknown; message: string }): AuthFailure {
  if (error.code === "JWKS_FETCH_FAILED" || error.code === "JWKS_NOT_CONFIGURED") {
    return "jwks_unavailable";
  }
  if (error.cause !== undefined) return joseFailure(error.cause);
  // No jose error behind it: a header without `kid`, an HS256 key missing from the inline JWKS.
  if (/HS256/.test(error.message)) return "hs256_not_configured";
  return "malformed";
}
