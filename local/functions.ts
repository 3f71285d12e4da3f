/**
 * Serves every function in `supabase/functions` the way the edge runtime does:
 * one Deno process per function running its `index.ts` (its `Deno.serve`
 * entry), with the platform's environment variables plus the project's env
 * files, reached at `/functions/v1/<name>` with the path `/<name>/...`.
 */
import { dirname, join } from "node:path";
import { PROJECT_ROOT } from "./database.ts";
import { freePort, waitForPort } from "./ports.ts";

export const FUNCTIONS_DIR = join(PROJECT_ROOT, "supabase", "functions");

export interface FunctionProcess {
  name: string;
  port: number;
  /** Lines the function wrote to stdout and stderr (most recent 5,000). */
  logs: string[];
  stop(): Promise<void>;
}

export interface FunctionOptions {
  env: Record<string, string>;
  /** Restart on source changes (`deno task dev`). */
  watch?: boolean;
  /** Where to echo log lines, with the function's name in front. */
  echo?: (line: string) => void;
}

/** Folders under supabase/functions with an index.ts; `_shared` and dot folders are not functions. */
export async function discoverFunctions(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(FUNCTIONS_DIR)) {
    if (!entry.isDirectory || entry.name.startsWith("_") || entry.name.startsWith(".")) continue;
    try {
      await Deno.stat(join(FUNCTIONS_DIR, entry.name, "index.ts"));
      names.push(entry.name);
    } catch { /* not a function */ }
  }
  return names.sort();
}

/**
 * How a function process is run: the hosted runtime grants network and environment access;
 * reads are limited to the function sources, as in a deployed bundle. `flags` go before the
 * entry (`--watch`, `--cpu-prof`).
 */
export function functionRunArgs(entry: string, flags: string[] = []): string[] {
  return [
    "run",
    "--quiet",
    "--no-prompt",
    "--allow-net",
    "--allow-env",
    `--allow-read=${FUNCTIONS_DIR},${dirname(entry)},${join(PROJECT_ROOT, "node_modules")}`,
    ...flags,
    entry,
  ];
}

export async function startFunction(
  name: string,
  options: FunctionOptions,
  entry = join(FUNCTIONS_DIR, name, "index.ts"),
): Promise<FunctionProcess> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: functionRunArgs(
      entry,
      options.watch ? [`--watch=${FUNCTIONS_DIR}`, "--no-clear-screen"] : [],
    ),
    cwd: PROJECT_ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
      NO_COLOR: "1",
      ...options.env,
      SB_EXECUTION_ID: crypto.randomUUID(),
      DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}`,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const logs: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        logs.push(line);
        if (logs.length > 5000) logs.shift();
        options.echo?.(`[${name}] ${line}`);
      }
    }
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await pumped;
  };
  try {
    await Promise.race([
      waitForPort(port, 30_000, `function ${name}`),
      child.status.then((status) => {
        throw new Error(`function ${name} exited with ${status.code}: ${logs.join("\n")}`);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { name, port, logs, stop };
}
