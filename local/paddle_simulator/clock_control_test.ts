/**
 * `POST /__clock` and the portal's "Update payment method" over HTTP: the events a move sends are
 * the ones `/__webhooks` lists, and a past-due payment is collected by submitting the portal form.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { monthlySubscription } from "./billing_fixtures.ts";
import { paddleTimestamp } from "./ids.ts";
import type { DeliveryRecord } from "./mod.ts";
import { CATALOG } from "./selling_fixtures.ts";
import { callApi, control, CUSTOMER, session, withSimulator } from "./test_support.ts";

interface Moved {
  from: string;
  now: string;
  offsetMs: number;
  happened: {
    kind: string;
    at: string;
    subscription_id: string;
    transaction_id: string | null;
    events: { type: string; event_id: string }[];
  }[];
}

const inDays = (days: number) => paddleTimestamp(new Date(Date.now() + days * 86_400_000));

Deno.test("clock control: bad moves are 400, a move back is 409, and neither changes anything", async () => {
  await withSimulator(async (simulator) => {
    for (
      const body of [
        "not json",
        {},
        { advance: "1 month" },
        { advance: "P1M", to: "2030-01-01" },
        { to: "yesterday" },
        { advance: "P1M", extra: true },
      ]
    ) {
      const { status, body: answer } = await control<{ error: string }>(
        simulator,
        "POST",
        "/__clock",
        body,
      );
      assertEquals(status, 400, JSON.stringify(body));
      assert(answer.error.length > 0);
    }
    const back = await control<{ error: string }>(simulator, "POST", "/__clock", {
      to: "2020-01-01T00:00:00Z",
    });
    assertEquals(back.status, 409);
    assertEquals((await control<Moved>(simulator, "GET", "/__clock")).body.offsetMs, 0);
    assertEquals((await control(simulator, "DELETE", "/__clock")).status, 405);
  });
});

Deno.test("clock control: a month renews, the answer names each event, and occurred_at is simulated time", async () => {
  await withSimulator(async (simulator) => {
    simulator.loadEntities(CATALOG);
    const due = inDays(3);
    const subscription = monthlySubscription(CUSTOMER, due);
    simulator.loadEntities({ subscriptions: [subscription] });

    const moved = await control<Moved>(simulator, "POST", "/__clock", { advance: "P1M" });
    assertEquals(moved.status, 200);
    assert(moved.body.offsetMs >= 28 * 86_400_000);
    assertEquals(moved.body.happened.length, 1);
    const [renewal] = moved.body.happened;
    assertEquals([renewal.kind, renewal.at, renewal.subscription_id], [
      "renewed",
      due,
      subscription.id,
    ]);
    assertMatch(renewal.transaction_id ?? "", /^txn_[a-z\d]{26}$/);

    const listed = simulator.webhookDeliveries();
    assertEquals(
      listed.map((d) => [d.event_type, d.event_id]),
      renewal.events.map((e) => [e.type, e.event_id]),
    );
    // The renewal happened at the due date: every event says so, in order.
    for (const record of listed) assert(record.occurred_at.startsWith(due.slice(0, 16)));
    const times = listed.map((d) => d.occurred_at);
    assertEquals([...times].sort(), times);

    const stored = await (await callApi(simulator, {
      method: "GET",
      path: `/subscriptions/${subscription.id}`,
      body: "",
    })).json();
    assertEquals(stored.data.current_billing_period.starts_at, due);
  });
});

Deno.test("clock control: a declined renewal is recovered by the portal's Update payment method form", async () => {
  await withSimulator(async (simulator) => {
    simulator.loadEntities(CATALOG);
    const subscription = monthlySubscription(CUSTOMER, inDays(1));
    simulator.loadEntities({ subscriptions: [subscription] });
    await control(simulator, "POST", "/__cards", { customerId: CUSTOMER, declines: true });
    const moved = await control<Moved>(simulator, "POST", "/__clock", { advance: "P2D" });
    assertEquals(moved.body.happened.map((h) => h.kind), ["payment_failed"]);

    const { data } = await session(
      await callApi(simulator, { body: { subscription_ids: [subscription.id] } }),
    );
    const updateUrl = data.urls.subscriptions[0].update_subscription_payment_method;
    const html = await (await fetch(updateUrl)).text();
    const form = html.match(/<form method="post" action="([^"]+)">/)?.[1] ?? "";
    const token = html.match(/name="form_token" value="([^"]+)"/)?.[1] ?? "";
    assert(form !== "" && token !== "", html);

    const submit = (formToken: string) =>
      fetch(new URL(form, simulator.url), {
        method: "POST",
        body: new URLSearchParams({ form_token: formToken }),
      });
    const forged = await submit("pga_forged");
    assertEquals(forged.status, 404);
    await forged.body?.cancel();
    const saved = await submit(token);
    assertEquals(saved.status, 200);
    assertStringIncludesOutcome(await saved.text(), "payment_collected");
    const again = await submit(token);
    assertEquals(again.status, 404);
    await again.body?.cancel();

    const cards = await control<{ declining: string[] }>(simulator, "GET", "/__cards");
    assertEquals(cards.body.declining, []);
    const recovery = simulator.webhookDeliveries().slice(-5).map((d: DeliveryRecord) => [
      d.event_type,
      d.entity_id,
    ]);
    const transactionId = moved.body.happened[0].transaction_id;
    assertEquals(recovery, [
      ["transaction.updated", transactionId],
      ["transaction.paid", transactionId],
      ["transaction.updated", transactionId],
      ["transaction.completed", transactionId],
      ["subscription.updated", subscription.id],
    ]);
  });
});

function assertStringIncludesOutcome(html: string, outcome: string): void {
  assertMatch(html, new RegExp(`data-outcome="${outcome}"`));
}
