/**
 * The real checkout function with MINT_RATE_LIMIT_PER_MINUTE unset, i.e. at its default (10), as
 * customer-portal-default-limit is for the portal: tests/checkout_test.ts's mint-limit test calls it.
 */
import { createHandler } from "../../../supabase/functions/checkout/handler.ts";
import { loadDeps } from "../../../supabase/functions/checkout/deps.ts";

const env = Deno.env.toObject();
delete env.MINT_RATE_LIMIT_PER_MINUTE;
Deno.serve(createHandler(loadDeps(env)));
