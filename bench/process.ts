/**
 * Function processes from the outside, through /proc (Linux only, like the rest of the local
 * stack): which pid serves a function, how much memory it holds, and how to start one more copy
 * with exactly the environment the stack gave it.
 */
import { functionRunArgs } from "../local/functions.ts";
import { waitForPort } from "../local/ports.ts";
import { PROJECT_ROOT } from "./stack.ts";

/**
 * The function process the stack started for `entry`. Other stacks (tests run by others on this
 * machine) serve the same file, so only children of our stack's process count.
 */
export async function findFunctionPid(ownerPid: number, entry: string): Promise<number> {
  for await (const dir of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(dir.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${dir.name}/stat`);
      // Field 4 (ppid) follows the parenthesised command name, which may itself hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== ownerPid) continue;
      const cmdline = (await Deno.readTextFile(`/proc/${dir.name}/cmdline`)).split("\0");
      if (cmdline.includes(entry)) return Number(dir.name);
    } catch { /* exited while we looked */ }
  }
  throw new Error(`no process of ${ownerPid} serves ${entry}`);
}

/** Resident set size in bytes (VmRSS). */
export async function readRss(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb[1]) * 1024;
}

export async function readEnviron(pid: number): Promise<Record<string, string>> {
  const raw = await Deno.readTextFile(`/proc/${pid}/environ`);
  const env: Record<string, string> = {};
  for (const pair of raw.split("\0")) {
    const eq = pair.indexOf("=");
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** Polls every millisecond, so a start-up time is not rounded up to a polling interval. */
export function waitUntilListening(port: number, deadline: number): Promise<void> {
  return waitForPort(port, deadline - performance.now(), `a function on ${port}`, 1);
}

export interface SpawnedFunction {
  child: Deno.ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/** Every function process the bench started itself and has not stopped yet. */
const live = new Set<SpawnedFunction>();

/** For an interrupted run: nothing the bench started may outlive it, holding ports. */
export async function stopAllSpawned(): Promise<void> {
  await Promise.all([...live].map((fn) => fn.stop()));
}

export interface SpawnOptions {
  /** Deno flags before the entry (`--cpu-prof`, `--v8-flags=...`). */
  extraArgs?: string[];
  /** Arguments after the entry. */
  scriptArgs?: string[];
  /** Receives stdout as it comes; without it stdout is discarded. */
  onStdout?: (text: string) => void;
}

/**
 * Starts a function the way local/functions.ts does (same flags, permissions, working folder and
 * a clean environment), on a port of our choosing.
 */
export function spawnFunction(
  entry: string,
  env: Record<string, string>,
  port: number,
  options: SpawnOptions = {},
): SpawnedFunction {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...functionRunArgs(entry, options.extraArgs), ...(options.scriptArgs ?? [])],
    cwd: PROJECT_ROOT,
    clearEnv: true,
    env: { ...env, DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}` },
    stdin: "null",
    // A pipe nobody reads fills up and blocks the function's console.log: read it or drop it.
    stdout: options.onStdout ? "piped" : "null",
    stderr: "null",
  }).spawn();
  const pumped = options.onStdout
    ? (async () => {
      for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
        options.onStdout!(text);
      }
    })().catch(() => {})
    : Promise.resolve();
  let stopped: Promise<void> | undefined;
  const fn: SpawnedFunction = {
    child,
    port,
    stop: () =>
      stopped ??= (async () => {
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
        await child.status;
        await pumped;
        live.delete(fn);
      })(),
  };
  live.add(fn);
  return fn;
}

/** User plus system CPU time the process has used, in milliseconds. */
export async function readCpuMs(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the full line, in clock ticks (USER_HZ, 100 on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The environment a stack-started function got, minus what must differ per process. */
export function reusableEnv(env: Record<string, string>): Record<string, string> {
  const { DENO_SERVE_ADDRESS: _a, SB_EXECUTION_ID: _b, ...rest } = env;
  return { ...rest, SB_EXECUTION_ID: crypto.randomUUID() };
}
