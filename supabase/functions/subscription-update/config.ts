/**
 * subscription-update's configuration: the shared one (`_shared/user_function_config.ts`:
 * Supabase, token verification, Paddle, timeouts, mint limit, origins) plus the server key for
 * the one write it makes (Paddle's answer to the mirror, `subscription_update_record`).
 */
import {
  ConfigError,
  type Env,
  loadUserFunctionConfig,
  type UserFunctionConfig,
} from "../_shared/user_function_config.ts";
import { firstServerKey } from "../_shared/secret_keys.ts";

export { ConfigError, type Env };

export interface SubscriptionUpdateConfig extends UserFunctionConfig {
  /** For `subscription_update_record` (service_role only). */
  serviceKey: string;
}

/** Throws `ConfigError` listing every bad variable, one per line. */
export function loadConfig(env: Env): SubscriptionUpdateConfig {
  return loadUserFunctionConfig(env, "subscription-update", (env, problems) => ({
    serviceKey: firstServerKey(env, problems),
  }));
}
