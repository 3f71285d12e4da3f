/**
 * `deno task bench:guard [calls]`: what the estimated-count guard (PostgREST's
 * pre-request function, billing_private.refuse_estimated_counts) costs the portal's one database
 * round trip. Calls rpc/customer_portal_lookup through the gateway as a demo user, in alternating
 * blocks with the guard on and off (`alter role authenticator reset pgrst.db_pre_request` +
 * `notify pgrst, 'reload config'` on the bench's throwaway stack), and prints both latencies.
 */
// @ts-types="@types/pg"
import pg from "pg";
import { createClient } from "@supabase/supabase-js";
import { startBenchStack } from "./stack.ts";
import { roundSummary, summarize } from "./stats.ts";

const calls = Number(Deno.args[0] ?? 2000);
const BLOCK = 100;
const stack = await startBenchStack({});
const db = new pg.Client({ connectionString: stack.info.dbUrl });
await db.connect();
try {
  const user = stack.info.demoUsers.find((u) => u.customerId)!;
  const client = createClient(stack.info.apiUrl, stack.info.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
  const { data, error } = await client.auth.signInWithPassword(user);
  if (error || !data.session) throw error ?? new Error("no session");
  const headers = {
    apikey: stack.info.anonKey,
    authorization: `Bearer ${data.session.access_token}`,
    "content-type": "application/json",
  };
  // The bench stack's limit is high; 0 keeps the counter out of this measurement.
  const body = JSON.stringify({ p_subscription_id: null, p_mint_limit: 0 });
  const once = async () => {
    const started = performance.now();
    const res = await fetch(`${stack.info.apiUrl}/rest/v1/rpc/customer_portal_lookup`, {
      method: "POST",
      headers,
      body,
    });
    await res.text();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    return performance.now() - started;
  };
  const setGuard = async (on: boolean) => {
    await db.query(
      on
        ? "alter role authenticator set pgrst.db_pre_request = 'billing_private.refuse_estimated_counts'"
        : "alter role authenticator reset pgrst.db_pre_request",
    );
    await db.query("notify pgrst, 'reload config'");
    await new Promise((r) => setTimeout(r, 300));
  };
  // Proof the switch works: with the guard off, an estimated count is answered.
  const probe = async () => (await fetch(`${stack.info.apiUrl}/rest/v1/subscriptions?select=*`, {
    headers: { ...headers, prefer: "count=planned" },
  }).then(async (r) => (await r.text(), r.status)));

  for (let i = 0; i < 200; i++) await once(); // warm
  const samples = { on: [] as number[], off: [] as number[] };
  const probes = { on: 0, off: 0 };
  for (let block = 0; block * BLOCK < calls; block++) {
    const mode = block % 2 === 0 ? "on" : "off";
    await setGuard(mode === "on");
    probes[mode] = await probe();
    for (let i = 0; i < BLOCK; i++) samples[mode].push(await once());
  }
  await setGuard(true);
  const on = roundSummary(summarize(samples.on), 3);
  const off = roundSummary(summarize(samples.off), 3);
  console.log(`count=planned probe: guard on ${probes.on}, guard off ${probes.off}`);
  console.log(`guard on : n=${on.n} p50 ${on.p50} ms, p95 ${on.p95} ms, mean ${on.mean} ms`);
  console.log(`guard off: n=${off.n} p50 ${off.p50} ms, p95 ${off.p95} ms, mean ${off.mean} ms`);
  console.log(`difference of the medians: ${(on.p50 - off.p50).toFixed(3)} ms`);
} finally {
  await db.end();
  await stack.stop();
}
