/**
 * The checkout's configuration: the shared one (`_shared/user_function_config.ts`: Supabase,
 * token verification, Paddle, timeouts, mint limit, origins) plus what only checkout needs.
 */
import {
  ConfigError,
  type Env,
  loadUserFunctionConfig,
  optional,
  type UserFunctionConfig,
} from "../_shared/user_function_config.ts";
import { serverKeys } from "../_shared/secret_keys.ts";

export { ConfigError, type Env };

export const PRICE_ID = /^pri_[a-z\d]{26}$/;

export interface CheckoutConfig extends UserFunctionConfig {
  /** For `checkout_link_customer`, the one write checkout makes (service_role only). */
  serviceKey: string;
  /** `PADDLE_CHECKOUT_URL`: the payment-link page; unset, Paddle uses the default payment link. */
  checkoutUrl?: string;
}

/** Throws `ConfigError` listing every bad variable, one per line. */
export function loadConfig(env: Env): CheckoutConfig {
  return loadUserFunctionConfig(env, "checkout", checkoutVariables);
}

function checkoutVariables(env: Env, problems: string[]) {
  const keys = serverKeys({
    SUPABASE_SERVICE_ROLE_KEY: optional(env.SUPABASE_SERVICE_ROLE_KEY),
    SUPABASE_SECRET_KEYS: optional(env.SUPABASE_SECRET_KEYS),
    SUPABASE_SECRET_KEY: optional(env.SUPABASE_SECRET_KEY),
  }, problems);

  const rawUrl = optional(env.PADDLE_CHECKOUT_URL)?.trim();
  let checkoutUrl: string | undefined;
  if (rawUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(rawUrl);
    } catch { /* reported below */ }
    // Paddle appends ?_ptxn=...; a URL with its own query or fragment would not survive that.
    if (!url || !/^https?:$/.test(url.protocol) || url.search !== "" || url.hash !== "") {
      problems.push("PADDLE_CHECKOUT_URL must be an http(s) URL without a query or fragment");
    } else checkoutUrl = url.href;
  }

  // Gone with issue 17: what is for sale is the catalog (public.catalog_prices). Refused rather
  // than ignored, so a deployment that set it does not silently start selling more.
  if (optional(env.PADDLE_CHECKOUT_PRICE_IDS)?.trim()) {
    problems.push(
      'PADDLE_CHECKOUT_PRICE_IDS is no longer read: remove it; the catalog says what is for sale (README, "The catalog")',
    );
  }

  return { serviceKey: keys[0] ?? "", checkoutUrl };
}
