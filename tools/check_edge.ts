/**
 * `deno task check:edge`: type-checks every module under supabase/functions and runs the
 * functions' unit tests with the Deno the hosted Edge Runtime is compatible with (2.1.4: V8 13.0,
 * TypeScript 5.6), so an API or typing newer than the platform fails here instead of in
 * production. The project's own tooling keeps its newer Deno.
 *
 * That Deno cannot read deno.lock (version 5), so it runs with tools/deno-edge.json: the same
 * import map, no node_modules (the platform has none), and a lock of its own (version 4) in frozen
 * mode. `--update-lock` rewrites that lock after a dependency change; edge_lock_test.ts keeps the
 * two locks at the same versions and integrity hashes.
 *
 * The tools come from `npm ci --prefix tools`, run here when needed.
 */
import { join, relative } from "node:path";
import { ensureTools } from "../local/tools.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const TOOLS = join(ROOT, "tools");
export const FUNCTIONS_DIR = join(ROOT, "supabase", "functions");
export const EDGE_CONFIG = join(TOOLS, "deno-edge.json");
export const EDGE_LOCK = join(TOOLS, "deno-edge.lock");
export const EDGE_DENO_VERSION = "2.1.4";

/** The npm package `deno` installs its binary as `@deno/<platform>/deno`. */
export async function edgeDeno(): Promise<string> {
  const dir = join(TOOLS, "node_modules", "@deno");
  try {
    for await (const entry of Deno.readDir(dir)) {
      const binary = join(dir, entry.name, "deno");
      try {
        await Deno.stat(binary);
        return binary;
      } catch { /* another platform's package */ }
    }
  } catch { /* not installed */ }
  throw new Error(
    `no Deno ${EDGE_DENO_VERSION} in ${dir}: run \`npm ci --prefix tools\``,
  );
}

/** Every TypeScript module under supabase/functions, entry points, shared code and tests alike. */
export async function functionModules(dir = FUNCTIONS_DIR): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...await functionModules(path));
    else if (entry.isFile && /\.(ts|tsx|mts)$/.test(entry.name)) {
      found.push(path);
    }
  }
  return found.sort();
}

export function isTestModule(path: string): boolean {
  return /_test\.(ts|tsx|mts)$/.test(path);
}

async function edge(args: string[]): Promise<void> {
  const binary = await edgeDeno();
  const status = await new Deno.Command(binary, {
    args,
    cwd: ROOT,
    env: {
      // Its own cache: two Deno versions writing one npm cache is asking for trouble.
      DENO_DIR: join(TOOLS, ".deno"),
      // Reaches the npm registry through the machine's CA store (a proxy's CA on CI).
      DENO_TLS_CA_STORE: "system",
      NO_COLOR: "1",
    },
    stdin: "null",
  }).spawn().status;
  if (!status.success) {
    throw new Error(
      `deno ${EDGE_DENO_VERSION} ${args[0]} failed (exit ${status.code})`,
    );
  }
}

if (import.meta.main) {
  await ensureTools();
  const updateLock = Deno.args.includes("--update-lock");
  const modules = await functionModules();
  const tests = modules.filter(isTestModule);
  const lockMode = updateLock ? ["--frozen=false"] : ["--frozen"];
  const common = ["--config", EDGE_CONFIG, ...lockMode];
  const version = new TextDecoder().decode(
    (await new Deno.Command(await edgeDeno(), { args: ["--version"] }).output())
      .stdout,
  ).split("\n")[0];
  if (!version.includes(EDGE_DENO_VERSION)) {
    throw new Error(`expected ${EDGE_DENO_VERSION}, got ${version}`);
  }
  console.log(
    `${version}: checking ${modules.length} modules and running ${tests.length} test files under ${
      relative(ROOT, FUNCTIONS_DIR)
    }`,
  );
  await edge(["check", "--quiet", ...common, ...modules]);
  await edge(["test", "--quiet", "--allow-all", ...common, ...tests]);
  if (updateLock) console.log(`wrote ${relative(ROOT, EDGE_LOCK)}`);
}
