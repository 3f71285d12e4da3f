/**
 * The token verifier as every user-facing function builds it: from the shared configuration, its
 * module (jose, @supabase/server) loaded on first use (see lazy.ts).
 */
import { type LazyFunction, lazyFunction } from "./lazy.ts";
import type { UserFunctionConfig } from "./user_function_config.ts";
import type { TokenVerification } from "./verify_user_token.ts";

/** A literal specifier keeps the module in the deployed graph. */
export const loadTokenVerifier = async () =>
  (await import("./verify_user_token.ts")).createTokenVerifier;

export function lazyTokenVerifier(
  config: Pick<UserFunctionConfig, "supabaseUrl" | "jwks" | "jwtSecret" | "jwtIssuer">,
  load: typeof loadTokenVerifier = loadTokenVerifier,
): LazyFunction<[string], TokenVerification> {
  return lazyFunction(async () =>
    (await load())({
      supabaseUrl: config.supabaseUrl,
      jwks: config.jwks,
      jwtSecret: config.jwtSecret,
      issuer: config.jwtIssuer,
    })
  );
}
