/**
 * `deno task bench:checkout [buyers] [calls]`: latency of `supabase.functions.invoke("checkout")`
 * through the local stack (gateway, the real function, PostgREST, the real Paddle SDK against the
 * simulator), exactly as the page calls it. Two paths, printed apart:
 *
 * - first purchase: each of `buyers` fresh, confirmed users (default 100) buys once: the prepare
 *   RPC, `POST /customers`, the service-role link RPC, `POST /transactions`;
 * - same items again: the same users, now linked and still without a subscription (a transaction
 *   makes no subscription until it is paid), ask for the same plan, `calls` sequential calls
 *   (default 500) rotating between them: the prepare RPC only, the open checkout's URL again;
 * - other items: the same users alternate between monthly and yearly, `calls` calls: the prepare
 *   RPC, `PATCH /transactions/{id}` (cancel the open one), `POST /transactions`, the settle RPC.
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
const YEARLY = "pri_01jdemoproyearly0000000000";

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
  const call = async (client: (typeof clients)[number], priceId = PRICE) => {
    const started = performance.now();
    const { data, error } = await client.functions.invoke("checkout", { body: { priceId } });
    const elapsed = performance.now() - started;
    if (error || typeof data?.url !== "string") throw new Error(`checkout failed: ${error}`);
    return elapsed;
  };

  const first: number[] = [];
  for (const client of clients) first.push(await call(client));
  for (let i = 0; i < 50; i++) await call(clients[i % clients.length]); // warm-up, not counted
  const same: number[] = [];
  for (let i = 0; i < calls; i++) same.push(await call(clients[i % clients.length]));
  // Each round of all buyers switches the interval, so every call replaces the open checkout.
  const other: number[] = [];
  for (let i = 0; i < calls; i++) {
    const round = Math.floor(i / clients.length);
    other.push(await call(clients[i % clients.length], round % 2 === 0 ? YEARLY : PRICE));
  }

  console.log(`supabase.functions.invoke("checkout"), sequential, ${buyers} buyers`);
  console.table({
    [`first purchase (${first.length} calls; ms)`]: roundSummary(summarize(first)),
    [`same items, the open URL (${same.length} calls; ms)`]: roundSummary(summarize(same)),
    [`other items, cancel + create (${other.length} calls; ms)`]: roundSummary(summarize(other)),
  });
} finally {
  await stack.stop();
}
