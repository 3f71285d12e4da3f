/**
 * Latency and round trips of `supabase.functions.invoke("subscription-update")` through the local
 * stack (gateway, the real function, PostgREST, the real Paddle SDK against the simulator's
 * `PATCH /subscriptions/{id}[/preview]`), exactly as the page calls it. `deno task bench` reports
 * it beside the portal's figures; `deno task bench:update [subscribers] [calls]` runs it alone.
 *
 * Each subscriber (a fresh user, customer and Starter monthly subscription in the simulator and
 * the mirror) alternates between Pro and Starter, so every call is a real change: previews of
 * the change, then applies (an upgrade charged at once, a downgrade at the next period). Webhooks
 * are held while applies are counted, so the counts are the function's own: preview = 1 RPC +
 * 1 Paddle call; apply = 1 RPC + 1 Paddle call + 1 write-back RPC. Asserts nothing about time.
 */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { withClient } from "../local/database.ts";
import type { StackInfo } from "../local/stack.ts";
import {
  customerEntity,
  subscriptionEntity,
  subscriptionItem,
} from "../local/paddle_simulator/entity_builders.ts";
import type { PaddlePrice, PaddleProduct } from "../local/paddle_simulator/entities.ts";
import { newPaddleId, paddleTimestamp } from "../local/paddle_simulator/ids.ts";
import { benchUserToken } from "./callers.ts";
import { Control } from "./control.ts";
import { roundSummary, summarize, type Summary } from "./stats.ts";

const STARTER = "pri_01jdemopricebasic000000000";
const PRO = "pri_01jdemopricepro00000000000";
const DAY = 86_400_000;

export interface ActionFigures {
  calls: number;
  latency: Summary;
  /** Per call, counted at the gateway and the simulator. */
  rest: number;
  auth: number;
  paddle: number;
}

export interface SubscriptionUpdateFigures {
  subscribers: number;
  preview: ActionFigures;
  apply: ActionFigures;
}

interface Subscriber {
  client: SupabaseClient;
  subscriptionId: string;
  /** The price the subscription holds now. */
  on: string;
}

async function paddleGet<T>(info: StackInfo, path: string): Promise<T> {
  const res = await fetch(`${info.paddle.apiUrl}${path}`, {
    headers: { authorization: `Bearer ${info.paddle.apiKey}` },
  });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.json()).data;
}

async function subscribers(info: StackInfo, count: number): Promise<Subscriber[]> {
  const price = await paddleGet<PaddlePrice>(info, `/prices/${STARTER}`);
  const product = await paddleGet<PaddleProduct>(info, `/products/${price.product_id}`);
  const run = crypto.randomUUID().slice(0, 8);
  const userIds: string[] = await withClient(info.dbUrl, async (db) => {
    const { rows } = await db.query(
      `insert into auth.users (aud, role, email, email_confirmed_at, raw_app_meta_data)
       select 'authenticated', 'authenticated', format('update-%s-%s@example.test', $1::text, n),
              now(), '{"provider":"email","providers":["email"]}'
       from generate_series(1, $2::int) n
       returning id, email`,
      [run, count],
    );
    return rows.map((r) => r.id as string);
  });
  const now = Date.now();
  const start = paddleTimestamp(new Date(now - 10 * DAY));
  const end = paddleTimestamp(new Date(now + 20 * DAY));
  const customers = userIds.map((_, n) =>
    customerEntity({
      id: newPaddleId("ctm"),
      email: `update-${run}-${n + 1}@example.test`,
      createdAt: start,
    })
  );
  const subscriptions = customers.map((customer) =>
    subscriptionEntity({
      id: newPaddleId("sub"),
      customerId: customer.id,
      status: "active",
      createdAt: start,
      startedAt: start,
      firstBilledAt: start,
      nextBilledAt: end,
      currentBillingPeriod: { starts_at: start, ends_at: end },
      billingCycle: { interval: "month", frequency: 1 },
      items: [subscriptionItem({ price, product, createdAt: start, nextBilledAt: end })],
    })
  );
  const loaded = await fetch(`${info.paddle.controlUrl}/__entities`, {
    method: "POST",
    body: JSON.stringify({ customers, subscriptions }),
  });
  if (loaded.status !== 201) throw new Error(`__entities: ${loaded.status} ${await loaded.text()}`);
  await loaded.body?.cancel();
  await withClient(info.dbUrl, async (db) => {
    await db.query("select public.apply_paddle_entities('customer', $1::jsonb)", [
      JSON.stringify(customers),
    ]);
    await db.query("select public.apply_paddle_entities('subscription', $1::jsonb)", [
      JSON.stringify(subscriptions),
    ]);
  });

  return await Promise.all(userIds.map(async (sub, n) => {
    const token = await benchUserToken(info, sub);
    const client = createClient(info.apiUrl, info.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      global: { headers: { Authorization: `Bearer ${token}` } },
    });
    return { client, subscriptionId: subscriptions[n].id, on: STARTER };
  }));
}

async function invoke(subscriber: Subscriber, action: "preview" | "apply"): Promise<number> {
  const target = subscriber.on === STARTER ? PRO : STARTER;
  const started = performance.now();
  const { data, error } = await subscriber.client.functions.invoke("subscription-update", {
    body: {
      subscriptionId: subscriber.subscriptionId,
      action,
      items: [{ priceId: target, quantity: 1 }],
    },
  });
  const elapsed = performance.now() - started;
  const answered = action === "preview" ? data?.preview : data?.subscription;
  if (error || answered === undefined) {
    const context = (error as { context?: Response } | null)?.context;
    const detail = context ? `${context.status} ${await context.text()}` : "no answer";
    throw new Error(`subscription-update ${action} failed: ${detail}`);
  }
  if (action === "apply") subscriber.on = target;
  return elapsed;
}

async function series(
  control: Control,
  subs: Subscriber[],
  action: "preview" | "apply",
  calls: number,
): Promise<ActionFigures> {
  for (let i = 0; i < Math.min(10, calls); i++) await invoke(subs[i % subs.length], "preview");
  await control.resetCounters();
  const before = await control.counters();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) times.push(await invoke(subs[i % subs.length], action));
  const after = await control.counters();
  return {
    calls,
    latency: roundSummary(summarize(times), 3),
    rest: after.rest / calls,
    auth: after.auth / calls,
    paddle: (after.paddle - before.paddle) / calls,
  };
}

/** Previews, then applies, `calls` of each, sequentially, over `count` fresh subscribers. */
export async function measureSubscriptionUpdate(
  info: StackInfo,
  control: Control,
  count: number,
  calls: number,
): Promise<SubscriptionUpdateFigures> {
  const subs = await subscribers(info, count);
  const hold = (what: "hold" | "release") =>
    fetch(`${info.paddle.controlUrl}/__webhooks/${what}`, { method: "POST" }).then((r) =>
      r.body?.cancel()
    );
  await hold("hold");
  try {
    const preview = await series(control, subs, "preview", calls);
    const apply = await series(control, subs, "apply", calls);
    return { subscribers: count, preview, apply };
  } finally {
    await hold("release");
    await control.clearPaddleRequests();
  }
}

export function describeSubscriptionUpdate(f: SubscriptionUpdateFigures): string {
  const one = (name: string, a: ActionFigures) =>
    `${name} p50 ${a.latency.p50} ms, p95 ${a.latency.p95} ms (n=${a.calls}); per call ` +
    `${a.rest} PostgREST, ${a.auth} Auth, ${a.paddle} Paddle`;
  return `${one("preview", f.preview)}; ${one("apply", f.apply)}`;
}

if (import.meta.main) {
  const { startBenchStack } = await import("./stack.ts");
  const count = Number(Deno.args[0] ?? 20);
  const calls = Number(Deno.args[1] ?? 200);
  const stack = await startBenchStack({});
  try {
    const figures = await measureSubscriptionUpdate(
      stack.info,
      new Control(stack.info),
      count,
      calls,
    );
    console.log(
      `supabase.functions.invoke("subscription-update"), sequential, ${count} subscribers`,
    );
    console.table({
      [`preview (${calls} calls; ms)`]: figures.preview.latency,
      [`apply (${calls} calls; ms)`]: figures.apply.latency,
    });
    console.log(describeSubscriptionUpdate(figures));
  } finally {
    await stack.stop();
  }
}
