/**
 * The per-user mint limit under load: many users, each within their limit, calling the portal at
 * once while one user floods it. Every well-behaved call must answer 200 with a fresh URL that
 * opens the caller's own portal; the flooder must get exactly their limit of Paddle sessions and
 * 429 `too_many_requests` (with `Retry-After`) after, with no Paddle call for those.
 *
 * Part of `deno task bench` (section "Mint limit under load"); alone:
 *   deno task bench:mint [--short]
 * It calls `portal-mint-limit`, the real function with MINT_RATE_LIMIT_PER_MINUTE=20.
 */
// @ts-types="@types/pg"
import pg from "pg";
import { benchUserToken } from "./callers.ts";
import type { StackInfo } from "../local/stack.ts";
import { checkSamples, type Correctness } from "./correctness.ts";
import type { Control } from "./control.ts";
import { type Caller, portalRequest, type Sample, type Target } from "./load.ts";
import { roundSummary, summarize, type Summary } from "./stats.ts";

export const MINT_LIMIT_FUNCTION = "portal-mint-limit";
/** Must match bench/functions/portal-mint-limit. */
export const MINT_LIMIT = 20;

export interface MintLoadPlan {
  users: number;
  /** Calls per well-behaved user: at most MINT_LIMIT. */
  callsPerUser: number;
  flooderCalls: number;
  concurrency: number;
}

export const FULL_MINT_PLAN: MintLoadPlan = {
  users: 50,
  callsPerUser: 20,
  flooderCalls: 200,
  concurrency: 64,
};
export const SHORT_MINT_PLAN: MintLoadPlan = {
  users: 10,
  callsPerUser: 20,
  flooderCalls: 60,
  concurrency: 64,
};

export interface MintLoadResult {
  plan: MintLoadPlan;
  limit: number;
  elapsedMs: number;
  /** The well-behaved users' calls. */
  users: {
    calls: number;
    byStatus: Record<string, number>;
    rps: number;
    latency: Summary;
    correctness: Correctness;
    /** Paddle sessions the simulator minted for their customers. */
    paddleSessions: number;
  };
  flooder: {
    calls: number;
    ok: number;
    tooMany: number;
    other: number;
    /** Every 429 carried Retry-After as whole seconds in 1..60. */
    retryAfterValid: boolean;
    retryAfterRange: [number, number] | null;
    paddleSessions: number;
    okVerified: number;
    latency429: Summary | null;
  };
  /** Everything the scenario promises held. */
  met: boolean;
}

interface BenchUser extends Caller {
  userId: string;
}

async function createUsers(info: StackInfo, control: Control, n: number): Promise<BenchUser[]> {
  const db = new pg.Client({ connectionString: info.dbUrl });
  await db.connect();
  const run = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
  const users: BenchUser[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const userId = crypto.randomUUID();
      const customerId = `ctm_01jbm${run}${String(i).padStart(13, "0")}`;
      const email = `mint-bench-${run}-${i}@example.test`;
      await db.query(
        `insert into auth.users (id, aud, role, email, email_confirmed_at)
         values ($1, 'authenticated', 'authenticated', $2, now())`,
        [userId, email],
      );
      await db.query(
        "insert into public.customers (customer_id, user_id, email) values ($1, $2, $3)",
        [customerId, userId, email],
      );
      await control.registerPaddleCustomer(customerId);
      const token = await benchUserToken(info, userId, { email });
      users.push({ userId, email, customerId, token });
    }
  } finally {
    await db.end();
  }
  return users;
}

/** A fixed interleaving (no Math.random), so every run sends the same sequence. */
function schedule(plan: MintLoadPlan): number[] {
  const calls: number[] = [];
  for (let round = 0; round < plan.callsPerUser; round++) {
    for (let u = 0; u < plan.users; u++) calls.push(u);
  }
  const flooder = plan.users;
  const every = Math.max(1, Math.floor(calls.length / plan.flooderCalls));
  const out: number[] = [];
  let flooded = 0;
  for (let i = 0; i < calls.length; i++) {
    out.push(calls[i]);
    if (i % every === 0 && flooded < plan.flooderCalls) {
      out.push(flooder);
      flooded++;
    }
  }
  while (flooded++ < plan.flooderCalls) out.push(flooder);
  return out;
}

export async function runMintLoad(
  info: StackInfo,
  control: Control,
  plan: MintLoadPlan,
): Promise<MintLoadResult> {
  if (plan.callsPerUser > MINT_LIMIT) {
    throw new Error("well-behaved users must stay within the limit");
  }
  const users = await createUsers(info, control, plan.users + 1);
  const flooderIndex = plan.users;
  const target: Target = {
    name: MINT_LIMIT_FUNCTION,
    url: `${info.apiUrl}/functions/v1/${MINT_LIMIT_FUNCTION}`,
    apikey: info.anonKey,
  };
  await control.clearPaddleRequests();

  const calls = schedule(plan);
  const samples: Sample[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < calls.length) {
      const who = calls[next++];
      const sample = await portalRequest(target, users[who], who);
      samples.push(sample);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  const elapsedMs = performance.now() - started;

  const sessions = await control.portalSessionsByCustomer();
  const portalOrigin = new URL(info.paddle.apiUrl).origin;
  const mine = samples.filter((s) => s.caller !== flooderIndex);
  const flood = samples.filter((s) => s.caller === flooderIndex);
  const byStatus: Record<string, number> = {};
  for (const s of mine) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
  const correctness = await checkSamples(mine, users, portalOrigin);
  const floodOk = flood.filter((s) => s.status === 200);
  const floodCorrect = await checkSamples(floodOk, users, portalOrigin);
  const tooMany = flood.filter((s) => s.status === 429);
  const retryAfters = tooMany.map((s) => s.retryAfter ?? null);
  const retryAfterValid = retryAfters.every((v) =>
    v !== null && /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 60
  );
  const numeric = retryAfters.filter((v) => v !== null).map(Number);
  const userSessions = users.slice(0, plan.users)
    .reduce((sum, u) => sum + (sessions.get(u.customerId) ?? 0), 0);
  const flooderSessions = sessions.get(users[flooderIndex].customerId) ?? 0;

  const result: MintLoadResult = {
    plan,
    limit: MINT_LIMIT,
    elapsedMs: Math.round(elapsedMs),
    users: {
      calls: mine.length,
      byStatus,
      rps: Math.round(mine.length / (elapsedMs / 1000)),
      latency: roundSummary(summarize(mine.map((s) => s.ms)), 3),
      correctness,
      paddleSessions: userSessions,
    },
    flooder: {
      calls: flood.length,
      ok: floodOk.length,
      tooMany: tooMany.length,
      other: flood.length - floodOk.length - tooMany.length,
      retryAfterValid,
      retryAfterRange: numeric.length ? [Math.min(...numeric), Math.max(...numeric)] : null,
      paddleSessions: flooderSessions,
      okVerified: floodCorrect.verified,
      latency429: tooMany.length ? roundSummary(summarize(tooMany.map((s) => s.ms)), 3) : null,
    },
    met: false,
  };
  const expectedFloodOk = Math.min(MINT_LIMIT, plan.flooderCalls);
  result.met = mine.length === plan.users * plan.callsPerUser &&
    correctness.verified === mine.length && correctness.ok === mine.length &&
    correctness.duplicateUrls === 0 && userSessions === mine.length &&
    floodOk.length === expectedFloodOk && floodCorrect.verified === expectedFloodOk &&
    tooMany.length === plan.flooderCalls - expectedFloodOk && retryAfterValid &&
    flooderSessions === expectedFloodOk;
  return result;
}

export function describeMintLoad(r: MintLoadResult): string {
  const u = r.users, f = r.flooder;
  return [
    `mint limit ${r.limit}/min; ${r.plan.users} users × ${r.plan.callsPerUser} calls + 1 flooder × ` +
    `${f.calls} calls at concurrency ${r.plan.concurrency}, ${r.elapsedMs} ms`,
    `  users: ${JSON.stringify(u.byStatus)}, ${u.correctness.verified} of ${u.calls} verified as ` +
    `the caller's own portal, ${u.correctness.duplicateUrls} duplicate URLs, ${u.paddleSessions} ` +
    `Paddle sessions; ${u.rps} req/s; latency p50 ${u.latency.p50} ms, p95 ${u.latency.p95} ms, ` +
    `p99 ${u.latency.p99} ms`,
    `  flooder: ${f.ok} × 200 (${f.okVerified} verified), ${f.tooMany} × 429, ${f.other} other; ` +
    `${f.paddleSessions} Paddle sessions; Retry-After ${
      f.retryAfterRange ? f.retryAfterRange.join("–") : "-"
    } s${f.retryAfterValid ? "" : " (INVALID)"}; 429 latency p50 ${f.latency429?.p50 ?? "-"} ms`,
    `  ${r.met ? "as promised" : "NOT as promised"}`,
  ].join("\n");
}

if (import.meta.main) {
  const { runSectionAlone, PROJECT_ROOT } = await import("./stack.ts");
  const { Control } = await import("./control.ts");
  await runSectionAlone({
    functions: {
      [MINT_LIMIT_FUNCTION]: `${PROJECT_ROOT}/bench/functions/${MINT_LIMIT_FUNCTION}/index.ts`,
    },
    run: (stack, short) =>
      runMintLoad(stack.info, new Control(stack.info), short ? SHORT_MINT_PLAN : FULL_MINT_PLAN),
    describe: describeMintLoad,
    correct: (result) => result.met,
    json: true,
  });
}
