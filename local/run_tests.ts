/**
 * `deno task test`: starts a throwaway stack on free ports (so it runs beside
 * `deno task dev`), runs `deno test` against it, and stops it. Arguments are
 * passed to `deno test` (e.g. `deno task test tests/rls_test.ts`).
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "./database.ts";
import { startStack, throwawayStackOptions } from "./stack.ts";
import { ensureTools } from "./tools.ts";

/**
 * Tests that move the simulator's clock (`tests/clock/`) renew, cancel and pause every
 * subscription that falls due, the seeded ones included, and time never goes back: they get a
 * stack of their own, started after the other tests' stack has stopped.
 */
const CLOCK_TESTS = "tests/clock";
const DEFAULT_PATHS = ["local", "supabase", "tests", "bench", "tools"];
/** deno test's own pattern for a test module. */
const TEST_FILE = /^(?:test|.+[._]test)\.(?:[cm]?[jt]sx?)$/;

/**
 * `main` and `clock`: the arguments of the two runs (an empty one is skipped). `testsEntries`
 * lists `tests/` (folders end in `/`): without arguments the main run names each folder but
 * `clock/` and each test file (deno test's `--ignore` does not apply below a path given on the
 * command line, and a helper named on it would run as a test module).
 */
export function partitionTestArgs(
  args: string[],
  testsEntries: string[] = [],
): { main: string[]; clock: string[] } {
  if (args.length === 0) {
    const tests = testsEntries
      .filter((name) =>
        name.endsWith("/") ? `tests/${name}` !== `${CLOCK_TESTS}/` : TEST_FILE.test(name)
      )
      .sort()
      .map((name) => `tests/${name.replace(/\/$/, "")}`);
    const main = DEFAULT_PATHS.flatMap((path) => path === "tests" ? tests : [path]);
    return { main, clock: [CLOCK_TESTS] };
  }
  const isClock = (arg: string) => arg.replace(/^\.\//, "").startsWith(CLOCK_TESTS);
  const flags = args.filter((arg) => arg.startsWith("-"));
  const clock = args.filter(isClock);
  const main = args.filter((arg) => !isClock(arg));
  const mainPaths = main.filter((arg) => !arg.startsWith("-"));
  return {
    main: clock.length > 0 && mainPaths.length === 0 ? [] : main,
    clock: clock.length > 0 ? [...flags, ...clock] : [],
  };
}

async function runOnFreshStack(testArgs: string[]): Promise<number> {
  const stateDir = await Deno.makeTempDir({ prefix: "paddle-portal-test-" });
  const started = performance.now();
  const stack = await startStack(throwawayStackOptions(stateDir, {
    functionEnv: {
      // A short Paddle deadline keeps the timeout tests quick; the default is 10 s.
      PADDLE_TIMEOUT_MS: "3000",
      // The portal and page suites mint dozens of sessions a minute as one demo user (steady
      // state, 200 concurrent calls); the limit itself is tested at its default through
      // customer-portal-default-limit (tests/mint_limit_test.ts).
      MINT_RATE_LIMIT_PER_MINUTE: "1000",
      // The simulator's rate limit is off in this stack (throwawayStackOptions), so the sync need
      // not keep Paddle's pace here; tests/paddle_sync_pacing_test.ts tests the pace itself.
      PADDLE_SYNC_REQUESTS_PER_MINUTE: "60000",
    },
    extraFunctions: {
      "customer-portal-default-limit": join(
        PROJECT_ROOT,
        "tests",
        "functions",
        "customer-portal-default-limit",
        "index.ts",
      ),
      "checkout-default-limit": join(
        PROJECT_ROOT,
        "tests",
        "functions",
        "checkout-default-limit",
        "index.ts",
      ),
    },
  }));
  console.log(
    `test stack ready in ${Math.round(performance.now() - started)} ms at ${stack.info.apiUrl}`,
  );

  let code = 1;
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["test", "--allow-all", ...testArgs],
      cwd: PROJECT_ROOT,
      env: { LOCAL_STACK_FILE: join(stateDir, "stack.json") },
      stdin: "null",
    }).spawn();
    const stopChild = () => {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
    };
    Deno.addSignalListener("SIGINT", stopChild);
    Deno.addSignalListener("SIGTERM", stopChild);
    code = (await child.status).code;
    Deno.removeSignalListener("SIGINT", stopChild);
    Deno.removeSignalListener("SIGTERM", stopChild);
  } finally {
    await stack.stop();
    await Deno.remove(stateDir, { recursive: true }).catch(() => {});
  }
  return code;
}

if (import.meta.main) {
  // The CLI test needs the pinned Supabase CLI.
  await ensureTools();
  const testsEntries = [...Deno.readDirSync(join(PROJECT_ROOT, "tests"))]
    .map((entry) => entry.isDirectory ? `${entry.name}/` : entry.name);
  const { main, clock } = partitionTestArgs(Deno.args, testsEntries);
  let code = 0;
  if (main.length > 0) code = await runOnFreshStack(main);
  if (clock.length > 0 && code === 0) code = await runOnFreshStack(clock);
  Deno.exit(code);
}
