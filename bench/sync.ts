/**
 * `deno task bench:sync`: an empty mirror synced from 10,000 customers and 10,000 subscriptions
 * (1-3 items each) over 50 prices, loaded into the simulator through `/__entities`, with the
 * simulator keeping Paddle's rate limits (240 a minute) and taking 80-160 ms per answer.
 *
 * Measures, each in its own process as a user would run it: `deno task paddle:sync --restart` on
 * the empty mirror at the sync's default pace (120 requests a minute, half of Paddle's limit)
 * while 200 portal clicks go through the real `customer-portal` function (goal: the sync within
 * 1.1x of its budget's bound, pages / 2 per second, and every click answered 200, no 429 from
 * Paddle); the same command on the unchanged account (goal: zero rows written); once more with the
 * live heap sampled (flat if pages stream). Apply throughput (records per second inside
 * `paddle_sync_apply_page`, which the pace does not slow) is the headroom. Prints the figures
 * and writes them into docs/benchmarks.md between the `bench:sync` markers (the rest is left
 * alone). Exits 1 on a wrong answer (a sync that fails, a click not answered 200, rows written
 * by the unchanged resync), never on timings.
 *
 * `deno task bench:sync [customers]` (default 10000; fewer for a quick look).
 */
import { join } from "node:path";
import { fakeAccount } from "../local/paddle_simulator/fake_account.ts";
import { DEFAULT_SYNC_REQUESTS_PER_MINUTE } from "../supabase/functions/_shared/paddle_sync/request_pacer.ts";
import {
  PAGE_SIZE,
  TRANSACTION_PAGE_SIZE,
} from "../supabase/functions/_shared/paddle_sync/paddle_pages.ts";
import { signIn } from "./callers.ts";
import { Control } from "./control.ts";
import { portalRequest, type Sample } from "./load.ts";
import { describeMachine, gitCommit } from "./machine.ts";
import { PROJECT_ROOT, startBenchStack } from "./stack.ts";

const CUSTOMERS = Number(Deno.args[0] ?? 10_000);
const SUBSCRIPTIONS = CUSTOMERS;
const PRICES = 50;
const CLICKS = 200;
const REQUESTS_PER_MINUTE = DEFAULT_SYNC_REQUESTS_PER_MINUTE;
const LATENCY = { minMs: 80, maxMs: 160 };
const MARK_START = "<!-- bench:sync -->";
const MARK_END = "<!-- /bench:sync -->";

interface Measured {
  seconds: number;
  /** RSS samples in bytes, every 100 ms, and the peak the kernel recorded (VmHWM). */
  rss: number[];
  peakRss: number;
  output: Record<string, unknown>;
  code: number;
}

/** Runs a Deno script as a child, sampling its resident memory while it runs. */
async function measure(
  args: string[],
  env: Record<string, string>,
  flags: string[] = [],
): Promise<Measured> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", ...flags, ...args],
    cwd: PROJECT_ROOT,
    env,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const rss: number[] = [];
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      const kb = (name: string) =>
        Number(status.match(new RegExp(`^${name}:\\s+(\\d+)`, "m"))?.[1]);
      // A process on its way out can show a status without these lines.
      if (Number.isFinite(kb("VmRSS"))) rss.push(kb("VmRSS") * 1024);
      if (Number.isFinite(kb("VmHWM"))) peak = Math.max(peak, kb("VmHWM") * 1024);
    } catch { /* exited */ }
  }, 100);
  const out = await child.output();
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "{}";
  let output: Record<string, unknown> = {};
  try {
    output = JSON.parse(text);
  } catch { /* reported below */ }
  const reported = Number(output.peak_rss_bytes ?? 0) || 0;
  return { seconds, rss, peakRss: Math.max(peak, reported), output, code: out.code };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const n = (x: number) => Math.round(x).toLocaleString("en-US");

/** RSS at 25/50/75/100% of the run: a streaming sync stays level. */
function quartiles(samples: number[]): number[] {
  if (samples.length === 0) return [];
  return [0.25, 0.5, 0.75, 1].map((q) =>
    samples[Math.min(samples.length - 1, Math.floor(q * (samples.length - 1)))]
  );
}

const machine = await describeMachine();
const commit = await gitCommit(PROJECT_ROOT);
const stack = await startBenchStack({}, { paddleRateLimit: true, paddleLatencyMs: LATENCY });
const wrong: string[] = [];
try {
  const stackFile = join(stack.stateDir, "stack.json");
  // Named, so a developer's .env cannot change the pace the bound is computed for.
  const env = {
    LOCAL_STACK_FILE: stackFile,
    PADDLE_SYNC_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE),
  };
  const account = fakeAccount({
    customers: CUSTOMERS,
    subscriptions: SUBSCRIPTIONS,
    prices: PRICES,
    seed: 42,
    startMs: Date.UTC(2025, 5, 1),
  });
  const items = account.subscriptions.reduce((sum, s) => sum + s.items.length, 0);
  const paddleControl = stack.info.paddle.controlUrl;
  // In chunks: one 30 MB request body helps nobody. Control calls are not rate-limited.
  const load = async (batch: Record<string, unknown[]>) => {
    const res = await fetch(`${paddleControl}/__entities`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(batch),
    });
    if (res.status !== 201) throw new Error(`/__entities ${res.status}: ${await res.text()}`);
    await res.body?.cancel();
  };
  await load({ products: account.products, prices: account.prices });
  for (let i = 0; i < CUSTOMERS; i += 2000) {
    await load({ customers: account.customers.slice(i, i + 2000) });
  }
  for (let i = 0; i < SUBSCRIPTIONS; i += 2000) {
    await load({ subscriptions: account.subscriptions.slice(i, i + 2000) });
  }
  const stored = (await (await fetch(`${paddleControl}/__entities`)).json()).stored as Record<
    string,
    number
  >;
  // Payments are synced too, 30 a page (Paddle's maximum for transactions): the demo seed's.
  stored.transactions = await transactionCount(stack.info.paddle.apiUrl, stack.info.paddle.apiKey);
  const expectedPages = ["products", "prices", "customers", "subscriptions"]
    .reduce((n, type) => n + Math.max(1, Math.ceil(stored[type] / PAGE_SIZE)), 0) +
    Math.max(1, Math.ceil(stored.transactions / TRANSACTION_PAGE_SIZE));
  console.log(
    `loaded ${n(CUSTOMERS)} customers, ${n(SUBSCRIPTIONS)} subscriptions (${n(items)} items), ` +
      `${account.products.length} products, ${PRICES} prices; the simulator holds ${
        JSON.stringify(stored)
      }: ${expectedPages} pages at ${REQUESTS_PER_MINUTE} requests a minute`,
  );

  const callers = await signIn(stack);
  const portal = {
    name: "customer-portal",
    url: `${stack.info.apiUrl}/functions/v1/customer-portal`,
    apikey: stack.info.anonKey,
  };
  // Warm the portal function (and the module cache) before anything is measured.
  await portalRequest(portal, callers[0], 0);
  const control = new Control(stack.info);
  const before = await control.counters();

  // The clicks are spread over the first 90% of the sync's expected time, so all land during it.
  const spacingMs = (expectedPages * 60_000 / REQUESTS_PER_MINUTE) * 0.9 / CLICKS;
  const syncPath = join(PROJECT_ROOT, "local", "paddle_sync.ts");
  const syncStarted = performance.now();
  const clickTimes: number[] = [];
  const clicks = (async () => {
    const pending: Promise<Sample>[] = [];
    for (let i = 0; i < CLICKS; i++) {
      const at = syncStarted + i * spacingMs;
      await new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
      clickTimes.push((performance.now() - syncStarted) / 1000);
      pending.push(portalRequest(portal, callers[i % callers.length], i % callers.length));
    }
    return await Promise.all(pending);
  })();
  const first = await measure([syncPath, "--restart", "--json"], env);
  const samples = await clicks;
  const during = await control.counters();
  if (first.code !== 0) wrong.push(`first sync exited ${first.code}`);

  const second = await measure([syncPath, "--restart", "--json"], env);
  if (second.code !== 0) wrong.push(`second sync exited ${second.code}`);
  // The same command once more, in a process that measures its own live heap after full GCs.
  const heapRun = await measure(
    [join(PROJECT_ROOT, "bench", "sync_heap.ts"), "--restart"],
    env,
    ["--v8-flags=--expose-gc"],
  );
  if (heapRun.code !== 0) wrong.push(`heap-sampled sync exited ${heapRun.code}`);
  const heap = (heapRun.output.heap_used_bytes ?? []) as number[];
  const after = await control.counters();

  const out = (m: Measured, key: string) => Number(m.output[key]);
  const records = out(first, "records");
  const held = stored.products + stored.prices + stored.customers + stored.subscriptions +
    stored.transactions;
  if (records !== held) wrong.push(`the sync read ${records} records of the ${held} Paddle holds`);
  const pages = out(first, "pages");
  // The sync's own time from its first call to done (the process's start is not the sync's).
  const syncSeconds = out(first, "seconds");
  const boundSeconds = pages * 60 / REQUESTS_PER_MINUTE;
  const ratio = syncSeconds / boundSeconds;
  const ok = samples.filter((s) => s.status === 200 && s.url !== undefined).length;
  const statuses = Object.entries(
    samples.reduce<Record<string, number>>((m, s) => (m[s.status] = (m[s.status] ?? 0) + 1, m), {}),
  ).map(([status, count]) => `${count}× ${status}`).join(", ");
  const clicksDuring = clickTimes.filter((t) => t <= first.seconds).length;
  const paddle429 = during.paddle_rate_limited - before.paddle_rate_limited;
  const paddleRequests = during.paddle - before.paddle;
  const paddle429Later = after.paddle_rate_limited - during.paddle_rate_limited;
  if (ok !== CLICKS) {
    wrong.push(`${CLICKS - ok} of ${CLICKS} portal clicks not answered 200 (${statuses})`);
  }
  if (paddle429 + paddle429Later > 0) wrong.push(`${paddle429 + paddle429Later} Paddle 429s`);
  const resyncWritten = out(second, "written_now");
  if (resyncWritten !== 0) wrong.push(`the unchanged resync wrote ${resyncWritten} rows`);

  const applyRate = (m: Measured) => out(m, "records") / out(m, "database_seconds");
  const rows = [
    ["sync, empty mirror, 200 portal clicks during it", first, n(out(first, "written_now"))],
    ["sync again, unchanged account", second, n(resyncWritten)],
  ] as const;
  const table = [
    "| run | wall time (sync / process) | pages | records | records/s | apply throughput (records/s in the database) | rows written | peak RSS | RSS at 25 / 50 / 75 / 100% |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map(([name, m, written]) =>
      `| ${name} | ${out(m, "seconds").toFixed(2)} s / ${m.seconds.toFixed(2)} s | ${
        n(out(m, "pages"))
      } | ${n(out(m, "records"))} | ${n(out(m, "records") / out(m, "seconds"))} | ${
        n(applyRate(m))
      } | ${written} | ${mb(m.peakRss)} | ${quartiles(m.rss).map(mb).join(" / ")} |`
    ),
  ];
  const verdict = (met: boolean) => met ? "met" : "**missed**";
  const goals = [
    "| goal | this run | verdict |",
    "| --- | --- | --- |",
    `| full sync within 1.1× of its budget's bound (${pages} pages ÷ ${
      REQUESTS_PER_MINUTE / 60
    } requests/s = ${boundSeconds.toFixed(1)} s) | ${syncSeconds.toFixed(1)} s: ${
      ratio.toFixed(3)
    }× | ${verdict(ratio <= 1.1)} |`,
    `| ${CLICKS} portal clicks during the sync all answer 200, zero 429s | ${ok} of ${CLICKS} answered 200 (${statuses}; ${clicksDuring} sent while the sync ran); Paddle 429s: ${paddle429} during the sync, ${paddle429Later} in the later runs | ${
      verdict(ok === CLICKS && clicksDuring === CLICKS && paddle429 === 0)
    } |`,
    `| second sync of the unchanged account writes 0 rows | ${n(resyncWritten)} rows | ${
      verdict(resyncWritten === 0)
    } |`,
    `| memory flat (pages stream) | live heap after full GC at 25 / 50 / 75 / 100% of a sync: ${
      quartiles(heap).map(mb).join(" / ")
    }; peak RSS ${mb(first.peakRss)} | ${
      verdict(heap.length > 0 && Math.max(...heap) - Math.min(...heap) < 16 * 1024 * 1024)
    } |`,
  ];
  const budgetRecords = PAGE_SIZE * REQUESTS_PER_MINUTE / 60;
  const section = [
    MARK_START,
    "## Sync from Paddle (`deno task bench:sync`)",
    "",
    `One run on ${new Date().toISOString().slice(0, 10)} at commit \`${commit ?? "?"}\`: ${
      n(CUSTOMERS)
    } customers and ${n(SUBSCRIPTIONS)} subscriptions (${n(items)} items) over ${PRICES} prices ` +
    `and ${account.products.length} products, loaded into the simulator through \`/__entities\`, ` +
    "synced into an empty mirror (plus the demo seed) with `deno task paddle:sync --restart` " +
    "(default slices: 25 s or 100 pages), each measurement in its own process. The simulator " +
    `keeps Paddle's rate limits (240 requests a minute per key and address) and answers in ${LATENCY.minMs}-${LATENCY.maxMs} ms; ` +
    `the sync runs at its default pace, ${REQUESTS_PER_MINUTE} requests a minute (half of Paddle's limit), ` +
    "so its bound is its pages ÷ 2 per second, whatever the machine. " +
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, Deno ${machine.deno}; load average ${
      machine.loadAverage.map((x) => x.toFixed(2)).join(" / ")
    } at start; the stack, the simulator and the syncing process share the cores.`,
    "",
    ...goals,
    "",
    ...table,
    "",
    `During the first sync, ${paddleRequests} Paddle API requests reached the simulator: the ` +
    `sync's ${pages} pages and the ${CLICKS} portal sessions (the warm-up click came before). ` +
    `The clicks went out every ${Math.round(spacingMs)} ms through the gateway and the real ` +
    `\`customer-portal\` function as the ${callers.length} demo users with a Paddle customer. ` +
    `Slices: ${first.output.slices}. Of the first sync's ${syncSeconds.toFixed(1)} s, ${
      out(first, "database_seconds").toFixed(1)
    } s were spent in \`paddle_sync_apply_page\` calls and ${
      out(first, "paddle_wait_seconds").toFixed(1)
    } s waiting for Paddle pages, the pace's turns included; the pace is the bound by design. ` +
    `Apply throughput is the headroom: the database takes ${
      n(applyRate(first))
    } records/s into an empty mirror (${n(applyRate(second))} records/s when nothing changed), ` +
    `${(applyRate(first) / budgetRecords).toFixed(0)}× the ${
      n(budgetRecords)
    } records/s the budget lets Paddle deliver. ` +
    `CPU time of the syncing process: ${
      out(first, "cpu_seconds").toFixed(1)
    } s for the first sync (${
      (out(first, "cpu_seconds") * 1000 / pages).toFixed(0)
    } ms per page, process start included; the hosted runtime allows 2 s of CPU per request). ` +
    "Resident memory grows while V8 defers collection; the live heap after a full GC is what " +
    "shows whether pages are held.",
    MARK_END,
  ].join("\n");
  console.log(section);

  const docPath = join(PROJECT_ROOT, "docs", "benchmarks.md");
  const doc = await Deno.readTextFile(docPath);
  const start = doc.indexOf(MARK_START);
  const end = doc.indexOf(MARK_END);
  const updated = start >= 0 && end > start
    ? doc.slice(0, start) + section + doc.slice(end + MARK_END.length)
    : `${doc.trimEnd()}\n\n${section}\n`;
  await Deno.writeTextFile(docPath, updated);
  console.log(`written to ${docPath}`);
} finally {
  await stack.stop();
}
if (wrong.length > 0) {
  console.error(`bench:sync: wrong answers: ${wrong.join("; ")}`);
  Deno.exit(1);
}

/** How many transactions Paddle holds: `estimated_total` of its list, read with the API key. */
async function transactionCount(apiUrl: string, apiKey: string): Promise<number> {
  const res = await fetch(`${apiUrl}/transactions?per_page=1`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  const body = await res.json();
  const total = body?.meta?.pagination?.estimated_total;
  if (!res.ok || typeof total !== "number") {
    throw new Error(`GET /transactions answered ${res.status}: ${JSON.stringify(body)}`);
  }
  return total;
}
