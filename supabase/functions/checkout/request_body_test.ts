import assert from "node:assert/strict";
import { MAX_BODY_BYTES, parseCheckoutRequest, readCheckoutRequest } from "./request_body.ts";

const PRICE = "pri_01hv8p0000000000000000000a";
const req = (body?: string) => new Request("http://x/", { method: "POST", body });

Deno.test("a price, with the quantity defaulting to 1", () => {
  assert.deepEqual(parseCheckoutRequest({ priceId: PRICE }), {
    ok: true,
    value: { priceId: PRICE, quantity: 1 },
  });
  assert.deepEqual(parseCheckoutRequest({ quantity: 10_000, priceId: PRICE }), {
    ok: true,
    value: { priceId: PRICE, quantity: 10_000 },
  });
});

Deno.test("anything but a price and a quantity is invalid_request", () => {
  for (
    const body of [
      undefined,
      null,
      [],
      "pri",
      {},
      { priceId: null },
      { priceId: ` ${PRICE}` },
      { priceId: "pri_" + "A".repeat(26) },
      { priceId: PRICE, customerId: "ctm_01hv8x0000000000000000000a" },
      { priceId: PRICE, customer: {} },
      { priceId: PRICE, email: "a@b.c" },
      { priceId: PRICE, customerEmail: "a@b.c" },
      { priceId: PRICE, user_id: "u" },
      { priceId: PRICE, successUrl: "https://evil.example" },
      { priceId: PRICE, quantity: 1, items: [] },
    ]
  ) {
    assert.deepEqual(
      parseCheckoutRequest(body),
      { ok: false, code: "invalid_request" },
      JSON.stringify(body),
    );
  }
});

Deno.test("a quantity that is not a whole number in 1..10000 is invalid_quantity", () => {
  for (const quantity of [0, -1, 1.5, 10_001, "1", null, true, 1e100]) {
    assert.deepEqual(parseCheckoutRequest({ priceId: PRICE, quantity }), {
      ok: false,
      code: "invalid_quantity",
    }, String(quantity));
  }
});

Deno.test("reading: no body and malformed JSON are invalid_request; over the cap is payload_too_large", async () => {
  assert.deepEqual(await readCheckoutRequest(req()), { ok: false, code: "invalid_request" });
  assert.deepEqual(await readCheckoutRequest(req("{")), { ok: false, code: "invalid_request" });
  const padded = JSON.stringify({ priceId: PRICE }).padEnd(MAX_BODY_BYTES, " ");
  assert.equal((await readCheckoutRequest(req(padded))).ok, true);
  assert.deepEqual(await readCheckoutRequest(req(padded + " ")), {
    ok: false,
    code: "payload_too_large",
  });
});
