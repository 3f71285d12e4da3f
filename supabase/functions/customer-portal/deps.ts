/**
 * Real dependencies, built once per isolate from the environment. Tests build their own
 * `PortalDeps`; integration tests can call `createDeps(loadConfig(env))` to get these.
 */
import { createTokenVerifier } from "../_shared/verify_user_token.ts";
import { depsOrMisconfigured, frameDefaults, unreachable } from "../_shared/startup.ts";
import { type Env, loadConfig, type PortalConfig } from "./config.ts";
import { createCustomerLookup } from "./customer_lookup.ts";
import { createPaddlePortal } from "./paddle_portal.ts";
import type { PortalDeps } from "./handler.ts";

export function createDeps(config: PortalConfig): PortalDeps {
  return {
    config,
    verifyToken: createTokenVerifier({
      supabaseUrl: config.supabaseUrl,
      jwks: config.jwks,
      jwtSecret: config.jwtSecret,
      issuer: config.jwtIssuer,
    }),
    lookupCustomer: createCustomerLookup({
      supabaseUrl: config.supabaseUrl,
      anonKey: config.supabaseAnonKey,
      timeoutMs: config.dbTimeoutMs,
      mintLimitPerMinute: config.mintLimitPerMinute,
    }),
    createPortalSession: createPaddlePortal({
      apiKey: config.paddleApiKey,
      paddleEnv: config.paddleEnv,
      apiUrl: config.paddleApiUrl,
      timeoutMs: config.paddleTimeoutMs,
    }),
    ...frameDefaults(),
  };
}

/** See `depsOrMisconfigured`: a bad configuration answers `misconfigured`, with CORS. */
export function loadDeps(env: Env = Deno.env.toObject()): PortalDeps {
  return depsOrMisconfigured(() => createDeps(loadConfig(env)), misconfiguredDeps);
}

export function misconfiguredDeps(message: string): PortalDeps {
  return {
    config: { allowedOrigins: "*" },
    startupError: message,
    verifyToken: unreachable,
    lookupCustomer: unreachable,
    createPortalSession: unreachable,
    ...frameDefaults(),
  };
}
