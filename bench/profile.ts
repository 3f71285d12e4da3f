/**
 * Where does a portal function spend its CPU? `deno run --allow-all bench/profile.ts [options]`
 * starts the bench stack, runs one more copy of a function under `deno run --cpu-prof`, sends it
 * load directly (no gateway, so only the function's own work is sampled), stops it so the
 * profile is written, and prints CPU per request, self time by package and by function, and the
 * inclusive time of our own functions. The .cpuprofile stays in bench-results/profiles for
 * Chrome DevTools or speedscope.
 *
 *   --function customer-portal | bare-portal | reference-portal   (default customer-portal)
 *   --requests 3000   --concurrency 1   --warmup 300
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../local/ports.ts";
import { signIn } from "./callers.ts";
import { runLoad, type Target } from "./load.ts";
import {
  findFunctionPid,
  readCpuMs,
  readEnviron,
  reusableEnv,
  spawnFunction,
  waitUntilListening,
} from "./process.ts";
import { PROJECT_ROOT, startBenchStack } from "./stack.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled non-idle time, ms. */
  busyMs: number;
  byGroup: [string, number][];
  selfTop: [string, number][];
  /** Time with one of our own functions on the stack, by function (each sample counted once per name). */
  oursInclusive: [string, number][];
}

/** Which package, runtime part or file of ours a frame belongs to. */
export function frameGroup(url: string, functionName: string): string {
  if (url === "") return functionName || "(native)";
  const npm = url.match(/node_modules\/\.deno\/((?:@[^+/]+\+)?[^@/]+)@/);
  if (npm) return `npm:${npm[1].replace("+", "/")}`;
  if (url.startsWith("ext:")) return `deno:${url.slice(4).split("/")[0]}`;
  if (url.startsWith("node:")) return "deno:node";
  const ours = url.indexOf("/supabase/functions/");
  if (ours >= 0) return `ours:${url.slice(ours + "/supabase/functions/".length)}`;
  const bench = url.indexOf("/bench/");
  if (bench >= 0) return `bench:${url.slice(bench + 1)}`;
  return url;
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  // The time delta after a sample belongs to that sample (what V8's own tools do).
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const byGroup = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  const oursInclusive = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") continue;
    busy += us;
    const group = frameGroup(url, functionName);
    byGroup.set(group, (byGroup.get(group) ?? 0) + us);
    const key = `${functionName || "(anonymous)"} ${group}:${lineNumber + 1}`;
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      const g = frameGroup(frame.url, frame.functionName);
      if (!g.startsWith("ours:")) continue;
      const name = `${frame.functionName || "(anonymous)"} (${g.slice(5)})`;
      if (seen.has(name)) continue;
      seen.add(name);
      oursInclusive.set(name, (oursInclusive.get(name) ?? 0) + us);
    }
  }
  const sorted = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) =>
      [k, v / 1000] as [string, number]
    );
  return {
    busyMs: busy / 1000,
    byGroup: sorted(byGroup, 25),
    selfTop: sorted(selfByFn, 30),
    oursInclusive: sorted(oursInclusive, 30),
  };
}

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      function: { type: "string", default: "customer-portal" },
      requests: { type: "string", default: "3000" },
      concurrency: { type: "string", default: "1" },
      warmup: { type: "string", default: "300" },
    },
  });
  const name = values.function;
  const root = join(PROJECT_ROOT, "bench", "functions");
  const stack = await startBenchStack({
    "reference-portal": join(root, "reference-portal", "index.ts"),
    "bare-portal": join(root, "bare-portal", "index.ts"),
  });
  const outDir = join(PROJECT_ROOT, "bench-results", "profiles");
  await Deno.mkdir(outDir, { recursive: true });
  const profileDir = await Deno.makeTempDir({ dir: outDir, prefix: `${name}-` });
  try {
    const entry = stack.entries[name];
    if (!entry) throw new Error(`no function ${name}`);
    const env = reusableEnv(
      await readEnviron(await findFunctionPid(stack.ownerPid, stack.entries["customer-portal"])),
    );
    const callers = await signIn(stack);
    const port = freePort();
    const fn = spawnFunction(
      join(PROJECT_ROOT, "bench", "profile_entry.ts"),
      env,
      port,
      { extraArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`], scriptArgs: [entry] },
    );
    await waitUntilListening(port, performance.now() + 30_000);
    const target: Target = {
      name,
      url: `http://127.0.0.1:${port}/${name}`,
      apikey: stack.info.anonKey,
    };
    const concurrency = Number(values.concurrency);
    await runLoad(target, callers, {
      concurrency,
      maxRequests: Number(values.warmup),
      maxMs: 60_000,
    });
    const cpuBefore = await readCpuMs(fn.child.pid);
    const run = await runLoad(target, callers, {
      concurrency,
      maxRequests: Number(values.requests),
      maxMs: 300_000,
    });
    const cpuMs = await readCpuMs(fn.child.pid) - cpuBefore;
    await fn.stop();
    const bad = run.samples.filter((s) => s.status !== 200).length;
    const file = [...Deno.readDirSync(profileDir)].find((f) => f.name.endsWith(".cpuprofile"));
    if (!file) throw new Error("no profile was written");
    const path = join(profileDir, file.name);
    const summary = summarizeProfile(JSON.parse(await Deno.readTextFile(path)) as CpuProfile);
    const n = run.samples.length;
    const fmt = (rows: [string, number][]) =>
      rows.map(([k, v]) =>
        `  ${v.toFixed(1).padStart(9)} ms  ${(v / n * 1000).toFixed(0).padStart(5)} µs/req  ${k}`
      )
        .join("\n");
    console.log(`${name}: ${n} requests at concurrency ${concurrency} (${bad} not 200)`);
    console.log(
      `process CPU ${(cpuMs / n).toFixed(3)} ms/request (user+sys, 10 ms ticks); ` +
        `sampled JS/V8 busy ${
          (summary.busyMs / n * 1000).toFixed(0)
        } µs/request over the whole profile (incl. start-up and warm-up)`,
    );
    console.log(`\nself time by group:\n${fmt(summary.byGroup)}`);
    console.log(`\nself time by function:\n${fmt(summary.selfTop)}`);
    console.log(`\ninclusive time of our functions:\n${fmt(summary.oursInclusive)}`);
    console.log(`\nprofile: ${path}`);
  } finally {
    await stack.stop();
  }
}

if (import.meta.main) await main();
