/** The checkout's Paddle calls through the real SDK against a stand-in Paddle on 127.0.0.1. */
import assert from "node:assert/strict";
import { createPaddleCheckout, type PaddleCheckoutOptions } from "./paddle_checkout.ts";
import {
  type Behaviour,
  type FakeAddress,
  type FakeCustomer,
  OTHER_CUSTOMER,
  startFakePaddle,
} from "../_shared/paddle_test_server.ts";

const KEY = "pdl_sdbx_apikey_01hv_test";
const CUSTOMER = "ctm_01hv8x0000000000000000000a";
const PRICE = "pri_01hv8p0000000000000000000a";
const USER_ID = "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b";
const EMAIL = "Carol@Example.com";

async function withPaddle(
  script: Behaviour[],
  run: (
    paddle: ReturnType<typeof createPaddleCheckout>,
    seen: ReturnType<typeof startFakePaddle>["seen"],
  ) => Promise<void>,
  options: Partial<PaddleCheckoutOptions> = {},
  customers: FakeCustomer[] = [],
  transactions: Map<string, string> = new Map(),
  addresses: FakeAddress[] = [],
) {
  const fake = startFakePaddle(script, "ok", customers, transactions, CUSTOMER, addresses);
  try {
    const paddle = createPaddleCheckout({
      apiKey: KEY,
      paddleEnv: "sandbox",
      apiUrl: fake.url,
      timeoutMs: 2000,
      retryBaseMs: 20,
      ...options,
    });
    await run(paddle, fake.seen);
  } finally {
    await fake.close();
  }
}

Deno.test("a new customer: POST /customers with the email only, answered as API JSON", async () => {
  await withPaddle([], async (paddle, seen) => {
    const result = await paddle.findOrCreateCustomer(EMAIL);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.source, "created");
    assert.match(String(result.customer.id), /^ctm_[a-z\d]{26}$/);
    assert.equal(result.customer.email, EMAIL);
    assert.equal(result.customer.status, "active");
    assert.ok("updated_at" in result.customer, "snake_case, as apply_paddle_entities takes it");
    assert.equal(seen.length, 1);
    assert.equal(seen[0].method, "POST");
    assert.equal(seen[0].path, "/customers");
    assert.deepEqual(seen[0].body, { email: EMAIL });
    assert.equal(seen[0].authorization, `bearer ${KEY}`);
  });
});

Deno.test("409 customer_already_exists: the one customer listed for that email", async () => {
  const existing = { id: CUSTOMER, email: "carol@example.com" };
  await withPaddle(
    ["409_customer_exists"],
    async (paddle, seen) => {
      const result = await paddle.findOrCreateCustomer(EMAIL);
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.source, "existing");
      assert.equal(result.customer.id, CUSTOMER);
      assert.equal(result.attempts, 2);
      assert.equal(result.transactionIds.length, 2);
      assert.deepEqual(seen.map((s) => `${s.method} ${s.path}`), [
        "POST /customers",
        "GET /customers",
      ]);
      assert.equal(new URLSearchParams(seen[1].query).get("email"), EMAIL);
    },
    {},
    [existing],
  );
});

Deno.test("409 but nothing listed for the email: paddle_unavailable, never someone else's", async () => {
  await withPaddle(
    ["409_customer_exists"],
    async (paddle) => {
      const result = await paddle.findOrCreateCustomer(EMAIL);
      assert.ok(!result.ok);
      assert.equal(result.code, "paddle_unavailable");
      assert.equal(result.paddleErrorCode, "customer_not_listed");
    },
    {},
    [{ id: OTHER_CUSTOMER, email: "mallory@example.com" }],
  );
});

Deno.test("customer create: one retry on 5xx, 429 passed on, 403 is our key", async () => {
  await withPaddle(["500"], async (paddle, seen) => {
    const result = await paddle.findOrCreateCustomer(EMAIL);
    assert.ok(result.ok);
    assert.equal(result.attempts, 2);
    assert.equal(seen.length, 2);
  });
  await withPaddle(["429"], async (paddle, seen) => {
    const result = await paddle.findOrCreateCustomer(EMAIL);
    assert.ok(!result.ok);
    assert.equal(result.code, "rate_limited");
    assert.equal(result.retryAfterSeconds, 17);
    assert.equal(seen.length, 1);
  });
  await withPaddle(["403"], async (paddle) => {
    const result = await paddle.findOrCreateCustomer(EMAIL);
    assert.ok(!result.ok);
    assert.equal(result.code, "misconfigured");
  });
});

Deno.test("transaction: a plan and its add-ons in one transaction, in order", async () => {
  const ADDON = "pri_01hv8p0000000000000000000b";
  await withPaddle([], async (paddle, seen) => {
    const result = await paddle.createTransaction({
      customerId: CUSTOMER,
      items: [{ priceId: PRICE, quantity: 1 }, { priceId: ADDON, quantity: 4 }],
      userId: USER_ID,
    });
    assert.ok(result.ok, JSON.stringify(result));
    assert.match(result.transactionId, /^txn_[a-z\d]{26}$/);
    assert.ok(result.url.endsWith(`_ptxn=${result.transactionId}`));
    assert.deepEqual((seen[0].body as { items: unknown }).items, [
      { price_id: PRICE, quantity: 1 },
      { price_id: ADDON, quantity: 4 },
    ]);
  });
});

const TXN = "txn_01hv0000000000000000000001";

Deno.test("cancel: PATCH /transactions/{id} with the status alone", async () => {
  const held = new Map([[TXN, "ready"]]);
  await withPaddle(
    [],
    async (paddle, seen) => {
      const result = await paddle.cancelTransaction({ transactionId: TXN, customerId: CUSTOMER });
      assert.deepEqual(result.ok && result.outcome, "canceled");
      assert.deepEqual(seen.map((r) => `${r.method} ${r.path}`), [`PATCH /transactions/${TXN}`]);
      assert.deepEqual(seen[0].body, { status: "canceled" });
    },
    {},
    [],
    held,
  );
});

Deno.test("cancel refused as no longer cancelable: canceled already is fine, paid is reported", async () => {
  for (const [status, outcome] of [["canceled", "canceled"], ["completed", "paid"]]) {
    await withPaddle(
      ["400_status_change"],
      async (paddle, seen) => {
        const result = await paddle.cancelTransaction({ transactionId: TXN, customerId: CUSTOMER });
        assert.ok(result.ok, JSON.stringify(result));
        assert.equal(result.outcome, outcome);
        assert.equal(result.attempts, 2);
        assert.deepEqual(seen.map((r) => `${r.method} ${r.path}`), [
          `PATCH /transactions/${TXN}`,
          `GET /transactions/${TXN}`,
        ]);
      },
      {},
      [],
      new Map([[TXN, status]]),
    );
  }
});

Deno.test("cancel: another refusal is Paddle's failure; another customer's answer is never trusted", async () => {
  await withPaddle(["404"], async (paddle) => {
    const result = await paddle.cancelTransaction({ transactionId: TXN, customerId: CUSTOMER });
    assert.ok(!result.ok);
    assert.equal(result.paddleErrorCode, "not_found");
  });
  await withPaddle(["ok_other_customer"], async (paddle) => {
    const result = await paddle.cancelTransaction({ transactionId: TXN, customerId: CUSTOMER });
    assert.ok(!result.ok);
    assert.equal(result.paddleErrorCode, "bad_response");
  });
});

Deno.test("transaction: items, customer, custom_data.user_id, automatic, the checkout URL", async () => {
  await withPaddle([], async (paddle, seen) => {
    const result = await paddle.createTransaction({
      customerId: CUSTOMER,
      items: [{ priceId: PRICE, quantity: 3 }],
      userId: USER_ID,
    });
    assert.ok(result.ok, JSON.stringify(result));
    assert.match(
      result.url,
      /^https:\/\/app\.example\.com\/checkout\.html\?_ptxn=txn_[a-z\d]{26}$/,
    );
    assert.equal(seen[0].path, "/transactions");
    assert.deepEqual(seen[0].body, {
      items: [{ price_id: PRICE, quantity: 3 }],
      customer_id: CUSTOMER,
      custom_data: { user_id: USER_ID },
      collection_mode: "automatic",
      checkout: { url: "https://app.example.com/checkout.html" },
    });
  }, { checkoutUrl: "https://app.example.com/checkout.html" });
});

Deno.test("transaction without PADDLE_CHECKOUT_URL sends no checkout (Paddle's default link)", async () => {
  await withPaddle([], async (paddle, seen) => {
    const result = await paddle.createTransaction({
      customerId: CUSTOMER,
      items: [{ priceId: PRICE, quantity: 1 }],
      userId: USER_ID,
    });
    assert.ok(result.ok);
    assert.equal((seen[0].body as Record<string, unknown>).checkout, undefined);
  });
});

Deno.test("a transaction for another customer is never returned", async () => {
  await withPaddle(["ok_other_customer"], async (paddle) => {
    const result = await paddle.createTransaction({
      customerId: CUSTOMER,
      items: [{ priceId: PRICE, quantity: 1 }],
      userId: USER_ID,
    });
    assert.ok(!result.ok);
    assert.equal(result.code, "paddle_unavailable");
    assert.equal(result.paddleErrorCode, "bad_response");
  });
});

Deno.test("transaction: 502 HTML twice is paddle_unavailable after one retry; a slow Paddle times out", async () => {
  const input = { customerId: CUSTOMER, items: [{ priceId: PRICE, quantity: 1 }], userId: USER_ID };
  await withPaddle(["502_html", "502_html"], async (paddle, seen) => {
    const result = await paddle.createTransaction(input);
    assert.ok(!result.ok);
    assert.equal(result.code, "paddle_unavailable");
    assert.equal(result.attempts, 2);
    assert.equal(seen.length, 2);
  });
  await withPaddle([{ slowMs: 3000 }], async (paddle) => {
    const result = await paddle.createTransaction(input);
    assert.ok(!result.ok);
    assert.equal(result.code, "paddle_timeout");
  }, { timeoutMs: 200 });
});

const address = (
  n: number,
  countryCode: string,
  extra: Partial<FakeAddress> = {},
): FakeAddress => ({
  id: `add_01hv8a00000000000000000${String(n).padStart(3, "0")}`,
  customerId: CUSTOMER,
  countryCode,
  status: "active",
  ...extra,
});

Deno.test("address: the customer's active address in the country is reused; one GET, nothing written", async () => {
  const addresses = [
    address(1, "DE", { status: "archived" }),
    address(2, "US"),
    address(3, "DE"),
  ];
  await withPaddle(
    [],
    async (paddle, seen) => {
      const result = await paddle.addressInCountry({ customerId: CUSTOMER, country: "DE" });
      assert.deepEqual(result.ok && [result.addressId, result.source], [
        addresses[2].id,
        "existing",
      ]);
      assert.deepEqual(seen.map((r) => `${r.method} ${r.path}`), [
        `GET /customers/${CUSTOMER}/addresses`,
      ]);
      const query = new URLSearchParams(seen[0].query);
      assert.equal(query.get("status"), "active");
      assert.equal(query.get("per_page"), "200");
    },
    {},
    [],
    new Map(),
    addresses,
  );
});

Deno.test("address: none in the country: POST /customers/{id}/addresses with the country only", async () => {
  await withPaddle(
    [],
    async (paddle, seen) => {
      const result = await paddle.addressInCountry({ customerId: CUSTOMER, country: "GB" });
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.source, "created");
      assert.match(result.addressId, /^add_[a-z\d]{26}$/);
      assert.equal(result.attempts, 2);
      assert.deepEqual(seen.map((r) => `${r.method} ${r.path}`), [
        `GET /customers/${CUSTOMER}/addresses`,
        `POST /customers/${CUSTOMER}/addresses`,
      ]);
      assert.deepEqual(seen[1].body, { country_code: "GB" });
    },
    {},
    [],
    new Map(),
    [address(1, "DE")],
  );
});

Deno.test("address: another customer's address in Paddle's answer is bad_response, never used", async () => {
  await withPaddle(
    ["ok_other_customer"],
    async (paddle) => {
      const result = await paddle.addressInCountry({ customerId: CUSTOMER, country: "DE" });
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.paddleErrorCode, "bad_response");
    },
    {},
    [],
    new Map(),
    [address(1, "DE")],
  );
  await withPaddle(["ok", "ok_other_customer"], async (paddle, seen) => {
    const result = await paddle.addressInCountry({ customerId: CUSTOMER, country: "DE" });
    assert.equal(!result.ok && result.paddleErrorCode, "bad_response");
    assert.equal(seen.length, 2);
  });
});

Deno.test("address: Paddle refuses one with the country alone (a postal code wanted): none, priced as without", async () => {
  await withPaddle(["ok", "400"], async (paddle, seen) => {
    const result = await paddle.addressInCountry({ customerId: CUSTOMER, country: "US" });
    assert.deepEqual(
      result.ok && [result.addressId, result.source, result.attempts],
      [null, "refused", 2],
    );
    assert.deepEqual(seen[1].body, { country_code: "US" });
  });
});

Deno.test("address: Paddle's failure is passed on with its attempts", async () => {
  await withPaddle(["403"], async (paddle) => {
    const result = await paddle.addressInCountry({ customerId: CUSTOMER, country: "DE" });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, "misconfigured");
    assert.equal(result.attempts, 1);
  });
});

Deno.test("a transaction with an address: address_id in the body", async () => {
  await withPaddle([], async (paddle, seen) => {
    const addressId = address(1, "DE").id;
    const result = await paddle.createTransaction({
      customerId: CUSTOMER,
      items: [{ priceId: PRICE, quantity: 1 }],
      userId: USER_ID,
      addressId,
    });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal((seen[0].body as Record<string, unknown>).address_id, addressId);
  });
});
