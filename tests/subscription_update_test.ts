/**
 * subscription-update through the whole local stack: the real function, PostgREST and the real
 * migrations, the real Paddle SDK making HTTP requests to the simulator's
 * `PATCH /subscriptions/{id}[/preview]`, and the simulator's signed webhooks into paddle-webhook.
 * The simulator's request log is the proof of what reached "Paddle" (and what did not).
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { paddleRequests, type RecordedRequest, resetPaddle } from "./_paddle.ts";
import { holdWebhooks, releaseWebhooks, waitForDeliveries } from "./_sales.ts";
import { callFunction, demoUser, type FunctionAnswer } from "./_stack.ts";
import { userToken } from "./_tokens.ts";
import { cardDeclines, DEMO, freshSubscriber, mirrored } from "./_subscriber.ts";

type Body = Record<string, unknown>;

function update(token: string, body: unknown): Promise<FunctionAnswer> {
  return callFunction("subscription-update", token, body);
}

async function patches(): Promise<RecordedRequest[]> {
  return (await paddleRequests()).filter((r) => r.method === "PATCH");
}

function assertRefused(answer: FunctionAnswer, status: number, code: string) {
  assertEquals(answer.status, status, JSON.stringify(answer.body));
  assertEquals(answer.body.error?.code, code);
  assertEquals(answer.headers.get("access-control-allow-origin"), "*");
  assertMatch(answer.headers.get("x-request-id") ?? "", /\S/);
}

Deno.test("upgrade: Paddle's preview, then the very same body applied; the mirror shows it at once and the webhook changes nothing", async () => {
  const sub = await freshSubscriber({ items: [[DEMO.starterMonthly, 1]] });
  await resetPaddle();
  const items = [{ priceId: DEMO.proMonthly, quantity: 1 }];
  const body = { subscriptionId: sub.subscription.id, items };

  const preview = await update(sub.token, { ...body, action: "preview" });
  assertEquals(preview.status, 200, JSON.stringify(preview.body));
  assertEquals(preview.headers.get("cache-control"), "no-store");
  const p = preview.body.preview as Body;
  assertEquals(p.prorationBillingMode, "prorated_immediately");
  assertEquals(p.currencyCode, "USD");
  assertMatch(p.dueNow as string, /^[1-9]\d*$/);
  assertMatch(p.credit as string, /^[1-9]\d*$/);
  // Pro is 3000 a month against Starter's 1000: two thirds of the month left cost about 1333.
  assert(BigInt(p.dueNow as string) > 1200n && BigInt(p.dueNow as string) < 1400n, `${p.dueNow}`);
  assertEquals(p.nextTotal, "3000");
  assertEquals(p.nextBilledAt, sub.subscription.next_billed_at);
  assertEquals(p.items, items);
  assertEquals((await mirrored(sub.subscription.id)).items, [
    { price_id: DEMO.starterMonthly, quantity: 1 },
  ]);

  await holdWebhooks();
  try {
    const applied = await update(sub.token, { ...body, action: "apply" });
    assertEquals(applied.status, 200, JSON.stringify(applied.body));
    const s = applied.body.subscription as Body;
    assertEquals(s.subscriptionId, sub.subscription.id);
    assertEquals(s.status, "active");
    assertEquals(s.items, items);
    // Before any webhook: the mirror already holds Paddle's answer.
    const before = await mirrored(sub.subscription.id);
    assertEquals(before.items, [{ price_id: DEMO.proMonthly, quantity: 1 }]);

    const [previewCall, applyCall] = await patches();
    assertEquals(previewCall.path, `/subscriptions/${sub.subscription.id}/preview`);
    assertEquals(applyCall.path, `/subscriptions/${sub.subscription.id}`);
    assertEquals(applyCall.body, previewCall.body, "preview and apply send the same body");
    assertEquals(previewCall.body, {
      items: [{ price_id: DEMO.proMonthly, quantity: 1 }],
      proration_billing_mode: "prorated_immediately",
      on_payment_failure: "prevent_change",
    });
    assertEquals((await paddleRequests()).length, 2, "one Paddle call each");

    await releaseWebhooks();
    const deliveries = await waitForDeliveries([sub.subscription.id], 1);
    assertEquals(deliveries.map((d) => d.event_type), ["subscription.updated"]);
    assertEquals(await mirrored(sub.subscription.id), before, "the webhook changes nothing");
  } finally {
    await releaseWebhooks();
  }
});

Deno.test("monthly to yearly with seats carried over: charged today, a new yearly period", async () => {
  const sub = await freshSubscriber({ items: [[DEMO.proMonthly, 1], [DEMO.seatsMonthly, 3]] });
  await resetPaddle();
  const items = [{ priceId: DEMO.proYearly, quantity: 1 }, {
    priceId: DEMO.seatsYearly,
    quantity: 3,
  }];
  const body = { subscriptionId: sub.subscription.id, items };
  const preview = await update(sub.token, { ...body, action: "preview" });
  assertEquals(preview.status, 200, JSON.stringify(preview.body));
  const p = preview.body.preview as Body;
  assertEquals(p.prorationBillingMode, "prorated_immediately");
  assertEquals(p.nextTotal, "45000");
  assertEquals(p.billingCycle, { interval: "year", frequency: 1 });
  // The full year (45000) less the unused two thirds of this month's 4500.
  assert(BigInt(p.dueNow as string) > 41000n && BigInt(p.dueNow as string) < 43000n, `${p.dueNow}`);

  const applied = await update(sub.token, { ...body, action: "apply" });
  assertEquals(applied.status, 200, JSON.stringify(applied.body));
  const row = await mirrored(sub.subscription.id);
  assertEquals(row.billing_cycle_interval, "year");
  assertEquals(
    row.items,
    [
      { price_id: DEMO.seatsYearly, quantity: 3 },
      { price_id: DEMO.proYearly, quantity: 1 },
    ].sort((a, b) => a.price_id < b.price_id ? -1 : 1),
  );
  assertEquals((applied.body.subscription as Body).billingCycle, {
    interval: "year",
    frequency: 1,
  });
});

Deno.test("downgrade: nothing today, the change at the next period's price", async () => {
  const sub = await freshSubscriber({ items: [[DEMO.proMonthly, 1], [DEMO.seatsMonthly, 2]] });
  await resetPaddle();
  const items = [{ priceId: DEMO.starterMonthly, quantity: 1 }];
  const preview = await update(sub.token, {
    subscriptionId: sub.subscription.id,
    action: "preview",
    items,
  });
  assertEquals(preview.status, 200, JSON.stringify(preview.body));
  const p = preview.body.preview as Body;
  assertEquals(p.prorationBillingMode, "prorated_next_billing_period");
  assertEquals(p.dueNow, "0");
  assertEquals(p.nextTotal, "1000");
  const applied = await update(sub.token, {
    subscriptionId: sub.subscription.id,
    action: "apply",
    items,
  });
  assertEquals(applied.status, 200);
  assertEquals((await mirrored(sub.subscription.id)).items, [
    { price_id: DEMO.starterMonthly, quantity: 1 },
  ]);
});

Deno.test("seats changed on the same plan: more seats billed now", async () => {
  const sub = await freshSubscriber({ items: [[DEMO.proMonthly, 1], [DEMO.seatsMonthly, 1]] });
  await resetPaddle();
  const items = [{ priceId: DEMO.proMonthly, quantity: 1 }, {
    priceId: DEMO.seatsMonthly,
    quantity: 4,
  }];
  const applied = await update(sub.token, {
    subscriptionId: sub.subscription.id,
    action: "apply",
    items,
  });
  assertEquals(applied.status, 200, JSON.stringify(applied.body));
  const [call] = await patches();
  assertEquals((call.body as Body).proration_billing_mode, "prorated_immediately");
  assertEquals(
    (await mirrored(sub.subscription.id)).items.find((i: Body) => i.price_id === DEMO.seatsMonthly)
      ?.quantity,
    4,
  );
});

Deno.test("keep: the scheduled cancellation is removed in Paddle and in the mirror; a second keep has nothing to keep", async () => {
  const sub = await freshSubscriber({ items: [[DEMO.starterMonthly, 1]], cancel: true });
  await resetPaddle();
  const kept = await update(sub.token, { subscriptionId: sub.subscription.id, action: "keep" });
  assertEquals(kept.status, 200, JSON.stringify(kept.body));
  assertEquals((kept.body.subscription as Body).scheduledChange, null);
  const [call] = await patches();
  assertEquals(call.body, { scheduled_change: null });
  assertEquals((await mirrored(sub.subscription.id)).scheduled_change_action, null);
  const again = await update(sub.token, { subscriptionId: sub.subscription.id, action: "keep" });
  assertRefused(again, 409, "nothing_to_keep");
  assertEquals((await patches()).length, 1, "the refusal made no Paddle call");
});

Deno.test("a declined card: 402 payment_declined, nothing changed anywhere", async () => {
  const sub = await freshSubscriber({ items: [[DEMO.starterMonthly, 1]] });
  await cardDeclines(sub.customerId, true);
  try {
    await resetPaddle();
    const answer = await update(sub.token, {
      subscriptionId: sub.subscription.id,
      action: "apply",
      items: [{ priceId: DEMO.proMonthly, quantity: 1 }],
    });
    assertRefused(answer, 402, "payment_declined");
    assertEquals((await mirrored(sub.subscription.id)).items, [
      { price_id: DEMO.starterMonthly, quantity: 1 },
    ]);
  } finally {
    await cardDeclines(sub.customerId, false);
  }
});

Deno.test("refusals are decided before Paddle: nothing reaches it", async () => {
  const sub = await freshSubscriber({ items: [[DEMO.proMonthly, 1], [DEMO.seatsMonthly, 2]] });
  const other = await freshSubscriber({ items: [[DEMO.starterMonthly, 1]] });
  const pastDue = await freshSubscriber({ items: [[DEMO.starterMonthly, 1]], status: "past_due" });
  await resetPaddle();
  const id = sub.subscription.id;
  const cases: [string, unknown, number, string][] = [
    [sub.token, { subscriptionId: id, action: "apply" }, 400, "invalid_request"],
    [
      sub.token,
      {
        subscriptionId: id,
        action: "apply",
        items: [{ priceId: DEMO.proMonthly, quantity: 1 }],
        prorationBillingMode: "do_not_bill",
      },
      400,
      "invalid_request",
    ],
    [
      sub.token,
      {
        subscriptionId: id,
        action: "apply",
        items: [{ priceId: DEMO.seatsMonthly, quantity: 2 }],
      },
      400,
      "invalid_items",
    ],
    [
      sub.token,
      {
        subscriptionId: id,
        action: "apply",
        items: [{ priceId: DEMO.proYearly, quantity: 1 }, {
          priceId: DEMO.seatsMonthly,
          quantity: 2,
        }],
      },
      400,
      "invalid_items",
    ],
    [
      sub.token,
      {
        subscriptionId: id,
        action: "apply",
        items: [{ priceId: DEMO.proMonthly, quantity: 1 }, {
          priceId: DEMO.seatsMonthly,
          quantity: 101,
        }],
      },
      400,
      "invalid_quantity",
    ],
    [
      sub.token,
      {
        subscriptionId: id,
        action: "preview",
        items: [{ priceId: DEMO.seatsMonthly, quantity: 2 }, {
          priceId: DEMO.proMonthly,
          quantity: 1,
        }],
      },
      409,
      "no_change",
    ],
    [
      other.token,
      {
        subscriptionId: id,
        action: "apply",
        items: [{ priceId: DEMO.starterMonthly, quantity: 1 }],
      },
      404,
      "subscription_not_found",
    ],
    [
      sub.token,
      {
        subscriptionId: id,
        action: "apply",
        items: [{ priceId: "pri_01jdemonosuchprice00000000", quantity: 1 }],
      },
      404,
      "price_not_found",
    ],
    [
      pastDue.token,
      {
        subscriptionId: pastDue.subscription.id,
        action: "apply",
        items: [{ priceId: DEMO.proMonthly, quantity: 1 }],
      },
      409,
      "subscription_not_changeable",
    ],
    [sub.token, { subscriptionId: id, action: "keep" }, 409, "nothing_to_keep"],
  ];
  for (const [token, body, status, code] of cases) {
    assertRefused(await update(token, body), status, code);
  }
  assertEquals(await paddleRequests(), [], "no refusal called Paddle");
});

Deno.test("alice, as seeded: her Pro plan with 3 seats previews as Pro yearly with 3 seats, charged today (nothing changed)", async () => {
  const alice = demoUser("alice@example.com");
  const subscriptionId = "sub_01jdemoalicesub10000000000";
  assert(alice.userId && alice.subscriptionIds.includes(subscriptionId));
  await resetPaddle();
  const before = await mirrored(subscriptionId);
  const preview = await update(await userToken(alice.userId), {
    subscriptionId,
    action: "preview",
    items: [{ priceId: DEMO.proYearly, quantity: 1 }, { priceId: DEMO.seatsYearly, quantity: 3 }],
  });
  assertEquals(preview.status, 200, JSON.stringify(preview.body));
  const p = preview.body.preview as Body;
  assertEquals(p.prorationBillingMode, "prorated_immediately");
  assertMatch(p.dueNow as string, /^[1-9]\d*$/);
  assertEquals(p.nextTotal, "45000");
  assertEquals(await mirrored(subscriptionId), before, "a preview changes nothing");
});
