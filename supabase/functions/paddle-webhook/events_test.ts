import assert from "node:assert/strict";
import { buildScenario, SCENARIO_NAMES } from "../../../local/paddle_webhooks/scenarios.ts";
import {
  customerData,
  paddleEvent,
  paddleId,
  PLANS,
  subscriptionData,
} from "../../../local/paddle_webhooks/payloads.ts";
import { parseNotification, SUBSCRIPTION_EVENT_TYPES } from "./events.ts";

const T = Date.parse("2026-01-02T03:04:05.678Z");
const customerId = paddleId("ctm", T);
const subscriptionId = paddleId("sub", T);

function subscriptionEvent(type: string, overrides: Record<string, unknown> = {}) {
  return paddleEvent(type, {
    ...subscriptionData({
      id: subscriptionId,
      customerId,
      status: "active",
      plan: PLANS.pro,
      createdAtMs: T,
    }),
    ...overrides,
  }, T);
}

Deno.test("every scenario's events parse as mirrored events", () => {
  for (const name of SCENARIO_NAMES) {
    const scenario = buildScenario(name, {
      email: "carol@example.com",
      customerId: name === "new-customer-subscribes" ? undefined : customerId,
      subscriptionId: name === "new-customer-subscribes" ? undefined : subscriptionId,
      userId: crypto.randomUUID(),
    });
    for (const event of scenario.events) {
      const parsed = parseNotification(JSON.parse(JSON.stringify(event)));
      assert.equal(parsed.kind, "mirrored", `${name} ${event.event_type}`);
    }
  }
});

Deno.test("every subscription status event type is mirrored", () => {
  for (const type of SUBSCRIPTION_EVENT_TYPES) {
    assert.equal(parseNotification(subscriptionEvent(type)).kind, "mirrored", type);
  }
});

Deno.test("a customer event keeps what the database reads and strips the rest", () => {
  const event = paddleEvent(
    "customer.updated",
    customerData({ id: customerId, email: "Carol@Example.com", createdAtMs: T }),
    T,
  );
  const parsed = parseNotification(event);
  assert.equal(parsed.kind, "mirrored");
  if (parsed.kind !== "mirrored") return;
  assert.equal(parsed.event.event_id, event.event_id);
  assert.equal(parsed.event.data.id, customerId);
  assert.equal("email" in parsed.event.data && parsed.event.data.email, "Carol@Example.com");
  assert.ok(!("locale" in parsed.event.data));
});

Deno.test("subscription fields the SQL reads survive parsing", () => {
  const parsed = parseNotification(subscriptionEvent("subscription.updated", {
    scheduled_change: {
      action: "cancel",
      effective_at: "2026-02-02T00:00:00.000000Z",
      resume_at: null,
    },
    custom_data: { user_id: "u" },
  }));
  assert.equal(parsed.kind, "mirrored");
  if (parsed.kind !== "mirrored" || !("items" in parsed.event.data)) throw new Error("not a sub");
  const data = parsed.event.data;
  assert.equal(data.items[0].price.id, PLANS.pro.priceId);
  assert.equal(data.items[0].price.product_id, PLANS.pro.productId);
  assert.equal(data.scheduled_change?.action, "cancel");
  assert.deepEqual(data.custom_data, { user_id: "u" });
});

Deno.test("event types that are not mirrored are ignored, not rejected", () => {
  const parsed = parseNotification({
    event_id: paddleId("evt"),
    event_type: "transaction.completed",
    occurred_at: "2026-01-01T00:00:00Z",
    data: { whatever: true },
  });
  assert.equal(parsed.kind, "ignored");
});

Deno.test("invalid mirrored events are reported by path, never by value", () => {
  const cases: [string, unknown][] = [
    ["not an object", "hello"],
    ["no event_type", { event_id: paddleId("evt") }],
    ["bad customer id", subscriptionEvent("subscription.updated", { customer_id: "cus_1" })],
    ["unknown status", subscriptionEvent("subscription.updated", { status: "expired" })],
    ["no items", subscriptionEvent("subscription.updated", { items: [] })],
    [
      "zone-less occurred_at",
      { ...subscriptionEvent("subscription.updated"), occurred_at: "2026-01-01T00:00:00" },
    ],
    ["bad event id", { ...subscriptionEvent("subscription.created"), event_id: "evt_1" }],
    [
      "customer without email",
      paddleEvent("customer.created", { id: customerId, email: null }, T),
    ],
    [
      "customer with a secret-looking bad email",
      paddleEvent("customer.created", { id: "ctm_victim@example.com", email: "x" }, T),
    ],
  ];
  for (const [label, input] of cases) {
    const parsed = parseNotification(input);
    assert.equal(parsed.kind, "invalid", label);
    if (parsed.kind !== "invalid") continue;
    assert.ok(parsed.problems.length > 0, label);
    assert.ok(!parsed.problems.join(" ").includes("@"), label);
  }
});
