/**
 * Renewal day: Paddle delivers a burst of signed webhooks at once. For each of N customers with an
 * active monthly subscription already in the mirror, a `transaction.completed` (the renewal's
 * payment, mirrored into `transactions`) and a `subscription.updated` (the next billing period),
 * shuffled, sent at concurrency 50 through the gateway to the real paddle-webhook function.
 *
 * Wrong results, which fail the run: an answer that is not 2xx (or none at all within 30 s), or a
 * mirror that differs from the final state Paddle sent. Timings never fail it: p50/p95/p99/max are
 * printed, and how many answers took longer than Paddle's 5 s (Paddle counts those as failed and
 * retries them; the goal is none).
 *
 * Part of `deno task bench` (section "Webhook burst"); alone:
 *   deno task bench:burst [--short]
 * Full: 1,000 customers, 2,000 events. Short (CI): 100 customers, 200 events.
 */
// @ts-types="@types/pg"
import pg from "pg";
import {
  customerEntity,
  priceEntity,
  productEntity,
  subscriptionEntity,
  subscriptionItem,
} from "../local/paddle_simulator/entity_builders.ts";
import { prng } from "../local/paddle_simulator/fake_account.ts";
import { paddleEvent, paddleId, paddleTime } from "../local/paddle_webhooks/payloads.ts";
import { deliverEvent } from "../local/paddle_webhooks/sign.ts";
import type { StackInfo } from "../local/stack.ts";
import { roundSummary, summarize, type Summary } from "./stats.ts";

export interface BurstPlan {
  customers: number;
  concurrency: number;
}

export const FULL_BURST_PLAN: BurstPlan = { customers: 1000, concurrency: 50 };
export const SHORT_BURST_PLAN: BurstPlan = { customers: 100, concurrency: 50 };

/** Paddle waits this long for an answer before it counts the delivery as failed. */
export const PADDLE_DEADLINE_MS = 5_000;
/** Past this, an answer is missing rather than slow. */
const GIVE_UP_MS = 30_000;
const DAY_MS = 86_400_000;

export interface BurstResult {
  plan: BurstPlan;
  events: number;
  elapsedMs: number;
  eventsPerSecond: number;
  /** HTTP status → count; 0 for no answer within 30 s. */
  byStatus: Record<string, number>;
  /** The function's `outcome` per answer (`applied`, `ignored`, ...). */
  outcomes: Record<string, number>;
  latency: Summary;
  overPaddleDeadline: number;
  mirror: { subscriptions: number; equal: number; differences: string[] };
  /** Every answer 2xx and the mirror equal to the final state. */
  met: boolean;
}

type Json = Record<string, unknown>;

export interface Renewal {
  subscriptionId: string;
  status: string;
  updatedAt: string;
  periodStartsAt: string;
  periodEndsAt: string;
  /** The renewal's payment, which the mirror must hold as completed. */
  transactionId: string;
  transactionUpdatedAt: string;
}

function addMonth(ms: number): number {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.getTime();
}

/** The account before renewal day, and the burst that renews it. */
export function buildAccount(plan: BurstPlan, renewalMs: number) {
  const createdMs = renewalMs - 40 * DAY_MS;
  const created = paddleTime(createdMs);
  const productId = paddleId("pro", createdMs);
  const product = productEntity({ id: productId, name: "Renewal plan", createdAt: created });
  const price = priceEntity({
    id: paddleId("pri", createdMs),
    productId,
    amount: "3000",
    billingCycle: { interval: "month", frequency: 1 },
    createdAt: created,
  });
  const customers: Json[] = [];
  const subscriptions: Json[] = [];
  const events: Json[] = [];
  const renewals: Renewal[] = [];
  const run = crypto.randomUUID().slice(0, 8);
  for (let i = 0; i < plan.customers; i++) {
    const customerId = paddleId("ctm", createdMs + i);
    customers.push(customerEntity({
      id: customerId,
      email: `renewal-${run}-${i}@example.test`,
      createdAt: created,
    }));
    const startMs = renewalMs - 31 * DAY_MS + i * 1000;
    const endMs = addMonth(startMs);
    const before = subscriptionEntity({
      id: paddleId("sub", createdMs + i),
      customerId,
      status: "active",
      createdAt: paddleTime(startMs),
      startedAt: paddleTime(startMs),
      firstBilledAt: paddleTime(startMs),
      nextBilledAt: paddleTime(endMs),
      currentBillingPeriod: { starts_at: paddleTime(startMs), ends_at: paddleTime(endMs) },
      billingCycle: { interval: "month", frequency: 1 },
      items: [subscriptionItem({
        price,
        product,
        createdAt: paddleTime(startMs),
        previouslyBilledAt: paddleTime(startMs),
        nextBilledAt: paddleTime(endMs),
      })],
    });
    subscriptions.push(before as unknown as Json);

    // Renewal: the period that ended is paid, the next one begins.
    const billedMs = renewalMs + i;
    const nextEndMs = addMonth(endMs);
    const after = {
      ...before,
      updated_at: paddleTime(billedMs),
      next_billed_at: paddleTime(nextEndMs),
      current_billing_period: { starts_at: paddleTime(endMs), ends_at: paddleTime(nextEndMs) },
      items: before.items.map((item) => ({
        ...item,
        updated_at: paddleTime(billedMs),
        previously_billed_at: paddleTime(endMs),
        next_billed_at: paddleTime(nextEndMs),
      })),
    };
    const transactionId = paddleId("txn", billedMs);
    renewals.push({
      subscriptionId: before.id,
      status: "active",
      updatedAt: after.updated_at,
      periodStartsAt: paddleTime(endMs),
      periodEndsAt: paddleTime(nextEndMs),
      transactionId,
      transactionUpdatedAt: paddleTime(billedMs - 200),
    });
    events.push(
      paddleEvent("transaction.completed", {
        id: transactionId,
        status: "completed",
        customer_id: customerId,
        subscription_id: before.id,
        origin: "subscription_recurring",
        collection_mode: "automatic",
        currency_code: "USD",
        billed_at: paddleTime(billedMs - 500),
        created_at: paddleTime(billedMs - 1000),
        updated_at: paddleTime(billedMs - 200),
        billing_period: after.current_billing_period,
        items: [{ price_id: price.id, quantity: 1 }],
        details: { totals: { subtotal: "3000", tax: "0", total: "3000", currency_code: "USD" } },
      }, billedMs - 200) as unknown as Json,
      paddleEvent("subscription.updated", after, billedMs) as unknown as Json,
    );
  }
  // Paddle sends a burst in no particular order; a fixed shuffle keeps runs comparable.
  const random = prng(20);
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [events[i], events[j]] = [events[j], events[i]];
  }
  return { product, price, customers, subscriptions, events, renewals };
}

export type BurstAccount = ReturnType<typeof buildAccount>;

/** The account as the mirror holds it before renewal day, through the one write path. */
export async function applyBefore(db: pg.Client, account: BurstAccount) {
  const pages: [string, unknown[]][] = [
    ["product", [account.product]],
    ["price", [account.price]],
  ];
  for (let i = 0; i < account.customers.length; i += 200) {
    pages.push(["customer", account.customers.slice(i, i + 200)]);
  }
  for (let i = 0; i < account.subscriptions.length; i += 200) {
    pages.push(["subscription", account.subscriptions.slice(i, i + 200)]);
  }
  for (const [type, page] of pages) {
    await db.query("select public.apply_paddle_entities($1, $2::jsonb)", [
      type,
      JSON.stringify(page),
    ]);
  }
}

async function deliver(url: string, secret: string, event: Json) {
  const started = performance.now();
  try {
    const delivery = await deliverEvent(url, event, secret, fetch, GIVE_UP_MS);
    let outcome = "unreadable";
    try {
      const answer = JSON.parse(delivery.body);
      outcome = String(answer.outcome ?? answer.error?.code);
    } catch { /* counted as unreadable */ }
    return { status: delivery.status, outcome, ms: delivery.durationMs };
  } catch {
    return { status: 0, outcome: "no_answer", ms: performance.now() - started };
  }
}

/** What the mirror holds for the renewed subscriptions, against what Paddle sent last. */
export async function compareMirror(db: pg.Client, renewals: Renewal[]) {
  const { rows } = await db.query(
    `select s.subscription_id, s.status, s.paddle_updated_at, s.current_period_starts_at,
            s.current_period_ends_at, s.next_billed_at,
            i.previously_billed_at as item_previously_billed_at,
            i.next_billed_at as item_next_billed_at
     from public.subscriptions s
     left join public.subscription_items i using (subscription_id)
     where s.subscription_id = any($1)`,
    [renewals.map((r) => r.subscriptionId)],
  );
  const byId = new Map(rows.map((r) => [r.subscription_id as string, r]));
  const payments = await db.query(
    `select transaction_id, subscription_id, status, total, updated_at
     from public.transactions where transaction_id = any($1)`,
    [renewals.map((r) => r.transactionId)],
  );
  const paymentById = new Map(payments.rows.map((r) => [r.transaction_id as string, r]));
  const same = (a: unknown, b: string) => a instanceof Date && a.getTime() === Date.parse(b);
  const differences: string[] = [];
  for (const r of renewals) {
    const row = byId.get(r.subscriptionId);
    const wrong = !row ? ["missing"] : [
      row.status === r.status ? "" : `status ${row.status}`,
      same(row.paddle_updated_at, r.updatedAt) ? "" : "updated_at",
      same(row.current_period_starts_at, r.periodStartsAt) ? "" : "period start",
      same(row.current_period_ends_at, r.periodEndsAt) ? "" : "period end",
      same(row.next_billed_at, r.periodEndsAt) ? "" : "next_billed_at",
      same(row.item_previously_billed_at, r.periodStartsAt) ? "" : "item previously_billed_at",
      same(row.item_next_billed_at, r.periodEndsAt) ? "" : "item next_billed_at",
      paymentProblem(paymentById.get(r.transactionId), r),
    ].filter(Boolean);
    if (wrong.length > 0) differences.push(`${r.subscriptionId}: ${wrong.join(", ")}`);
  }
  return {
    subscriptions: renewals.length,
    equal: renewals.length - differences.length,
    differences: differences.slice(0, 5),
  };
}

/** The renewal's payment as mirrored: completed, for this subscription, Paddle's total, newest. */
function paymentProblem(row: Record<string, unknown> | undefined, r: Renewal): string {
  if (!row) return "payment missing";
  if (row.status !== "completed") return `payment ${row.status}`;
  if (row.subscription_id !== r.subscriptionId) return "payment's subscription";
  if (String(row.total) !== "3000") return `payment total ${row.total}`;
  const at = row.updated_at;
  return at instanceof Date && at.getTime() === Date.parse(r.transactionUpdatedAt)
    ? ""
    : "payment updated_at";
}

export async function runWebhookBurst(info: StackInfo, plan: BurstPlan): Promise<BurstResult> {
  const url = `${info.apiUrl}/functions/v1/paddle-webhook`;
  const secret = info.paddle.webhookSecret;
  const account = buildAccount(plan, Date.now() - 60_000);
  const db = new pg.Client({ connectionString: info.dbUrl });
  await db.connect();
  try {
    await applyBefore(db, account);
    // Warm the function (module graph, connection pool): the burst is steady state, as on a
    // renewal day the function has been serving all along.
    const warm = await deliver(url, secret, account.events[0]);
    if (warm.status !== 200) throw new Error(`warm-up event answered ${warm.status}`);
    const events = account.events.slice(1);

    const answers: { status: number; outcome: string; ms: number }[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: plan.concurrency }, async () => {
        while (next < events.length) {
          answers.push(await deliver(url, secret, events[next++]));
        }
      }),
    );
    const elapsedMs = performance.now() - started;

    const byStatus: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    for (const a of [warm, ...answers]) {
      byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
      outcomes[a.outcome] = (outcomes[a.outcome] ?? 0) + 1;
    }
    const mirror = await compareMirror(db, account.renewals);
    const all2xx = [warm, ...answers].every((a) => a.status >= 200 && a.status < 300);
    return {
      plan,
      events: account.events.length,
      elapsedMs: Math.round(elapsedMs),
      eventsPerSecond: Math.round(answers.length / (elapsedMs / 1000)),
      byStatus,
      outcomes,
      latency: roundSummary(summarize(answers.map((a) => a.ms)), 1),
      overPaddleDeadline: answers.filter((a) => a.ms > PADDLE_DEADLINE_MS).length,
      mirror,
      met: all2xx && mirror.equal === mirror.subscriptions,
    };
  } finally {
    await db.end();
  }
}

export function describeWebhookBurst(r: BurstResult): string {
  const l = r.latency;
  return [
    `webhook burst: ${r.events} signed events (${r.plan.customers} renewals: transaction.completed ` +
    `+ subscription.updated) at concurrency ${r.plan.concurrency}, ${r.elapsedMs} ms, ` +
    `${r.eventsPerSecond} events/s`,
    `  answers: ${JSON.stringify(r.byStatus)}; outcomes: ${JSON.stringify(r.outcomes)}`,
    `  latency p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms; ` +
    `${r.overPaddleDeadline} over Paddle's 5 s`,
    `  mirror: ${r.mirror.equal} of ${r.mirror.subscriptions} subscriptions equal to the final ` +
    `state${r.mirror.differences.length ? ` (${r.mirror.differences.join("; ")})` : ""}`,
    `  ${r.met ? "as promised" : "NOT as promised"}`,
  ].join("\n");
}

if (import.meta.main) {
  const { runSectionAlone } = await import("./stack.ts");
  await runSectionAlone({
    run: (stack, short) => runWebhookBurst(stack.info, short ? SHORT_BURST_PLAN : FULL_BURST_PLAN),
    describe: describeWebhookBurst,
    correct: (result) => result.met,
  });
}
