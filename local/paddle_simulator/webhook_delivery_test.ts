import { Paddle } from "@paddle/paddle-node-sdk";
import { assert, assertEquals, assertMatch } from "@std/assert";
import { customerEntity } from "./entity_builders.ts";
import { EVENT_ID, newPaddleId, NOTIFICATION_ID, paddleTimestamp } from "./ids.ts";
import { type DeliveryRecord, WebhookDeliveries } from "./webhook_delivery.ts";

const SECRET = "pdl_ntfset_01jlocalwebhooktestsecret_abcdef";

interface Received {
  signature: string;
  body: string;
}

/** A notification destination that answers with the next status in `statuses` (then 200). */
async function withReceiver(
  statuses: number[],
  test: (url: string, received: Received[]) => Promise<void>,
): Promise<void> {
  const received: Received[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    received.push({ signature: req.headers.get("paddle-signature") ?? "", body: await req.text() });
    return new Response("ok", { status: statuses.shift() ?? 200 });
  });
  try {
    await test(`http://127.0.0.1:${server.addr.port}/functions/v1/paddle-webhook`, received);
  } finally {
    await server.shutdown();
  }
}

Deno.test("webhooks: each event is Paddle's notification JSON, signed so the SDK's unmarshal accepts it, in order", async () => {
  await withReceiver([], async (url, received) => {
    const deliveries = new WebhookDeliveries({ target: { url, secret: SECRET } });
    const customer = (email: string) =>
      customerEntity({ id: newPaddleId("ctm"), email, createdAt: paddleTimestamp(new Date()) });
    const first = customer("a@example.com");
    const second = customer("b@example.com");
    deliveries.emit("customer.created", first);
    deliveries.emit("customer.updated", second);
    await deliveries.idle();
    assertEquals(received.length, 2);
    const sdk = new Paddle("pdl_sdbx_apikey_unused");
    const events = [];
    for (const { signature, body } of received) {
      assertMatch(signature, /^ts=\d+;h1=[0-9a-f]{64}$/);
      const event = JSON.parse(body);
      assertMatch(event.event_id, EVENT_ID);
      assertMatch(event.notification_id, NOTIFICATION_ID);
      assertMatch(event.occurred_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      events.push(event);
      // The SDK verifies the signature over the raw body (and throws when it does not match).
      const parsed = await sdk.webhooks.unmarshal(body, SECRET, signature);
      assertEquals(parsed.eventId, event.event_id);
    }
    assertEquals(events.map((e) => [e.event_type, e.data]), [
      ["customer.created", first],
      ["customer.updated", second],
    ]);
    const list = deliveries.list();
    assertEquals(list.map((d) => [d.event_type, d.entity_id, d.state, d.attempts, d.last_status]), [
      ["customer.created", first.id, "delivered", 1, 200],
      ["customer.updated", second.id, "delivered", 1, 200],
    ]);
    assertEquals(list.map((d) => d.event_id), events.map((e) => e.event_id));
    assert(events[0].occurred_at < events[1].occurred_at, "occurred_at strictly increases");
    assert(events[0].event_id < events[1].event_id, "event ids sort by time");
    await deliveries.stop();
  });
});

Deno.test("webhooks: a non-2xx is retried with the same event id until a 2xx; later events wait their turn", async () => {
  await withReceiver([500, 404], async (url, received) => {
    const deliveries = new WebhookDeliveries({
      target: { url, secret: SECRET },
      retryDelaysMs: [10, 10, 10],
    });
    deliveries.emit("transaction.completed", { id: "txn_1" });
    deliveries.emit("subscription.created", { id: "sub_1" });
    await deliveries.idle();
    const ids = received.map((r) => JSON.parse(r.body).event_id);
    assertEquals(ids.length, 4);
    assertEquals(new Set(ids.slice(0, 3)).size, 1);
    assertEquals(received.map((r) => JSON.parse(r.body).data.id), [
      "txn_1",
      "txn_1",
      "txn_1",
      "sub_1",
    ]);
    assertEquals(deliveries.list().map((d) => [d.state, d.attempts, d.last_status]), [
      ["delivered", 3, 200],
      ["delivered", 1, 200],
    ]);
    await deliveries.stop();
  });
});

Deno.test("webhooks: after the last retry a delivery is failed, and a network failure counts as one", async () => {
  await withReceiver([503, 503, 503], async (url) => {
    const deliveries = new WebhookDeliveries({
      target: { url, secret: SECRET },
      retryDelaysMs: [5, 5],
    });
    deliveries.emit("customer.created", { id: "ctm_1" });
    await deliveries.idle();
    assertEquals(pick(deliveries.list()[0]), ["failed", 3, 503]);
    await deliveries.stop();
  });
  // Nothing listens on port 9 (discard) here: every attempt is a connection error.
  const unreachable = new WebhookDeliveries({
    target: { url: "http://127.0.0.1:9/paddle-webhook", secret: SECRET },
    retryDelaysMs: [5],
  });
  unreachable.emit("customer.created", { id: "ctm_2" });
  await unreachable.idle();
  const [record] = unreachable.list();
  assertEquals(pick(record), ["failed", 2, null]);
  assert(record.last_error !== null && record.last_error !== "");
  await unreachable.stop();
});

Deno.test("webhooks: hold queues deliveries until release sends them, in order", async () => {
  await withReceiver([], async (url, received) => {
    const deliveries = new WebhookDeliveries({ target: { url, secret: SECRET } });
    deliveries.hold();
    deliveries.emit("transaction.completed", { id: "txn_1" });
    deliveries.emit("subscription.created", { id: "sub_1" });
    await deliveries.idle();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assertEquals(received.length, 0);
    assertEquals(deliveries.list().map((d) => d.state), ["held", "held"]);
    deliveries.release();
    await deliveries.idle();
    assertEquals(received.map((r) => JSON.parse(r.body).event_type), [
      "transaction.completed",
      "subscription.created",
    ]);
    assertEquals(deliveries.list().map((d) => d.state), ["delivered", "delivered"]);
    await deliveries.stop();
  });
});

Deno.test("webhooks: stop() ends a pending retry wait at once (no timer outlives it)", async () => {
  await withReceiver([500], async (url) => {
    const deliveries = new WebhookDeliveries({
      target: { url, secret: SECRET },
      retryDelaysMs: [60_000],
    });
    deliveries.emit("customer.created", { id: "ctm_1" });
    while (deliveries.list()[0].last_status === null) await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    await deliveries.stop();
    assert(performance.now() - started < 1000);
    const [record] = deliveries.list();
    assertEquals(pick(record), ["pending", 1, 500], JSON.stringify(record));
  });
});

Deno.test("webhooks: without a destination events are listed, not sent", async () => {
  const deliveries = new WebhookDeliveries();
  deliveries.emit("customer.created", { id: "ctm_1" });
  await deliveries.idle();
  assertEquals(pick(deliveries.list()[0]), ["no_destination", 0, null]);
  await deliveries.stop();
});

function pick(record: DeliveryRecord): [string, number, number | null] {
  return [record.state, record.attempts, record.last_status];
}
