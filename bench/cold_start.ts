/**
 * Cold start: from spawning `deno run` to the first 200, for the portal function against a
 * hello-world `Deno.serve`, and how big each one's module graph is.
 *
 * The portal's first 200 is a real portal request (verified token, database, Paddle), so it
 * includes what only the first request pays: the JWKS fetch, connection set-up, and V8 compiling
 * the code paths for the first time. A user clicking on a cold isolate waits exactly that long.
 */
import { freePort } from "../local/ports.ts";
import { type Caller, portalRequest } from "./load.ts";
import { readRss, type SpawnedFunction, spawnFunction, waitUntilListening } from "./process.ts";
import { PROJECT_ROOT } from "./stack.ts";
import { median } from "./stats.ts";

export interface ColdStartRun {
  /** Spawn to the port accepting connections. */
  listenMs: number;
  /** Spawn to the first 200 response. */
  firstOkMs: number;
  /** Resident size right after that first response. */
  rssBytes: number;
}

export interface ColdStartResult {
  runs: ColdStartRun[];
  medianListenMs: number;
  medianFirstOkMs: number;
  medianRssBytes: number;
}

export interface ModuleGraph {
  /** Modules (files) in the bundled program: what the isolate has to load and compile. */
  bundledModules: number;
  bundleBytes: number;
  /** Direct graph per `deno info`: local files and npm packages (with their dependencies). */
  localModules: number;
  npmPackages: number;
}

export type FirstRequest = (port: number) => Promise<number>;

export const helloRequest: FirstRequest = async (port) => {
  const res = await fetch(`http://127.0.0.1:${port}/hello`);
  await res.body?.cancel();
  return res.status;
};

export function portalFirstRequest(caller: Caller, apikey: string, name: string): FirstRequest {
  return async (port) =>
    (await portalRequest({ name, url: `http://127.0.0.1:${port}/${name}`, apikey }, caller, 0))
      .status;
}

export async function coldStartOnce(
  entry: string,
  env: Record<string, string>,
  firstRequest: FirstRequest,
): Promise<ColdStartRun> {
  const port = freePort();
  const started = performance.now();
  let fn: SpawnedFunction | undefined;
  try {
    fn = spawnFunction(entry, env, port);
    await waitUntilListening(port, started + 30_000);
    const listenMs = performance.now() - started;
    const status = await firstRequest(port);
    const firstOkMs = performance.now() - started;
    if (status !== 200) throw new Error(`first response from ${entry} was ${status}`);
    return { listenMs, firstOkMs, rssBytes: await readRss(fn.child.pid) };
  } finally {
    await fn?.stop();
  }
}

/**
 * Alternates the two functions run by run, after one discarded start of each (so Deno's
 * transpile cache and the OS page cache are warm for both alike).
 */
export async function measureColdStarts(
  subjects: { name: string; entry: string; env: Record<string, string>; first: FirstRequest }[],
  runs: number,
): Promise<Record<string, ColdStartResult>> {
  const samples: Record<string, ColdStartRun[]> = {};
  for (const s of subjects) {
    await coldStartOnce(s.entry, s.env, s.first);
    samples[s.name] = [];
  }
  for (let i = 0; i < runs; i++) {
    for (const s of subjects) samples[s.name].push(await coldStartOnce(s.entry, s.env, s.first));
  }
  const out: Record<string, ColdStartResult> = {};
  for (const [name, list] of Object.entries(samples)) {
    out[name] = {
      runs: list,
      medianListenMs: median(list.map((r) => r.listenMs)),
      medianFirstOkMs: median(list.map((r) => r.firstOkMs)),
      medianRssBytes: median(list.map((r) => r.rssBytes)),
    };
  }
  return out;
}

async function output(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

interface DenoInfo {
  modules: { kind: string; specifier: string; local?: string }[];
  npmPackages: Record<string, { dependencies: string[] }>;
}

export async function moduleGraph(entry: string): Promise<ModuleGraph> {
  const info = JSON.parse(await output(["info", "--json", entry])) as DenoInfo;
  const local = info.modules.filter((m) => m.kind === "esm" && m.specifier.startsWith("file:"));
  // `npmPackages` lists every package in the lock file; walk out from the ones this graph uses.
  const roots = info.modules.filter((m) => m.kind === "npm")
    .map((m) =>
      m.specifier.replace(/^npm:\/?/, "").replace(/^(@?[^@/]+(?:\/[^@/]+)?@[^/]+).*$/, "$1")
    );
  const seen = new Set<string>();
  const walk = (id: string) => {
    if (seen.has(id) || !info.npmPackages[id]) return;
    seen.add(id);
    for (const dep of info.npmPackages[id].dependencies) walk(dep);
  };
  roots.forEach(walk);

  const dir = await Deno.makeTempDir({ prefix: "bench-bundle-" });
  try {
    const file = `${dir}/bundle.js`;
    await output(["bundle", "--quiet", "--platform", "deno", "-o", file, entry]);
    const text = await Deno.readTextFile(file);
    // esbuild heads each bundled module with a `// <path>` comment.
    const bundledModules =
      text.match(/^\/\/ (?:node_modules|supabase|bench|local)\/\S+\.(?:[cm]?js|ts)$/gm)?.length ??
        0;
    return {
      bundledModules,
      bundleBytes: new TextEncoder().encode(text).length,
      localModules: local.length,
      npmPackages: seen.size,
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
