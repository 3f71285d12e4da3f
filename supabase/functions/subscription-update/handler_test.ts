import assert from "node:assert/strict";
import { createHandler, type SubscriptionUpdateDeps } from "./handler.ts";
import type { PrepareInput, PrepareResult } from "./update_prepare.ts";
import type { ChangeInput, ChangeResult, PreviewResult } from "./paddle_update.ts";
import type { TokenVerification } from "../_shared/verify_user_token.ts";
import { expectError } from "../_shared/handler_test_support.ts";

const TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl";
const USER_ID = "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b";
const SUB = "sub_01hv8x0000000000000000000a";
const PRO = "pri_01hv8p0000000000000000000a";
const SEATS = "pri_01hv8p0000000000000000000b";
const ITEMS = [{ priceId: PRO, quantity: 1 }, { priceId: SEATS, quantity: 3 }];

const READY: PrepareResult = {
  ok: true,
  outcome: "ready",
  facts: { intervalChanges: false, currentTotal: "1000", newTotal: "4500", scheduledChange: null },
  mint: { taken: true },
};
const attempt = { transactionIds: ["00000000-0000-4000-8000-000000000001"], attempts: 1 };
const SUBSCRIPTION = {
  subscriptionId: SUB,
  status: "active",
  items: ITEMS,
  nextBilledAt: "2027-01-06T10:00:00Z",
  scheduledChange: null,
  billingCycle: { interval: "month", frequency: 1 },
};
const CHANGED: ChangeResult = {
  ok: true,
  subscription: SUBSCRIPTION,
  apiJson: { id: SUB },
  ...attempt,
};

function setup(overrides: Partial<SubscriptionUpdateDeps> = {}) {
  const calls = {
    prepare: [] as PrepareInput[],
    preview: [] as ChangeInput[],
    apply: [] as ChangeInput[],
    keep: [] as string[],
    record: [] as unknown[],
  };
  const lines: string[] = [];
  let ids = 0;
  const deps: SubscriptionUpdateDeps = {
    config: { allowedOrigins: "*" },
    verifyToken: (t) =>
      Promise.resolve<TokenVerification>(
        t === TOKEN ? { ok: true, userId: USER_ID } : { ok: false, reason: "bad_signature" },
      ),
    prepareUpdate: (input) => {
      calls.prepare.push(input);
      return Promise.resolve(READY);
    },
    previewChange: (input) => {
      calls.preview.push(input);
      return Promise.resolve<PreviewResult>({
        ok: true,
        preview: {
          prorationBillingMode: input.prorationBillingMode,
          currencyCode: "USD",
          dueNow: "1234",
          credit: "500",
          nextBilledAt: "2027-01-06T10:00:00Z",
          nextTotal: "4500",
          billingCycle: { interval: "month", frequency: 1 },
          items: input.items,
        },
        ...attempt,
      });
    },
    applyChange: (input) => {
      calls.apply.push(input);
      return Promise.resolve(CHANGED);
    },
    keepSubscription: (id) => {
      calls.keep.push(id);
      return Promise.resolve(CHANGED);
    },
    recordUpdate: (input) => {
      calls.record.push(input);
      return Promise.resolve({ ok: true, written: 1, owned: true });
    },
    log: (line) => lines.push(line),
    now: () => 0,
    requestId: () => `req-${++ids}`,
    ...overrides,
  };
  const post = (body: unknown, token = TOKEN) =>
    createHandler(deps)(
      new Request("http://x/subscription-update", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
  return { calls, lines, post };
}

const paddleCalls = (calls: ReturnType<typeof setup>["calls"]) =>
  calls.preview.length + calls.apply.length + calls.keep.length;

Deno.test("preview: one RPC, one Paddle call with the server's proration, Paddle's amounts back", async () => {
  const { calls, post, lines } = setup();
  const res = await post({ subscriptionId: SUB, action: "preview", items: ITEMS });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const body = await res.json();
  assert.equal(body.preview.dueNow, "1234");
  assert.equal(body.preview.prorationBillingMode, "prorated_immediately");
  assert.deepEqual(calls.prepare, [{
    token: TOKEN,
    userId: USER_ID,
    subscriptionId: SUB,
    action: "preview",
    items: ITEMS,
  }]);
  assert.deepEqual(calls.preview, [{
    subscriptionId: SUB,
    items: ITEMS,
    prorationBillingMode: "prorated_immediately",
  }]);
  assert.equal(calls.record.length, 0, "a preview writes nothing");
  const log = JSON.parse(lines[0]);
  assert.equal(log.proration_billing_mode, "prorated_immediately");
  assert.equal(log.subscription_id, SUB);
});

Deno.test("apply: the same change as the preview, then Paddle's answer to the mirror", async () => {
  const { calls, post } = setup();
  const res = await post({ subscriptionId: SUB, action: "apply", items: ITEMS });
  assert.equal(res.status, 200);
  assert.deepEqual((await res.json()).subscription, SUBSCRIPTION);
  assert.deepEqual(calls.apply, [{
    subscriptionId: SUB,
    items: ITEMS,
    prorationBillingMode: "prorated_immediately",
  }]);
  assert.deepEqual(calls.record, [{ userId: USER_ID, subscription: { id: SUB } }]);
});

Deno.test("keep: Paddle's scheduled_change null, recorded", async () => {
  const { calls, post } = setup();
  const res = await post({ subscriptionId: SUB, action: "keep" });
  assert.equal(res.status, 200);
  assert.deepEqual(calls.keep, [SUB]);
  assert.equal(calls.prepare[0].items, null);
  assert.equal(calls.record.length, 1);
});

Deno.test("every database refusal answers before Paddle, in our codes", async () => {
  const refusals: [PrepareResult, number, string][] = [
    [{ ok: true, outcome: "subscription_not_found" }, 404, "subscription_not_found"],
    [{ ok: true, outcome: "subscription_not_changeable" }, 409, "subscription_not_changeable"],
    [{ ok: true, outcome: "nothing_to_keep" }, 409, "nothing_to_keep"],
    [{ ok: true, outcome: "price_not_found" }, 404, "price_not_found"],
    [{ ok: true, outcome: "invalid_items" }, 400, "invalid_items"],
    [{ ok: true, outcome: "invalid_quantity" }, 400, "invalid_quantity"],
    [{ ok: true, outcome: "no_change" }, 409, "no_change"],
    [
      { ok: false, code: "database_unavailable", dbErrorCode: "PGRST000" },
      503,
      "database_unavailable",
    ],
    [
      { ...READY, mint: { taken: false, retryAfterSeconds: 7 } } as PrepareResult,
      429,
      "too_many_requests",
    ],
  ];
  for (const [answer, status, code] of refusals) {
    const { calls, post } = setup({ prepareUpdate: () => Promise.resolve(answer) });
    await expectError(
      await post({ subscriptionId: SUB, action: "apply", items: ITEMS }),
      status,
      code,
    );
    assert.equal(paddleCalls(calls), 0, code);
    assert.equal(calls.record.length, 0, code);
  }
  const { post } = setup({
    prepareUpdate: () =>
      Promise.resolve({ ok: true, outcome: "renewal_too_close", retryAfterSeconds: 1200 }),
  });
  const res = await post({ subscriptionId: SUB, action: "apply", items: ITEMS });
  assert.equal(res.headers.get("retry-after"), "1200");
  await expectError(res, 409, "renewal_too_close");
});

Deno.test("bad bodies and bad tokens never reach the database", async () => {
  for (
    const [body, token, status, code] of [
      [
        { subscriptionId: SUB, action: "apply", items: ITEMS, prorationBillingMode: "do_not_bill" },
        TOKEN,
        400,
        "invalid_request",
      ],
      [
        { subscriptionId: SUB, action: "apply", items: [{ priceId: PRO, quantity: 0 }] },
        TOKEN,
        400,
        "invalid_quantity",
      ],
      [{ subscriptionId: SUB, action: "keep" }, "not-a-token", 401, "not_authenticated"],
    ] as const
  ) {
    const { calls, post } = setup();
    await expectError(await post(body, token), status, code);
    assert.equal(calls.prepare.length, 0);
  }
});

Deno.test("Paddle's refusals: a declined card is 402 and nothing is recorded; the renewal lock has Retry-After", async () => {
  const failed = (paddleErrorCode: string): ChangeResult => ({
    ok: false,
    code: "paddle_unavailable",
    paddleErrorCode,
    ...attempt,
  });
  const cases: [string, number, string][] = [
    ["subscription_payment_declined", 402, "payment_declined"],
    ["subscription_locked_renewal", 409, "renewal_too_close"],
    ["subscription_update_when_past_due", 409, "subscription_not_changeable"],
    ["subscription_new_items_not_valid", 400, "invalid_items"],
    ["subscription_immediate_charge_hour_limit_exceeded", 429, "too_many_requests"],
    ["subscription_immediate_charge_24_hour_limit_exceeded", 429, "too_many_requests"],
    ["something_new", 502, "paddle_unavailable"],
  ];
  for (const [paddleCode, status, code] of cases) {
    const { calls, post } = setup({ applyChange: () => Promise.resolve(failed(paddleCode)) });
    const res = await post({ subscriptionId: SUB, action: "apply", items: ITEMS });
    if (code === "renewal_too_close" || code === "too_many_requests") {
      assert.ok(Number(res.headers.get("retry-after")) >= 1800, paddleCode);
    }
    await expectError(res, status, code);
    assert.equal(calls.record.length, 0);
  }
});

Deno.test("a failed write-back still tells the caller what Paddle did", async () => {
  const { post, lines } = setup({
    recordUpdate: () =>
      Promise.resolve({ ok: false, code: "database_unavailable", dbErrorCode: "PGRST000" }),
  });
  const res = await post({ subscriptionId: SUB, action: "apply", items: ITEMS });
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(lines[0]).db_error_code, "PGRST000");
});
