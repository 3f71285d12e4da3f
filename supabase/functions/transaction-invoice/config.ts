/** The invoice function's configuration: exactly the shared one (`_shared/user_function_config.ts`). */
import {
  ConfigError,
  type Env,
  loadUserFunctionConfig,
  type UserFunctionConfig,
} from "../_shared/user_function_config.ts";

export { ConfigError, type Env };

export type InvoiceConfig = UserFunctionConfig;

/** Throws `ConfigError` listing every bad variable, one per line. */
export function loadConfig(env: Env): InvoiceConfig {
  return loadUserFunctionConfig(env, "transaction-invoice");
}
