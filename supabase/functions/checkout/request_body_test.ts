import assert from "node:assert/strict";
import { MAX_BODY_BYTES, parseCheckoutRequest, readCheckoutRequest } from "./request_body.ts";

const PRICE = "pri_01hv8p0000000000000000000a";
const req = (body?: string) => new Request("http://x/", { method: "POST", body });

Deno.test("a price, with the quantity defaulting to 1", () => {
  assert.deepEqual(parseCheckoutRequest({ priceId: PRICE }), {
    ok: true,
    value: { priceId: PRICE, quantity: 1, addons: [] },
  });
  assert.deepEqual(parseCheckoutRequest({ quantity: 10_000, priceId: PRICE }), {
    ok: true,
    value: { priceId: PRICE, quantity: 10_000, addons: [] },
  });
});

const ADDON = "pri_01hv8p0000000000000000000b";

Deno.test("add-ons: each a price with a quantity defaulting to 1, in the order given", () => {
  assert.deepEqual(
    parseCheckoutRequest({
      priceId: PRICE,
      addons: [{ priceId: ADDON, quantity: 3 }, { priceId: PRICE }],
    }),
    {
      ok: true,
      value: {
        priceId: PRICE,
        quantity: 1,
        addons: [{ priceId: ADDON, quantity: 3 }, { priceId: PRICE, quantity: 1 }],
      },
    },
  );
  assert.deepEqual(parseCheckoutRequest({ priceId: PRICE, addons: [] }), {
    ok: true,
    value: { priceId: PRICE, quantity: 1, addons: [] },
  });
});

Deno.test("add-ons: a malformed list is invalid_request, a bad add-on quantity invalid_quantity", () => {
  for (
    const addons of [
      null,
      {},
      [ADDON],
      [{}],
      [{ priceId: ADDON, customerId: "ctm_01hv8x0000000000000000000a" }],
      [{ price_id: ADDON }],
      Array.from({ length: 21 }, () => ({ priceId: ADDON })),
    ]
  ) {
    assert.deepEqual(
      parseCheckoutRequest({ priceId: PRICE, addons }),
      { ok: false, code: "invalid_request" },
      JSON.stringify(addons),
    );
  }
  for (const quantity of [0, 10_001, "2", null]) {
    assert.deepEqual(
      parseCheckoutRequest({ priceId: PRICE, addons: [{ priceId: ADDON, quantity }] }),
      { ok: false, code: "invalid_quantity" },
    );
  }
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

Deno.test("country: a country Paddle sells to, in capitals, kept; absent stays absent", () => {
  assert.deepEqual(parseCheckoutRequest({ priceId: PRICE, country: "DE" }), {
    ok: true,
    value: { priceId: PRICE, quantity: 1, addons: [], country: "DE" },
  });
  const without = parseCheckoutRequest({ priceId: PRICE });
  assert.equal(without.ok && "country" in without.value, false);
});

Deno.test("country: anything but a country Paddle sells to is invalid_request", () => {
  for (const country of ["de", "DEU", "ZZ", "RU", "", " DE", 49, null, ["DE"], { code: "DE" }]) {
    assert.deepEqual(
      parseCheckoutRequest({ priceId: PRICE, country }),
      { ok: false, code: "invalid_request" },
      JSON.stringify(country),
    );
  }
});
