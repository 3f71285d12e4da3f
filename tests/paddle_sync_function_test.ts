/**
 * The `paddle-sync` Edge Function through the gateway, as pg_cron calls it: who may run a slice
 * (only the service-role key), what a refused caller costs (no Paddle call, no write), bodies.
 */
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { signedInClient, stackInfo } from "./_stack.ts";
import { paddleRequests, resetPaddle } from "./_paddle.ts";
import { loadAccount, sql, syncToEnd } from "./_paddle_sync.ts";

const url = () => `${stackInfo().apiUrl}/functions/v1/paddle-sync`;

function call(headers: Record<string, string>, body?: string) {
  return fetch(url(), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

async function stateSnapshot(): Promise<string> {
  const rows = await sql("select * from public.paddle_sync_state order by position");
  return JSON.stringify(rows);
}

Deno.test("paddle-sync refuses the anon key, a user's token and a wrong key: 401, no Paddle call, no write", async () => {
  await syncToEnd(false);
  await loadAccount(5); // pending work a refused caller must not start
  const { accessToken } = await signedInClient("alice@example.com");
  const { anonKey, serviceRoleKey } = stackInfo();
  const before = await stateSnapshot();
  await resetPaddle();
  for (
    const headers of <Record<string, string>[]> [
      {},
      { authorization: `Bearer ${anonKey}`, apikey: anonKey },
      { authorization: `Bearer ${accessToken}`, apikey: anonKey },
      { authorization: `Bearer ${serviceRoleKey.slice(0, -2)}xx` },
      { apikey: "sb_secret_not_the_project_key_000000" },
    ]
  ) {
    const res = await call(headers, '{"restart":true}');
    assert.equal(res.status, 401, JSON.stringify(Object.keys(headers)));
    const body = await res.json();
    assert.equal(body.error.code, "not_authenticated");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.ok(res.headers.get("x-request-id"));
  }
  assert.equal((await paddleRequests()).length, 0, "no Paddle call");
  assert.equal(await stateSnapshot(), before, "no write");
});

Deno.test("paddle-sync with the service-role key runs slices to done; a continue after done is cheap", async () => {
  const account = await loadAccount(40);
  const { serviceRoleKey } = stackInfo();
  const restart = await call({ authorization: `Bearer ${serviceRoleKey}` }, '{"restart":true}');
  assert.equal(restart.status, 200);
  const first = await restart.json();
  assert.equal(first.status, "done", "a small account fits in one 25 s slice");
  assert.equal(first.entities.length, 5);
  assert.ok(first.written >= 80, `new customers and subscriptions written (${first.written})`);
  const [{ n }] = await sql<{ n: number }>(
    "select count(*)::int as n from public.subscriptions where subscription_id = any($1)",
    [account.subscriptions.map((s) => s.id)],
  );
  assert.equal(n, 40);

  await resetPaddle();
  const again = await call({ apikey: serviceRoleKey });
  assert.equal(again.status, 200);
  const done = await again.json();
  assert.equal(done.status, "done");
  assert.equal(done.run_id, first.run_id, "a plain continue does not restart a finished run");
  assert.equal(done.slice.pages, 0);
  assert.equal((await paddleRequests()).length, 0);
});

Deno.test("paddle-sync through supabase-js functions.invoke with a service-role client", async () => {
  const { apiUrl, serviceRoleKey } = stackInfo();
  const admin = createClient(apiUrl, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  const { data, error } = await admin.functions.invoke("paddle-sync", { body: {} });
  assert.equal(error, null);
  assert.equal(data.status, "done");
});

Deno.test("paddle-sync: bad bodies are 400 and change nothing; other methods 405", async () => {
  const { serviceRoleKey } = stackInfo();
  const before = await stateSnapshot();
  await resetPaddle();
  for (const body of ["{", '{"restart":"true"}', '{"restart":true,"from":"ctm_1"}', "[1]"]) {
    const res = await call({ authorization: `Bearer ${serviceRoleKey}` }, body);
    assert.equal(res.status, 400, body);
    assert.equal((await res.json()).error.code, "invalid_request");
  }
  const get = await fetch(url(), { headers: { authorization: `Bearer ${serviceRoleKey}` } });
  assert.equal(get.status, 405);
  await get.body?.cancel();
  assert.equal((await paddleRequests()).length, 0);
  assert.equal(await stateSnapshot(), before);
});

Deno.test("the sync state and functions: the service role reads, nobody else reads or calls, nobody writes directly", async () => {
  await syncToEnd(false);
  const { apiUrl, anonKey, serviceRoleKey } = stackInfo();
  const options = { auth: { persistSession: false, autoRefreshToken: false } };
  const anon = createClient(apiUrl, anonKey, options);
  const { client: alice } = await signedInClient("alice@example.com");
  const admin = createClient(apiUrl, serviceRoleKey, options);
  const before = await stateSnapshot();

  for (const [who, client] of [["anon", anon], ["alice", alice]] as const) {
    const read = await client.from("paddle_sync_state").select("*");
    assert.ok(read.error !== null || read.data?.length === 0, `${who} reads no state`);
    assert.equal(read.data?.length ?? 0, 0, who);
    for (
      const [fn, args] of [
        ["paddle_sync_begin", { p_restart: true }],
        ["paddle_sync_status", {}],
        ["paddle_sync_record_error", {
          p_run_id: crypto.randomUUID(),
          p_entity_type: "customer",
          p_error: "x",
        }],
        ["apply_paddle_entities", { p_entity_type: "customer", p_entities: [] }],
      ] as const
    ) {
      const { error } = await client.rpc(fn, args);
      assert.ok(error, `${who} may not call ${fn}`);
    }
  }

  const read = await admin.from("paddle_sync_state").select("entity_type").order("position");
  assert.equal(read.error, null);
  assert.deepEqual(read.data?.map((r) => r.entity_type), [
    "product",
    "price",
    "customer",
    "subscription",
    "transaction",
  ]);
  const update = await admin.from("paddle_sync_state").update({ cursor: null }).eq(
    "entity_type",
    "customer",
  );
  assert.ok(update.error, "the service role does not write the state directly");
  const bypass = await admin.rpc("apply_paddle_entities", {
    p_entity_type: "customer",
    p_entities: [],
  });
  assert.ok(bypass.error, "pages reach the mirror only through paddle_sync_apply_page");
  assert.equal(await stateSnapshot(), before);
});

Deno.test("eight concurrent restarts all answer 200, none 503: begin and pages lock in one order", async () => {
  // Enough pages, and restarts spread out enough, that each begins while an earlier caller's
  // page is being applied (all at once, they would only queue on begin's lock).
  await loadAccount(2000);
  const { serviceRoleKey } = stackInfo();
  await resetPaddle();
  const answers = await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 150));
      const res = await call({ authorization: `Bearer ${serviceRoleKey}` }, '{"restart":true}');
      const body = await res.json();
      return { status: res.status, error: body.error?.code, status_of_run: body.status };
    }),
  );
  assert.deepEqual(
    answers.map((a) => a.status),
    Array(8).fill(200),
    JSON.stringify(answers),
  );
  // The run the last restart began carries on to the end.
  const rest = await syncToEnd(false);
  assert.equal(rest.at(-1)?.status, "done", JSON.stringify(rest.at(-1)?.error));
  const [state] = await sql<{ errors: number }>(
    "select sum(errors)::int as errors from public.paddle_sync_state",
  );
  assert.equal(state.errors, 0);
});

Deno.test("a refused caller is told what an operator needs, not to sign in", async () => {
  const res = await call({ apikey: stackInfo().anonKey }, "{}");
  assert.equal(res.status, 401);
  const { error } = await res.json();
  assert.equal(error.code, "not_authenticated");
  assert.doesNotMatch(error.message, /sign in|subscription/i);
  assert.match(error.message, /service-role key|sb_secret_/);
});
