import { assert, assertEquals, assertMatch } from "@std/assert";
import { Environment, type EventEntity, Paddle } from "@paddle/paddle-node-sdk";
import { paddleEvent } from "../paddle_webhooks/payloads.ts";
import { EventLog, handleEventsRequest } from "./events_api.ts";
import {
  API_KEY,
  apiGet,
  type ErrorBody,
  paddleError,
  walkPages,
  withSimulator,
} from "./test_support.ts";

type EventBody = {
  event_id: string;
  event_type: string;
  occurred_at: string;
  data: { id: string };
};

async function createCustomers(url: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/customers`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ email: `events-${i}-${crypto.randomUUID()}@example.com` }),
    });
    assertEquals(response.status, 201);
    ids.push((await response.json()).data.id);
  }
  return ids;
}

Deno.test("GET /events lists every emitted event once, oldest first, paged by event id", async () => {
  await withSimulator(async (simulator) => {
    const customers = await createCustomers(simulator.url, 7);
    const pages = await walkPages(simulator, "/events?per_page=3&order_by=id[ASC]");
    assertEquals(pages.length, 3);
    const events = pages.flatMap((page) => page.data) as unknown as EventBody[];
    assertEquals(events.map((e) => e.data.id), customers);
    assertEquals(events.map((e) => e.event_type), customers.map(() => "customer.created"));
    assertEquals(
      events.map((e) => e.event_id),
      simulator.webhookDeliveries().map((d) => d.event_id),
      "the same events the notifier emitted",
    );
    for (const e of events) {
      assertEquals(Object.keys(e).sort(), ["data", "event_id", "event_type", "occurred_at"]);
    }
    assertEquals(pages.map((p) => p.meta.pagination.has_more), [true, true, false]);
    assertEquals(pages[0].meta.pagination.estimated_total, 7);
    const next = new URL(pages[0].meta.pagination.next);
    assertEquals(next.searchParams.get("after"), events[2].event_id);
    assertEquals(next.searchParams.get("order_by"), "id[ASC]");

    // `after` an event id: only what came later.
    const after =
      await (await apiGet(simulator, `/events?order_by=id[ASC]&after=${events[4].event_id}`))
        .json();
    assertEquals(
      after.data.map((e: EventBody) => e.event_id),
      events.slice(5).map((e) => e.event_id),
    );
    assertEquals(after.meta.pagination.has_more, false);

    // Default order is newest first, per_page 50; above 200 Paddle answers 200.
    const newest = await (await apiGet(simulator, "/events?per_page=500")).json();
    assertEquals(newest.meta.pagination.per_page, 200);
    assertEquals(
      newest.data.map((e: EventBody) => e.event_id),
      events.map((e) => e.event_id).reverse(),
    );

    const filtered = await (await apiGet(simulator, "/events?event_type=subscription.created"))
      .json();
    assertEquals(filtered.data, []);
    assertEquals(filtered.meta.pagination.has_more, false);
  });
});

Deno.test("GET /events: bad query is invalid_field with every problem; no key is 403", async () => {
  await withSimulator(async (simulator) => {
    const response = await apiGet(
      simulator,
      "/events?per_page=0&order_by=occurred_at[ASC]&after=ctm_01&event_type=nope",
    );
    assertEquals(response.status, 400);
    const body: ErrorBody = await paddleError(response);
    assertEquals(body.error.code, "invalid_field");
    assertEquals(
      body.error.errors?.map((e) => e.field),
      ["per_page", "order_by", "after", "event_type"],
    );
    const anonymous = await fetch(`${simulator.url}/events`);
    assertEquals(anonymous.status, 403);
    await anonymous.body?.cancel();
    const post = await fetch(`${simulator.url}/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    assertEquals(post.status, 405);
    await post.body?.cancel();
  });
});

Deno.test("the real SDK lists the simulator's events (events.list)", async () => {
  await withSimulator(async (simulator) => {
    const customers = await createCustomers(simulator.url, 3);
    const paddle = new Paddle(API_KEY, { environment: simulator.url as Environment });
    const collection = paddle.events.list({ orderBy: "id[ASC]", perPage: 2 });
    const seen: EventEntity[] = [];
    for await (const event of collection) seen.push(event);
    assertEquals(seen.map((e) => (e.data as { id: string }).id), customers);
    assertEquals(seen.map((e) => e.eventType), customers.map(() => "customer.created"));
  });
});

Deno.test("events older than Paddle's 90 days are no longer listed, even after an old cursor", () => {
  let now = Date.UTC(2026, 0, 1);
  const log = new EventLog({ now: () => now });
  const day = 24 * 60 * 60 * 1000;
  const old = paddleEvent("customer.updated", { id: "ctm_old" }, now);
  const fresh = paddleEvent("customer.updated", { id: "ctm_new" }, now + 30 * day);
  log.append(old);
  log.append(fresh);
  now += 91 * day;
  const response = handleEventsRequest(
    new Request("http://sim/events"),
    new URL(`http://sim/events?order_by=id[ASC]&after=${old.event_id}`),
    { events: log, baseUrl: "http://sim" },
  )!;
  return response.json().then((body) => {
    assertEquals(body.data.map((e: EventBody) => e.event_id), [fresh.event_id]);
    assertMatch(body.meta.request_id, /^[0-9a-f-]{36}$/);
    assert(log.kept().length === 1);
  });
});
