import assert from "node:assert/strict";
import { z } from "zod";
import { classifyDbError, createCallerRpc, createRpcCall } from "./postgrest_rpc.ts";
import { fakePostgrest } from "./postgrest_test_server.ts";

Deno.test("one POST to rpc/<fn> with the bearer and apikey, the JSON answer as data", async () => {
  const pg = fakePostgrest({ status: 200, body: { answer: 42 } });
  try {
    const call = createRpcCall({
      supabaseUrl: pg.url,
      apiKey: "sb_publishable_x",
      timeoutMs: 1000,
    });
    assert.deepEqual(await call("some_fn", { p_a: 1 }, "the-token"), {
      ok: true,
      data: { answer: 42 },
    });
    assert.equal(pg.seen.length, 1);
    assert.equal(pg.seen[0].url.pathname, "/rest/v1/rpc/some_fn");
    assert.equal(pg.seen[0].headers.get("authorization"), "Bearer the-token");
    assert.equal(pg.seen[0].headers.get("apikey"), "sb_publishable_x");
    assert.deepEqual(JSON.parse(pg.seen[0].body), { p_a: 1 });
  } finally {
    await pg.close();
  }
});

Deno.test("a 503 is answered at once, not retried by postgrest-js", async () => {
  const pg = fakePostgrest({ status: 503, body: { code: "PGRST001", message: "down" } });
  try {
    const call = createRpcCall({ supabaseUrl: pg.url, apiKey: "k", timeoutMs: 1000 });
    assert.deepEqual(await call("f", {}, "t"), {
      ok: false,
      code: "database_unavailable",
      dbErrorCode: "PGRST001",
    });
    assert.equal(pg.seen.length, 1);
  } finally {
    await pg.close();
  }
});

Deno.test("classifyDbError: outages, refused tokens, and everything else is ours", () => {
  assert.equal(classifyDbError(0, undefined).code, "database_unavailable");
  assert.equal(classifyDbError(400, "57014").code, "database_unavailable");
  assert.equal(classifyDbError(401, "PGRST301").code, "not_authenticated");
  assert.deepEqual(classifyDbError(404, "PGRST202"), {
    ok: false,
    code: "misconfigured",
    dbErrorCode: "PGRST202",
  });
  assert.equal(classifyDbError(403, "").dbErrorCode, "http_403");
});

Deno.test("createCallerRpc: the caller's token and the browser key; an answer of another shape is misconfigured", async () => {
  const schema = z.object({ outcome: z.literal("ready") });
  for (
    const [body, expected] of [
      [{ outcome: "ready" }, { ok: true, data: { outcome: "ready" } }],
      [{ outcome: "surprise" }, {
        ok: false,
        code: "misconfigured",
        dbErrorCode: "unexpected_shape",
      }],
    ] as const
  ) {
    const pg = fakePostgrest({ status: 200, body });
    try {
      const call = createCallerRpc(
        { supabaseUrl: pg.url, anonKey: "sb_publishable_x", timeoutMs: 1000 },
        "some_prepare",
        schema,
      );
      assert.deepEqual(await call({ p_a: 1 }, "the-token"), expected);
      assert.equal(pg.seen[0].url.pathname, "/rest/v1/rpc/some_prepare");
      assert.equal(pg.seen[0].headers.get("authorization"), "Bearer the-token");
      assert.equal(pg.seen[0].headers.get("apikey"), "sb_publishable_x");
    } finally {
      await pg.close();
    }
  }
});
