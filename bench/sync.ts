/**
 * `deno task bench:sync`: an empty mirror synced from 10,000 customers and 10,000 subscriptions
 * (1-3 items each) over 50 prices, loaded into the simulator through `/__entities`.
 *
 * Measures, each in its own process as a user would run it: paging through the account with the
 * SDK and writing nothing (the floor), `deno task paddle:sync --restart` on the empty mirror (wall
 * time, records/s, resident memory sampled every 100 ms: flat if pages stream), and the same
 * command again on the unchanged account (goal: zero rows written). Prints the figures and writes
 * them into docs/benchmarks.md between the `bench:sync` markers (the rest is left alone).
 *
 * `deno task bench:sync [customers]` (default 10000; fewer for a quick look).
 */
import { join } from "node:path";
import { fakeAccount } from "../local/paddle_simulator/fake_account.ts";
import { describeMachine, gitCommit } from "./machine.ts";
import { PROJECT_ROOT, startBenchStack } from "./stack.ts";

const CUSTOMERS = Number(Deno.args[0] ?? 10_000);
const SUBSCRIPTIONS = CUSTOMERS;
const PRICES = 50;
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
const stack = await startBenchStack({});
try {
  const stackFile = join(stack.stateDir, "stack.json");
  const env = { LOCAL_STACK_FILE: stackFile };
  const account = fakeAccount({
    customers: CUSTOMERS,
    subscriptions: SUBSCRIPTIONS,
    prices: PRICES,
    seed: 42,
    startMs: Date.UTC(2025, 5, 1),
  });
  const items = account.subscriptions.reduce((sum, s) => sum + s.items.length, 0);
  // In chunks: one 30 MB request body helps nobody.
  const load = async (batch: Record<string, unknown[]>) => {
    const res = await fetch(`${stack.info.paddle.controlUrl}/__entities`, {
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
  console.log(
    `loaded ${n(CUSTOMERS)} customers, ${n(SUBSCRIPTIONS)} subscriptions (${n(items)} items), ` +
      `${account.products.length} products, ${PRICES} prices`,
  );

  // Warm the simulator and the module cache, then measure the floor.
  await measure([join(PROJECT_ROOT, "bench", "sync_paging.ts"), stackFile], env);
  const paging = await measure([join(PROJECT_ROOT, "bench", "sync_paging.ts"), stackFile], env);
  if (paging.code !== 0) throw new Error("paging baseline failed");

  const sync = join(PROJECT_ROOT, "local", "paddle_sync.ts");
  const first = await measure([sync, "--restart", "--json"], env);
  if (first.code !== 0) throw new Error(`first sync exited ${first.code}`);
  const second = await measure([sync, "--restart", "--json"], env);
  if (second.code !== 0) throw new Error(`second sync exited ${second.code}`);

  // The same command once more, in a process that measures its own live heap after full GCs.
  const heapRun = await measure(
    [join(PROJECT_ROOT, "bench", "sync_heap.ts"), "--restart"],
    env,
    ["--v8-flags=--expose-gc"],
  );
  if (heapRun.code !== 0) throw new Error(`heap-sampled sync exited ${heapRun.code}`);
  const heap = (heapRun.output.heap_used_bytes ?? []) as number[];

  const records = Number(first.output.records);
  const ratio = first.seconds / paging.seconds;
  const rows = [
    ["paging only (SDK, no writes)", paging, Number(paging.output.records), "—"],
    ["sync, empty mirror", first, records, n(Number(first.output.written_now))],
    [
      "sync again, unchanged account",
      second,
      Number(second.output.records),
      n(Number(second.output.written_now)),
    ],
  ] as const;
  const table = [
    "| run | wall time | records | records/s | rows written | peak RSS | RSS at 25 / 50 / 75 / 100% |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map(([name, m, recs, written]) =>
      `| ${name} | ${m.seconds.toFixed(2)} s | ${n(recs)} | ${n(recs / m.seconds)} | ${written} | ${
        mb(m.peakRss)
      } | ${quartiles(m.rss).map(mb).join(" / ")} |`
    ),
  ];
  const zero = Number(second.output.written_now) === 0;
  const goals = [
    "| goal | this run | verdict |",
    "| --- | --- | --- |",
    `| sync ≤ 1.5× paging the same data with the SDK | ${ratio.toFixed(2)}× | ${
      ratio <= 1.5 ? "met" : "**missed**"
    } |`,
    `| second sync of the unchanged account writes 0 rows | ${
      n(Number(second.output.written_now))
    } rows | ${zero ? "met" : "**missed**"} |`,
    `| memory flat (pages stream) | live heap after full GC at 25 / 50 / 75 / 100% of a sync: ${
      quartiles(heap).map(mb).join(" / ")
    }; peak RSS ${mb(first.peakRss)} (paging alone ${mb(paging.peakRss)}) | ${
      Math.max(...heap) - Math.min(...heap) < 16 * 1024 * 1024 ? "met" : "**missed**"
    } |`,
  ];
  const section = [
    MARK_START,
    "## Sync from Paddle (`deno task bench:sync`)",
    "",
    `One run on ${new Date().toISOString().slice(0, 10)} at commit \`${commit ?? "?"}\`: ${
      n(CUSTOMERS)
    } customers and ${n(SUBSCRIPTIONS)} subscriptions (${n(items)} items) over ${PRICES} prices ` +
    `and ${account.products.length} products, loaded into the simulator through \`/__entities\`, ` +
    "synced into an empty mirror (plus the demo seed) with `deno task paddle:sync --restart` " +
    "(default slices: 25 s or 100 pages), each measurement in its own process. " +
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, Deno ${machine.deno}; load average ${
      machine.loadAverage.map((x) => x.toFixed(2)).join(" / ")
    } at start; the stack, the simulator and the syncing process share the cores.`,
    "",
    ...goals,
    "",
    ...table,
    "",
    `Pages: ${
      n(Number(first.output.pages))
    } of up to 200 records; slices: ${first.output.slices}. ` +
    "The sync fetches the next page while the database applies the current one. Of the first " +
    `sync's ${first.seconds.toFixed(1)} s, ${
      Number(first.output.database_seconds).toFixed(1)
    } s were spent in \`paddle_sync_apply_page\` calls (PostgREST and \`apply_paddle_entities\`) ` +
    `and ${Number(first.output.paddle_wait_seconds).toFixed(1)} s waiting for Paddle pages the ` +
    `prefetch had not hidden; the unchanged sync: ${
      Number(second.output.database_seconds).toFixed(1)
    } s and ${Number(second.output.paddle_wait_seconds).toFixed(1)} s. CPU time of the syncing ` +
    `process: ${Number(first.output.cpu_seconds).toFixed(1)} s for the first sync (${
      (Number(first.output.cpu_seconds) * 1000 / Number(first.output.pages)).toFixed(0)
    } ms per page, process start included; the hosted runtime allows 2 s of CPU per request). ` +
    "Resident memory grows " +
    "while V8 defers collection; the live heap after a full GC is what shows whether pages are " +
    "held.",
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
