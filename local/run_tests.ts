/**
 * `deno task test`: starts a throwaway stack on free ports (so it runs beside
 * `deno task dev`), runs `deno test` against it, and stops it. Arguments are
 * passed to `deno test` (e.g. `deno task test tests/rls_test.ts`).
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "./database.ts";
import { startStack, throwawayStackOptions } from "./stack.ts";
import { ensureTools } from "./tools.ts";

// The CLI test needs the pinned Supabase CLI.
await ensureTools();
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
  const args = Deno.args.length ? Deno.args : ["local", "supabase", "tests", "bench", "tools"];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-all", ...args],
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
} finally {
  await stack.stop();
  await Deno.remove(stateDir, { recursive: true }).catch(() => {});
}
Deno.exit(code);
