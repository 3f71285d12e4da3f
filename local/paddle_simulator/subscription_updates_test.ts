/**
 * `PATCH /subscriptions/{id}` and its preview, driven with the real Paddle Node SDK (what the
 * subscription-update function uses) and, for the refusals, with raw requests.
 */

import { ApiError, Environment, Paddle } from "@paddle/paddle-node-sdk";
import { assert, assertEquals, assertInstanceOf, assertRejects } from "@std/assert";
import type { PaddleSubscription } from "./entities.ts";
import {
  customerEntity,
  priceEntity,
  productEntity,
  subscriptionEntity,
  subscriptionItem,
} from "./entity_builders.ts";
import { newPaddleId, paddleTimestamp } from "./ids.ts";
import type { EntityBatch, PaddleSimulator } from "./mod.ts";
import type { RecordedRequest } from "./recorder.ts";
import { minutesShare, prorate } from "./subscription_updates.ts";
import { API_KEY, apiGet, control, type ErrorBody, withEntities } from "./test_support.ts";

const CREATED = "2026-01-05T09:00:00Z";
const STARTER = productEntity({ id: newPaddleId("pro"), name: "Starter", createdAt: CREATED });
const PRO = productEntity({ id: newPaddleId("pro"), name: "Pro", createdAt: CREATED });
const SEATS = productEntity({ id: newPaddleId("pro"), name: "Extra seats", createdAt: CREATED });
const month = { interval: "month", frequency: 1 } as const;
const year = { interval: "year", frequency: 1 } as const;
const price = (product: { id: string }, amount: string, cycle: typeof month | typeof year) =>
  priceEntity({
    id: newPaddleId("pri"),
    productId: product.id,
    amount,
    billingCycle: cycle,
    createdAt: CREATED,
  });
const STARTER_MONTHLY = price(STARTER, "1000", month);
const PRO_MONTHLY = price(PRO, "3000", month);
const PRO_YEARLY = price(PRO, "30000", year);
const SEATS_MONTHLY = price(SEATS, "500", month);
const SEATS_YEARLY = price(SEATS, "5000", year);
const ARCHIVED = { ...price(PRO, "100", month), status: "archived" as const };
const PRODUCTS = { [STARTER.id]: STARTER, [PRO.id]: PRO, [SEATS.id]: SEATS };

const DAY = 86_400_000;

interface SubscriptionSetup {
  status?: PaddleSubscription["status"];
  items: { price: typeof STARTER_MONTHLY; quantity: number }[];
  /** Days since the period began and until it ends. */
  since?: number;
  until?: number;
  endsInMs?: number;
  scheduledCancel?: boolean;
}

function account(setup: SubscriptionSetup) {
  const customer = customerEntity({
    id: newPaddleId("ctm"),
    email: `${crypto.randomUUID()}@example.com`,
    createdAt: CREATED,
  });
  const now = Date.now();
  const start = new Date(now - (setup.since ?? 10) * DAY);
  const end = new Date(now + (setup.endsInMs ?? (setup.until ?? 20) * DAY));
  const period = { starts_at: paddleTimestamp(start), ends_at: paddleTimestamp(end) };
  const subscription = subscriptionEntity({
    id: newPaddleId("sub"),
    customerId: customer.id,
    status: setup.status ?? "active",
    createdAt: period.starts_at,
    startedAt: period.starts_at,
    firstBilledAt: period.starts_at,
    // Paddle has no next bill for a subscription that is going to cancel.
    nextBilledAt: setup.scheduledCancel ? null : period.ends_at,
    currentBillingPeriod: period,
    billingCycle: setup.items[0].price.billing_cycle!,
    scheduledChange: setup.scheduledCancel
      ? { action: "cancel", effective_at: period.ends_at, resume_at: null }
      : null,
    items: setup.items.map(({ price, quantity }) =>
      subscriptionItem({
        price,
        product: PRODUCTS[price.product_id],
        quantity,
        createdAt: period.starts_at,
        previouslyBilledAt: period.starts_at,
        nextBilledAt: setup.scheduledCancel ? null : period.ends_at,
      })
    ),
  });
  const batch: EntityBatch = {
    products: [STARTER, PRO, SEATS],
    prices: [STARTER_MONTHLY, PRO_MONTHLY, PRO_YEARLY, SEATS_MONTHLY, SEATS_YEARLY, ARCHIVED],
    customers: [customer],
    subscriptions: [subscription],
  };
  return { batch, subscription, customer, period };
}

function sdk(simulator: PaddleSimulator): Paddle {
  return new Paddle(API_KEY, { environment: simulator.url as Environment });
}

function patch(simulator: PaddleSimulator, path: string, body: unknown): Promise<Response> {
  return fetch(`${simulator.url}${path}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function stored(simulator: PaddleSimulator, id: string): Promise<PaddleSubscription> {
  return (await (await apiGet(simulator, `/subscriptions/${id}`)).json()).data;
}

const events = (simulator: PaddleSimulator) =>
  simulator.webhookDeliveries().map((delivery) => delivery.event_type);

/** What the simulator must have billed, recomputed independently from the answer's own clock. */
function expectedProrated(amount: bigint, period: { ends_at: string }, billedFrom: string) {
  const left = BigInt(Date.parse(period.ends_at) - Date.parse(billedFrom)) / 60_000n;
  const total = BigInt(30 * DAY) / 60_000n;
  // Round half up: (a * l / t) with the remainder compared to half of t.
  const whole = amount * left / total;
  const remainder = amount * left % total;
  return remainder * 2n >= total ? whole + 1n : whole;
}

Deno.test("prorate: exact to the minute, half up, no floats even for huge amounts", () => {
  assertEquals(prorate(1000n, { left: 1n, total: 3n }), 333n);
  assertEquals(prorate(1000n, { left: 2n, total: 3n }), 667n);
  assertEquals(prorate(1n, { left: 1n, total: 2n }), 1n);
  assertEquals(prorate(99_999_999_999_999_999n, { left: 1n, total: 1n }), 99_999_999_999_999_999n);
  const share = minutesShare(
    { starts_at: "2026-01-01T00:00:00Z", ends_at: "2026-01-31T00:00:00Z" },
    new Date("2026-01-16T00:00:59Z"),
  );
  // 59 seconds do not make a minute: 21,600 of 43,200 minutes are left.
  assertEquals(share, { left: 21_599n, total: 43_200n });
});

Deno.test("preview: an upgrade on the same cycle shows Paddle's prorated charge and changes nothing", async () => {
  const { batch, subscription, period } = account({
    items: [{ price: STARTER_MONTHLY, quantity: 1 }],
  });
  await withEntities(batch, async (simulator) => {
    const preview = await sdk(simulator).subscriptions.previewUpdate(subscription.id, {
      items: [{ priceId: PRO_MONTHLY.id, quantity: 1 }],
      prorationBillingMode: "prorated_immediately",
    });
    const immediate = preview.immediateTransaction!;
    const from = immediate.billingPeriod.startsAt;
    const charge = expectedProrated(3000n, period, from);
    const credit = expectedProrated(1000n, period, from);
    assertEquals(immediate.billingPeriod.endsAt, period.ends_at);
    assertEquals(immediate.details.totals.subtotal, charge.toString());
    assertEquals(immediate.details.totals.credit, credit.toString());
    assertEquals(immediate.details.totals.grandTotal, (charge - credit).toString());
    assertEquals(immediate.details.lineItems[0].priceId, PRO_MONTHLY.id);
    assert(immediate.details.lineItems[0].proration !== null);
    assertEquals(preview.updateSummary!.charge.amount, charge.toString());
    assertEquals(preview.updateSummary!.credit.amount, credit.toString());
    assertEquals(preview.updateSummary!.result.action, "charge");
    assertEquals(preview.updateSummary!.result.amount, (charge - credit).toString());
    assertEquals(preview.recurringTransactionDetails!.totals.total, "3000");
    assertEquals(preview.nextTransaction!.billingPeriod.startsAt, period.ends_at);
    assertEquals(preview.nextBilledAt, period.ends_at);
    assertEquals(preview.items.map((item) => item.price.id), [PRO_MONTHLY.id]);
    // A preview is only an answer.
    assertEquals((await stored(simulator, subscription.id)).items[0].price.id, STARTER_MONTHLY.id);
    assertEquals(events(simulator), []);
  });
});

Deno.test("apply: an upgrade bills at once, stores the transaction and tells the webhooks in order", async () => {
  const { batch, subscription } = account({ items: [{ price: STARTER_MONTHLY, quantity: 1 }] });
  await withEntities(batch, async (simulator) => {
    const updated = await sdk(simulator).subscriptions.update(subscription.id, {
      items: [{ priceId: PRO_MONTHLY.id, quantity: 1 }],
      prorationBillingMode: "prorated_immediately",
      onPaymentFailure: "prevent_change",
    });
    assertEquals(updated.items.map((item) => item.price.id), [PRO_MONTHLY.id]);
    assertEquals((await stored(simulator, subscription.id)).items[0].price.id, PRO_MONTHLY.id);
    assertEquals(events(simulator), [
      "transaction.created",
      "transaction.completed",
      "subscription.updated",
    ]);
    const transactionId = simulator.webhookDeliveries()[1].entity_id!;
    const transaction = (await (await apiGet(simulator, `/transactions/${transactionId}`)).json())
      .data;
    assertEquals(transaction.status, "completed");
    assertEquals(transaction.origin, "subscription_update");
    assertEquals(transaction.subscription_id, subscription.id);
    assertEquals(transaction.payments[0].status, "captured");
    const { body: log } = await control<RecordedRequest[]>(simulator, "GET", "/__requests");
    const sent = log.find((entry) => entry.method === "PATCH")!;
    assertEquals(sent.path, `/subscriptions/${subscription.id}`);
    assertEquals(sent.body, {
      items: [{ price_id: PRO_MONTHLY.id, quantity: 1 }],
      proration_billing_mode: "prorated_immediately",
      on_payment_failure: "prevent_change",
    });
  });
});

Deno.test("monthly to yearly: a new period starts now, charged in full, seats carried, unused month credited", async () => {
  const { batch, subscription, period } = account({
    items: [{ price: PRO_MONTHLY, quantity: 1 }, { price: SEATS_MONTHLY, quantity: 3 }],
  });
  await withEntities(batch, async (simulator) => {
    const body = {
      items: [{ price_id: PRO_YEARLY.id, quantity: 1 }, { price_id: SEATS_YEARLY.id, quantity: 3 }],
      proration_billing_mode: "prorated_immediately",
    };
    const preview =
      (await (await patch(simulator, `/subscriptions/${subscription.id}/preview`, body))
        .json()).data;
    const from = preview.immediate_transaction.billing_period.starts_at;
    const credit = expectedProrated(3000n + 3n * 500n, period, from);
    assertEquals(preview.immediate_transaction.details.totals.subtotal, "45000");
    assertEquals(preview.immediate_transaction.details.totals.credit, credit.toString());
    assertEquals(
      preview.immediate_transaction.details.totals.grand_total,
      (45000n - credit).toString(),
    );
    assertEquals(preview.billing_cycle, { interval: "year", frequency: 1 });
    const nextYear = new Date(from);
    nextYear.setUTCFullYear(nextYear.getUTCFullYear() + 1);
    assertEquals(preview.next_billed_at, paddleTimestamp(nextYear));
    assertEquals(preview.recurring_transaction_details.totals.total, "45000");

    // Paddle accepts only immediate modes (or do_not_bill) when the interval changes.
    const deferred = await patch(simulator, `/subscriptions/${subscription.id}`, {
      ...body,
      proration_billing_mode: "prorated_next_billing_period",
    });
    assertEquals(deferred.status, 400);
    assertEquals(
      ((await deferred.json()) as ErrorBody).error.errors![0].field,
      "proration_billing_mode",
    );

    const applied = await patch(simulator, `/subscriptions/${subscription.id}`, body);
    assertEquals(applied.status, 200);
    const after = await stored(simulator, subscription.id);
    assertEquals(after.items.map((item) => [item.price.id, item.quantity]), [
      [PRO_YEARLY.id, 1],
      [SEATS_YEARLY.id, 3],
    ]);
    assertEquals(after.next_billed_at, preview.next_billed_at);
  });
});

Deno.test("downgrade at the next period: no bill now, a credit at renewal, only subscription.updated", async () => {
  const { batch, subscription, period } = account({
    items: [{ price: PRO_MONTHLY, quantity: 1 }, { price: SEATS_MONTHLY, quantity: 2 }],
  });
  await withEntities(batch, async (simulator) => {
    const body = {
      items: [{ price_id: STARTER_MONTHLY.id, quantity: 1 }, {
        price_id: SEATS_MONTHLY.id,
        quantity: 1,
      }],
      proration_billing_mode: "prorated_next_billing_period",
    };
    const response = await patch(simulator, `/subscriptions/${subscription.id}/preview`, body);
    const preview = (await response.json()).data;
    assertEquals(preview.immediate_transaction, null);
    assertEquals(preview.update_summary.result.action, "credit");
    assertEquals(preview.recurring_transaction_details.totals.total, "1500");
    assertEquals(preview.next_billed_at, period.ends_at);
    assertEquals(preview.next_transaction.billing_period.starts_at, period.ends_at);
    assertEquals((await patch(simulator, `/subscriptions/${subscription.id}`, body)).status, 200);
    assertEquals(events(simulator), ["subscription.updated"]);
  });
});

Deno.test("keep: scheduled_change null removes a scheduled cancellation", async () => {
  const { batch, subscription } = account({
    items: [{ price: STARTER_MONTHLY, quantity: 1 }],
    scheduledCancel: true,
  });
  await withEntities(batch, async (simulator) => {
    const kept = await sdk(simulator).subscriptions.update(subscription.id, {
      scheduledChange: null,
    });
    assertEquals(kept.scheduledChange, null);
    assertEquals(kept.nextBilledAt, subscription.current_billing_period!.ends_at);
    assertEquals((await stored(simulator, subscription.id)).scheduled_change, null);
    assertEquals(events(simulator), ["subscription.updated"]);
  });
});

Deno.test("declined card with prevent_change: Paddle's error, the bill canceled, the subscription as it was", async () => {
  const { batch, subscription, customer } = account({
    items: [{ price: STARTER_MONTHLY, quantity: 1 }],
  });
  await withEntities(batch, async (simulator) => {
    await control(simulator, "POST", "/__cards", { customerId: customer.id, declines: true });
    const error = await assertRejects(
      () =>
        sdk(simulator).subscriptions.update(subscription.id, {
          items: [{ priceId: PRO_MONTHLY.id, quantity: 1 }],
          prorationBillingMode: "prorated_immediately",
        }),
      ApiError,
    );
    assertInstanceOf(error, ApiError);
    assertEquals(error.code, "subscription_payment_declined");
    assertEquals((await stored(simulator, subscription.id)).items[0].price.id, STARTER_MONTHLY.id);
    assertEquals(events(simulator), [
      "transaction.created",
      "transaction.payment_failed",
      "transaction.canceled",
    ]);
  });
});

Deno.test("refusals: Paddle's codes, in Paddle's envelope, and nothing changes", async () => {
  const upgrade = {
    items: [{ price_id: PRO_MONTHLY.id, quantity: 1 }],
    proration_billing_mode: "prorated_immediately",
  };
  const cases: [string, SubscriptionSetup, unknown, number, string][] = [
    [
      "past_due",
      { status: "past_due", items: [{ price: STARTER_MONTHLY, quantity: 1 }] },
      upgrade,
      400,
      "subscription_update_when_past_due",
    ],
    [
      "canceled",
      { status: "canceled", items: [{ price: STARTER_MONTHLY, quantity: 1 }] },
      upgrade,
      400,
      "subscription_update_when_canceled",
    ],
    [
      "renewal in 29 minutes",
      { endsInMs: 29 * 60_000, items: [{ price: STARTER_MONTHLY, quantity: 1 }] },
      upgrade,
      409,
      "subscription_locked_renewal",
    ],
    [
      "no proration mode",
      { items: [{ price: STARTER_MONTHLY, quantity: 1 }] },
      { items: upgrade.items },
      400,
      "subscription_items_update_missing_proration_billing_mode",
    ],
    [
      "mixed intervals",
      { items: [{ price: STARTER_MONTHLY, quantity: 1 }] },
      { ...upgrade, items: [...upgrade.items, { price_id: SEATS_YEARLY.id, quantity: 1 }] },
      400,
      "subscription_new_items_not_valid",
    ],
    [
      "archived price",
      { items: [{ price: STARTER_MONTHLY, quantity: 1 }] },
      { ...upgrade, items: [{ price_id: ARCHIVED.id, quantity: 1 }] },
      400,
      "subscription_price_not_found",
    ],
    [
      "too many seats",
      { items: [{ price: STARTER_MONTHLY, quantity: 1 }] },
      { ...upgrade, items: [{ price_id: PRO_MONTHLY.id, quantity: 101 }] },
      400,
      "subscription_new_items_not_valid",
    ],
    [
      "next period with a cancellation scheduled",
      { scheduledCancel: true, items: [{ price: PRO_MONTHLY, quantity: 1 }] },
      {
        items: [{ price_id: STARTER_MONTHLY.id, quantity: 1 }],
        proration_billing_mode: "prorated_next_billing_period",
      },
      400,
      "subscription_invalid_billing_mode_for_scheduled_change",
    ],
    [
      "unknown field",
      { items: [{ price: STARTER_MONTHLY, quantity: 1 }] },
      { ...upgrade, surprise: 1 },
      400,
      "invalid_field",
    ],
  ];
  for (const [name, setup, body, status, code] of cases) {
    const { batch, subscription } = account(setup);
    await withEntities(batch, async (simulator) => {
      for (
        const path of [
          `/subscriptions/${subscription.id}/preview`,
          `/subscriptions/${subscription.id}`,
        ]
      ) {
        const response = await patch(simulator, path, body);
        const error = (await response.json()) as ErrorBody;
        assertEquals([response.status, error.error.code], [status, code], `${name} (${path})`);
        assertEquals(error.error.type, "request_error");
        assert(error.error.documentation_url.endsWith(`/${code}`));
      }
      assertEquals(await stored(simulator, subscription.id), subscription, name);
      assertEquals(events(simulator), [], name);
    });
  }
});

Deno.test("an unknown subscription is not_found; GET on the path is still the listing's", async () => {
  const { batch, subscription } = account({ items: [{ price: STARTER_MONTHLY, quantity: 1 }] });
  await withEntities(batch, async (simulator) => {
    const missing = await patch(simulator, `/subscriptions/${newPaddleId("sub")}`, {
      scheduled_change: null,
    });
    assertEquals(missing.status, 404);
    await missing.body?.cancel();
    assertEquals((await apiGet(simulator, `/subscriptions/${subscription.id}`)).status, 200);
    const wrongMethod = await fetch(`${simulator.url}/subscriptions/${subscription.id}/preview`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    assertEquals(wrongMethod.status, 405);
    await wrongMethod.body?.cancel();
  });
});

Deno.test("Paddle's limit on immediate charges: the 21st charge in an hour is 429, a change billed at renewal still goes", async () => {
  const { batch, subscription } = account({ items: [{ price: STARTER_MONTHLY, quantity: 1 }] });
  await withEntities(batch, async (simulator) => {
    const to = (price: typeof STARTER_MONTHLY, mode: string) =>
      patch(simulator, `/subscriptions/${subscription.id}`, {
        items: [{ price_id: price.id, quantity: 1 }],
        proration_billing_mode: mode,
      });
    for (let i = 0; i < 20; i++) {
      assertEquals((await to(PRO_MONTHLY, "prorated_immediately")).status, 200, `charge ${i + 1}`);
      assertEquals((await to(STARTER_MONTHLY, "prorated_next_billing_period")).status, 200);
    }
    const limited = await to(PRO_MONTHLY, "prorated_immediately");
    assertEquals(limited.status, 429);
    assertEquals(
      ((await limited.json()) as ErrorBody).error.code,
      "subscription_immediate_charge_hour_limit_exceeded",
    );
    assertEquals((await stored(simulator, subscription.id)).items[0].price.id, STARTER_MONTHLY.id);
    assertEquals((await to(PRO_MONTHLY, "prorated_next_billing_period")).status, 200);
  });
});
