/** `deno task paddle:sync` as a user runs it: exit codes and its one-line errors. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT } from "../local/database.ts";
import { clearFaults, queueFault, resetPaddle } from "./_paddle.ts";
import { loadAccount, sql } from "./_paddle_sync.ts";

const STACK_FILE = Deno.env.get("LOCAL_STACK_FILE")!;
const STACK = JSON.parse(await Deno.readTextFile(STACK_FILE));

/**
 * The process environment wins over `.env` files in the CLI, so naming the test stack's URL, key
 * and simulator here keeps a developer's own `.env` (a sandbox key, say) out of these tests.
 */
async function cli(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", join(PROJECT_ROOT, "local", "paddle_sync.ts"), ...args],
    cwd: PROJECT_ROOT,
    env: {
      LOCAL_STACK_FILE: STACK_FILE,
      SUPABASE_URL: STACK.apiUrl,
      SUPABASE_SERVICE_ROLE_KEY: STACK.serviceRoleKey,
      PADDLE_ENV: "sandbox",
      PADDLE_API_KEY: STACK.paddle.apiKey,
      PADDLE_API_URL: STACK.paddle.apiUrl,
      PADDLE_SYNC_SLICE_SECONDS: "25",
      // The test stack's simulator has no rate limit to keep under (see local/run_tests.ts).
      PADDLE_SYNC_REQUESTS_PER_MINUTE: "60000",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("paddle:sync exits 0 when done, with progress per entity type on stderr", async () => {
  const account = await loadAccount(210);
  const run = await cli(["--restart"]);
  assert.equal(run.code, 0, run.stderr);
  for (const type of ["product", "price", "customer", "subscription"]) {
    assert.match(run.stderr, new RegExp(`^${type} +\\[#+\\] .*estimated_total .*done$`, "m"));
  }
  assert.match(run.stderr, /paddle:sync: done: /);
  const [{ n }] = await sql<{ n: number }>(
    "select count(*)::int as n from public.customers where customer_id = any($1)",
    [account.customers.map((c) => c.id)],
  );
  assert.equal(n, 210);
});

Deno.test("paddle:sync after a finished run reads Paddle again: entities loaded since then arrive", async () => {
  assert.equal((await cli([])).code, 0);
  const account = await loadAccount(3);
  const run = await cli([]);
  assert.equal(run.code, 0, run.stderr);
  const [{ n }] = await sql<{ n: number }>(
    "select count(*)::int as n from public.subscriptions where subscription_id = any($1)",
    [account.subscriptions.map((s) => s.id)],
  );
  assert.equal(n, 3);
});

Deno.test("paddle:sync on bad configuration: exit 2 and one clear line", async () => {
  // Empty values count as unset, so with no stack file nothing names a project.
  const missing = await cli([], {
    LOCAL_STACK_FILE: "/nonexistent/stack.json",
    SUPABASE_URL: "",
    SUPABASE_SERVICE_ROLE_KEY: "",
  });
  assert.equal(missing.code, 2);
  const lines = missing.stderr.trim().split("\n");
  assert.equal(lines.length, 1, missing.stderr);
  assert.match(lines[0], /^paddle:sync: bad configuration: .*SUPABASE_URL is required/);
  assert.match(lines[0], /deno task dev/);

  const badSlice = await cli(["--slice-seconds", "0"]);
  assert.equal(badSlice.code, 2);
  assert.match(badSlice.stderr, /PADDLE_SYNC_SLICE_SECONDS must be at least 1/);

  const wrongKey = await cli([], { PADDLE_ENV: "production", PADDLE_API_KEY: "pdl_sdbx_apikey_x" });
  assert.equal(wrongKey.code, 2);
  assert.match(wrongKey.stderr, /PADDLE_API_KEY must start with pdl_live_/);
  assert.doesNotMatch(wrongKey.stderr, /pdl_sdbx_apikey_x/);

  const unknown = await cli(["--bogus"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /usage: deno task paddle:sync/);
});

Deno.test("paddle:sync when Paddle keeps failing: exit 1 after N slices without progress, one line", async () => {
  await resetPaddle();
  await queueFault({ status: 502, count: 1000 });
  try {
    const run = await cli(["--restart", "--max-stalled", "2"]);
    assert.equal(run.code, 1, run.stderr);
    const last = run.stderr.trim().split("\n").at(-1)!;
    assert.match(
      last,
      /^paddle:sync: failed: paddle_unavailable \(\w+\) on products, 2 slices in a row without progress$/,
    );
  } finally {
    await clearFaults();
  }
  // The run is left resumable: a plain run now finishes it.
  const resumed = await cli([]);
  assert.equal(resumed.code, 0, resumed.stderr);
});
