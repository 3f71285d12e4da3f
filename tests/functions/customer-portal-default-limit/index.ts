/**
 * The real customer-portal function with MINT_RATE_LIMIT_PER_MINUTE unset, i.e. at its default.
 * The test stack serves it beside `customer-portal`, whose limit is raised so the suites that mint
 * dozens of sessions a minute as one demo user (steady state, concurrency) can run; the limit
 * tests (tests/mint_limit_test.ts) call this one.
 */
import { createHandler } from "../../../supabase/functions/customer-portal/handler.ts";
import { loadDeps } from "../../../supabase/functions/customer-portal/deps.ts";

const env = Deno.env.toObject();
delete env.MINT_RATE_LIMIT_PER_MINUTE;
Deno.serve(createHandler(loadDeps(env)));
