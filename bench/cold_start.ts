/**
 * Cold start as a user meets it: a fresh process, then a browser-style first click, which is a
 * CORS preflight, the browser's round trip, then the POST. Measured from spawning the function to
 * (1) its port listening, (2) the preflight's answer, (3) the POST's 200.
 *
 * Each function runs two ways: unbundled, every module loaded from its own file as the platform
 * loads a deployed function's module graph, and as one `deno bundle` file. Hello-world runs
 * alongside as the floor, and functions with a bench-only eager copy (everything imported at
 * start, as before lazy loading) run beside it, so the report can state their ratio.
 *
 * A function is measured by name: an entry in `FIRST_CLICKS` says what its first click sends and
 * what a right answer is (`userPost(body)` is what `supabase.functions.invoke(name, { body })`
 * sends as a signed-in user: one line for `checkout`; a function the browser does not call, such
 * as a sync job, names the caller and body it gets instead), and `EAGER_COPIES` names a bench-only
 * eager copy to compare with, if there is one. Functions without an entry are not cold-started.
 */
import { join } from "node:path";
import { freePort } from "../local/ports.ts";
import type { Caller } from "./load.ts";
import { portalUrl } from "./load.ts";
import { readRss, type SpawnedFunction, spawnFunction, waitUntilListening } from "./process.ts";
import { PROJECT_ROOT } from "./stack.ts";
import { median } from "./stats.ts";

/** What a browser spends between the preflight's answer arriving and its POST being sent. */
export const CLIENT_ROUND_TRIP_MS = 30;

/** Headers `supabase.functions.invoke` sends, and so what the preflight asks to allow. */
const INVOKE_HEADERS = ["authorization", "x-client-info", "apikey", "content-type"];

export interface ClickContext {
  caller: Caller;
  anonKey: string;
}

export interface FirstClick {
  headers: Record<string, string>;
  body: string;
  /** The 200's body is the right answer (not just any 200). */
  accept: (body: string) => boolean;
}

const userPost =
  (body: unknown, accept: (text: string) => boolean = () => true) =>
  (ctx: ClickContext): FirstClick => ({
    headers: {
      authorization: `Bearer ${ctx.caller.token}`,
      apikey: ctx.anonKey,
      "content-type": "application/json",
      "x-client-info": "supabase-js/2.119.1",
    },
    body: JSON.stringify(body),
    accept,
  });

/** Per function: its first click. The bench cold-starts each listed function that exists. */
export const FIRST_CLICKS: Record<string, (ctx: ClickContext) => FirstClick> = {
  "customer-portal": userPost({}, (text) => portalUrl(text) !== undefined),
};

export function firstClickFor(name: string, ctx: ClickContext): FirstClick {
  const click = FIRST_CLICKS[name];
  if (!click) throw new Error(`no first click defined for ${name} (bench/cold_start.ts)`);
  return click(ctx);
}

/** Function → its bench-only eager copy under bench/functions. */
export const EAGER_COPIES: Record<string, string> = {
  "customer-portal": "portal-eager",
};

/** The functions the bench cold-starts, when they exist in supabase/functions. */
export const COLD_START_FUNCTIONS = Object.keys(FIRST_CLICKS);

export type ColdMode = "unbundled" | "bundle";

export interface ColdSubject {
  /** Row label, e.g. `customer-portal`, `customer-portal (eager)`, `hello`. */
  label: string;
  /** The function it stands for (ratios pair a function with its eager copy). */
  fn: string;
  variant: "current" | "eager" | "hello";
  mode: ColdMode;
  entry: string;
  env: Record<string, string>;
  click: FirstClick;
}

export interface ColdRun {
  listenMs: number;
  preflightMs: number;
  firstClickMs: number;
  rssBytes: number;
}

export interface ColdResult {
  label: string;
  fn: string;
  variant: ColdSubject["variant"];
  mode: ColdMode;
  runs: ColdRun[];
  medianListenMs: number;
  medianPreflightMs: number;
  medianFirstClickMs: number;
  medianRssBytes: number;
}

const HELLO_CLICK: FirstClick = { headers: {}, body: "{}", accept: (text) => text === "hello" };
export const helloClick = (): FirstClick => HELLO_CLICK;

async function send(port: number, init: RequestInit): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/fn`, {
    ...init,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, text: await res.text() };
}

export async function coldStartOnce(subject: ColdSubject): Promise<ColdRun> {
  const port = freePort();
  const started = performance.now();
  let fn: SpawnedFunction | undefined;
  try {
    fn = spawnFunction(subject.entry, subject.env, port);
    await waitUntilListening(port, started + 30_000);
    const listenMs = performance.now() - started;
    const preflight = await send(port, {
      method: "OPTIONS",
      headers: {
        origin: "http://127.0.0.1:54321",
        "access-control-request-method": "POST",
        "access-control-request-headers": INVOKE_HEADERS.join(", "),
      },
    });
    const preflightMs = performance.now() - started;
    if (preflight.status >= 300) {
      throw new Error(`${subject.label}: preflight answered ${preflight.status}`);
    }
    await new Promise((resolve) => setTimeout(resolve, CLIENT_ROUND_TRIP_MS));
    const post = await send(port, {
      method: "POST",
      headers: { origin: "http://127.0.0.1:54321", ...subject.click.headers },
      body: subject.click.body,
    });
    const firstClickMs = performance.now() - started;
    if (post.status !== 200 || !subject.click.accept(post.text)) {
      throw new Error(`${subject.label} (${subject.mode}): first click answered ${post.status}`);
    }
    return { listenMs, preflightMs, firstClickMs, rssBytes: await readRss(fn.child.pid) };
  } finally {
    await fn?.stop();
  }
}

/**
 * Every subject `runs` times, round-robin, after one discarded start of each (so Deno's
 * transpile cache and the OS page cache are warm for all alike): subjects measured side by side
 * meet the same machine load.
 */
export async function measureColdStarts(
  subjects: ColdSubject[],
  runs: number,
): Promise<ColdResult[]> {
  const samples = subjects.map(() => [] as ColdRun[]);
  for (const s of subjects) await coldStartOnce(s);
  for (let i = 0; i < runs; i++) {
    for (const [j, s] of subjects.entries()) samples[j].push(await coldStartOnce(s));
  }
  return subjects.map((s, j) => ({
    label: s.label,
    fn: s.fn,
    variant: s.variant,
    mode: s.mode,
    runs: samples[j],
    medianListenMs: median(samples[j].map((r) => r.listenMs)),
    medianPreflightMs: median(samples[j].map((r) => r.preflightMs)),
    medianFirstClickMs: median(samples[j].map((r) => r.firstClickMs)),
    medianRssBytes: median(samples[j].map((r) => r.rssBytes)),
  }));
}

export interface ColdRatio {
  fn: string;
  mode: ColdMode;
  /** current / eager, medians of the same run. */
  firstClick: number;
  listen: number;
  preflight: number;
}

/** Each function against its eager copy, mode by mode. */
export function coldRatios(results: ColdResult[]): ColdRatio[] {
  const out: ColdRatio[] = [];
  for (const current of results.filter((r) => r.variant === "current")) {
    const eager = results.find((r) =>
      r.variant === "eager" && r.fn === current.fn && r.mode === current.mode
    );
    if (!eager) continue;
    out.push({
      fn: current.fn,
      mode: current.mode,
      firstClick: current.medianFirstClickMs / eager.medianFirstClickMs,
      listen: current.medianListenMs / eager.medianListenMs,
      preflight: current.medianPreflightMs / eager.medianPreflightMs,
    });
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

/** `deno bundle` of an entry into `dir`: one self-contained file, npm packages inlined. */
export async function bundleEntry(entry: string, dir: string, name: string): Promise<string> {
  const file = join(dir, `${name}.bundle.js`);
  await output(["bundle", "--quiet", "--platform", "deno", "-o", file, entry]);
  return file;
}

export interface ModuleGraph {
  /** Modules (files) in the bundled program: what the isolate has to load and compile. */
  bundledModules: number;
  bundleBytes: number;
  /** Direct graph per `deno info`: local files and npm packages (with their dependencies). */
  localModules: number;
  npmPackages: number;
  /** Local modules reached only through a dynamic `import()`: loaded on first use. */
  dynamicLocalModules: number;
}

interface DenoInfo {
  modules: {
    kind: string;
    specifier: string;
    dependencies?: { specifier: string; code?: { specifier: string }; isDynamic?: boolean }[];
  }[];
  npmPackages: Record<string, { dependencies: string[] }>;
}

export async function moduleGraph(entry: string, bundleFile: string): Promise<ModuleGraph> {
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
  // Modules only a dynamic `import()` reaches: a static import anywhere loads them at start.
  const targets = (dynamic: boolean) =>
    new Set(
      local.flatMap((m) =>
        (m.dependencies ?? []).filter((d) => d.code && Boolean(d.isDynamic) === dynamic)
          .map((d) => d.code!.specifier)
      ),
    );
  const staticTargets = targets(false);
  const dynamicTargets = new Set([...targets(true)].filter((s) => !staticTargets.has(s)));
  const text = await Deno.readTextFile(bundleFile);
  // esbuild heads each bundled module with a `// <path>` comment.
  const bundledModules =
    text.match(/^\/\/ (?:node_modules|supabase|bench|local)\/\S+\.(?:[cm]?js|ts)$/gm)?.length ?? 0;
  return {
    bundledModules,
    bundleBytes: new TextEncoder().encode(text).length,
    localModules: local.length,
    npmPackages: seen.size,
    dynamicLocalModules: dynamicTargets.size,
  };
}

export interface ColdStartReport {
  runs: number;
  clientRoundTripMs: number;
  results: ColdResult[];
  ratios: ColdRatio[];
  /** Module graph per measured entry (label → graph). */
  graphs: Record<string, ModuleGraph>;
}

export interface ColdStartPlan {
  /** Function name → entry file, for every function the stack serves. */
  entries: Record<string, string>;
  /** Hello-world's entry. */
  hello: string;
  env: Record<string, string>;
  ctx: ClickContext;
  runs: number;
  /** Which functions (default: those of `COLD_START_FUNCTIONS` that exist). */
  functions?: string[];
  log?: (message: string) => void;
}

/** Every function × {current, eager copy} × {unbundled, bundle}, and hello-world, side by side. */
export async function measureColdStart(plan: ColdStartPlan): Promise<ColdStartReport> {
  const names = (plan.functions ?? COLD_START_FUNCTIONS).filter((n) => plan.entries[n]);
  const bundleDir = await Deno.makeTempDir({ prefix: "bench-bundle-" });
  try {
    const unbundled: Omit<ColdSubject, "mode">[] = [];
    for (const name of names) {
      const click = firstClickFor(name, plan.ctx);
      unbundled.push({
        label: name,
        fn: name,
        variant: "current",
        entry: plan.entries[name],
        env: plan.env,
        click,
      });
      const eager = EAGER_COPIES[name];
      if (eager) {
        unbundled.push({
          label: `${name} (eager)`,
          fn: name,
          variant: "eager",
          entry: join(PROJECT_ROOT, "bench", "functions", eager, "index.ts"),
          env: plan.env,
          click,
        });
      }
    }
    unbundled.push({
      label: "hello",
      fn: "hello",
      variant: "hello",
      entry: plan.hello,
      env: plan.env,
      click: helloClick(),
    });
    const graphs: Record<string, ModuleGraph> = {};
    const bundled: ColdSubject[] = [];
    for (const [i, s] of unbundled.entries()) {
      const file = await bundleEntry(s.entry, bundleDir, String(i));
      graphs[s.label] = await moduleGraph(s.entry, file);
      bundled.push({ ...s, mode: "bundle", entry: file });
    }
    const subjects: ColdSubject[] = [
      ...unbundled.map((s) => ({ ...s, mode: "unbundled" as const })),
      ...bundled,
    ];
    plan.log?.(`cold start: ${subjects.length} subjects × ${plan.runs} runs`);
    const results = await measureColdStarts(subjects, plan.runs);
    return {
      runs: plan.runs,
      clientRoundTripMs: CLIENT_ROUND_TRIP_MS,
      results,
      ratios: coldRatios(results),
      graphs,
    };
  } finally {
    await Deno.remove(bundleDir, { recursive: true }).catch(() => {});
  }
}
