/**
 * Real dependencies, built once per isolate from the environment. Tests build their own
 * `CheckoutDeps`; integration tests can call `createDeps(loadConfig(env))` to get these.
 *
 * As in customer-portal: the request path's heavy modules (the Paddle SDK, supabase-js, jose) load
 * on first use, and `warm()` loads them while the browser's preflight round trip is under way.
 */
import { sleep } from "../_shared/deadline.ts";
import { afterResponse, lazyFunction } from "../_shared/lazy.ts";
import { lazyTokenVerifier, loadTokenVerifier } from "../_shared/lazy_token_verifier.ts";
import { depsOrMisconfigured, frameDefaults, unreachable } from "../_shared/startup.ts";
import { type CheckoutConfig, type Env, loadConfig } from "./config.ts";
import type { CheckoutDeps } from "./handler.ts";

/** Where the request path's factories come from; literal specifiers keep them in the deployed graph. */
export const moduleLoaders = {
  tokenVerifier: loadTokenVerifier,
  checkoutPrepare: async () => (await import("./checkout_prepare.ts")).createCheckoutPrepare,
  customerLink: async () => (await import("./link_customer.ts")).createCustomerLink,
  openCheckout: async () => (await import("./open_checkout.ts")).createOpenCheckout,
  paddleCheckout: async () => (await import("./paddle_checkout.ts")).createPaddleCheckout,
};

export type ModuleLoaders = typeof moduleLoaders;

export function createDeps(
  config: CheckoutConfig,
  loaders: ModuleLoaders = moduleLoaders,
): CheckoutDeps {
  const verifyToken = lazyTokenVerifier(config, loaders.tokenVerifier);
  const prepareCheckout = lazyFunction(async () =>
    (await loaders.checkoutPrepare())({
      supabaseUrl: config.supabaseUrl,
      anonKey: config.supabaseAnonKey,
      timeoutMs: config.dbTimeoutMs,
      mintLimitPerMinute: config.mintLimitPerMinute,
    })
  );
  const linkCustomer = lazyFunction(async () =>
    (await loaders.customerLink())({
      supabaseUrl: config.supabaseUrl,
      serviceKey: config.serviceKey,
      timeoutMs: config.dbTimeoutMs,
    })
  );
  const openCheckout = async () =>
    (await loaders.openCheckout())({
      supabaseUrl: config.supabaseUrl,
      anonKey: config.supabaseAnonKey,
      serviceKey: config.serviceKey,
      timeoutMs: config.dbTimeoutMs,
    });
  const claimCheckout = lazyFunction(async () => (await openCheckout()).claimCheckout);
  const settleCheckout = lazyFunction(async () => (await openCheckout()).settleCheckout);
  const paddle = async () =>
    (await loaders.paddleCheckout())({
      apiKey: config.paddleApiKey,
      paddleEnv: config.paddleEnv,
      apiUrl: config.paddleApiUrl,
      timeoutMs: config.paddleTimeoutMs,
      checkoutUrl: config.checkoutUrl,
    });
  const findOrCreateCustomer = lazyFunction(async () => (await paddle()).findOrCreateCustomer);
  const addressInCountry = lazyFunction(async () => (await paddle()).addressInCountry);
  const createTransaction = lazyFunction(async () => (await paddle()).createTransaction);
  const cancelTransaction = lazyFunction(async () => (await paddle()).cancelTransaction);
  return {
    config,
    verifyToken: verifyToken.call,
    prepareCheckout: prepareCheckout.call,
    findOrCreateCustomer: findOrCreateCustomer.call,
    linkCustomer: linkCustomer.call,
    addressInCountry: addressInCountry.call,
    createTransaction: createTransaction.call,
    cancelTransaction: cancelTransaction.call,
    claimCheckout: claimCheckout.call,
    settleCheckout: settleCheckout.call,
    sleep,
    warm: () =>
      afterResponse(() => {
        verifyToken.warm();
        prepareCheckout.warm();
        createTransaction.warm();
        settleCheckout.warm();
      }),
    ...frameDefaults(),
  };
}

/** See `depsOrMisconfigured`: a bad configuration answers `misconfigured`, with CORS. */
export function loadDeps(
  env: Env = Deno.env.toObject(),
  loaders: ModuleLoaders = moduleLoaders,
): CheckoutDeps {
  return depsOrMisconfigured(() => createDeps(loadConfig(env), loaders), misconfiguredDeps);
}

export function misconfiguredDeps(message: string): CheckoutDeps {
  return {
    config: { allowedOrigins: "*" },
    startupError: message,
    verifyToken: unreachable,
    prepareCheckout: unreachable,
    findOrCreateCustomer: unreachable,
    linkCustomer: unreachable,
    addressInCountry: unreachable,
    createTransaction: unreachable,
    cancelTransaction: unreachable,
    claimCheckout: unreachable,
    settleCheckout: unreachable,
    sleep: unreachable,
    ...frameDefaults(),
  };
}
