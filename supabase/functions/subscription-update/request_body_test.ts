import assert from "node:assert/strict";
import { MAX_ITEMS, MAX_QUANTITY, parseUpdateRequest } from "./request_body.ts";

const SUB = "sub_01hv8x0000000000000000000a";
const PRICE = "pri_01hv8p0000000000000000000a";
const SEATS = "pri_01hv8p0000000000000000000b";

Deno.test("preview and apply take the whole item list; keep takes nothing else", () => {
  for (const action of ["preview", "apply"] as const) {
    const items = [{ priceId: PRICE, quantity: 1 }, { priceId: SEATS, quantity: 3 }];
    assert.deepEqual(parseUpdateRequest({ subscriptionId: SUB, action, items }), {
      ok: true,
      value: { subscriptionId: SUB, action, items },
    });
  }
  assert.deepEqual(parseUpdateRequest({ subscriptionId: SUB, action: "keep" }), {
    ok: true,
    value: { subscriptionId: SUB, action: "keep" },
  });
});

Deno.test("anything else is invalid_request: extra fields, a proration, a customer, bad ids", () => {
  const item = { priceId: PRICE, quantity: 1 };
  for (
    const body of [
      undefined,
      null,
      [],
      {},
      { subscriptionId: SUB, action: "preview" },
      { subscriptionId: SUB, action: "preview", items: [] },
      { subscriptionId: SUB, action: "cancel", items: [item] },
      { subscriptionId: SUB, action: "keep", items: [item] },
      { subscriptionId: "sub_bad", action: "apply", items: [item] },
      { subscriptionId: SUB, action: "apply", items: [{ priceId: "pri_x", quantity: 1 }] },
      { subscriptionId: SUB, action: "apply", items: [item], prorationBillingMode: "do_not_bill" },
      { subscriptionId: SUB, action: "apply", items: [item], customerId: "ctm_x" },
      { subscriptionId: SUB, action: "apply", items: [{ ...item, extra: true }] },
      {
        subscriptionId: SUB,
        action: "apply",
        items: Array.from({ length: MAX_ITEMS + 1 }, () => item),
      },
    ]
  ) {
    assert.deepEqual(
      parseUpdateRequest(body),
      { ok: false, code: "invalid_request" },
      JSON.stringify(body),
    );
  }
});

Deno.test("a quantity that is not a whole number in 1..10000 is invalid_quantity", () => {
  for (const quantity of [0, -1, 1.5, MAX_QUANTITY + 1, "2", null, undefined]) {
    assert.deepEqual(
      parseUpdateRequest({
        subscriptionId: SUB,
        action: "preview",
        items: [{ priceId: PRICE, quantity }],
      }),
      { ok: false, code: "invalid_quantity" },
      String(quantity),
    );
  }
});
