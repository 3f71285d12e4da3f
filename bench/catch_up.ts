/**
 * Catch-up from Paddle's event log after an outage: webhooks are held back at the simulator
 * (`/__webhooks/hold`), sales make `events` events, then one `paddle-sync` call with
 * `{"events": true}` goes through the gateway as pg_cron's would. Each round checks the answer
 * (every event read, none refused, the mirror equal to the simulator's state for those
 * customers, at most ceil(events / 200) + 1 Paddle requests) and times the call; then the held
 * webhooks are released (each is a ledger duplicate by then) before the next round.
 *
 * Goal (issue 20): 1,000 events caught up in at most 6 Paddle requests and 2 s. The time is a
 * figure; only a wrong answer fails the run.
 *
 * Part of `deno task bench` (section 10, "Catch-up from the event log"); alone:
 *   deno task bench:catchup [--short]
 */
import { mirrorDifferences } from "../local/mirror_compare.ts";
import { EVENTS_PER_SALE, simulatedSale, simulatedSales } from "../local/simulated_sales.ts";
import type { StackInfo } from "../local/stack.ts";
import { PLANS } from "../local/paddle_webhooks/payloads.ts";
import { EVENT_PAGE_SIZE } from "../supabase/functions/_shared/paddle_sync/event_pages.ts";
import type { CatchUpReport } from "../supabase/functions/_shared/paddle_sync/catch_up.ts";

export interface CatchUpPlan {
  /** Events per round; a multiple of EVENTS_PER_SALE. */
  events: number;
  rounds: number;
}

export const FULL_CATCH_UP_PLAN: CatchUpPlan = { events: 1000, rounds: 5 };
export const SHORT_CATCH_UP_PLAN: CatchUpPlan = { events: 200, rounds: 1 };
/** What bench:sync models Paddle's answers with. */
export const PADDLE_LIKE_LATENCY = { minMs: 80, maxMs: 160 };
/** Issue 20's bounds for 1,000 events. */
export const CATCH_UP_GOAL = { requests: 6, ms: 2000 };

export interface CatchUpRound {
  events: number;
  paddleRequests: number;
  /** The call through the gateway, at the client. */
  wallMs: number;
  /** The function's own `duration_ms`, and within it the waits for Paddle and the database. */
  functionMs: number;
  paddleWaitMs: number;
  databaseMs: number;
  applied: number;
  stale: number;
  ignored: number;
  problems: string[];
}

export interface CatchUpResult {
  plan: CatchUpPlan;
  rounds: CatchUpRound[];
  /** Every round answered right: all events read and applied, mirror equal, requests in bound. */
  correct: boolean;
  maxRequests: number;
  requestBound: number;
  wallMs: { median: number; max: number };
}

async function control(info: StackInfo, method: string, path: string, body?: unknown) {
  const res = await fetch(`${info.paddle.controlUrl}${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status}`);
  return res.status === 204 ? null : await res.json();
}

async function catchUp(info: StackInfo): Promise<{ status: number; report: CatchUpReport }> {
  const res = await fetch(`${info.apiUrl}/functions/v1/paddle-sync`, {
    method: "POST",
    headers: { authorization: `Bearer ${info.serviceRoleKey}`, "content-type": "application/json" },
    body: JSON.stringify({ events: true }),
  });
  return { status: res.status, report: await res.json() };
}

async function deliveriesSettled(info: StackInfo): Promise<void> {
  for (let i = 0; i < 2400; i++) {
    const { deliveries } = await control(info, "GET", "/__webhooks") as {
      deliveries: { state: string }[];
    };
    if (deliveries.every((d) => d.state !== "held" && d.state !== "pending")) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("webhook deliveries did not settle");
}

export async function runCatchUpBench(
  info: StackInfo,
  plan: CatchUpPlan,
  log: (message: string) => void = () => {},
): Promise<CatchUpResult> {
  await control(info, "POST", "/__entities", {
    products: [PLANS.basic.product],
    prices: [PLANS.basic.price, PLANS.pro.price],
  });
  // A cursor to start from (the first catch-up on a stack is a full sync).
  for (let i = 0; i < 50; i++) {
    const { report } = await catchUp(info);
    if (report.mode === "events" && report.status === "done") break;
  }
  await deliveriesSettled(info);

  const requestBound = Math.ceil(plan.events / EVENT_PAGE_SIZE) + 1;
  const rounds: CatchUpRound[] = [];
  for (let round = 0; round < plan.rounds; round++) {
    await control(info, "POST", "/__webhooks/hold");
    let made: { customerId: string }[];
    try {
      made = await simulatedSales(
        plan.events / EVENTS_PER_SALE,
        () => simulatedSale(info.paddle, { email: `catchup-${crypto.randomUUID()}@example.com` }),
      );
      await control(info, "DELETE", "/__requests");
      const started = performance.now();
      const { status, report } = await catchUp(info);
      const wallMs = performance.now() - started;
      const requests = (await control(info, "GET", "/__requests") as unknown[]).length;
      const problems: string[] = [];
      if (status !== 200) problems.push(`answer ${status}`);
      if (report.mode !== "events" || report.status !== "done") {
        problems.push(`not caught up: ${report.mode} ${report.status}`);
      }
      if (report.events !== plan.events) problems.push(`${report.events} events read`);
      if (report.refused + report.invalid > 0) problems.push("events refused");
      if (requests > requestBound) problems.push(`${requests} Paddle requests`);
      problems.push(
        ...await mirrorDifferences(info.dbUrl, info.paddle, made.map((m) => m.customerId)),
      );
      rounds.push({
        events: report.events,
        paddleRequests: requests,
        wallMs: Math.round(wallMs),
        functionMs: report.duration_ms,
        paddleWaitMs: report.paddle_wait_ms,
        databaseMs: report.database_ms,
        applied: report.applied,
        stale: report.stale,
        ignored: report.ignored,
        problems: problems.slice(0, 5),
      });
      log(
        `  round ${round + 1}: ${report.events} events, ${requests} requests, ` +
          `${Math.round(wallMs)} ms (Paddle wait ${report.paddle_wait_ms} ms, database ` +
          `${report.database_ms} ms)${problems.length ? `; WRONG: ${problems[0]}` : ""}`,
      );
    } finally {
      await control(info, "POST", "/__webhooks/release");
    }
    await deliveriesSettled(info);
  }
  const times = rounds.map((r) => r.wallMs).sort((a, b) => a - b);
  return {
    plan,
    rounds,
    correct: rounds.length === plan.rounds && rounds.every((r) => r.problems.length === 0),
    maxRequests: Math.max(...rounds.map((r) => r.paddleRequests)),
    requestBound,
    wallMs: { median: times[Math.floor((times.length - 1) / 2)], max: times.at(-1)! },
  };
}

export function describeCatchUp(r: CatchUpResult): string {
  return `catch-up of ${r.plan.events.toLocaleString("en-US")} held-back events, ` +
    `${r.plan.rounds} round(s): ${r.maxRequests} Paddle requests at most (bound ${r.requestBound}), ` +
    `${r.wallMs.median} ms median, ${r.wallMs.max} ms max through the gateway; ` +
    (r.correct ? "mirror equal to Paddle every round" : "WRONG ANSWERS");
}

if (import.meta.main) {
  const { runSectionAlone } = await import("./stack.ts");
  await runSectionAlone({
    // Alone it answers like Paddle does (80-160 ms a request); its 5 requests are far below the
    // rate limit, which stays off so that making the sales is quick.
    simulator: { paddleLatencyMs: PADDLE_LIKE_LATENCY },
    run: (stack, short) =>
      runCatchUpBench(stack.info, short ? SHORT_CATCH_UP_PLAN : FULL_CATCH_UP_PLAN, console.error),
    describe: describeCatchUp,
    correct: (result) => result.correct,
    json: true,
  });
}
