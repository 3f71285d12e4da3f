import assert from "node:assert/strict";
import { buildScenario } from "../../../local/paddle_webhooks/scenarios.ts";
import { paddleSignature } from "../../../local/paddle_webhooks/sign.ts";
import { type ApplyEvent, ApplyEventError, type ApplyResult } from "./apply_event.ts";
import type { MirroredEvent } from "./events.ts";
import { handleWebhook, MAX_BODY_BYTES, type WebhookDeps } from "./handler.ts";
import { importWebhookSecrets } from "./verify_signature.ts";

const SECRET = "pdl_ntfset_01jtestsecret0000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const NEXT_SECRET = "pdl_ntfset_01jtestsecret1111111111111_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const NOW_MS = 1_764_000_000_000;
const NOW_S = NOW_MS / 1000;
const URL_FN = "http://127.0.0.1:54321/functions/v1/paddle-webhook";
const EMAIL = "victim.person@example.com";

const scenario = buildScenario("new-customer-subscribes", { email: EMAIL, startMs: NOW_MS });
const [customerCreated, subscriptionCreated] = scenario.events;

function resultFor(event: MirroredEvent, outcome: ApplyResult["outcome"]): ApplyResult {
  return {
    outcome,
    event_id: event.event_id,
    entity: event.event_type.slice(0, event.event_type.indexOf(".")) as ApplyResult["entity"],
    entity_id: event.data.id,
    customer_id: ("customer_id" in event.data ? event.data.customer_id : null) ?? event.data.id,
    customer_linked: false,
    linked_now: false,
    customer_stub_created: false,
    custom_data_user_id: null,
  };
}

interface Harness {
  deps: WebhookDeps;
  applied: MirroredEvent[];
  logs: Record<string, unknown>[];
  rawLogs: string[];
}

function harness(
  apply?: ApplyEvent,
  secrets: string[] = [SECRET],
): Harness {
  const applied: MirroredEvent[] = [];
  const logs: Record<string, unknown>[] = [];
  const rawLogs: string[] = [];
  const deps: WebhookDeps = {
    keys: importWebhookSecrets(secrets),
    toleranceSeconds: 300,
    now: () => NOW_MS,
    log: (line) => {
      rawLogs.push(line);
      logs.push(JSON.parse(line));
    },
    applyEvent: (event) => {
      applied.push(event);
      return apply ? apply(event) : Promise.resolve(resultFor(event, "applied"));
    },
  };
  return { deps, applied, logs, rawLogs };
}

async function signedRequest(
  body: string,
  options: { secret?: string | string[]; ts?: number; headers?: Record<string, string> } = {},
): Promise<Request> {
  const signature = await paddleSignature(body, options.secret ?? SECRET, options.ts ?? NOW_S);
  return new Request(URL_FN, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "paddle-signature": signature,
      ...options.headers,
    },
    body,
  });
}

Deno.test("a signed mirrored event is applied once and answered 200 with one log line", async () => {
  const h = harness();
  const response = await handleWebhook(
    await signedRequest(JSON.stringify(customerCreated)),
    h.deps,
  );
  assert.equal(response.status, 200);
  assert.deepEqual((await response.json()).outcome, "applied");
  assert.equal(h.applied.length, 1);
  assert.equal(h.applied[0].event_id, customerCreated.event_id);
  assert.equal(h.logs.length, 1);
  const [log] = h.logs;
  assert.equal(log.fn, "paddle-webhook");
  assert.equal(log.event_id, customerCreated.event_id);
  assert.equal(log.event_type, "customer.created");
  assert.equal(log.outcome, "applied");
  assert.equal(log.status, 200);
  assert.equal(typeof log.duration_ms, "number");
  // No email, secret or signature in the log.
  assert.ok(!h.rawLogs[0].includes(EMAIL));
  assert.ok(!h.rawLogs[0].includes(SECRET));
  assert.ok(!h.rawLogs[0].includes("h1="));
});

Deno.test("product, price and imported events are applied with the fields the database reads", async () => {
  const productId = "pro_01jhandlertestproduct00000";
  const priceId = "pri_01jhandlertestprice0000000";
  const at = "2026-01-02T03:04:05.678000Z";
  const events = [
    {
      event_id: "evt_01jhandlerproduct000000000",
      event_type: "product.created",
      occurred_at: at,
      notification_id: "ntf_01jhandlerproduct000000000",
      data: { id: productId, name: "Team", status: "active", created_at: at, updated_at: at },
    },
    {
      event_id: "evt_01jhandlerprice00000000000",
      event_type: "price.imported",
      occurred_at: at,
      notification_id: "ntf_01jhandlerprice00000000000",
      data: {
        id: priceId,
        product_id: productId,
        name: "Team monthly",
        unit_price: { amount: "4900", currency_code: "USD" },
        billing_cycle: { interval: "month", frequency: 1 },
        import_meta: { external_id: "plan_team", imported_from: "stripe" },
        tax_mode: "internal",
        unit_price_overrides: [{
          country_codes: ["GB"],
          unit_price: { amount: "3900", currency_code: "GBP" },
        }],
      },
    },
    { ...customerCreated, event_type: "customer.imported" },
    { ...subscriptionCreated, event_type: "subscription.imported" },
  ];
  const h = harness();
  for (const event of events) {
    const response = await handleWebhook(await signedRequest(JSON.stringify(event)), h.deps);
    assert.equal(response.status, 200, event.event_type);
    assert.equal((await response.json()).outcome, "applied", event.event_type);
  }
  assert.deepEqual(h.applied.map((e) => e.event_type), events.map((e) => e.event_type));
  const price = h.applied[1].data as Record<string, unknown>;
  assert.deepEqual(price.unit_price, { amount: "4900", currency_code: "USD" });
  assert.deepEqual(price.import_meta, { external_id: "plan_team", imported_from: "stripe" });
  assert.equal(price.tax_mode, "internal");
  assert.deepEqual(price.unit_price_overrides, [{
    country_codes: ["GB"],
    unit_price: { amount: "3900", currency_code: "GBP" },
  }]);
  assert.equal(h.logs[1].entity_id, priceId);
});

Deno.test("duplicate and stale outcomes are stored events: 200", async () => {
  for (const outcome of ["duplicate", "stale"] as const) {
    const h = harness((event) => Promise.resolve(resultFor(event, outcome)));
    const response = await handleWebhook(
      await signedRequest(JSON.stringify(subscriptionCreated)),
      h.deps,
    );
    assert.equal(response.status, 200, outcome);
    assert.equal((await response.json()).outcome, outcome);
  }
});

Deno.test("bad signatures: 401 and nothing applied", async () => {
  const body = JSON.stringify(customerCreated);
  const requests: [string, Request][] = [
    ["missing", new Request(URL_FN, { method: "POST", body })],
    ["malformed", await signedRequest(body, { headers: { "paddle-signature": "sig" } })],
    ["wrong secret", await signedRequest(body, { secret: NEXT_SECRET })],
    ["stale", await signedRequest(body, { ts: NOW_S - 301 })],
    ["future", await signedRequest(body, { ts: NOW_S + 301 })],
  ];
  const signature = await paddleSignature(body, SECRET, NOW_S);
  requests.push([
    "tampered body",
    new Request(URL_FN, {
      method: "POST",
      headers: { "paddle-signature": signature },
      body: body.replace(EMAIL, "attacker@example.com"),
    }),
  ]);
  for (const [label, request] of requests) {
    const h = harness();
    const response = await handleWebhook(request, h.deps);
    assert.equal(response.status, 401, label);
    assert.equal((await response.json()).error.code, "invalid_signature", label);
    assert.equal(h.applied.length, 0, label);
    assert.equal(h.logs[0].outcome, "invalid_signature", label);
    assert.equal(typeof h.logs[0].signature_failure, "string", label);
  }
});

Deno.test("rotation: both configured secrets are accepted, and several h1 values", async () => {
  const body = JSON.stringify(customerCreated);
  const h = harness(undefined, [SECRET, NEXT_SECRET]);
  for (
    const secret of [SECRET, NEXT_SECRET, ["pdl_ntfset_unknown_secret_zzzzzzzzzz", NEXT_SECRET]]
  ) {
    const response = await handleWebhook(await signedRequest(body, { secret }), h.deps);
    assert.equal(response.status, 200);
  }
  assert.equal(h.applied.length, 3);
});

Deno.test("the signature covers the raw bytes as sent, not a re-serialisation", async () => {
  const body = `{\n  "event_id" : "${customerCreated.event_id}",` +
    JSON.stringify(customerCreated).slice(1);
  const h = harness();
  const response = await handleWebhook(await signedRequest(body), h.deps);
  assert.equal(response.status, 200);
});

Deno.test("a body over 1 MiB is refused with 413, declared or streamed, before verifying", async () => {
  const big = "x".repeat(MAX_BODY_BYTES + 1);
  const declared = new Request(URL_FN, {
    method: "POST",
    headers: { "content-length": String(big.length), "paddle-signature": `ts=${NOW_S};h1=00` },
    body: big,
  });
  const chunk = new Uint8Array(64 * 1024);
  let sent = 0;
  const streamed = new Request(URL_FN, {
    method: "POST",
    body: new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BODY_BYTES + chunk.length) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  });
  for (const request of [declared, streamed]) {
    const h = harness();
    const response = await handleWebhook(request, h.deps);
    assert.equal(response.status, 413);
    assert.equal(h.applied.length, 0);
    assert.equal(h.logs[0].outcome, "payload_too_large");
  }
});

Deno.test("exactly 1 MiB is not refused for size", async () => {
  const event = { ...customerCreated, pad: "" };
  const base = JSON.stringify(event).length;
  event.pad = "x".repeat(MAX_BODY_BYTES - base);
  const body = JSON.stringify(event);
  assert.equal(new TextEncoder().encode(body).length, MAX_BODY_BYTES);
  const h = harness();
  assert.equal((await handleWebhook(await signedRequest(body), h.deps)).status, 200);
});

Deno.test("other methods: 405", async () => {
  const h = harness();
  const response = await handleWebhook(new Request(URL_FN, { method: "GET" }), h.deps);
  assert.equal(response.status, 405);
  assert.equal(response.headers.get("allow"), "POST");
});

Deno.test("event types not mirrored: 200, logged, not applied", async () => {
  const h = harness();
  const body = JSON.stringify({
    event_id: "evt_01jaddress0000000000000000",
    event_type: "address.created",
    occurred_at: "2026-01-01T00:00:00.000000Z",
    notification_id: "ntf_01jaddress0000000000000000",
    data: { id: "add_01jaddress0000000000000000" },
  });
  const response = await handleWebhook(await signedRequest(body), h.deps);
  assert.equal(response.status, 200);
  assert.equal((await response.json()).outcome, "ignored");
  assert.equal(h.applied.length, 0);
  assert.equal(h.logs[0].event_type, "address.created");
});

Deno.test("signed but unparseable or misshapen: 400, not applied", async () => {
  const bodies = [
    "not json",
    JSON.stringify({ ...subscriptionCreated, data: { ...subscriptionCreated.data, items: [] } }),
  ];
  for (const body of bodies) {
    const h = harness();
    const response = await handleWebhook(await signedRequest(body), h.deps);
    assert.equal(response.status, 400);
    assert.equal(h.applied.length, 0);
  }
});

Deno.test("database down: 503, then the redelivery of the same event succeeds", async () => {
  let down = true;
  const h = harness((event) =>
    down
      ? Promise.reject(new ApplyEventError("database", "08006"))
      : Promise.resolve(resultFor(event, "applied"))
  );
  const body = JSON.stringify(subscriptionCreated);
  const first = await handleWebhook(await signedRequest(body), h.deps);
  assert.equal(first.status, 503);
  assert.equal(h.logs[0].outcome, "database_unavailable");
  assert.equal(h.logs[0].db_error, "database:08006");
  down = false;
  const retry = await handleWebhook(await signedRequest(body), h.deps);
  assert.equal(retry.status, 200);
  assert.deepEqual(h.applied.map((e) => e.event_id), [
    subscriptionCreated.event_id,
    subscriptionCreated.event_id,
  ]);
});

Deno.test("any unexpected failure is a 5xx, never a 200", async () => {
  const h = harness(() => Promise.reject(new Error("boom")));
  const response = await handleWebhook(
    await signedRequest(JSON.stringify(subscriptionCreated)),
    h.deps,
  );
  assert.equal(response.status, 503);
  const request = await signedRequest(JSON.stringify(subscriptionCreated));
  const broken: WebhookDeps = { ...h.deps, keys: Promise.reject(new Error("no keys")) };
  const crashed = await handleWebhook(request, broken);
  assert.equal(crashed.status, 500);
});
