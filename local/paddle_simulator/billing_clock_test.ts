import { assert, assertEquals, assertThrows } from "@std/assert";
import { advanceClock } from "./billing_clock.ts";
import type { BillingEvent } from "./billing_events.ts";
import { SimulatedClock } from "./clock.ts";
import { parseIsoDuration } from "./durations.ts";
import { updatePaymentMethod } from "./dunning.ts";
import type { PaddleSubscription } from "./entities.ts";
import { monthlySubscription } from "./billing_fixtures.ts";
import { CATALOG, MONTHLY } from "./selling_fixtures.ts";
import { EntityStore } from "./store.ts";

const START = Date.parse("2026-12-06T12:00:00Z");
const CUSTOMER = "ctm_01jclocktestcustomer0000000";

/** A store whose clock starts at START and only moves when the billing clock moves it. */
function account(): EntityStore {
  const store = new EntityStore(new SimulatedClock(() => START));
  store.load(CATALOG);
  return store;
}

function subscribe(
  store: EntityStore,
  nextBilledAt: string,
  extra: Partial<PaddleSubscription> = {},
): PaddleSubscription {
  const subscription = monthlySubscription(CUSTOMER, nextBilledAt, extra);
  store.subscriptions.upsert(subscription);
  return subscription;
}

function run(store: EntityStore, advance: string) {
  const events: BillingEvent[] = [];
  const moved = advanceClock(
    store,
    { advance: parseIsoDuration(advance)! },
    (event) => events.push(event),
  );
  return { ...moved, events };
}

const types = (events: BillingEvent[]) => events.map((event) => event.type);

Deno.test("clock: a renewal bills and collects the next period at next_billed_at, with Paddle's events", () => {
  const store = account();
  const sub = subscribe(store, "2026-12-16T09:00:00Z");
  const moved = run(store, "P1M");
  assertEquals(moved.from, "2026-12-06T12:00:00Z");
  assertEquals(moved.to, "2027-01-06T12:00:00Z");
  assertEquals(store.clock.now().toISOString(), "2027-01-06T12:00:00.000Z");
  assertEquals(moved.happened.map((h) => [h.kind, h.at, h.subscription_id]), [
    ["renewed", "2026-12-16T09:00:00Z", sub.id],
  ]);
  assertEquals(types(moved.events), [
    "subscription.updated",
    "transaction.created",
    "transaction.billed",
    "transaction.updated",
    "transaction.paid",
    "transaction.updated",
    "transaction.completed",
  ]);

  const renewed = store.subscriptions.get(sub.id)!;
  assertEquals(renewed.status, "active");
  assertEquals(renewed.current_billing_period, {
    starts_at: "2026-12-16T09:00:00Z",
    ends_at: "2027-01-16T09:00:00Z",
  });
  assertEquals(renewed.next_billed_at, "2027-01-16T09:00:00Z");
  assertEquals(renewed.updated_at, "2026-12-16T09:00:00Z");
  assertEquals(renewed.items[0].previously_billed_at, "2026-12-16T09:00:00Z");
  assertEquals(moved.events[0].data, { ...renewed });

  const transaction = store.transactions.get(moved.happened[0].transaction_id!)!;
  assertEquals(transaction.origin, "subscription_recurring");
  assertEquals(transaction.status, "completed");
  assertEquals(transaction.subscription_id, sub.id);
  assertEquals(transaction.customer_id, CUSTOMER);
  assertEquals(transaction.custom_data, { user_id: "u1" });
  assertEquals(transaction.billed_at, "2026-12-16T09:00:00Z");
  assertEquals(transaction.billing_period, renewed.current_billing_period);
  assertEquals(transaction.details.totals.grand_total, "2500");
  assertEquals(transaction.items.map((i) => [i.price_id, i.quantity]), [[MONTHLY.id, 2]]);
  assert(transaction.invoice_number);
  assertEquals(transaction.payments.map((p) => p.status), ["captured"]);
  assertEquals(
    moved.events.map((e) => (e.data as { status: string }).status).slice(1),
    ["billed", "billed", "paid", "paid", "completed", "completed"],
  );
});

Deno.test("clock: a long jump renews each subscription every period, in time order", () => {
  const store = account();
  const late = subscribe(store, "2026-12-20T00:00:00Z");
  const early = subscribe(store, "2026-12-10T00:00:00Z");
  const moved = run(store, "P2M");
  assertEquals(moved.happened.map((h) => [h.at, h.subscription_id]), [
    ["2026-12-10T00:00:00Z", early.id],
    ["2026-12-20T00:00:00Z", late.id],
    ["2027-01-10T00:00:00Z", early.id],
    ["2027-01-20T00:00:00Z", late.id],
  ]);
  assertEquals(store.subscriptions.get(early.id)!.next_billed_at, "2027-02-10T00:00:00Z");
  assertEquals(store.transactions.size, 4);
  // Nothing is due twice: advancing no further changes nothing.
  assertEquals(run(store, "PT0S").happened, []);
});

Deno.test("clock: a declined renewal makes the subscription past due until the card is updated", () => {
  const store = account();
  const sub = subscribe(store, "2026-12-16T09:00:00Z");
  store.cards.set(CUSTOMER, true);
  const failed = run(store, "P1M");
  assertEquals(failed.happened.map((h) => h.kind), ["payment_failed"]);
  assertEquals(types(failed.events), [
    "subscription.updated",
    "transaction.created",
    "transaction.billed",
    "transaction.updated",
    "transaction.payment_failed",
    "transaction.updated",
    "transaction.past_due",
    "subscription.updated",
    "subscription.past_due",
  ]);
  const transactionId = failed.happened[0].transaction_id!;
  const overdue = store.transactions.get(transactionId)!;
  assertEquals(overdue.status, "past_due");
  assertEquals(overdue.invoice_number, null);
  assertEquals(overdue.payments.map((p) => [p.status, p.error_code]), [["error", "declined"]]);
  assertEquals(store.subscriptions.get(sub.id)!.status, "past_due");

  // A past-due subscription is not renewed again while it waits.
  assertEquals(run(store, "P1M").happened, []);

  // Updating the card of another customer's subscription collects nothing.
  assertEquals(updatePaymentMethod(store, "ctm_01jclockothercustomer000000", sub.id), null);
  const recovered = updatePaymentMethod(store, CUSTOMER, sub.id)!;
  assertEquals(recovered.kind, "recovered");
  assertEquals(recovered.transaction_id, transactionId);
  assertEquals(types(recovered.events), [
    "transaction.updated",
    "transaction.paid",
    "transaction.updated",
    "transaction.completed",
    "subscription.updated",
  ]);
  assertEquals(store.cards.declines(CUSTOMER), false);
  const paid = store.transactions.get(transactionId)!;
  assertEquals(paid.status, "completed");
  assert(paid.invoice_number);
  assertEquals(paid.payments.map((p) => p.status), ["captured", "error"]);
  const active = store.subscriptions.get(sub.id)!;
  assertEquals(active.status, "active");
  assertEquals(active.next_billed_at, "2027-01-16T09:00:00Z");
  assertEquals(active.updated_at, "2027-02-06T12:00:00Z");
  // Recovered once: a second update finds nothing to collect.
  assertEquals(updatePaymentMethod(store, CUSTOMER, sub.id), null);
});

Deno.test("clock: a cancellation scheduled for the period's end wins over the renewal", () => {
  const store = account();
  const end = "2026-12-16T09:00:00Z";
  const sub = subscribe(store, end, {
    next_billed_at: null,
    scheduled_change: { action: "cancel", effective_at: end, resume_at: null },
  });
  const moved = run(store, "P3M");
  assertEquals(moved.happened.map((h) => [h.kind, h.at]), [["canceled", end]]);
  assertEquals(types(moved.events), ["subscription.updated", "subscription.canceled"]);
  const canceled = store.subscriptions.get(sub.id)!;
  assertEquals(canceled.status, "canceled");
  assertEquals(canceled.canceled_at, end);
  assertEquals(canceled.scheduled_change, null);
  assertEquals(canceled.current_billing_period, null);
  assertEquals(store.transactions.size, 0);
});

Deno.test("clock: a scheduled pause stops billing, and its resume date starts a new paid period", () => {
  const store = account();
  const pauseAt = "2026-12-16T09:00:00Z";
  const resumeAt = "2027-01-05T00:00:00Z";
  const sub = subscribe(store, pauseAt, {
    scheduled_change: { action: "pause", effective_at: pauseAt, resume_at: resumeAt },
  });
  const paused = run(store, "P14D");
  assertEquals(types(paused.events), ["subscription.updated", "subscription.paused"]);
  assertEquals(store.subscriptions.get(sub.id)!.status, "paused");
  assertEquals(store.subscriptions.get(sub.id)!.scheduled_change, {
    action: "resume",
    effective_at: resumeAt,
    resume_at: resumeAt,
  });

  const resumed = run(store, "P1M");
  assertEquals(resumed.happened.map((h) => [h.kind, h.at]), [["resumed", resumeAt]]);
  assertEquals(types(resumed.events).slice(0, 3), [
    "subscription.updated",
    "subscription.resumed",
    "transaction.created",
  ]);
  const active = store.subscriptions.get(sub.id)!;
  assertEquals([active.status, active.paused_at, active.scheduled_change], ["active", null, null]);
  assertEquals(active.current_billing_period, {
    starts_at: resumeAt,
    ends_at: "2027-02-05T00:00:00Z",
  });
});

Deno.test("clock: a target in the past is refused and changes nothing", () => {
  const store = account();
  subscribe(store, "2026-12-01T00:00:00Z");
  assertThrows(
    () => advanceClock(store, { to: new Date("2026-12-01T00:00:00Z") }, () => {}),
    RangeError,
  );
  assertEquals(store.clock.offsetMs, 0);
  assertEquals(store.transactions.size, 0);
});

Deno.test("clock: an overdue renewal runs at the current time, from its own due date", () => {
  const store = account();
  const sub = subscribe(store, "2026-12-01T00:00:00Z");
  const moved = run(store, "PT1H");
  assertEquals(moved.happened.map((h) => h.at), ["2026-12-06T12:00:00Z"]);
  assertEquals(store.subscriptions.get(sub.id)!.next_billed_at, "2027-01-01T00:00:00Z");
});
