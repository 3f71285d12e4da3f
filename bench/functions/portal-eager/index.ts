/**
 * Bench-only: customer-portal as it was before its request path loaded lazily, the baseline of
 * the cold-start comparison. The same handler and modules, imported statically, so the Paddle
 * SDK, supabase-js, @supabase/server and jose all load before `Deno.serve` listens.
 */
import { consoleSink } from "../../../supabase/functions/_shared/request_log.ts";
import { createTokenVerifier } from "../../../supabase/functions/_shared/verify_user_token.ts";
import { loadConfig } from "../../../supabase/functions/customer-portal/config.ts";
import { createCustomerLookup } from "../../../supabase/functions/customer-portal/customer_lookup.ts";
import { misconfiguredDeps } from "../../../supabase/functions/customer-portal/deps.ts";
import {
  createHandler,
  type PortalDeps,
} from "../../../supabase/functions/customer-portal/handler.ts";
import { createPaddlePortal } from "../../../supabase/functions/customer-portal/paddle_portal.ts";

function eagerDeps(): PortalDeps {
  try {
    const config = loadConfig(Deno.env.toObject());
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
  } catch (error) {
    return misconfiguredDeps(error instanceof Error ? error.message : String(error));
  }
}

Deno.serve(createHandler(eagerDeps()));
