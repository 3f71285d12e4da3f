/**
 * `deno task bench:checkout [buyers] [calls]`: latency of `supabase.functions.invoke("checkout")`
 * through the local stack (gateway, the real function, PostgREST, the real Paddle SDK against the
 * simulator), exactly as the page calls it. Two paths, printed apart:
 *
 * - first purchase: each of `buyers` fresh, confirmed users (default 100) buys once: the prepare
 *   RPC, `POST /customers`, the service-role link RPC, `POST /transactions`;
 * - steady state: the same users, now linked and still without a subscription (a transaction makes
 *   no subscription until it is paid), buy again, `calls` sequential calls (default 500) rotating
 *   between them: the prepare RPC and `POST /transactions`.
 *
 * Prints p50/p95/p99 of each; asserts nothing about time.
 */
import { createClient } from "@supabase/supabase-js";
import { withClient } from "../local/database.ts";
import { signUserToken, type StackKeys } from "../local/keys.ts";
import { startBenchStack } from "./stack.ts";
import { roundSummary, summarize } from "./stats.ts";

const buyers = Number(Deno.args[0] ?? 100);
const calls = Number(Deno.args[1] ?? 500);
const PRICE = "pri_01jdemopricepro00000000000";

const stack = await startBenchStack({});
try {
  const { apiUrl, anonKey, dbUrl, jwtIssuer, jwtSecret, signingKey } = stack.info;
  const keys = { signingKey, jwtSecret, legacyKid: "", webhookSecret: "" } as StackKeys;
  const run = crypto.randomUUID().slice(0, 8);
  const userIds: string[] = await withClient(dbUrl, async (db) => {
    const { rows } = await db.query(
      `insert into auth.users (aud, role, email, email_confirmed_at, raw_app_meta_data)
       select 'authenticated', 'authenticated', format('bench-%s-%s@example.test', $1::text, n), now(),
              '{"provider":"email","providers":["email"]}'
       from generate_series(1, $2::int) n
       returning id`,
      [run, buyers],
    );
    return rows.map((r) => r.id as string);
  });
  const now = Math.floor(Date.now() / 1000);
  const clients = await Promise.all(userIds.map(async (sub) => {
    const token = await signUserToken(keys, {
      iss: jwtIssuer,
      sub,
      aud: "authenticated",
      role: "authenticated",
      iat: now,
      exp: now + 3600,
      session_id: crypto.randomUUID(),
      is_anonymous: false,
    });
    return createClient(apiUrl, anonKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      global: { headers: { Authorization: `Bearer ${token}` } },
    });
  }));
  const call = async (client: (typeof clients)[number]) => {
    const started = performance.now();
    const { data, error } = await client.functions.invoke("checkout", { body: { priceId: PRICE } });
    const elapsed = performance.now() - started;
    if (error || typeof data?.url !== "string") throw new Error(`checkout failed: ${error}`);
    return elapsed;
  };

  const first: number[] = [];
  for (const client of clients) first.push(await call(client));
  for (let i = 0; i < 50; i++) await call(clients[i % clients.length]); // warm-up, not counted
  const steady: number[] = [];
  for (let i = 0; i < calls; i++) steady.push(await call(clients[i % clients.length]));

  console.log(`supabase.functions.invoke("checkout"), sequential, ${buyers} buyers`);
  console.table({
    [`first purchase (${first.length} calls; ms)`]: roundSummary(summarize(first)),
    [`steady state, linked (${steady.length} calls; ms)`]: roundSummary(summarize(steady)),
  });
} finally {
  await stack.stop();
}
