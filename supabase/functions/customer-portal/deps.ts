/**
 * Real dependencies, built once per isolate from the environment. Tests build their own
 * `PortalDeps`; integration tests can call `createDeps(loadConfig(env))` to get these.
 */
import { createTokenVerifier } from "../_shared/verify_user_token.ts";
import { consoleSink } from "../_shared/request_log.ts";
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
    log: consoleSink,
    now: () => performance.now(),
    requestId: () => crypto.randomUUID(),
  };
}

/**
 * Bad configuration is reported once at start, naming the variables, and then every request is
 * answered `misconfigured` (with CORS) instead of the isolate crash-looping behind a bare 5xx the
 * browser cannot read.
 */
export function loadDeps(env: Env = Deno.env.toObject()): PortalDeps {
  try {
    return createDeps(loadConfig(env));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(message);
    return misconfiguredDeps(message);
  }
}

export function misconfiguredDeps(message: string): PortalDeps {
  const unreachable = () => Promise.reject(new Error("misconfigured: not callable"));
  return {
    config: { allowedOrigins: "*" },
    startupError: message,
    verifyToken: unreachable,
    lookupCustomer: unreachable,
    createPortalSession: unreachable,
    log: consoleSink,
    now: () => performance.now(),
    requestId: () => crypto.randomUUID(),
  };
}
