/**
 * `deno task bench:invoke [calls]`: latency of `supabase.functions.invoke("customer-portal")`
 * through the local stack, exactly as the page calls it, over sequential calls (default 500)
 * rotating between the demo users that have a Paddle customer. Prints p50/p95/p99.
 */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { startBenchStack } from "./stack.ts";
import { roundSummary, summarize } from "./stats.ts";

const calls = Number(Deno.args[0] ?? 500);
const stack = await startBenchStack({});
try {
  const { apiUrl, anonKey, demoUsers } = stack.info;
  const clients: SupabaseClient[] = [];
  for (const user of demoUsers.filter((u) => u.customerId)) {
    const client = createClient(apiUrl, anonKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });
    const { error } = await client.auth.signInWithPassword(user);
    if (error) throw error;
    clients.push(client);
  }
  const call = async (client: SupabaseClient) => {
    const started = performance.now();
    const { data, error } = await client.functions.invoke("customer-portal", { body: {} });
    const elapsed = performance.now() - started;
    if (error || typeof data?.url !== "string") throw new Error(`call failed: ${error}`);
    return elapsed;
  };
  for (let i = 0; i < 50; i++) await call(clients[i % clients.length]); // warm-up, not counted
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) samples.push(await call(clients[i % clients.length]));
  console.log(
    `supabase.functions.invoke("customer-portal"), ${calls} sequential calls, ${clients.length} users`,
  );
  console.table({ "latency (ms)": roundSummary(summarize(samples)) });
} finally {
  await stack.stop();
}
