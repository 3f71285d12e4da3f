/** The store's wire contract, against a stand-in PostgREST: function names, arguments, errors. */
import assert from "node:assert/strict";
import { createSyncStore, SyncStoreError } from "./sync_store.ts";
import { runStatus } from "./test_fixtures.ts";

const RUN = runStatus();

async function withPostgrest(
  answer: (fn: string, args: Record<string, unknown>) => Response | Promise<Response>,
  test: (
    url: string,
    seen: { fn: string; args: Record<string, unknown>; key: string }[],
  ) => Promise<void>,
) {
  const seen: { fn: string; args: Record<string, unknown>; key: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const fn = new URL(req.url).pathname.replace("/rest/v1/rpc/", "");
    const args = await req.json();
    seen.push({ fn, args, key: req.headers.get("apikey") ?? "" });
    return answer(fn, args);
  });
  try {
    await test(`http://127.0.0.1:${server.addr.port}`, seen);
  } finally {
    await server.shutdown();
  }
}

Deno.test("begin, applyPage and recordError call the SQL functions with their arguments", async () => {
  await withPostgrest(
    (fn) =>
      Response.json(
        fn === "paddle_sync_apply_page"
          ? {
            applied: true,
            entity_type: "customer",
            result: { received: 1, written: 1 },
            run: RUN,
          }
          : RUN,
      ),
    async (url, seen) => {
      const store = createSyncStore({ supabaseUrl: url, serviceRoleKey: "service-key" });
      assert.equal((await store.begin(true)).run_id, RUN.run_id);
      const applied = await store.applyPage({
        runId: RUN.run_id,
        entityType: "customer",
        after: "ctm_a",
        entities: [{ id: "ctm_b" }],
        nextCursor: "ctm_b",
        hasMore: true,
        estimatedTotal: 3,
      });
      assert.equal(applied.applied, true);
      await store.recordError(RUN.run_id, "customer", "rate_limited");
      assert.deepEqual(seen.map((s) => s.fn), [
        "paddle_sync_begin",
        "paddle_sync_apply_page",
        "paddle_sync_record_error",
      ]);
      assert.deepEqual(seen[0].args, { p_restart: true });
      assert.deepEqual(seen[1].args, {
        p_run_id: RUN.run_id,
        p_entity_type: "customer",
        p_after: "ctm_a",
        p_entities: [{ id: "ctm_b" }],
        p_next_cursor: "ctm_b",
        p_has_more: true,
        p_estimated_total: 3,
      });
      assert.deepEqual(seen[2].args, {
        p_run_id: RUN.run_id,
        p_entity_type: "customer",
        p_error: "rate_limited",
      });
      assert.ok(seen.every((s) => s.key === "service-key"));
    },
  );
});

Deno.test("a refused entity (22023) is invalid_entity; other failures are database errors with the code", async () => {
  await withPostgrest(
    (fn) =>
      fn === "paddle_sync_apply_page"
        ? Response.json({ code: "22023", message: "bad entity ctm_x", details: null, hint: null }, {
          status: 400,
        })
        : Response.json({ code: "PGRST202", message: "no function" }, { status: 404 }),
    async (url) => {
      const store = createSyncStore({ supabaseUrl: url, serviceRoleKey: "k" });
      const invalid = await store.applyPage({
        runId: RUN.run_id,
        entityType: "customer",
        after: null,
        entities: [],
        nextCursor: null,
        hasMore: false,
        estimatedTotal: 0,
      }).catch((e) => e);
      assert.ok(invalid instanceof SyncStoreError);
      assert.equal(invalid.kind, "invalid_entity");
      assert.doesNotMatch(invalid.message, /ctm_x/, "upstream messages are not carried");
      const missing = await store.begin(false).catch((e) => e);
      assert.equal(missing.kind, "database");
      assert.equal(missing.code, "PGRST202");
    },
  );
});

Deno.test("an answer of the wrong shape is bad_result; no answer in time is timeout", async () => {
  await withPostgrest(() => Response.json({ status: "weird" }), async (url) => {
    const err = await createSyncStore({ supabaseUrl: url, serviceRoleKey: "k" }).begin(false)
      .catch((e) => e);
    assert.equal(err.kind, "bad_result");
  });
  await withPostgrest(
    () => new Promise<Response>((r) => setTimeout(() => r(Response.json(RUN)), 500)),
    async (url) => {
      const store = createSyncStore({ supabaseUrl: url, serviceRoleKey: "k", timeoutMs: 50 });
      const err = await store.begin(false).catch((e) => e);
      assert.equal(err.kind, "timeout");
    },
  );
});

Deno.test("PostgREST unreachable is a database error", async () => {
  const store = createSyncStore({ supabaseUrl: "http://127.0.0.1:9", serviceRoleKey: "k" });
  const err = await store.begin(false).catch((e) => e);
  assert.ok(err instanceof SyncStoreError);
  assert.equal(err.kind, "database");
});
