import assert from "node:assert/strict";
import { join } from "node:path";
import { createProgress, parseCliArgs, progressLine, syncEnv } from "./paddle_sync.ts";
import type { EntityStatus } from "../supabase/functions/_shared/paddle_sync/sync_store.ts";
import { entityStatus } from "../supabase/functions/_shared/paddle_sync/test_fixtures.ts";

const STACK = {
  apiUrl: "http://127.0.0.1:54321",
  serviceRoleKey: "local-service-role",
  paddle: { apiUrl: "http://127.0.0.1:54325", apiKey: "pdl_sdbx_apikey_local" },
};

async function withRoot(files: Record<string, string>, test: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir();
  try {
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(join(root, path, ".."), { recursive: true });
      await Deno.writeTextFile(join(root, path), text);
    }
    await test(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("syncEnv: the running local stack and its simulator fill in what is not set", async () => {
  await withRoot(
    { ".local/stack.json": JSON.stringify(STACK), ".env": "PADDLE_API_KEY=\n" },
    async (root) => {
      const env = await syncEnv({}, root);
      assert.equal(env.SUPABASE_URL, STACK.apiUrl);
      assert.equal(env.SUPABASE_SERVICE_ROLE_KEY, STACK.serviceRoleKey);
      assert.equal(env.PADDLE_ENV, "sandbox");
      assert.equal(env.PADDLE_API_KEY, STACK.paddle.apiKey);
      assert.equal(env.PADDLE_API_URL, STACK.paddle.apiUrl);
    },
  );
});

Deno.test("syncEnv: a Paddle key in .env means Paddle's own API, not the simulator", async () => {
  await withRoot({
    ".local/stack.json": JSON.stringify(STACK),
    ".env": "PADDLE_ENV=sandbox\nPADDLE_API_KEY=pdl_sdbx_apikey_real\n",
  }, async (root) => {
    const env = await syncEnv({}, root);
    assert.equal(env.PADDLE_API_KEY, "pdl_sdbx_apikey_real");
    assert.equal(env.PADDLE_API_URL, undefined);
    assert.equal(env.SUPABASE_URL, STACK.apiUrl, "into the local database");
  });
});

Deno.test("syncEnv: a project URL of one's own is never paired with the local key", async () => {
  await withRoot({ ".local/stack.json": JSON.stringify(STACK) }, async (root) => {
    const env = await syncEnv({ SUPABASE_URL: "https://abc.supabase.co" }, root);
    assert.equal(env.SUPABASE_URL, "https://abc.supabase.co");
    assert.equal(env.SUPABASE_SERVICE_ROLE_KEY, undefined);
  });
});

Deno.test("syncEnv: LOCAL_STACK_FILE names another stack; without one nothing is invented", async () => {
  await withRoot(
    { "other.json": JSON.stringify({ ...STACK, apiUrl: "http://127.0.0.1:9" }) },
    async (root) => {
      const env = await syncEnv({ LOCAL_STACK_FILE: join(root, "other.json") }, root);
      assert.equal(env.SUPABASE_URL, "http://127.0.0.1:9");
      const none = await syncEnv({}, root);
      assert.equal(none.SUPABASE_URL, undefined);
      assert.equal(none.PADDLE_API_KEY, undefined);
    },
  );
});

Deno.test("parseCliArgs: flags, defaults and refusals", () => {
  assert.deepEqual(parseCliArgs([]), {
    options: { restart: false, maxStalled: 3, json: false },
    sliceSeconds: undefined,
  });
  assert.deepEqual(
    parseCliArgs(["--restart", "--slice-seconds", "5", "--max-stalled", "7", "--json"]),
    {
      options: { restart: true, maxStalled: 7, json: true },
      sliceSeconds: "5",
    },
  );
  assert.deepEqual(parseCliArgs(["--events"]).options, {
    restart: false,
    maxStalled: 3,
    json: false,
    events: true,
  });
  assert.throws(() => parseCliArgs(["--events", "--restart"]));
  assert.throws(() => parseCliArgs(["--nope"]));
  assert.throws(() => parseCliArgs(["now"]));
  assert.throws(() => parseCliArgs(["--max-stalled", "0"]));
});

const entity = (more: Partial<EntityStatus>): EntityStatus =>
  entityStatus(more.entity_type ?? "customer", {
    pages: 2,
    records: 400,
    written: 390,
    estimated_total: 1000,
    ...more,
  });

Deno.test("progressLine: entity type, pages, records of estimated_total, rows written", () => {
  assert.equal(
    progressLine(entity({})),
    "customer     [##########--------------] 2 pages, 400/1,000 records (estimated_total 1,000), 390 written",
  );
  assert.match(progressLine(entity({ done: true, records: 1000, pages: 5 })), /\[#{24}\].*, done$/);
  assert.match(progressLine(entity({ estimated_total: -1 })), /estimated_total \?/);
});

Deno.test("createProgress: redraws in place on a terminal, a line per finished type otherwise", () => {
  const out: string[] = [];
  const run = {
    entities: [entity({ done: false }), entity({ entity_type: "subscription", done: true })],
  };
  const tty = createProgress((t) => out.push(t), true);
  tty.page({ entityType: "customer", run: run as never, written: 1, records: 1 });
  assert.ok(out[0].startsWith("\r\x1b[K"));
  const lines: string[] = [];
  const plain = createProgress((t) => lines.push(t), false);
  plain.page({ entityType: "customer", run: run as never, written: 1, records: 1 });
  plain.page({ entityType: "customer", run: run as never, written: 1, records: 1 });
  plain.page({ entityType: "subscription", run: run as never, written: 1, records: 1 });
  assert.equal(lines.length, 2);
  assert.ok(!lines.join("").includes("\x1b"));
});
