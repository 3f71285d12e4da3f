/**
 * `deno task bench:stack [--runs N]`: how long the local stack takes to be ready (everything
 * `deno task dev` starts, until it would print "ready"), with the stack applying migrations itself
 * and with the Supabase CLI (`supabase db push --include-seed`) doing it. Cold is a first start
 * (initdb, bootstrap, migrations, seed); warm is a start on an existing database, what a developer
 * meets every day. Modes alternate run by run so both meet the same machine load. Writes
 * bench-results/stack-start.json; `--write-docs` also docs/stack-start.md.
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
const lines = [
  "| start | the stack migrates (median, min–max) | `supabase db push` migrates (median, min–max) |",
  "| --- | --- | --- |",
  ...(["warm", "cold"] as const).map((kind) => {
    const r = result[kind];
    const cell = (x: typeof r.stack) => `${x.median} ms (${x.min}–${x.max})`;
    return `| ${kind}, ${r.stack.runs.length} runs each | ${cell(r.stack)} | ${cell(r.cli)} |`;
  }),
];
console.log(lines.join("\n"));
if (Deno.args.includes("--write-docs")) {
  const load = result.loadAverage.map((v) => round(v, 2)).join(" / ");
  await Deno.writeTextFile(
    join(PROJECT_ROOT, "docs", "stack-start.md"),
    [
      "# Local stack start: the stack's migrator or the Supabase CLI",
      "",
      `One \`deno task bench:stack --runs ${runs}\` run on ${result.at.slice(0, 10)} ` +
      `(1-minute load average at the end ${load}, on a 2-core machine shared with other work). ` +
      "Time from calling `startStack` (what `deno task dev` runs) until everything is ready: " +
      "PostgreSQL, migrations and seed, PostgREST, the auth stand-in, the Paddle simulator, every " +
      "function listening, the gateway. **Warm** starts on an existing database (every day); " +
      "**cold** is a first start (initdb, bootstrap, migrations, seed). The modes alternate run by " +
      "run. The CLI column runs `supabase db push --db-url … --include-seed` (Supabase CLI " +
      "2.117.0) where the stack otherwise applies pending migrations itself.",
      "",
      ...lines,
      "",
      "The CLI needs about a second per call even when there is nothing to apply (it starts, reads " +
      "`supabase/config.toml`, connects and compares the history), so a warm start through it would " +
      "no longer be ready within about a second. The stack keeps its own migrator; " +
      "`tests/supabase_cli_test.ts` proves on every test run that `supabase db push` builds the " +
      "same schema and history.",
      "",
    ].join("\n"),
  );
}
