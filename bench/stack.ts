/**
 * The bench's own local stack, run in a child process.
 *
 * `startStack` serves the gateway, the auth stand-in and the Paddle simulator from the process
 * that calls it. Were that the bench itself, the load generator would share one event loop with
 * the gateway and every client-side microsecond would show up as server latency; in a child, the
 * two only share CPUs, as a client and a server on one machine do.
 *
 * Run as a script, this file is that child: it starts the stack, prints `READY`, and stops it on
 * SIGTERM, SIGINT, or when its stdin closes (the bench died without cleaning up).
 */
import { join } from "node:path";
import type { LatencyRange } from "../local/paddle_simulator/latency.ts";
import type { StackInfo } from "../local/stack.ts";

export interface BenchStack {
  info: StackInfo;
  /** Pid of the process that owns the function processes (they are its children). */
  ownerPid: number;
  /** Absolute entry file of each function, as passed to the function runner. */
  entries: Record<string, string>;
  stateDir: string;
  stop(): Promise<void>;
}

/** Mint slots per user per minute of the bench stack's `customer-portal`: more than any run sends. */
export const BENCH_STACK_MINT_LIMIT = 100_000;

export const PROJECT_ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** How the bench stack's Paddle simulator behaves: default as the test stack's (no limit, instant). */
export interface BenchSimulator {
  paddleRateLimit?: boolean;
  paddleLatencyMs?: LatencyRange;
}

/**
 * A section of `deno task bench` run alone (`deno task bench:<name> [--short]`): a stack of its
 * own, the section's description on stdout (then its JSON when `json`), exit 1 on a wrong answer.
 */
export async function runSectionAlone<T>(section: {
  functions?: Record<string, string>;
  simulator?: BenchSimulator;
  run: (stack: BenchStack, short: boolean) => Promise<T>;
  describe: (result: T) => string;
  correct: (result: T) => boolean;
  json?: boolean;
}): Promise<never> {
  const short = Deno.args.includes("--short");
  const stack = await startBenchStack(section.functions ?? {}, section.simulator);
  let code = 1;
  try {
    const result = await section.run(stack, short);
    console.log(section.describe(result));
    if (section.json) console.log(JSON.stringify(result));
    code = section.correct(result) ? 0 : 1;
  } finally {
    await stack.stop();
  }
  Deno.exit(code);
}

export async function startBenchStack(
  extraFunctions: Record<string, string>,
  simulator: BenchSimulator = {},
): Promise<BenchStack> {
  const stateDir = await Deno.makeTempDir({ prefix: "paddle-portal-bench-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--quiet",
      new URL(import.meta.url).pathname,
      stateDir,
      JSON.stringify(extraFunctions),
      JSON.stringify(simulator),
    ],
    cwd: PROJECT_ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("bench stack did not start in 120 s")), 120_000);
  });
  try {
    while (!buffered.includes("READY\n")) {
      const { value, done } = await Promise.race([lines.read(), timeout]);
      if (done) throw new Error(`bench stack exited before it was ready: ${buffered}`);
      buffered += value;
    }
  } catch (error) {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    throw error;
  } finally {
    clearTimeout(timer);
  }
  // Keep draining so the child never blocks on a full pipe.
  (async () => {
    while (!(await lines.read()).done) { /* discard */ }
  })().catch(() => {});

  const info = JSON.parse(await Deno.readTextFile(join(stateDir, "stack.json"))) as StackInfo;
  const entries: Record<string, string> = {};
  for (const name of info.functions) {
    entries[name] = extraFunctions[name] ??
      join(PROJECT_ROOT, "supabase", "functions", name, "index.ts");
  }
  let stopped: Promise<void> | undefined;
  return {
    info,
    ownerPid: child.pid,
    entries,
    stateDir,
    stop: () =>
      stopped ??= (async () => {
        try {
          child.kill("SIGTERM");
        } catch { /* already gone */ }
        await child.stdin.close().catch(() => {});
        await child.status;
        await Deno.remove(stateDir, { recursive: true }).catch(() => {});
      })(),
  };
}

async function runChild(
  stateDir: string,
  extraFunctions: Record<string, string>,
  simulator: BenchSimulator,
) {
  const { startStack, throwawayStackOptions } = await import("../local/stack.ts");
  const stack = await startStack(throwawayStackOptions(stateDir, {
    extraFunctions,
    ...simulator,
    // The throughput, latency and memory runs send thousands of calls a minute from three demo
    // users; the limit itself is measured through portal-mint-limit (bench/mint_limit_load.ts).
    functionEnv: { MINT_RATE_LIMIT_PER_MINUTE: String(BENCH_STACK_MINT_LIMIT) },
  }));
  let stopping: Promise<void> | undefined;
  const stop = () => stopping ??= stack.stop().finally(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  console.log("READY");
  // EOF on stdin means the parent is gone.
  for await (const _ of Deno.stdin.readable) { /* nothing is sent */ }
  await stop();
}

if (import.meta.main) {
  const [stateDir, extra, simulator] = Deno.args;
  await runChild(stateDir, JSON.parse(extra ?? "{}"), JSON.parse(simulator ?? "{}"));
}
