/**
 * `deno task bench:stack [--runs N]`: how long the local stack takes to be ready (everything
 * `deno task dev` starts, until it would print "ready"), with the stack applying migrations itself
 * and with the Supabase CLI (`supabase db push --include-seed`) doing it. Cold is a first start
 * (initdb, bootstrap, migrations, seed); warm is a start on an existing database, what a developer
 * meets every day. Modes alternate run by run so both meet the same machine load. Writes
 * bench-results/stack-start.json.
 */
import { join } from "node:path";
import { type StackOptions, startStack } from "../local/stack.ts";
import { PROJECT_ROOT } from "./stack.ts";
import { median, round } from "./stats.ts";

const runsArg = Deno.args.indexOf("--runs");
const runs = runsArg >= 0 ? Number(Deno.args[runsArg + 1]) : 7;
const modes = ["stack", "cli"] as const;
type Mode = typeof modes[number];

function options(stateDir: string, migrator: Mode): StackOptions {
  // As `deno task dev` runs it (durable database, no watcher), on free ports.
  return {
    stateDir,
    apiPort: 0,
    dbPort: 0,
    paddlePort: 0,
    readEnvFiles: false,
    pgBinDir: Deno.env.get("LOCAL_PG_BIN_DIR"),
    postgrestBin: Deno.env.get("LOCAL_POSTGREST_BIN"),
    migrator,
  };
}

async function timedStart(stateDir: string, migrator: Mode): Promise<number> {
  const started = performance.now();
  const stack = await startStack(options(stateDir, migrator));
  const ms = performance.now() - started;
  await stack.stop();
  return ms;
}

const dirs = Object.fromEntries(
  await Promise.all(
    modes.map(async (m) => [m, await Deno.makeTempDir({ prefix: `stack-start-${m}-` })]),
  ),
) as Record<Mode, string>;
const cold: Record<Mode, number[]> = { stack: [], cli: [] };
const warm: Record<Mode, number[]> = { stack: [], cli: [] };
try {
  // Cold: a fresh state folder each time (the first start also fills Deno's and the OS's caches,
  // so one discarded round first).
  for (let i = 0; i <= Math.min(runs, 3); i++) {
    for (const mode of modes) {
      const dir = await Deno.makeTempDir({ prefix: `stack-cold-${mode}-` });
      try {
        const ms = await timedStart(dir, mode);
        if (i > 0) cold[mode].push(ms);
      } finally {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    }
  }
  for (const mode of modes) await timedStart(dirs[mode], mode);
  for (let i = 0; i < runs; i++) {
    for (const mode of modes) warm[mode].push(await timedStart(dirs[mode], mode));
  }
} finally {
  for (const dir of Object.values(dirs)) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const summary = (values: number[]) => ({
  median: round(median(values), 0),
  min: round(Math.min(...values), 0),
  max: round(Math.max(...values), 0),
  runs: values.map((v) => round(v, 0)),
});
const result = {
  at: new Date().toISOString(),
  loadAverage: Deno.loadavg(),
  warm: { stack: summary(warm.stack), cli: summary(warm.cli) },
  cold: { stack: summary(cold.stack), cli: summary(cold.cli) },
};
await Deno.mkdir(join(PROJECT_ROOT, "bench-results"), { recursive: true });
await Deno.writeTextFile(
  join(PROJECT_ROOT, "bench-results", "stack-start.json"),
  JSON.stringify(result, null, 2) + "\n",
);
console.log("| start | stack migrates (median, min–max) | Supabase CLI migrates |");
console.log("| --- | --- | --- |");
for (const kind of ["warm", "cold"] as const) {
  const r = result[kind];
  console.log(
    `| ${kind} (${r.stack.runs.length} runs) | ${r.stack.median} ms (${r.stack.min}–${r.stack.max}) | ${r.cli.median} ms (${r.cli.min}–${r.cli.max}) |`,
  );
}
