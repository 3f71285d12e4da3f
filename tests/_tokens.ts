/** Tokens for tests, signed with the stack's own keys as its Auth would sign them. */
import { signLegacyToken, signUserToken, type StackKeys } from "../local/keys.ts";
import { stackInfo } from "./_stack.ts";

export function stackKeys(): StackKeys {
  const info = stackInfo();
  return {
    signingKey: info.signingKey as StackKeys["signingKey"],
    jwtSecret: info.jwtSecret,
    legacyKid: "",
    webhookSecret: info.paddle.webhookSecret,
  };
}

/** Supabase Auth's claim set for `userId`, valid for ten minutes, with `overrides` on top. */
export function userClaims(userId: string, overrides: Record<string, unknown> = {}) {
  const iat = Math.floor(Date.now() / 1000);
  return {
    iss: stackInfo().jwtIssuer,
    sub: userId,
    aud: "authenticated",
    role: "authenticated",
    iat,
    exp: iat + 600,
    session_id: crypto.randomUUID(),
    is_anonymous: false,
    ...overrides,
  };
}

/** An ES256 access token for `userId`, as the stack's Auth would issue it. */
export function userToken(userId: string, overrides: Record<string, unknown> = {}) {
  return signUserToken(stackKeys(), userClaims(userId, overrides));
}

/** The same claims signed with the legacy HS256 secret and no `kid`. */
export function legacyUserToken(userId: string, overrides: Record<string, unknown> = {}) {
  return signLegacyToken(stackKeys(), userClaims(userId, overrides));
}
