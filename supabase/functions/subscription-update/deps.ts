/**
 * Real dependencies, built once per isolate from the environment. Tests build their own
 * `SubscriptionUpdateDeps`. As in checkout: the request path's heavy modules (the Paddle SDK,
 * supabase-js, jose) load on first use, and `warm()` loads them while the preflight is under way.
 */
import { afterResponse, lazyFunction } from "../_shared/lazy.ts";
import { lazyTokenVerifier, loadTokenVerifier } from "../_shared/lazy_token_verifier.ts";
import { depsOrMisconfigured, frameDefaults, unreachable } from "../_shared/startup.ts";
import { type Env, loadConfig, type SubscriptionUpdateConfig } from "./config.ts";
import type { SubscriptionUpdateDeps } from "./handler.ts";

/** Where the request path's factories come from; literal specifiers keep them in the deployed graph. */
export const moduleLoaders = {
  tokenVerifier: loadTokenVerifier,
  updatePrepare: async () => (await import("./update_prepare.ts")).createUpdatePrepare,
  recordUpdate: async () => (await import("./record_update.ts")).createRecordUpdate,
  paddleUpdate: async () => (await import("./paddle_update.ts")).createPaddleUpdate,
};

export type ModuleLoaders = typeof moduleLoaders;

export function createDeps(
  config: SubscriptionUpdateConfig,
  loaders: ModuleLoaders = moduleLoaders,
): SubscriptionUpdateDeps {
  const verifyToken = lazyTokenVerifier(config, loaders.tokenVerifier);
  const prepareUpdate = lazyFunction(async () =>
    (await loaders.updatePrepare())({
      supabaseUrl: config.supabaseUrl,
      anonKey: config.supabaseAnonKey,
      timeoutMs: config.dbTimeoutMs,
      mintLimitPerMinute: config.mintLimitPerMinute,
    })
  );
  const recordUpdate = lazyFunction(async () =>
    (await loaders.recordUpdate())({
      supabaseUrl: config.supabaseUrl,
      serviceKey: config.serviceKey,
      timeoutMs: config.dbTimeoutMs,
    })
  );
  let paddle: ReturnType<Awaited<ReturnType<ModuleLoaders["paddleUpdate"]>>> | undefined;
  const calls = async () =>
    paddle ??= (await loaders.paddleUpdate())({
      apiKey: config.paddleApiKey,
      paddleEnv: config.paddleEnv,
      apiUrl: config.paddleApiUrl,
      timeoutMs: config.paddleTimeoutMs,
    });
  const previewChange = lazyFunction(async () => (await calls()).previewChange);
  const applyChange = lazyFunction(async () => (await calls()).applyChange);
  const keepSubscription = lazyFunction(async () => (await calls()).keepSubscription);
  return {
    config,
    verifyToken: verifyToken.call,
    prepareUpdate: prepareUpdate.call,
    previewChange: previewChange.call,
    applyChange: applyChange.call,
    keepSubscription: keepSubscription.call,
    recordUpdate: recordUpdate.call,
    warm: () =>
      afterResponse(() => {
        verifyToken.warm();
        prepareUpdate.warm();
        previewChange.warm();
      }),
    ...frameDefaults(),
  };
}

/** See `depsOrMisconfigured`: a bad configuration answers `misconfigured`, with CORS. */
export function loadDeps(
  env: Env = Deno.env.toObject(),
  loaders: ModuleLoaders = moduleLoaders,
): SubscriptionUpdateDeps {
  return depsOrMisconfigured(() => createDeps(loadConfig(env), loaders), misconfiguredDeps);
}

export function misconfiguredDeps(message: string): SubscriptionUpdateDeps {
  return {
    config: { allowedOrigins: "*" },
    startupError: message,
    verifyToken: unreachable,
    prepareUpdate: unreachable,
    previewChange: unreachable,
    applyChange: unreachable,
    keepSubscription: unreachable,
    recordUpdate: unreachable,
    ...frameDefaults(),
  };
}
