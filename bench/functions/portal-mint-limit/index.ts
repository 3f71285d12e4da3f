/**
 * Bench-only: the real customer-portal function with MINT_RATE_LIMIT_PER_MINUTE=20, for the
 * mint-limit load scenario (bench/mint_limit_load.ts). The bench stack runs `customer-portal`
 * itself with a limit high enough for the throughput runs, which send thousands of calls a
 * minute from three demo users.
 */
import { createHandler } from "../../../supabase/functions/customer-portal/handler.ts";
import { loadDeps } from "../../../supabase/functions/customer-portal/deps.ts";

// bench/mint_limit_load.ts expects exactly this many sessions per user and minute.
const BENCH_MINT_LIMIT = 20;

Deno.serve(
  createHandler(
    loadDeps({ ...Deno.env.toObject(), MINT_RATE_LIMIT_PER_MINUTE: String(BENCH_MINT_LIMIT) }),
  ),
);
