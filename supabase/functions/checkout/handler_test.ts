import assert from "node:assert/strict";
import { type CheckoutDeps, createHandler, MAX_WAIT_MS } from "./handler.ts";
import type { PrepareInput, PrepareResult } from "./checkout_prepare.ts";
import type { LinkResult } from "./link_customer.ts";
import type { ClaimResult, SettleInput, SettleResult } from "./open_checkout.ts";
import type {
  AddressResult,
  CancelResult,
  CustomerResult,
  TransactionInput,
  TransactionResult,
} from "./paddle_checkout.ts";
import type { TokenVerification } from "../_shared/verify_user_token.ts";
import { expectError as expectErrorBody } from "../_shared/handler_test_support.ts";

const TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl";
const USER_ID = "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b";
const CUSTOMER = "ctm_01hv8x0000000000000000000a";
const NEW_CUSTOMER = "ctm_01hv8x0000000000000000000n";
const EARLIER = "ctm_01hv8x0000000000000000000e";
const PRICE = "pri_01hv8p0000000000000000000a";
const EMAIL = "carol@example.com";
const ADDON = "pri_01hv8p0000000000000000000b";
const TXN = "txn_01hv0000000000000000000001";
const OLD_TXN = "txn_01hv0000000000000000000000";
const CHECKOUT = `https://app.example.com/checkout.html?_ptxn=${TXN}`;
const CLAIM = "0b0c4c8e-0000-4000-8000-000000000001";
const ITEMS = [{ priceId: PRICE, quantity: 1 }];
const KEY = `${PRICE}*1`;
const ADDRESS = "add_01hv8a0000000000000000000d";
const CREATE = { action: "create", claim: CLAIM, cancelTransactionId: null } as const;

const READY_LINKED: PrepareResult = {
  ok: true,
  outcome: "ready",
  buyer: { customerId: CUSTOMER },
  mint: { taken: true },
  items: ITEMS,
  itemsKey: KEY,
  checkout: CREATE,
};
const READY_NEW: PrepareResult = { ...READY_LINKED, buyer: { email: EMAIL } };
const readyWith = (checkout: NonNullable<typeof READY_LINKED.checkout>): PrepareResult => ({
  ...READY_LINKED,
  checkout,
});

const attempt = { transactionIds: ["00000000-0000-4000-8000-000000000001"], attempts: 1 };

function setup(overrides: Partial<CheckoutDeps> = {}) {
  const calls = {
    verify: [] as string[],
    prepare: [] as PrepareInput[],
    customer: [] as string[],
    link: [] as { userId: string; customer: unknown }[],
    address: [] as { customerId: string; country: string }[],
    transaction: [] as TransactionInput[],
    cancel: [] as { transactionId: string; customerId: string }[],
    claim: [] as { token: string; itemsKey: string }[],
    settle: [] as SettleInput[],
    sleep: [] as number[],
  };
  const lines: string[] = [];
  let ids = 0;
  const base: CheckoutDeps = {
    config: { allowedOrigins: "*" },
    verifyToken: (t) => {
      const r: TokenVerification = t === TOKEN
        ? { ok: true, userId: USER_ID }
        : { ok: false, reason: "bad_signature" };
      return Promise.resolve(r);
    },
    prepareCheckout: () => Promise.resolve(READY_LINKED),
    findOrCreateCustomer: (email) =>
      Promise.resolve<CustomerResult>({
        ok: true,
        source: "created",
        customer: { id: NEW_CUSTOMER, email },
        ...attempt,
      }),
    linkCustomer: ({ customer }) =>
      Promise.resolve<LinkResult>({
        ok: true,
        outcome: "linked",
        customerId: String(customer.id),
      }),
    addressInCountry: () =>
      Promise.resolve<AddressResult>({
        ok: true,
        addressId: ADDRESS,
        source: "existing",
        ...attempt,
      }),
    createTransaction: () =>
      Promise.resolve<TransactionResult>({
        ok: true,
        transactionId: TXN,
        url: CHECKOUT,
        ...attempt,
      }),
    cancelTransaction: () =>
      Promise.resolve<CancelResult>({ ok: true, outcome: "canceled", ...attempt }),
    claimCheckout: () => Promise.resolve<ClaimResult>({ ok: true, checkout: CREATE }),
    settleCheckout: () => Promise.resolve<SettleResult>({ ok: true, outcome: "settled" }),
    sleep: () => Promise.resolve(),
    log: (line) => lines.push(line),
    now: () => 1000,
    requestId: () => `req-${++ids}`,
  };
  const m = { ...base, ...overrides };
  const deps: CheckoutDeps = {
    ...m,
    verifyToken: (t) => (calls.verify.push(t), m.verifyToken(t)),
    prepareCheckout: (i) => (calls.prepare.push(i), m.prepareCheckout(i)),
    findOrCreateCustomer: (e) => (calls.customer.push(e), m.findOrCreateCustomer(e)),
    linkCustomer: (i) => (calls.link.push(i), m.linkCustomer(i)),
    addressInCountry: (i) => (calls.address.push(i), m.addressInCountry(i)),
    createTransaction: (i) => (calls.transaction.push(i), m.createTransaction(i)),
    cancelTransaction: (i) => (calls.cancel.push(i), m.cancelTransaction(i)),
    claimCheckout: (i) => (calls.claim.push(i), m.claimCheckout(i)),
    settleCheckout: (i) => (calls.settle.push(i), m.settleCheckout(i)),
    sleep: (ms) => (calls.sleep.push(ms), m.sleep(ms)),
  };
  const paddleCalls = () =>
    calls.customer.length + calls.address.length + calls.transaction.length + calls.cancel.length;
  return { handler: createHandler(deps), calls, lines, paddleCalls };
}

function post(body?: unknown, headers: Record<string, string> = {}): Request {
  return new Request("http://localhost/functions/v1/checkout", {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function expectError(res: Response, status: number, code: string) {
  await expectErrorBody(res, status, code);
  assert.equal(res.headers.get("cache-control"), "no-store");
}

Deno.test("200: a linked buyer gets the checkout URL and nothing else; one Paddle call, then settled", async () => {
  const { handler, calls, lines } = setup();
  const res = await handler(post({ priceId: PRICE }));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { url: CHECKOUT });
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  assert.deepEqual(calls.prepare, [
    { token: TOKEN, userId: USER_ID, priceId: PRICE, quantity: 1, addons: [] },
  ]);
  assert.deepEqual(calls.customer, []);
  assert.deepEqual(calls.link, []);
  assert.deepEqual(calls.cancel, []);
  assert.deepEqual(calls.address, [], "no country, no address");
  assert.deepEqual(calls.transaction, [{ customerId: CUSTOMER, items: ITEMS, userId: USER_ID }]);
  assert.deepEqual(calls.settle, [{
    userId: USER_ID,
    claim: CLAIM,
    opened: { transactionId: TXN, url: CHECKOUT },
    previousCanceled: false,
  }]);
  assert.equal(JSON.parse(lines[0]).open_checkout, "created");
});

Deno.test("the quantity and add-ons reach the RPC; the transaction gets the items the RPC checked", async () => {
  const items = [{ priceId: PRICE, quantity: 3 }, { priceId: ADDON, quantity: 2 }];
  const { handler, calls } = setup({
    prepareCheckout: () => Promise.resolve({ ...READY_LINKED, items }),
  });
  const body = { priceId: PRICE, quantity: 3, addons: [{ priceId: ADDON, quantity: 2 }] };
  assert.equal((await handler(post(body))).status, 200);
  assert.equal(calls.prepare[0].quantity, 3);
  assert.deepEqual(calls.prepare[0].addons, [{ priceId: ADDON, quantity: 2 }]);
  assert.deepEqual(calls.transaction[0].items, items);
});

Deno.test("country: reaches the RPC (the open checkout's key), then an address on the caller's own customer prices the transaction", async () => {
  const { handler, calls, lines, paddleCalls } = setup();
  const res = await handler(post({ priceId: PRICE, country: "DE" }));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { url: CHECKOUT });
  assert.deepEqual(calls.prepare, [
    { token: TOKEN, userId: USER_ID, priceId: PRICE, quantity: 1, addons: [], country: "DE" },
  ]);
  assert.deepEqual(calls.address, [{ customerId: CUSTOMER, country: "DE" }]);
  assert.deepEqual(calls.transaction, [
    { customerId: CUSTOMER, items: ITEMS, userId: USER_ID, addressId: ADDRESS },
  ]);
  assert.equal(paddleCalls(), 2, "one Paddle step more than without a country");
  const line = JSON.parse(lines[0]);
  assert.equal(line.country, "DE");
  assert.equal(line.address_source, "existing");
});

Deno.test("country for a new buyer: the address goes on the customer just linked, never one the body names", async () => {
  const order: string[] = [];
  const { handler, calls } = setup({
    prepareCheckout: () => Promise.resolve(READY_NEW),
    linkCustomer: (
      { customer },
    ) => (order.push("link"),
      Promise.resolve<LinkResult>({
        ok: true,
        outcome: "linked",
        customerId: String(customer.id),
      })),
    addressInCountry: () => (order.push("address"),
      Promise.resolve<AddressResult>({
        ok: true,
        addressId: ADDRESS,
        source: "created",
        ...attempt,
      })),
  });
  assert.equal((await handler(post({ priceId: PRICE, country: "GB" }))).status, 200);
  assert.deepEqual(order, ["link", "address"]);
  assert.deepEqual(calls.address, [{ customerId: NEW_CUSTOMER, country: "GB" }]);
  assert.equal(calls.transaction[0].addressId, ADDRESS);
  assert.equal(calls.transaction[0].customerId, NEW_CUSTOMER);
});

Deno.test("country Paddle will not take an address for without a postal code: the transaction without one", async () => {
  const { handler, calls, lines } = setup({
    addressInCountry: () =>
      Promise.resolve<AddressResult>({ ok: true, addressId: null, source: "refused", ...attempt }),
  });
  assert.equal((await handler(post({ priceId: PRICE, country: "US" }))).status, 200);
  assert.deepEqual(calls.transaction, [{ customerId: CUSTOMER, items: ITEMS, userId: USER_ID }]);
  assert.equal(JSON.parse(lines[0]).address_source, "refused");
});

Deno.test("400 invalid_request: a country Paddle does not sell to, or not a code; no RPC, no Paddle call", async () => {
  for (const country of ["de", "ZZ", "DEU", 1, null]) {
    const { handler, calls, paddleCalls } = setup();
    await expectError(await handler(post({ priceId: PRICE, country })), 400, "invalid_request");
    assert.deepEqual(calls.prepare, []);
    assert.equal(paddleCalls(), 0);
  }
});

Deno.test("the address fails: Paddle's failure, the open transaction is neither canceled nor replaced, the claim released", async () => {
  const { handler, calls } = setup({
    prepareCheckout: () =>
      Promise.resolve(readyWith({ action: "create", claim: CLAIM, cancelTransactionId: OLD_TXN })),
    addressInCountry: () =>
      Promise.resolve<AddressResult>({
        ok: false,
        code: "paddle_unavailable",
        paddleErrorCode: "internal_error",
        ...attempt,
      }),
  });
  await expectError(
    await handler(post({ priceId: PRICE, country: "DE" })),
    502,
    "paddle_unavailable",
  );
  assert.deepEqual(calls.cancel, []);
  assert.deepEqual(calls.transaction, []);
  assert.deepEqual(calls.settle, [{
    userId: USER_ID,
    claim: CLAIM,
    opened: undefined,
    previousCanceled: false,
  }]);
});

Deno.test("the same items open: the same URL again, no Paddle call, nothing settled", async () => {
  const { handler, calls, paddleCalls, lines } = setup({
    prepareCheckout: () =>
      Promise.resolve(readyWith({ action: "reuse", transactionId: TXN, url: CHECKOUT })),
  });
  const res = await handler(post({ priceId: PRICE }));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { url: CHECKOUT });
  assert.equal(paddleCalls(), 0);
  assert.deepEqual(calls.settle, []);
  assert.equal(JSON.parse(lines[0]).open_checkout, "reused");
});

Deno.test("another request holds the claim: wait, ask again with the items key, then its URL", async () => {
  const answers: ClaimResult[] = [
    { ok: true, checkout: { action: "wait", retryAfterMs: 300 } },
    { ok: true, checkout: { action: "reuse", transactionId: TXN, url: CHECKOUT } },
  ];
  const { handler, calls, paddleCalls } = setup({
    prepareCheckout: () => Promise.resolve(readyWith({ action: "wait", retryAfterMs: 200 })),
    claimCheckout: () => Promise.resolve(answers.shift()!),
  });
  const res = await handler(post({ priceId: PRICE }));
  assert.deepEqual(await res.json(), { url: CHECKOUT });
  assert.deepEqual(calls.sleep, [200, 300]);
  assert.deepEqual(calls.claim, [{ token: TOKEN, itemsKey: KEY }, { token: TOKEN, itemsKey: KEY }]);
  assert.equal(paddleCalls(), 0);
});

Deno.test("409 checkout_in_progress with Retry-After after waiting MAX_WAIT_MS; no Paddle call", async () => {
  const wait = { action: "wait", retryAfterMs: 1000 } as const;
  const { handler, calls, paddleCalls } = setup({
    prepareCheckout: () => Promise.resolve(readyWith(wait)),
    claimCheckout: () => Promise.resolve({ ok: true, checkout: wait }),
  });
  const res = await handler(post({ priceId: PRICE }));
  await expectError(res, 409, "checkout_in_progress");
  assert.equal(res.headers.get("retry-after"), "1");
  assert.equal(calls.sleep.reduce((a, b) => a + b, 0), MAX_WAIT_MS);
  assert.equal(paddleCalls(), 0);
  assert.deepEqual(calls.settle, []);
});

Deno.test("other items open: the open transaction is canceled before the new one is created", async () => {
  const order: string[] = [];
  const { handler, calls, lines } = setup({
    prepareCheckout: () =>
      Promise.resolve(readyWith({ action: "create", claim: CLAIM, cancelTransactionId: OLD_TXN })),
    cancelTransaction:
      () => (order.push("cancel"),
        Promise.resolve<CancelResult>({ ok: true, outcome: "canceled", ...attempt })),
    createTransaction: () => (order.push("create"),
      Promise.resolve<TransactionResult>({
        ok: true,
        transactionId: TXN,
        url: CHECKOUT,
        ...attempt,
      })),
  });
  assert.equal((await handler(post({ priceId: PRICE }))).status, 200);
  assert.deepEqual(order, ["cancel", "create"]);
  assert.deepEqual(calls.cancel, [{ transactionId: OLD_TXN, customerId: CUSTOMER }]);
  assert.deepEqual(calls.settle, [{
    userId: USER_ID,
    claim: CLAIM,
    opened: { transactionId: TXN, url: CHECKOUT },
    previousCanceled: true,
  }]);
  assert.equal(JSON.parse(lines[0]).open_checkout, "replaced");
});

Deno.test("409 already_subscribed when the open transaction was paid meanwhile; nothing created", async () => {
  const { handler, calls } = setup({
    prepareCheckout: () =>
      Promise.resolve(readyWith({ action: "create", claim: CLAIM, cancelTransactionId: OLD_TXN })),
    cancelTransaction: () => Promise.resolve({ ok: true, outcome: "paid", ...attempt }),
  });
  await expectError(await handler(post({ priceId: PRICE })), 409, "already_subscribed");
  assert.equal(calls.transaction.length, 0);
  assert.deepEqual(calls.settle, [{
    userId: USER_ID,
    claim: CLAIM,
    opened: undefined,
    previousCanceled: true,
  }]);
});

Deno.test("a cancel Paddle refuses: its error, the open transaction kept, nothing created", async () => {
  const { handler, calls } = setup({
    prepareCheckout: () =>
      Promise.resolve(readyWith({ action: "create", claim: CLAIM, cancelTransactionId: OLD_TXN })),
    cancelTransaction: () => Promise.resolve({ ok: false, code: "paddle_timeout", ...attempt }),
  });
  await expectError(await handler(post({ priceId: PRICE })), 504, "paddle_timeout");
  assert.equal(calls.transaction.length, 0);
  assert.deepEqual(calls.settle.map((s) => [s.opened, s.previousCanceled]), [[undefined, false]]);
});

Deno.test("a claim lost meanwhile: the new transaction is canceled again, 409 checkout_in_progress", async () => {
  const { handler, calls, lines } = setup({
    settleCheckout: () => Promise.resolve({ ok: true, outcome: "lost" }),
  });
  const res = await handler(post({ priceId: PRICE }));
  await expectError(res, 409, "checkout_in_progress");
  assert.deepEqual(calls.cancel, [{ transactionId: TXN, customerId: CUSTOMER }]);
  assert.equal(JSON.parse(lines[0]).open_checkout, "lost");
});

Deno.test("a settle that fails: the untracked transaction is canceled, the database's code", async () => {
  const { handler, calls } = setup({
    settleCheckout: () =>
      Promise.resolve({ ok: false, code: "database_unavailable", dbErrorCode: "57014" }),
  });
  await expectError(await handler(post({ priceId: PRICE })), 503, "database_unavailable");
  assert.deepEqual(calls.cancel, [{ transactionId: TXN, customerId: CUSTOMER }]);
});

Deno.test("first purchase: customer from the confirmed email, linked, then the transaction for it", async () => {
  const order: string[] = [];
  const { handler, calls } = setup({
    prepareCheckout: () => Promise.resolve(READY_NEW),
    findOrCreateCustomer: (email) => (order.push("customer"),
      Promise.resolve({
        ok: true,
        source: "created",
        customer: { id: NEW_CUSTOMER, email },
        ...attempt,
      })),
    linkCustomer: () => (order.push("link"),
      Promise.resolve({
        ok: true,
        outcome: "linked",
        customerId: NEW_CUSTOMER,
      })),
    createTransaction:
      () => (order.push("transaction"),
        Promise.resolve({ ok: true, transactionId: TXN, url: CHECKOUT, ...attempt })),
  });
  const res = await handler(post({ priceId: PRICE }));
  assert.equal(res.status, 200);
  assert.deepEqual(order, ["customer", "link", "transaction"]);
  assert.deepEqual(calls.customer, [EMAIL]);
  assert.deepEqual(calls.link, [{ userId: USER_ID, customer: { id: NEW_CUSTOMER, email: EMAIL } }]);
  assert.equal(calls.transaction[0].customerId, NEW_CUSTOMER);
});

Deno.test("a buyer linked meanwhile keeps that customer: the transaction is for the linked one", async () => {
  const { handler, calls } = setup({
    prepareCheckout: () => Promise.resolve(READY_NEW),
    linkCustomer: () => Promise.resolve({ ok: true, outcome: "linked", customerId: EARLIER }),
  });
  assert.equal((await handler(post({ priceId: PRICE }))).status, 200);
  assert.equal(calls.transaction[0].customerId, EARLIER);
});

Deno.test("409 customer_conflict when the link is refused; no transaction", async () => {
  const { handler, calls } = setup({
    prepareCheckout: () => Promise.resolve(READY_NEW),
    linkCustomer: () => Promise.resolve({ ok: true, outcome: "conflict" }),
  });
  await expectError(await handler(post({ priceId: PRICE })), 409, "customer_conflict");
  assert.equal(calls.transaction.length, 0);
  // The claim is given back at once, not left to its lease.
  assert.deepEqual(calls.settle.map((s) => [s.opened, s.previousCanceled]), [[undefined, false]]);
});

for (
  const [outcome, status] of [
    ["price_not_found", 404],
    ["invalid_items", 400],
    ["invalid_quantity", 400],
    ["already_subscribed", 409],
    ["email_not_confirmed", 403],
    ["customer_conflict", 409],
  ] as const
) {
  Deno.test(`${status} ${outcome} from the RPC: no Paddle call, no link`, async () => {
    const { handler, calls, paddleCalls } = setup({
      prepareCheckout: () => Promise.resolve({ ok: true, outcome }),
    });
    await expectError(await handler(post({ priceId: PRICE })), status, outcome);
    assert.equal(paddleCalls(), 0);
    assert.equal(calls.link.length, 0);
  });
}

Deno.test("429 too_many_requests over the mint limit with Retry-After; no Paddle call", async () => {
  const { handler, paddleCalls, lines } = setup({
    prepareCheckout: () =>
      Promise.resolve({
        ok: true,
        outcome: "ready",
        buyer: { email: EMAIL },
        mint: { taken: false, retryAfterSeconds: 42 },
        items: ITEMS,
        itemsKey: KEY,
      }),
  });
  const res = await handler(post({ priceId: PRICE }));
  await expectError(res, 429, "too_many_requests");
  assert.equal(res.headers.get("retry-after"), "42");
  assert.equal(paddleCalls(), 0);
  assert.equal(JSON.parse(lines[0]).mint_retry_after_seconds, 42);
});

for (
  const [name, body, code] of [
    ["an empty body", undefined, "invalid_request"],
    ["{}", {}, "invalid_request"],
    ["malformed JSON", "{", "invalid_request"],
    ["an array", [PRICE], "invalid_request"],
    ["a malformed price id", { priceId: "pri_123" }, "invalid_request"],
    ["an uppercase price id", { priceId: PRICE.toUpperCase() }, "invalid_request"],
    ["a customerId", { priceId: PRICE, customerId: CUSTOMER }, "invalid_request"],
    ["an email", { priceId: PRICE, email: "mallory@example.com" }, "invalid_request"],
    ["a userId", { priceId: PRICE, userId: USER_ID }, "invalid_request"],
    ["customData", { priceId: PRICE, customData: { user_id: USER_ID } }, "invalid_request"],
    ["quantity 0", { priceId: PRICE, quantity: 0 }, "invalid_quantity"],
    ["quantity 1.5", { priceId: PRICE, quantity: 1.5 }, "invalid_quantity"],
    ["quantity 10001", { priceId: PRICE, quantity: 10001 }, "invalid_quantity"],
    ["quantity as a string", { priceId: PRICE, quantity: "2" }, "invalid_quantity"],
  ] as const
) {
  Deno.test(`400 ${code} for ${name}: no RPC, no Paddle call`, async () => {
    const { handler, calls, paddleCalls } = setup();
    await expectError(await handler(post(body)), 400, code);
    assert.equal(calls.prepare.length, 0);
    assert.equal(paddleCalls(), 0);
  });
}

Deno.test("401 before the body is read; nothing else runs", async () => {
  for (const headers of [{ authorization: "" }, { authorization: "Bearer nope" }]) {
    const { handler, calls, paddleCalls } = setup();
    await expectError(await handler(post({ nonsense: true }, headers)), 401, "not_authenticated");
    assert.equal(calls.prepare.length, 0);
    assert.equal(paddleCalls(), 0);
  }
});

Deno.test("405 for GET, 413 by Content-Length before verification, 204 preflight", async () => {
  const { handler, calls } = setup();
  const get = await handler(new Request("http://localhost/functions/v1/checkout"));
  await expectError(get, 405, "method_not_allowed");
  assert.equal(get.headers.get("allow"), "POST, OPTIONS");
  await expectError(
    await handler(post({ priceId: PRICE }, { "content-length": "100000" })),
    413,
    "payload_too_large",
  );
  const pre = await handler(
    new Request("http://localhost/functions/v1/checkout", { method: "OPTIONS" }),
  );
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), "*");
  assert.equal(calls.verify.length, 0);
});

Deno.test("500 misconfigured when configuration failed at start", async () => {
  const { handler, calls } = setup({ startupError: "bad" });
  await expectError(await handler(post({ priceId: PRICE })), 500, "misconfigured");
  assert.equal(calls.verify.length, 0);
});

Deno.test("database failures map to their codes, before any Paddle call", async () => {
  for (const code of ["database_unavailable", "not_authenticated", "misconfigured"] as const) {
    const { handler, paddleCalls } = setup({
      prepareCheckout: () => Promise.resolve({ ok: false, code, dbErrorCode: "X" }),
    });
    const status = { database_unavailable: 503, not_authenticated: 401, misconfigured: 500 }[code];
    await expectError(await handler(post({ priceId: PRICE })), status, code);
    assert.equal(paddleCalls(), 0);
  }
});

Deno.test("a failed link write is database_unavailable; no transaction", async () => {
  const { handler, calls } = setup({
    prepareCheckout: () => Promise.resolve(READY_NEW),
    linkCustomer: () =>
      Promise.resolve({ ok: false, code: "database_unavailable", dbErrorCode: "57014" }),
  });
  await expectError(await handler(post({ priceId: PRICE })), 503, "database_unavailable");
  assert.equal(calls.transaction.length, 0);
});

for (
  const [code, status] of [
    ["paddle_unavailable", 502],
    ["paddle_timeout", 504],
    ["rate_limited", 503],
    ["misconfigured", 500],
  ] as const
) {
  Deno.test(`Paddle ${code} → ${status}, at the customer step (no link) and at the transaction`, async () => {
    const failure = {
      ok: false as const,
      code,
      retryAfterSeconds: 17,
      paddleErrorCode: "x",
      ...attempt,
    };
    const atCustomer = setup({
      prepareCheckout: () => Promise.resolve(READY_NEW),
      findOrCreateCustomer: () => Promise.resolve(failure),
    });
    const res = await atCustomer.handler(post({ priceId: PRICE }));
    await expectError(res, status, code);
    assert.equal(res.headers.get("retry-after"), code === "rate_limited" ? "17" : null);
    assert.equal(atCustomer.calls.link.length, 0);
    assert.equal(atCustomer.calls.transaction.length, 0);

    assert.equal(atCustomer.calls.settle.length, 1);

    const atTransaction = setup({ createTransaction: () => Promise.resolve(failure) });
    await expectError(await atTransaction.handler(post({ priceId: PRICE })), status, code);
    assert.deepEqual(
      atTransaction.calls.settle.map((s) => [s.opened, s.previousCanceled]),
      [[undefined, false]],
    );
  });
}

Deno.test("500 internal_error with CORS when a dependency throws", async () => {
  const { handler, lines } = setup({
    createTransaction: () => Promise.reject(new TypeError("boom")),
  });
  await expectError(await handler(post({ priceId: PRICE })), 500, "internal_error");
  assert.equal(JSON.parse(lines[0]).exception, "TypeError");
});

Deno.test("one log line with ids and codes; never the URL, the email or the token", async () => {
  const { handler, lines } = setup({ prepareCheckout: () => Promise.resolve(READY_NEW) });
  assert.equal((await handler(post({ priceId: PRICE, quantity: 2 }))).status, 200);
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]);
  assert.equal(line.fn, "checkout");
  assert.equal(line.outcome, "ok");
  assert.equal(line.price_id, PRICE);
  assert.equal(line.quantity, 2);
  assert.equal(line.customer_source, "created");
  assert.equal(line.paddle_attempts, 2);
  assert.equal(line.paddle_transaction_ids.length, 2);
  for (const secret of [CHECKOUT, "txn_01hv", EMAIL, TOKEN, "_ptxn"]) {
    assert.ok(!lines[0].includes(secret), secret);
  }
});
