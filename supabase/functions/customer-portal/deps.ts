/**
 * Real dependencies, built once per isolate from the environment. Tests build their own
 * `PortalDeps`; integration tests can call `createDeps(loadConfig(env))` to get these.
 *
 * The request path's heavy modules (the Paddle SDK: most of the function's module files;
 * supabase-js; @supabase/server and jose) load on first use, not at start: a cold isolate listens
 * and answers the browser's CORS preflight without them, and `warm()` then loads them while the
 * browser makes its round trip to send the POST. See docs/benchmarks.md for what that saves.
 */
import { afterResponse, lazyFunction } from "../_shared/lazy.ts";
import { lazyTokenVerifier, loadTokenVerifier } from "../_shared/lazy_token_verifier.ts";
import { depsOrMisconfigured, frameDefaults, unreachable } from "../_shared/startup.ts";
import { type Env, loadConfig, type PortalConfig } from "./config.ts";
import type { PortalDeps } from "./handler.ts";

/** Where the request path's factories come from; literal specifiers keep them in the deployed graph. */
export const moduleLoaders = {
  tokenVerifier: loadTokenVerifier,
  customerLookup: async () => (await import("./customer_lookup.ts")).createCustomerLookup,
  paddlePortal: async () => (await import("./paddle_portal.ts")).createPaddlePortal,
};

export type ModuleLoaders = typeof moduleLoaders;

export function createDeps(
  config: PortalConfig,
  loaders: ModuleLoaders = moduleLoaders,
): PortalDeps {
  const verifyToken = lazyTokenVerifier(config, loaders.tokenVerifier);
  const lookupCustomer = lazyFunction(async () =>
    (await loaders.customerLookup())({
      supabaseUrl: config.supabaseUrl,
      anonKey: config.supabaseAnonKey,
      timeoutMs: config.dbTimeoutMs,
      mintLimitPerMinute: config.mintLimitPerMinute,
    })
  );
  const createPortalSession = lazyFunction(async () =>
    (await loaders.paddlePortal())({
      apiKey: config.paddleApiKey,
      paddleEnv: config.paddleEnv,
      apiUrl: config.paddleApiUrl,
      timeoutMs: config.paddleTimeoutMs,
    })
  );
  return {
    config,
    verifyToken: verifyToken.call,
    lookupCustomer: lookupCustomer.call,
    createPortalSession: createPortalSession.call,
    warm: () =>
      afterResponse(() => {
        verifyToken.warm();
        lookupCustomer.warm();
        createPortalSession.warm();
      }),
    ...frameDefaults(),
  };
}

/** See `depsOrMisconfigured`: a bad configuration answers `misconfigured`, with CORS. */
export function loadDeps(
  env: Env = Deno.env.toObject(),
  loaders: ModuleLoaders = moduleLoaders,
): PortalDeps {
  return depsOrMisconfigured(() => createDeps(loadConfig(env), loaders), misconfiguredDeps);
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
