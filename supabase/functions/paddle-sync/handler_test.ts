import assert from "node:assert/strict";
import type { SliceReport } from "../_shared/paddle_sync/run_slice.ts";
import type { RunStatus } from "../_shared/paddle_sync/sync_store.ts";
import { runStatus } from "../_shared/paddle_sync/test_fixtures.ts";
import { createKeyCheck } from "./caller_key.ts";
import { misconfiguredDeps } from "./deps.ts";
import { createHandler, type SyncDeps } from "./handler.ts";
import { OPERATOR_MESSAGES } from "./operator_errors.ts";

const SERVICE_KEY = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2ln";
const SECRET_KEY = "sb_secret_abcdefghijklmnop";
const URL_ = "http://127.0.0.1/paddle-sync";

const RUN: RunStatus = runStatus(
  { pages: 3, records: 450, written: 12 },
  (t) => ({ done: t === "product", pages: 1, records: 150, written: 4, estimated_total: 150 }),
);

function report(more: Partial<SliceReport> = {}): SliceReport {
  return {
    status: "syncing",
    run: RUN,
    slice: {
      pages: 2,
      records: 400,
      written: 10,
      duration_ms: 1200,
      paddle_wait_ms: 100,
      database_ms: 900,
      stopped: "time",
    },
    ...more,
  };
}

function setup(result: SliceReport = report()) {
  const calls: { restart: boolean }[] = [];
  const logs: string[] = [];
  const deps: SyncDeps = {
    config: { allowedOrigins: "*" },
    checkKey: createKeyCheck([SERVICE_KEY, SECRET_KEY]),
    runSlice: (options) => {
      calls.push(options);
      return Promise.resolve(result);
    },
    catchUp: () => Promise.reject(new Error("a full-sync test never catches up")),
    log: (line) => logs.push(line),
    now: () => 0,
    requestId: () => "req-1",
  };
  return { handler: createHandler(deps), calls, logs, deps };
}

function post(headers: HeadersInit = {}, body?: string) {
  return new Request(URL_, { method: "POST", headers, body });
}

Deno.test("the service-role key (Bearer or apikey) or a secret key runs one slice", async () => {
  for (
    const headers of <Record<string, string>[]> [
      { authorization: `Bearer ${SERVICE_KEY}` },
      { apikey: SERVICE_KEY },
      { authorization: `Bearer ${SECRET_KEY}` },
      { apikey: SECRET_KEY, authorization: "Bearer some-user-token" },
    ]
  ) {
    const { handler, calls } = setup();
    const res = await handler(post(headers));
    assert.equal(res.status, 200, JSON.stringify(headers));
    assert.deepEqual(calls, [{ restart: false }]);
    const body = await res.json();
    assert.equal(body.status, "syncing");
    assert.equal(body.run_id, RUN.run_id);
    assert.equal(body.records, 450);
    assert.equal(body.entities.length, 5);
    assert.equal(body.slice.pages, 2);
    assert.equal(res.headers.get("x-request-id"), "req-1");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
  }
});

Deno.test("anyone else: 401 not_authenticated, no slice, CORS and a request id", async () => {
  for (
    const headers of <Record<string, string>[]> [
      {},
      { authorization: "Bearer anon.jwt.value" },
      { apikey: "sb_publishable_abcdefghijklmnop" },
      { authorization: `Bearer ${SERVICE_KEY}x` },
      { authorization: `Basic ${SERVICE_KEY}` },
    ]
  ) {
    const { handler, calls, logs } = setup();
    const res = await handler(post(headers, '{"restart":true}'));
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.deepEqual(await res.json(), {
      error: { code: "not_authenticated", message: OPERATOR_MESSAGES.not_authenticated },
    });
    assert.equal(calls.length, 0);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("x-request-id"), "req-1");
    assert.doesNotMatch(logs.join("\n"), /eyJ|sb_secret|sb_publishable/);
  }
});

Deno.test("restart is passed on; bad bodies are 400 and run nothing", async () => {
  const { handler, calls } = setup();
  assert.equal((await handler(post({ apikey: SECRET_KEY }, '{"restart":true}'))).status, 200);
  assert.deepEqual(calls, [{ restart: true }]);
  for (const body of ["nope", '{"restart":"yes"}', '{"after":"ctm_1"}', "[]"]) {
    const { handler, calls } = setup();
    const res = await handler(post({ apikey: SECRET_KEY }, body));
    assert.equal(res.status, 400, body);
    assert.equal((await res.json()).error.code, "invalid_request");
    assert.equal(calls.length, 0);
  }
});

Deno.test("a body over 1 KiB is 413; GET is 405 with Allow; OPTIONS is a preflight", async () => {
  const { handler } = setup();
  const big = await handler(post({ apikey: SECRET_KEY }, "x".repeat(2000)));
  assert.equal(big.status, 413);
  const get = await handler(new Request(URL_, { headers: { apikey: SECRET_KEY } }));
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST, OPTIONS");
  const options = await handler(new Request(URL_, { method: "OPTIONS" }));
  assert.equal(options.status, 204);
  assert.match(options.headers.get("access-control-allow-headers") ?? "", /apikey/);
});

Deno.test("a slice stopped by a failure answers that failure's status and code, with the report", async () => {
  const cases = [
    [
      { code: "rate_limited", entity_type: "customer", retry_after_seconds: 30 },
      503,
      "rate_limited",
    ],
    [
      { code: "paddle_unavailable", entity_type: "price", detail: "internal_error" },
      502,
      "paddle_unavailable",
    ],
    [{ code: "paddle_timeout", entity_type: "price" }, 504, "paddle_timeout"],
    [
      { code: "misconfigured", entity_type: "product", detail: "invalid_token" },
      500,
      "misconfigured",
    ],
    [
      { code: "database_unavailable", entity_type: "customer", detail: "PGRST000" },
      503,
      "database_unavailable",
    ],
  ] as const;
  for (const [error, status, code] of cases) {
    const { handler, logs } = setup(
      report({ error, slice: { ...report().slice, stopped: "error" } }),
    );
    const res = await handler(post({ authorization: `Bearer ${SERVICE_KEY}` }));
    assert.equal(res.status, status, code);
    const body = await res.json();
    assert.equal(body.error.code, code);
    assert.equal(body.status, "syncing");
    assert.equal(body.entities.length, 5);
    if (code === "rate_limited") assert.equal(res.headers.get("retry-after"), "30");
    const line = JSON.parse(logs[0]);
    assert.equal(line.fn, "paddle-sync");
    assert.equal(line.outcome, code);
    assert.equal(line.sync_entity_type, error.entity_type);
  }
});

Deno.test("the database unreachable before anything is known: 503 and no run in the body", async () => {
  const { handler } = setup({
    status: "syncing",
    run: null,
    slice: {
      pages: 0,
      records: 0,
      written: 0,
      duration_ms: 5,
      paddle_wait_ms: 0,
      database_ms: 5,
      stopped: "error",
    },
    error: { code: "database_unavailable", detail: "timeout" },
  });
  const res = await handler(post({ apikey: SECRET_KEY }));
  assert.equal(res.status, 503);
  const body = await res.json();
  assert.equal(body.error.code, "database_unavailable");
  assert.equal(body.run_id, undefined);
});

Deno.test("one log line per request with the slice's figures and no key", async () => {
  const { handler, logs } = setup(report({ status: "done", run: { ...RUN, status: "done" } }));
  await handler(post({ authorization: `Bearer ${SERVICE_KEY}` }, '{"restart":true}'));
  assert.equal(logs.length, 1);
  const line = JSON.parse(logs[0]);
  assert.equal(line.outcome, "ok");
  assert.equal(line.sync_status, "done");
  assert.equal(line.sync_restart, true);
  assert.equal(line.sync_pages, 2);
  assert.equal(line.sync_written, 10);
  assert.doesNotMatch(logs[0], /eyJ|sb_secret/);
});

Deno.test("misconfigured: every POST answers 500 misconfigured, with CORS", async () => {
  const deps = misconfiguredDeps("paddle-sync configuration is invalid");
  const handler = createHandler({ ...deps, log: () => {} });
  const res = await handler(post({ apikey: SECRET_KEY }));
  assert.equal(res.status, 500);
  assert.equal((await res.json()).error.code, "misconfigured");
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
});

Deno.test("every refusal is worded for the operator who runs the sync, not for a signed-in user", async () => {
  const bodies: { code: string; message: string }[] = [];
  const read = async (res: Response) => bodies.push((await res.json()).error);
  const { handler } = setup();
  await read(await handler(post()));
  await read(await handler(new Request(URL_, { method: "GET" })));
  await read(await handler(post({ apikey: SECRET_KEY }, '{"cursor":"ctm_x"}')));
  await read(
    await handler(post({ apikey: SECRET_KEY, "content-length": "5000" }, "{}".padEnd(5000))),
  );
  await read(await createHandler(misconfiguredDeps("no key"))(post({ apikey: SECRET_KEY })));
  for (
    const code of [
      "rate_limited",
      "paddle_unavailable",
      "paddle_timeout",
      "database_unavailable",
      "invalid_entity",
    ] as const
  ) {
    const { handler } = setup(report({ error: { code, entity_type: "customer" } }));
    await read(await handler(post({ apikey: SECRET_KEY })));
  }
  const throwing = createHandler({
    ...setup().deps,
    runSlice: () => Promise.reject(new Error("boom")),
  });
  await read(await throwing(post({ apikey: SECRET_KEY })));

  assert.deepEqual(
    [...new Set(bodies.map((b) => b.code))].sort(),
    [
      "database_unavailable",
      "internal_error",
      "invalid_request",
      "method_not_allowed",
      "misconfigured",
      "not_authenticated",
      "paddle_timeout",
      "paddle_unavailable",
      "payload_too_large",
      "rate_limited",
    ],
  );
  for (const { code, message } of bodies) {
    assert.equal(message, OPERATOR_MESSAGES[code as keyof typeof OPERATOR_MESSAGES], code);
    assert.doesNotMatch(message, /sign in|subscription|contact support|please try again/i, code);
  }
});
