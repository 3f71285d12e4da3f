/**
 * Bench callers: the demo users who have a Paddle customer, signed in once through the auth
 * stand-in, and access tokens for users a benchmark makes itself.
 */
import { createClient } from "@supabase/supabase-js";
import { signUserToken, type StackKeys } from "../local/keys.ts";
import type { StackInfo } from "../local/stack.ts";
import type { Caller } from "./load.ts";
import type { BenchStack } from "./stack.ts";

/**
 * An hour-long access token for `userId`, signed with the stack's key as Auth signs them, so a
 * benchmark's own users call the functions without a sign-in round trip each.
 */
export async function benchUserToken(
  info: StackInfo,
  userId: string,
  extraClaims: Record<string, unknown> = {},
): Promise<string> {
  const keys: StackKeys = {
    signingKey: info.signingKey as StackKeys["signingKey"],
    jwtSecret: info.jwtSecret,
    legacyKid: "",
    webhookSecret: info.paddle.webhookSecret,
  };
  const iat = Math.floor(Date.now() / 1000);
  return await signUserToken(keys, {
    iss: info.jwtIssuer,
    sub: userId,
    aud: "authenticated",
    role: "authenticated",
    iat,
    exp: iat + 3600,
    session_id: crypto.randomUUID(),
    is_anonymous: false,
    ...extraClaims,
  });
}

export async function signIn(stack: BenchStack): Promise<Caller[]> {
  const callers: Caller[] = [];
  for (const user of stack.info.demoUsers.filter((u) => u.customerId !== null)) {
    const client = createClient(stack.info.apiUrl, stack.info.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });
    const { data, error } = await client.auth.signInWithPassword({
      email: user.email,
      password: user.password,
    });
    if (error || !data.session) throw new Error(`sign-in failed for ${user.email}`);
    callers.push({
      email: user.email,
      token: data.session.access_token,
      customerId: user.customerId!,
    });
  }
  if (callers.length < 3) {
    throw new Error(`expected 3 demo users with customers, ${callers.length}`);
  }
  return callers;
}
