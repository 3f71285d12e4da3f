import assert from "node:assert/strict";
import { buildScenario } from "../../../local/paddle_webhooks/scenarios.ts";
import { ApplyEventError, createApplyEvent } from "./apply_event.ts";
import { type MirroredEvent, parseNotification } from "./events.ts";

const URL_BASE = "http://127.0.0.1:54321";
const KEY = "service-role-key-for-tests";

function sampleEvent(): MirroredEvent {
  const [first] = buildScenario("new-customer-subscribes", { email: "carol@example.com" }).events;
  const parsed = parseNotification(first);
  if (parsed.kind !== "mirrored") throw new Error("sample not mirrored");
  return parsed.event;
}

const applied = (event: MirroredEvent) => ({
  outcome: "applied",
  event_id: event.event_id,
  event_type: event.event_type,
  entity: "customer",
  entity_id: event.data.id,
  customer_id: event.data.id,
  customer_linked: true,
  linked_now: true,
  customer_stub_created: false,
  custom_data_user_id: null,
});

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

Deno.test("calls the RPC with the service-role key and the event, returns its summary", async () => {
  const event = sampleEvent();
  const seen: { url: string; headers: Headers; body: unknown }[] = [];
  const apply = createApplyEvent({
    supabaseUrl: URL_BASE,
    serviceRoleKey: KEY,
    fetch: async (input, init) => {
      const request = new Request(input, init);
      seen.push({ url: request.url, headers: request.headers, body: await request.json() });
      return json(applied(event));
    },
  });
  const result = await apply(event);
  assert.equal(result.outcome, "applied");
  assert.equal(result.linked_now, true);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].url, `${URL_BASE}/rest/v1/rpc/apply_paddle_event`);
  assert.equal(seen[0].headers.get("apikey"), KEY);
  assert.equal(seen[0].headers.get("authorization"), `Bearer ${KEY}`);
  assert.deepEqual(seen[0].body, { event: JSON.parse(JSON.stringify(event)) });
});

Deno.test("a database error is thrown with its SQLSTATE", async () => {
  const apply = createApplyEvent({
    supabaseUrl: URL_BASE,
    serviceRoleKey: KEY,
    fetch: () =>
      Promise.resolve(json({ code: "40P01", message: "deadlock detected", details: null }, 500)),
  });
  await assert.rejects(apply(sampleEvent()), (error: unknown) => {
    assert.ok(error instanceof ApplyEventError);
    assert.equal(error.kind, "database");
    assert.equal(error.code, "40P01");
    return true;
  });
});

Deno.test("an unreachable API is a database failure, not a success", async () => {
  const apply = createApplyEvent({
    supabaseUrl: URL_BASE,
    serviceRoleKey: KEY,
    fetch: () => Promise.reject(new TypeError("connection refused")),
  });
  await assert.rejects(apply(sampleEvent()), ApplyEventError);
});

Deno.test("a hanging call times out", async () => {
  const apply = createApplyEvent({
    supabaseUrl: URL_BASE,
    serviceRoleKey: KEY,
    timeoutMs: 50,
    // `init` typed by hand: the Edge Runtime's Deno types RequestInit here without `signal`.
    fetch: (_input: unknown, init?: { signal?: AbortSignal | null }) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      }),
  });
  const started = performance.now();
  await assert.rejects(apply(sampleEvent()), (error: unknown) => {
    assert.ok(error instanceof ApplyEventError);
    assert.equal(error.kind, "timeout");
    return true;
  });
  assert.ok(performance.now() - started < 1000);
});

Deno.test("an unexpected result shape is not taken for a success", async () => {
  for (const body of [null, { outcome: "ok" }, [1, 2]]) {
    const apply = createApplyEvent({
      supabaseUrl: URL_BASE,
      serviceRoleKey: KEY,
      fetch: () => Promise.resolve(json(body)),
    });
    await assert.rejects(apply(sampleEvent()), (error: unknown) => {
      assert.ok(error instanceof ApplyEventError);
      assert.equal(error.kind, "bad_result");
      return true;
    });
  }
});

Deno.test("a product or price event's summary is a success", async () => {
  for (const entity of ["product", "price"]) {
    const apply = createApplyEvent({
      supabaseUrl: URL_BASE,
      serviceRoleKey: KEY,
      fetch: () =>
        Promise.resolve(json({
          outcome: "stale",
          event_id: "evt_01jproductevent0000000000000",
          event_type: `${entity}.updated`,
          entity,
          entity_id: entity === "product"
            ? "pro_01jdemoproduct000000000000"
            : "pri_01jdemopricepro00000000000",
        })),
    });
    const result = await apply(sampleEvent());
    assert.equal(result.entity, entity);
    assert.equal(result.outcome, "stale");
  }
});

Deno.test("an adjustment event's summary is a success, with its customer", async () => {
  const apply = createApplyEvent({
    supabaseUrl: URL_BASE,
    serviceRoleKey: KEY,
    fetch: () =>
      Promise.resolve(json({
        outcome: "applied",
        event_id: "evt_01jadjustmentevent000000000",
        event_type: "adjustment.created",
        entity: "adjustment",
        entity_id: "adj_01jadjustment0000000000000",
        customer_id: "ctm_01jdemodave000000000000000",
        customer_linked: true,
        linked_now: false,
        customer_stub_created: false,
        custom_data_user_id: null,
      })),
  });
  const result = await apply(sampleEvent());
  assert.deepEqual([result.entity, result.outcome, result.customer_linked], [
    "adjustment",
    "applied",
    true,
  ]);
});
