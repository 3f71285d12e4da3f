/**
 * Real dependencies, built once per isolate from the environment. Tests build their own
 * `InvoiceDeps`; integration tests can call `createDeps(loadConfig(env))` to get these.
 *
 * As in customer-portal: the request path's heavy modules (the Paddle SDK, supabase-js, jose) load
 * on first use, and `warm()` loads them while the browser's preflight round trip is under way.
 */
import { afterResponse, lazyFunction } from "../_shared/lazy.ts";
import { lazyTokenVerifier, loadTokenVerifier } from "../_shared/lazy_token_verifier.ts";
import { depsOrMisconfigured, frameDefaults, unreachable } from "../_shared/startup.ts";
import { type Env, type InvoiceConfig, loadConfig } from "./config.ts";
import type { InvoiceDeps } from "./handler.ts";

/** Where the request path's factories come from; literal specifiers keep them in the deployed graph. */
export const moduleLoaders = {
  tokenVerifier: loadTokenVerifier,
  invoicePrepare: async () => (await import("./invoice_prepare.ts")).createInvoicePrepare,
  paddleInvoice: async () => (await import("./paddle_invoice.ts")).createPaddleInvoice,
};

export type ModuleLoaders = typeof moduleLoaders;

export function createDeps(
  config: InvoiceConfig,
  loaders: ModuleLoaders = moduleLoaders,
): InvoiceDeps {
  const verifyToken = lazyTokenVerifier(config, loaders.tokenVerifier);
  const prepareInvoice = lazyFunction(async () =>
    (await loaders.invoicePrepare())({
      supabaseUrl: config.supabaseUrl,
      anonKey: config.supabaseAnonKey,
      timeoutMs: config.dbTimeoutMs,
      mintLimitPerMinute: config.mintLimitPerMinute,
    })
  );
  const getInvoiceUrl = lazyFunction(async () =>
    (await loaders.paddleInvoice())({
      apiKey: config.paddleApiKey,
      paddleEnv: config.paddleEnv,
      apiUrl: config.paddleApiUrl,
      timeoutMs: config.paddleTimeoutMs,
    })
  );
  return {
    config,
    verifyToken: verifyToken.call,
    prepareInvoice: prepareInvoice.call,
    getInvoiceUrl: getInvoiceUrl.call,
    warm: () =>
      afterResponse(() => {
        verifyToken.warm();
        prepareInvoice.warm();
        getInvoiceUrl.warm();
      }),
    ...frameDefaults(),
  };
}

/** See `depsOrMisconfigured`: a bad configuration answers `misconfigured`, with CORS. */
export function loadDeps(
  env: Env = Deno.env.toObject(),
  loaders: ModuleLoaders = moduleLoaders,
): InvoiceDeps {
  return depsOrMisconfigured(() => createDeps(loadConfig(env), loaders), misconfiguredDeps);
}

export function misconfiguredDeps(message: string): InvoiceDeps {
  return {
    config: { allowedOrigins: "*" },
    startupError: message,
    verifyToken: unreachable,
    prepareInvoice: unreachable,
    getInvoiceUrl: unreachable,
    ...frameDefaults(),
  };
}
