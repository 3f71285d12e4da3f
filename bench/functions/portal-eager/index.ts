/**
 * Bench-only: customer-portal as it was before its request path loaded lazily, the baseline of
 * the cold-start comparison. The same wiring (`loadDeps`) and modules, but the token verifier,
 * customer lookup and Paddle SDK are imported statically, so they all load before `Deno.serve`
 * listens and the "lazy" loaders hand over what is already there.
 */
import { createTokenVerifier } from "../../../supabase/functions/_shared/verify_user_token.ts";
import { createCustomerLookup } from "../../../supabase/functions/customer-portal/customer_lookup.ts";
import { loadDeps } from "../../../supabase/functions/customer-portal/deps.ts";
import { createHandler } from "../../../supabase/functions/customer-portal/handler.ts";
import { createPaddlePortal } from "../../../supabase/functions/customer-portal/paddle_portal.ts";

Deno.serve(createHandler(loadDeps(Deno.env.toObject(), {
  tokenVerifier: () => Promise.resolve(createTokenVerifier),
  customerLookup: () => Promise.resolve(createCustomerLookup),
  paddlePortal: () => Promise.resolve(createPaddlePortal),
})));
