/**
 * The report: one JSON document with every figure, rendered as a table for the terminal, as
 * Markdown for docs/benchmarks.md, and as a hand-written SVG chart (no chart library: the bench
 * must not pull dependencies into the project for a picture).
 */
import type { SubscriptionUpdateFigures } from "./subscription_update_latency.ts";
import type { MintLoadResult } from "./mint_limit_load.ts";
import type { BurstResult } from "./webhook_burst.ts";
import type { CatchUpResult } from "./catch_up.ts";
import type { ColdStartReport } from "./cold_start.ts";
import type { Correctness } from "./correctness.ts";
import type { Machine } from "./machine.ts";
import type { MemoryResult } from "./memory.ts";
import { median, round, type Summary } from "./stats.ts";

export interface Goal {
  id: string;
  goal: string;
  value: string;
  /** null: a figure to report, with no pass mark. */
  met: boolean | null;
  /** Timing goals are reported, never fail the run (CI machines vary). */
  timing: boolean;
}

export interface PerRequest {
  requests: number;
  rest: number;
  auth: number;
  paddle: number;
  allOk: boolean;
}

export interface Throughput {
  requests: number;
  /** Correct 200s that arrived within the timed windows. */
  ok: number;
  windowMs: number;
  rps: number;
  latency: Summary;
  /** User + system CPU of the function's process per request (10 ms clock ticks, averaged). */
  functionCpuMsPerRequest: number;
}

export interface Report {
  /** subscription-update's preview and apply, beside the portal (bench/subscription_update_latency.ts). */
  subscriptionUpdate?: SubscriptionUpdateFigures;
  meta: {
    startedAt: string;
    mode: "full" | "short";
    commit: string | null;
    durationS: number;
    machine: Machine;
    loadAverageAfter: number[];
  };
  latency: {
    requests: number;
    e2e: Summary;
    /** `duration_ms` from the function's own log line (whole milliseconds). */
    loggedDuration: Summary | null;
    inFunction: {
      requests: number;
      /** End to end at the client, for the instrumented copy: shows the timing costs nothing. */
      e2e: Summary;
      total: Summary;
      verify: Summary;
      lookup: Summary;
      paddle: Summary;
      dbWait: Summary;
      paddleWait: Summary;
      own: Summary;
      /** Median over requests of own time / end-to-end time. */
      ownShareOfE2e: number;
      ownShareOfTotal: number;
    } | null;
  };
  roundTrips: {
    perFunction: Record<string, PerRequest>;
    /** A fresh process's first and second request. */
    firstRequest: { rest: number; auth: number; paddle: number } | null;
    secondRequest: { rest: number; auth: number; paddle: number } | null;
  };
  delays: {
    delayMs: number;
    requests: number;
    ours: Summary;
    reference: Summary;
    ratioP50: number;
    ratioMean: number;
  }[];
  throughput: {
    concurrency: number;
    ours: Throughput;
    bare: Throughput;
    ratio: number;
    /** ours / bare of each pair of adjacent slices: how much the ratio moved within the level. */
    sliceRatios: number[];
    /** 1-minute load average after the level: the machine is shared. */
    loadAverage: number;
  }[];
  coldStart: ColdStartReport | null;
  memory: MemoryResult | null;
  correctness: { ours: Correctness; bare: Correctness };
  /** The per-user mint limit under load (absent in reports from before it existed). */
  mintLimit?: MintLoadResult | null;
  /** Renewal day's burst of webhooks (absent in reports from before it existed). */
  webhookBurst?: BurstResult | null;
  /** Catch-up from the event log (absent in reports from before it existed). */
  catchUp?: CatchUpResult | null;
  goals: Goal[];
}

const mb = (bytes: number) =>
  bytes < 1024 * 1024 ? `${round(bytes / 1024, 1)} KB` : `${round(bytes / 1024 / 1024, 1)} MB`;
const gb = (bytes: number) => `${round(bytes / 1024 ** 3, 1)} GB`;
const signedMb = (bytes: number) => `${bytes >= 0 ? "+" : "−"}${mb(Math.abs(bytes))}`;
const ms = (v: number) => `${round(v, v < 10 ? 2 : 1)} ms`;
const x = (v: number) => `${round(v, 2)}×`;
const pct = (v: number) => `${round(v * 100, 1)}%`;

function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

function mark(met: boolean | null): string {
  return met === null ? "—" : met ? "met" : "**missed**";
}

export function renderMarkdown(r: Report, svgFile: string): string {
  const m = r.meta.machine;
  const out: string[] = [];
  out.push("# Benchmarks: customer-portal");
  out.push("");
  out.push(
    `One \`deno task bench\` run (${r.meta.mode} mode) on ${r.meta.startedAt.slice(0, 10)}` +
      (r.meta.commit ? ` at commit \`${r.meta.commit}\`` : "") +
      `, ${round(r.meta.durationS, 0)} s in all. Every figure below comes from this run; ratios` +
      " compare functions measured side by side in it.",
  );
  out.push("");
  out.push(
    `**Machine:** ${m.cpuModel}, ${m.cores} cores, ${gb(m.memoryBytes)} RAM, ${m.os}; ` +
      `Deno ${m.deno} (V8 ${m.v8}). Load average (1 / 5 / 15 min) ${m.loadAverage.join(" / ")} ` +
      `at start, ${r.meta.loadAverageAfter.join(" / ")} at the end. Everything (PostgreSQL, ` +
      "PostgREST, the gateway, the Paddle simulator, the functions and the load generator) " +
      "shares these cores, and so does other work on the machine.",
  );
  out.push("");
  out.push(`![Latency and throughput](${svgFile})`);
  out.push("");
  out.push("## Goals");
  out.push("");
  out.push(table(
    ["#", "goal", "this run", "verdict"],
    r.goals.map((g) => [g.id, g.goal, g.value, mark(g.met)]),
  ));
  out.push("");

  out.push("## 1. Latency of one portal request");
  out.push("");
  out.push(
    `${r.latency.requests} sequential \`POST /functions/v1/customer-portal\` calls through the ` +
      "gateway, as `supabase.functions.invoke` makes them (user access token, anon `apikey`, " +
      "JSON body), rotating between the three demo users that have a Paddle customer.",
  );
  out.push("");
  const s = (v: Summary) => [ms(v.p50), ms(v.p95), ms(v.p99), ms(v.mean), ms(v.max)];
  const latencyRows: (string | number)[][] = [["end to end (client)", ...s(r.latency.e2e)]];
  if (r.latency.loggedDuration) {
    latencyRows.push(["in the function (its log's `duration_ms`)", ...s(r.latency.loggedDuration)]);
  }
  out.push(table(["", "p50", "p95", "p99", "mean", "max"], latencyRows));
  out.push("");
  const f = r.latency.inFunction;
  if (f) {
    out.push(
      `**The function's own share.** ${f.requests} more calls went to an instrumented copy ` +
        "(`bench/functions/portal-timed`: the same handler and dependencies, with timers around " +
        "each step and around `fetch`). Waiting is the time from sending a request to PostgREST " +
        "or Paddle until its response headers arrive; everything else inside the handler is the " +
        "function's own time (token verification, building clients and queries, parsing and " +
        "validating answers, logging).",
    );
    out.push("");
    out.push(table(["", "p50", "p95", "p99", "mean", "max"], [
      ["end to end (client)", ...s(f.e2e)],
      ["inside the handler", ...s(f.total)],
      ["· verify token", ...s(f.verify)],
      ["· customer lookup (incl. wait)", ...s(f.lookup)],
      ["· Paddle session (incl. wait)", ...s(f.paddle)],
      ["waiting on PostgREST", ...s(f.dbWait)],
      ["waiting on Paddle", ...s(f.paddleWait)],
      ["**own time**", ...s(f.own)],
    ]));
    out.push("");
    out.push(
      `Own time is ${pct(f.ownShareOfE2e)} of the end-to-end latency and ` +
        `${pct(f.ownShareOfTotal)} of the time inside the handler (medians over requests). The ` +
        "rest of the end-to-end time is the gateway hop to the function and back.",
    );
    out.push("");
  }

  out.push("## 2. Round trips per request");
  out.push("");
  out.push(
    "Counted at the gateway (PostgREST, Auth) and at the Paddle simulator over sequential calls " +
      "after warm-up (steady state), divided by the number of calls.",
  );
  out.push("");
  out.push(table(
    ["function", "calls", "PostgREST", "Auth", "Paddle"],
    Object.entries(r.roundTrips.perFunction).map(([name, p]) => [
      name,
      p.requests,
      round(p.rest, 2),
      round(p.auth, 2),
      round(p.paddle, 2),
    ]),
  ));
  out.push("");
  if (r.roundTrips.firstRequest && r.roundTrips.secondRequest) {
    const a = r.roundTrips.firstRequest, b = r.roundTrips.secondRequest;
    out.push(
      `A freshly started customer-portal process: first request ${a.rest} PostgREST, ${a.auth} ` +
        `Auth (the JWKS, fetched once and cached), ${a.paddle} Paddle; second request ${b.rest}, ` +
        `${b.auth}, ${b.paddle}.`,
    );
    out.push("");
  }

  out.push("## 3. The reference flow against ours");
  out.push("");
  out.push(
    "`bench/functions/reference-portal` is the flow of the Paddle customer-portal skill: Auth " +
      "`getUser`, the customer row, its subscriptions (service-role client), then Paddle, one " +
      "after another. Each upstream call gets the added delay (the gateway delays every " +
      "`/rest/v1` and `/auth/v1` request, the simulator every Paddle request). Calls alternate " +
      "between the two functions, one each in turn.",
  );
  out.push("");
  out.push(table(
    [
      "added delay",
      "calls each",
      "reference p50",
      "ours p50",
      "reference p99",
      "ours p99",
      "ratio (p50)",
      "ratio (mean)",
    ],
    r.delays.map((d) => [
      `${d.delayMs} ms`,
      d.requests,
      ms(d.reference.p50),
      ms(d.ours.p50),
      ms(d.reference.p99),
      ms(d.ours.p99),
      x(d.ratioP50),
      x(d.ratioMean),
    ]),
  ));
  out.push("");

  out.push("## 4. Throughput against the limit of this design");
  out.push("");
  out.push(
    "`bench/functions/bare-portal` sends the very same PostgREST and Paddle requests with plain " +
      "`fetch` and nothing else: no verification, validation, deadline, retry, CORS or logging. " +
      "Closed-loop load through the gateway; at each concurrency the two functions take turns in " +
      "equal time slices. Throughput counts correct 200s only.",
  );
  out.push("");
  out.push(table(
    [
      "concurrency",
      "ours req/s",
      "bare req/s",
      "ours / bare",
      "slice pairs: median (min–max)",
      "ours p50",
      "bare p50",
      "ours p99",
      "bare p99",
      "function CPU per request (ours / bare)",
      "requests (ours / bare)",
    ],
    r.throughput.map((t) => [
      t.concurrency,
      round(t.ours.rps, 0),
      round(t.bare.rps, 0),
      pct(t.ratio),
      `${pct(median(t.sliceRatios))} (${pct(Math.min(...t.sliceRatios))}–${
        pct(Math.max(...t.sliceRatios))
      })`,
      ms(t.ours.latency.p50),
      ms(t.bare.latency.p50),
      ms(t.ours.latency.p99),
      ms(t.bare.latency.p99),
      `${ms(t.ours.functionCpuMsPerRequest)} / ${ms(t.bare.functionCpuMsPerRequest)}`,
      `${t.ours.requests} / ${t.bare.requests}`,
    ]),
  ));
  out.push("");
  out.push(
    "`ours / bare` is over all slices together (the goal's figure); the slice pairs show how " +
      "much it moved from one pair of adjacent slices to the next, which is what other work on " +
      "a shared machine does to it. Function CPU is the user + system time of each function's " +
      "own process during its slices, per request: the cost that is the function's, apart from " +
      "the gateway, PostgREST, PostgreSQL and the simulator, which both functions load alike. " +
      "1-minute load average after each level (the bench's own processes included): " +
      r.throughput.map((t) => `c=${t.concurrency} ${round(t.loadAverage, 1)}`).join(", ") + ".",
  );
  out.push("");

  if (r.coldStart) {
    out.push("## 5. Cold start and the first click");
    out.push("");
    out.push(...renderColdStart(r.coldStart));
    out.push("");
  }

  if (r.memory) {
    const mem = r.memory;
    out.push("## 6. Memory");
    out.push("");
    out.push(
      `A fresh customer-portal process (started like the stack starts it, plus \`--inspect\`), ` +
        `${mem.requestsPerRound} requests per round at concurrency ${mem.concurrency}. After its ` +
        `first request it held ${mb(mem.afterFirstRequestBytes)}. RSS after each round is what a ` +
        "memory limit sees. Then, through the inspector, two forced full collections and " +
        "`Runtime.getHeapUsage`: the live heap is what the function keeps, and is the leak check " +
        "(V8 lets garbage pile up to several times the live data before it collects, so RSS " +
        "swings with the collector's timing).",
    );
    out.push("");
    out.push(table(
      ["round", "requests", "ok", "RSS after the round", "live heap after full GC", "RSS after GC"],
      mem.rounds.map((rd, i) => [
        i + 1,
        rd.requests,
        rd.ok,
        mb(rd.rssBytes),
        mb(rd.liveHeapBytes),
        mb(rd.rssAfterGcBytes),
      ]),
    ));
    out.push("");
    out.push(
      `From round 1 to round ${mem.rounds.length}: RSS ${signedMb(mem.rssGrowthBytes)} ` +
        `(${pct(mem.rssGrowthPct)}), live heap ${signedMb(mem.heapGrowthBytes)} ` +
        `(${pct(mem.heapGrowthPct)}).`,
    );
    out.push("");
  }

  out.push("## 7. Correctness under load");
  out.push("");
  out.push(
    "Every response of the throughput runs is checked after its run, outside the timed window: " +
      'the body must be exactly `{"url": ...}`, and the URL is opened at the simulator, whose ' +
      "portal page names the customer it was minted for and opens only once. So a URL for " +
      "another caller's customer, one the simulator never minted, and one handed out twice all " +
      "count as failures.",
  );
  out.push("");
  out.push(table(
    [
      "function",
      "responses",
      "200",
      "verified own portal",
      "wrong customer",
      "not openable",
      "duplicates",
      "5xx",
      "statuses",
    ],
    (["ours", "bare"] as const).map((k) => {
      const c = r.correctness[k];
      return [
        k === "ours" ? "customer-portal" : "bare-portal",
        c.responses,
        c.ok,
        c.verified,
        c.wrongCustomer,
        c.notOpenable,
        c.duplicateUrls,
        c.serverErrors,
        Object.entries(c.byStatus).map(([st, n]) => `${st}: ${n}`).join(", "),
      ];
    }),
  ));
  out.push("");
  if (r.mintLimit) {
    const m = r.mintLimit, u = m.users, f = m.flooder;
    out.push("## 8. Mint limit under load");
    out.push("");
    out.push(
      `\`portal-mint-limit\` is the real function with \`MINT_RATE_LIMIT_PER_MINUTE=${m.limit}\`. ` +
        `${m.plan.users} users each call it ${m.plan.callsPerUser} times (within their limit) while ` +
        `one more user floods it with ${f.calls} calls, all interleaved at concurrency ` +
        `${m.plan.concurrency}. Every 200 is opened at the simulator as in section 7. ` +
        "`deno task bench:mint` runs this section alone.",
    );
    out.push("");
    out.push(
      table(["", "calls", "answers", "verified own portal", "Paddle sessions", "p50 / p95 / p99"], [
        [
          `${m.plan.users} users`,
          u.calls,
          Object.entries(u.byStatus).map(([st, n]) => `${st}: ${n}`).join(", "),
          `${u.correctness.verified} (${u.correctness.duplicateUrls} duplicates)`,
          u.paddleSessions,
          `${ms(u.latency.p50)} / ${ms(u.latency.p95)} / ${ms(u.latency.p99)}`,
        ],
        [
          "flooder",
          f.calls,
          `200: ${f.ok}, 429: ${f.tooMany}${f.other ? `, other: ${f.other}` : ""}`,
          String(f.okVerified),
          f.paddleSessions,
          f.latency429
            ? `429: ${ms(f.latency429.p50)} / ${ms(f.latency429.p95)} / ${ms(f.latency429.p99)}`
            : "-",
        ],
      ]),
    );
    out.push("");
    out.push(
      `${m.elapsedMs} ms in all (${u.rps} req/s from the well-behaved users). Retry-After on the ` +
        `429s: ${f.retryAfterRange ? f.retryAfterRange.join("–") : "-"} s. ` +
        (m.met ? "Everything as promised." : "**Not as promised.**"),
    );
    out.push("");
  }
  if (r.webhookBurst) {
    const w = r.webhookBurst, l = w.latency;
    out.push("## 9. Webhook burst (renewal day)");
    out.push("");
    out.push(
      `${w.plan.customers.toLocaleString("en-US")} customers with an active monthly subscription ` +
        `in the mirror renew at once: ${w.events.toLocaleString("en-US")} signed events ` +
        "(`transaction.completed`, answered `ignored`, and `subscription.updated` with the next " +
        `period), shuffled, sent at concurrency ${w.plan.concurrency} through the gateway to the ` +
        "real `paddle-webhook`. Paddle counts an answer after 5 s as failed and retries it. " +
        "`deno task bench:burst` runs this section alone.",
    );
    out.push("");
    out.push(
      table(["events", "answers", "p50 / p95 / p99 / max", "over 5 s", "events/s", "mirror"], [[
        w.events,
        Object.entries(w.byStatus).map(([st, n]) => `${st}: ${n}`).join(", "),
        `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)} / ${ms(l.max)}`,
        w.overPaddleDeadline,
        w.eventsPerSecond,
        `${w.mirror.equal} of ${w.mirror.subscriptions} equal to the final state`,
      ]]),
    );
    out.push("");
    out.push(w.met ? "Everything as promised." : "**Not as promised.**");
    out.push("");
  }
  if (r.catchUp) out.push(...catchUpSection(r.catchUp));
  out.push("## Reproduce");
  out.push("");
  out.push(
    "`deno task bench` (full, a few minutes) or `deno task bench --short` (the CI smoke run: a " +
      "few hundred requests, never fails on timings). Results go to `bench-results/`.",
  );
  out.push("");
  return out.join("\n");
}

function catchUpSection(c: CatchUpResult): string[] {
  return [
    "## 10. Catch-up from the event log",
    "",
    `Webhooks held back at the simulator, ${c.plan.events.toLocaleString("en-US")} events happen ` +
    "(sales: `customer.created`, `transaction.completed`, `subscription.created`, " +
    '`subscription.activated`), then one `paddle-sync` call with `{"events": true}` through ' +
    "the gateway reads `GET /events` and applies them; the mirror is then compared with the " +
    "simulator for those customers. `deno task bench:catchup` runs this section alone.",
    "",
    table(
      [
        "round",
        "events",
        "Paddle requests",
        "wall",
        "in function",
        "Paddle wait",
        "database",
        "mirror",
      ],
      c.rounds.map((x, i) => [
        i + 1,
        x.events,
        x.paddleRequests,
        ms(x.wallMs),
        ms(x.functionMs),
        ms(x.paddleWaitMs),
        ms(x.databaseMs),
        x.problems.length === 0 ? "equal" : `**${x.problems[0]}**`,
      ]),
    ),
    "",
  ];
}

export function renderTable(r: Report): string {
  const rows: [string, string][] = [];
  const e = r.latency.e2e;
  rows.push([
    "latency (sequential, e2e)",
    `p50 ${ms(e.p50)}  p95 ${ms(e.p95)}  p99 ${ms(e.p99)}  (n=${e.n})`,
  ]);
  const f = r.latency.inFunction;
  if (f) {
    rows.push([
      "own time in the function",
      `p50 ${ms(f.own.p50)} of e2e p50 ${ms(f.e2e.p50)} (share ${pct(f.ownShareOfE2e)}); ` +
      `waits: db ${ms(f.dbWait.p50)}, paddle ${ms(f.paddleWait.p50)}; verify ${ms(f.verify.p50)}`,
    ]);
  }
  for (const [name, p] of Object.entries(r.roundTrips.perFunction)) {
    rows.push([
      `round trips ${name}`,
      `rest ${round(p.rest, 2)}  auth ${round(p.auth, 2)}  paddle ${round(p.paddle, 2)}`,
    ]);
  }
  for (const d of r.delays) {
    rows.push([
      `+${d.delayMs} ms upstream`,
      `reference p50 ${ms(d.reference.p50)}  ours p50 ${ms(d.ours.p50)}  ratio ${x(d.ratioP50)}`,
    ]);
  }
  for (const t of r.throughput) {
    rows.push([
      `concurrency ${t.concurrency}`,
      `ours ${round(t.ours.rps, 0)} req/s p99 ${ms(t.ours.latency.p99)} cpu ${
        ms(t.ours.functionCpuMsPerRequest)
      } | bare ${round(t.bare.rps, 0)} req/s p99 ${ms(t.bare.latency.p99)} cpu ${
        ms(t.bare.functionCpuMsPerRequest)
      } | ${pct(t.ratio)}`,
    ]);
  }
  if (r.coldStart) {
    for (const c of r.coldStart.results.filter((x) => x.mode === "unbundled")) {
      rows.push([
        `cold ${c.label}`,
        `listen ${ms(c.medianListenMs)}, preflight ${ms(c.medianPreflightMs)}, first click ${
          ms(c.medianFirstClickMs)
        }`,
      ]);
    }
    for (const x of r.coldStart.ratios) {
      rows.push([`cold ${x.fn} / eager (${x.mode})`, `first click ${ratio(x.firstClick)}`]);
    }
  }
  if (r.memory) {
    rows.push([
      "memory per round",
      `RSS ${r.memory.rounds.map((rd) => mb(rd.rssBytes)).join(" → ")}; live heap ${
        r.memory.rounds.map((rd) => mb(rd.liveHeapBytes)).join(" → ")
      }`,
    ]);
  }
  const c = r.correctness.ours;
  rows.push([
    "correctness (ours)",
    `${c.verified}/${c.responses} verified, ${c.serverErrors} 5xx, ${c.wrongCustomer} wrong`,
  ]);
  for (const g of r.goals.filter((g) => g.met !== null)) {
    rows.push([`goal ${g.id}`, `${g.met ? "met   " : "MISSED"} ${g.goal}: ${g.value}`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

// ---------------------------------------------------------------------------------------------
// SVG

export interface BarPanel {
  title: string;
  unit: string;
  groups: string[];
  series: { name: string; color: string; values: number[] }[];
  /** Text under each group (e.g. a ratio). */
  notes?: string[];
}

export function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** 1, 2 or 5 times a power of ten, at least `value`: axis ticks people can read. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return "–";
  if (Number.isInteger(v)) return String(v);
  return v >= 100 ? String(Math.round(v)) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function panelSvg(p: BarPanel, left: number, top: number, width: number, height: number): string {
  const axisLeft = left + 44, axisBottom = top + height - 48, axisTop = top + 34;
  const plotWidth = width - 56, plotHeight = axisBottom - axisTop;
  const max = niceCeiling(Math.max(...p.series.flatMap((s) => s.values.filter(Number.isFinite))));
  const parts: string[] = [];
  parts.push(
    `<text x="${left + width / 2}" y="${top + 16}" text-anchor="middle" class="title">${
      escapeXml(p.title)
    }</text>`,
  );
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4, y = axisBottom - (plotHeight * i) / 4;
    parts.push(
      `<line x1="${axisLeft}" y1="${y}" x2="${axisLeft + plotWidth}" y2="${y}" class="grid"/>`,
    );
    parts.push(
      `<text x="${axisLeft - 4}" y="${y + 3}" text-anchor="end" class="tick">${
        String(Number(v.toFixed(2)))
      }</text>`,
    );
  }
  parts.push(
    `<text x="${left + 8}" y="${axisTop - 10}" class="tick">${escapeXml(p.unit)}</text>`,
  );
  const groupWidth = plotWidth / p.groups.length;
  const barWidth = Math.min(28, (groupWidth * 0.8) / p.series.length);
  p.groups.forEach((group, g) => {
    const center = axisLeft + groupWidth * (g + 0.5);
    const start = center - (barWidth * p.series.length) / 2;
    p.series.forEach((s, k) => {
      const v = s.values[g];
      if (!Number.isFinite(v)) return;
      const h = (plotHeight * v) / max;
      const bx = start + k * barWidth;
      parts.push(
        `<rect x="${bx.toFixed(1)}" y="${(axisBottom - h).toFixed(1)}" width="${
          (barWidth - 2).toFixed(1)
        }" height="${h.toFixed(1)}" fill="${s.color}"><title>${
          escapeXml(`${s.name} ${group}: ${fmt(v)} ${p.unit}`)
        }</title></rect>`,
      );
      parts.push(
        `<text x="${(bx + (barWidth - 2) / 2).toFixed(1)}" y="${
          (axisBottom - h - 3).toFixed(1)
        }" text-anchor="middle" class="value">${fmt(v)}</text>`,
      );
    });
    parts.push(
      `<text x="${center}" y="${axisBottom + 14}" text-anchor="middle" class="tick">${
        escapeXml(group)
      }</text>`,
    );
    const note = p.notes?.[g];
    if (note) {
      parts.push(
        `<text x="${center}" y="${axisBottom + 28}" text-anchor="middle" class="note">${
          escapeXml(note)
        }</text>`,
      );
    }
  });
  parts.push(
    `<line x1="${axisLeft}" y1="${axisBottom}" x2="${
      axisLeft + plotWidth
    }" y2="${axisBottom}" class="axis"/>`,
  );
  let lx = axisLeft;
  for (const s of p.series) {
    parts.push(
      `<rect x="${lx}" y="${top + height - 14}" width="10" height="10" fill="${s.color}"/>`,
    );
    parts.push(
      `<text x="${lx + 14}" y="${top + height - 5}" class="tick">${escapeXml(s.name)}</text>`,
    );
    lx += 18 + s.name.length * 6.2;
  }
  return parts.join("\n");
}

export function renderSvg(panels: BarPanel[], caption: string): string {
  const panelWidth = 330, panelHeight = 280;
  const width = panelWidth * panels.length + 20, height = panelHeight + 40;
  const body = panels.map((p, i) =>
    panelSvg(p, 10 + i * panelWidth, 8, panelWidth - 10, panelHeight)
  )
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">
<style>
.title { font-size: 13px; font-weight: 600; fill: #222; }
.tick { font-size: 10px; fill: #555; }
.value { font-size: 9px; fill: #333; }
.note { font-size: 10px; fill: #b35900; font-weight: 600; }
.grid { stroke: #e5e5e5; stroke-width: 1; }
.axis { stroke: #888; stroke-width: 1; }
.caption { font-size: 10px; fill: #777; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
${body}
<text x="10" y="${height - 8}" class="caption">${escapeXml(caption)}</text>
</svg>
`;
}

export const COLORS = { ours: "#2f6fdf", own: "#8fb3f0", reference: "#d9822b", bare: "#8a8a8a" };

export function chartFor(r: Report): string {
  const e = r.latency.e2e;
  const f = r.latency.inFunction;
  const panels: BarPanel[] = [
    {
      title: "One request (sequential)",
      unit: "ms",
      groups: ["p50", "p95", "p99"],
      series: [
        { name: "end to end", color: COLORS.ours, values: [e.p50, e.p95, e.p99] },
        ...(f
          ? [{ name: "own time", color: COLORS.own, values: [f.own.p50, f.own.p95, f.own.p99] }]
          : []),
      ],
    },
    {
      title: "Reference vs ours, p50",
      unit: "ms",
      groups: r.delays.map((d) => `+${d.delayMs} ms/call`),
      series: [
        {
          name: "reference",
          color: COLORS.reference,
          values: r.delays.map((d) => d.reference.p50),
        },
        { name: "ours", color: COLORS.ours, values: r.delays.map((d) => d.ours.p50) },
      ],
      notes: r.delays.map((d) => `ratio ${round(d.ratioP50, 2)}×`),
    },
    {
      title: "Throughput by concurrency",
      unit: "req/s",
      groups: r.throughput.map((t) => `c=${t.concurrency}`),
      series: [
        { name: "ours", color: COLORS.ours, values: r.throughput.map((t) => t.ours.rps) },
        { name: "bare (limit)", color: COLORS.bare, values: r.throughput.map((t) => t.bare.rps) },
      ],
      notes: r.throughput.map((t) => `${Math.round(t.ratio * 100)}%`),
    },
    {
      title: "p99 latency by concurrency",
      unit: "ms",
      groups: r.throughput.map((t) => `c=${t.concurrency}`),
      series: [
        { name: "ours", color: COLORS.ours, values: r.throughput.map((t) => t.ours.latency.p99) },
        {
          name: "bare (limit)",
          color: COLORS.bare,
          values: r.throughput.map((t) => t.bare.latency.p99),
        },
      ],
    },
  ];
  const m = r.meta.machine;
  return renderSvg(
    panels,
    `customer-portal, ${r.meta.startedAt.slice(0, 10)}, ${r.meta.mode} run: sequential p50 ${
      fmt(e.p50)
    } ms, p99 ${fmt(e.p99)} ms. ${m.cpuModel}, ${m.cores} cores, Deno ${m.deno}.`,
  );
}

const ratio = (v: number) => `${round(v, 2)}×`;

/** The cold-start section's body: method, the figures per mode, the ratios against eager. */
export function renderColdStart(c: ColdStartReport): string[] {
  const out: string[] = [];
  out.push(
    `Medians of ${c.runs} starts of each subject, round-robin, each a fresh process spawned with ` +
      "the local function runner's flags and environment. A browser-style first click: the CORS " +
      "preflight as soon as the port listens, the browser's round trip (" +
      `${c.clientRoundTripMs} ms between the preflight's answer and the POST), then the POST as ` +
      "`supabase.functions.invoke` sends it, a real portal request (token check with the JWKS " +
      "fetch, database, Paddle simulator). Times are from spawning the process. **Unbundled** " +
      "runs the function's files as deployed (the platform loads the module graph module by " +
      "module); **bundle** runs one `deno bundle` file. **eager** is the bench-only copy of the " +
      "function as it was before its request path loaded on first use " +
      "(`bench/functions/portal-eager`); hello-world is the floor.",
  );
  out.push("");
  for (const mode of ["unbundled", "bundle"] as const) {
    const rows = c.results.filter((x) => x.mode === mode);
    if (rows.length === 0) continue;
    out.push(`**${mode}**`);
    out.push("");
    out.push(table(
      [
        "function",
        "listening",
        "preflight answered",
        "first click 200",
        "RSS then",
        "modules (bundle)",
        "loaded on first use",
        "bundle size",
      ],
      rows.map((x) => {
        const g = c.graphs[x.label];
        return [
          x.label,
          ms(x.medianListenMs),
          ms(x.medianPreflightMs),
          ms(x.medianFirstClickMs),
          mb(x.medianRssBytes),
          g?.bundledModules ?? "",
          g ? `${g.dynamicLocalModules} local modules` : "",
          g ? mb(g.bundleBytes) : "",
        ];
      }),
    ));
    out.push("");
  }
  if (c.ratios.length > 0) {
    out.push("Against the eager copy, same run (median / median; goal: first click ≤ 0.85×):");
    out.push("");
    out.push(table(
      ["function", "mode", "first click", "listening", "preflight answered"],
      c.ratios.map((x) => [
        x.fn,
        x.mode,
        `**${ratio(x.firstClick)}**`,
        ratio(x.listen),
        ratio(x.preflight),
      ]),
    ));
    out.push("");
    out.push(
      "What deferring can gain: the modules take the same CPU time to load whether that happens " +
        "before `Deno.serve` listens or after the preflight, and loading runs on the isolate's " +
        "one thread, so a POST that arrives meanwhile is read only once the load is done, and " +
        "the function's own network waits (JWKS, database) cannot overlap it either: the " +
        "runtime's I/O is driven by that thread too. The first click therefore gains the " +
        "client's round trip and the preflight's own work, not the load; the preflight answer " +
        "itself no longer waits for the load. Cutting further means loading less (the Paddle " +
        "SDK is most of the module files), not loading it at another time.",
    );
  }
  return out;
}
