/**
 * The checkout function through the whole local stack: the real function, PostgREST and the real
 * migrations, the real Paddle SDK making HTTP requests to the Paddle simulator's selling API.
 * The simulator's request log is the proof of what reached "Paddle" (and what did not).
 *
 * Buyers are fresh users made per test (the demo users stay as the seed made them, because the
 * page's browser tests sign in as carol and expect her to have no customer); alice and erin are
 * only read.
 */
import { Environment, Paddle } from "@paddle/paddle-node-sdk";
import { assert, assertEquals, assertMatch } from "@std/assert";
import { customerEntity, priceEntity } from "../local/paddle_simulator/entity_builders.ts";
import { applyEntities, createUser, randomPaddleId, uniqueEmail, withClient } from "./_db.ts";
import { paddleRequests, queueFault, type RecordedRequest, resetPaddle } from "./_paddle.ts";
import { holdWebhooks, releaseWebhooks } from "./_sales.ts";
import { callFunction, demoUser, type FunctionAnswer, stackInfo } from "./_stack.ts";
import { userToken } from "./_tokens.ts";

const PRO = "pri_01jdemopricepro00000000000"; // Pro monthly, quantity 1..1
const PRO_YEARLY = "pri_01jdemoproyearly0000000000";
const STARTER = "pri_01jdemopricebasic000000000"; // Starter monthly
const SEATS = "pri_01jdemopriceseats000000000"; // the add-on both plans suggest, quantity 1..100
const SEATS_YEARLY = "pri_01jdemoseatsyearly00000000";
const PRODUCT = "pro_01jdemoproduct000000000000";

type Answer = FunctionAnswer;

function checkout(token: string, body: unknown, fn = "checkout"): Promise<Answer> {
  return callFunction(fn, token, body);
}

/** A confirmed user with no customer, as carol is in the seed. */
async function freshBuyer(label = "buyer", confirmed = true) {
  const email = uniqueEmail(label);
  const userId = await withClient((db) => createUser(db, email, confirmed));
  return { userId, email, token: await userToken(userId) };
}

/** The Paddle API calls checkout made (the request log minus the control API). */
async function sellingCalls(): Promise<string[]> {
  return (await paddleRequests())
    .map((r: RecordedRequest) => `${r.method} ${r.path.split("?")[0]}`)
    .filter((r) => / \/(customers|transactions)/.test(r));
}

async function paddleApi(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const { apiUrl, apiKey } = stackInfo().paddle;
  const res = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  return { status: res.status, body: await res.json() };
}

async function loadIntoPaddle(batch: Record<string, unknown[]>): Promise<void> {
  const res = await fetch(`${stackInfo().paddle.controlUrl}/__entities`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(batch),
  });
  assertEquals(res.status, 201, await res.text());
}

async function linkedCustomer(
  userId: string,
): Promise<{ customer_id: string; email: string } | undefined> {
  const { rows } = await withClient((db) =>
    db.query("select customer_id, email from public.customers where user_id = $1", [userId])
  );
  return rows[0];
}

/** The buyer's open checkout forgotten, so the next call makes a transaction (one Paddle call). */
async function forgetOpenCheckout(userId: string): Promise<void> {
  await withClient((db) =>
    db.query("delete from billing_private.open_checkouts where user_id = $1", [userId])
  );
}

/** Pays a transaction at the simulator's checkout, as the buyer's browser would. */
async function pay(transaction: string): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${stackInfo().paddle.apiUrl}/checkout/${transaction}/pay`, {
    method: "POST",
    headers: { accept: "application/json" },
  });
  const body = await res.json();
  return { status: res.status, code: body.error?.code };
}

async function transactionStatus(transaction: string): Promise<string> {
  const got = await paddleApi(`/transactions/${transaction}`);
  return (got.body.data as { status: string }).status;
}

function transactionId(url: string): string {
  const id = new URL(url).searchParams.get("_ptxn");
  assertMatch(id ?? "", /^txn_[a-z\d]{26}$/);
  return id!;
}

function assertRefused(answer: Answer, status: number, code: string) {
  assertEquals(answer.status, status, JSON.stringify(answer.body));
  assertEquals(answer.body.error?.code, code);
  assertEquals(Object.keys(answer.body), ["error"]);
  assertEquals(answer.headers.get("access-control-allow-origin"), "*");
  assertEquals(answer.headers.get("cache-control"), "no-store");
}

Deno.test("a first purchase: customer created in Paddle, linked in the mirror, transaction locked to it", async () => {
  await resetPaddle();
  const buyer = await freshBuyer("carol-like");
  const answer = await checkout(buyer.token, {
    priceId: PRO,
    addons: [{ priceId: SEATS, quantity: 3 }],
  });
  assertEquals(answer.status, 200, JSON.stringify(answer.body));
  assertEquals(Object.keys(answer.body), ["url"]);
  assertEquals(answer.headers.get("cache-control"), "no-store");
  assertEquals(await sellingCalls(), ["POST /customers", "POST /transactions"]);

  const linked = await linkedCustomer(buyer.userId);
  if (!linked) throw new Error("the customer is linked before the answer");
  assertEquals(linked.email, buyer.email);
  const listed = await paddleApi(`/customers?email=${encodeURIComponent(buyer.email)}`);
  assertEquals((listed.body.data as { id: string }[]).map((c) => c.id), [linked.customer_id]);

  const txn = await paddleApi(`/transactions/${transactionId(answer.body.url!)}`);
  assertEquals(txn.status, 200);
  const t = txn.body.data as Record<string, unknown> & {
    items: { price: { id: string }; quantity: number }[];
    checkout: { url: string };
  };
  assertEquals(t.customer_id, linked.customer_id);
  assertEquals(t.custom_data, { user_id: buyer.userId });
  assertEquals(t.collection_mode, "automatic");
  assertEquals(t.status, "ready");
  assertEquals(t.items.map((i) => [i.price.id, i.quantity]), [[PRO, 1], [SEATS, 3]]);
  assertEquals(t.checkout.url, answer.body.url);
  // The stack sets PADDLE_CHECKOUT_URL to the payment-link page it serves.
  assertEquals(answer.body.url, `${stackInfo().apiUrl}/checkout.html?_ptxn=${t.id}`);

  // Steady state: the linked customer, no second customer; other items replace the open checkout.
  await resetPaddle();
  const again = await checkout(buyer.token, { priceId: PRO });
  assertEquals(again.status, 200, JSON.stringify(again.body));
  assertEquals(await sellingCalls(), [`PATCH /transactions/${t.id}`, "POST /transactions"]);
  const second = await paddleApi(`/transactions/${transactionId(again.body.url!)}`);
  assertEquals((second.body.data as { customer_id: string }).customer_id, linked.customer_id);
  assertEquals(await transactionStatus(String(t.id)), "canceled");
});

Deno.test("a customer Paddle already holds for the email is used and linked", async () => {
  await resetPaddle();
  const buyer = await freshBuyer("existing");
  const existing = customerEntity({
    id: randomPaddleId("ctm"),
    email: buyer.email.toUpperCase(),
    createdAt: "2026-01-01T00:00:00.000Z",
  });
  await loadIntoPaddle({ customers: [existing] });
  const answer = await checkout(buyer.token, { priceId: PRO });
  assertEquals(answer.status, 200, JSON.stringify(answer.body));
  assertEquals(await sellingCalls(), ["POST /customers", "GET /customers", "POST /transactions"]);
  assertEquals((await linkedCustomer(buyer.userId))?.customer_id, existing.id);
  const txn = await paddleApi(`/transactions/${transactionId(answer.body.url!)}`);
  assertEquals((txn.body.data as { customer_id: string }).customer_id, existing.id);
});

Deno.test("409 customer_conflict when that customer is linked to someone else; no Paddle call", async () => {
  await resetPaddle();
  const buyer = await freshBuyer("conflict");
  const owner = await freshBuyer("owner");
  const held = customerEntity({
    id: randomPaddleId("ctm"),
    email: buyer.email,
    createdAt: "2026-01-01T00:00:00.000Z",
  });
  await loadIntoPaddle({ customers: [held] });
  await withClient((db) =>
    db.query("insert into public.customers (customer_id, user_id, email) values ($1, $2, $3)", [
      held.id,
      owner.userId,
      buyer.email,
    ])
  );
  assertRefused(await checkout(buyer.token, { priceId: PRO }), 409, "customer_conflict");
  assertEquals(await sellingCalls(), [], "refused before Paddle is asked");
  assertEquals(await linkedCustomer(buyer.userId), undefined);
  const { rows } = await withClient((db) =>
    db.query("select user_id from public.customers where customer_id = $1", [held.id])
  );
  assertEquals(rows[0].user_id, owner.userId, "a link never moves");
});

Deno.test("409 customer_conflict when another confirmed user shares the email: no Paddle customer, no row", async () => {
  await resetPaddle();
  const buyer = await freshBuyer("shared");
  await withClient((db) => createUser(db, buyer.email.toUpperCase(), true));
  assertRefused(await checkout(buyer.token, { priceId: PRO }), 409, "customer_conflict");
  assertEquals(await sellingCalls(), [], "no Paddle customer created");
  const listed = await paddleApi(`/customers?email=${encodeURIComponent(buyer.email)}`);
  assertEquals(listed.body.data, []);
  const { rows } = await withClient((db) =>
    db.query("select customer_id from public.customers where lower(email) = lower($1)", [
      buyer.email,
    ])
  );
  assertEquals(rows, [], "no row of ours");
  assertEquals(await linkedCustomer(buyer.userId), undefined);
});

Deno.test("refusals: no Paddle call, nothing written", async () => {
  await resetPaddle();
  const archived = randomPaddleId("pri");
  await withClient((db) =>
    applyEntities(db, "price", [priceEntity({
      id: archived,
      productId: PRODUCT,
      amount: "900",
      billingCycle: { interval: "month", frequency: 1 },
      status: "archived",
      createdAt: "2026-01-01T00:00:00.000Z",
    })])
  );
  const buyer = await freshBuyer("refused");
  const alice = await userToken(demoUser("alice@example.com").userId);
  const erin = await userToken(demoUser("erin@example.com").userId);
  const cases: [string, unknown, number, string][] = [
    [alice, { priceId: PRO }, 409, "already_subscribed"],
    [erin, { priceId: PRO }, 403, "email_not_confirmed"],
    [buyer.token, { priceId: archived }, 404, "price_not_found"],
    [buyer.token, { priceId: randomPaddleId("pri") }, 404, "price_not_found"],
    [buyer.token, { priceId: SEATS }, 404, "price_not_found"],
    [buyer.token, { priceId: SEATS, addons: [{ priceId: PRO }] }, 404, "price_not_found"],
    [buyer.token, { priceId: PRO, addons: [{ priceId: archived }] }, 404, "price_not_found"],
    [buyer.token, { priceId: PRO, addons: [{ priceId: STARTER }] }, 400, "invalid_items"],
    [buyer.token, { priceId: PRO, addons: [{ priceId: SEATS_YEARLY }] }, 400, "invalid_items"],
    [
      buyer.token,
      { priceId: PRO_YEARLY, addons: [{ priceId: SEATS_YEARLY }, { priceId: SEATS_YEARLY }] },
      400,
      "invalid_items",
    ],
    [buyer.token, { priceId: PRO, quantity: 2 }, 400, "invalid_quantity"],
    [
      buyer.token,
      { priceId: PRO, addons: [{ priceId: SEATS, quantity: 101 }] },
      400,
      "invalid_quantity",
    ],
    [
      buyer.token,
      { priceId: PRO, addons: [{ priceId: SEATS, quantity: 0 }] },
      400,
      "invalid_quantity",
    ],
    [buyer.token, { priceId: PRO, addons: [SEATS] }, 400, "invalid_request"],
    [buyer.token, { priceId: PRO, customerId: randomPaddleId("ctm") }, 400, "invalid_request"],
    [buyer.token, { priceId: PRO, email: "mallory@example.com" }, 400, "invalid_request"],
    [buyer.token, { priceId: PRO, userId: crypto.randomUUID() }, 400, "invalid_request"],
    [buyer.token, "{", 400, "invalid_request"],
    ["not-a-token", { priceId: PRO }, 401, "not_authenticated"],
  ];
  for (const [token, body, status, code] of cases) {
    assertRefused(await checkout(token, body), status, code);
  }
  assertEquals(await sellingCalls(), []);
  assertEquals(await linkedCustomer(buyer.userId), undefined);
  const { rows } = await withClient((db) =>
    db.query("select count(*)::int as n from billing_private.mint_slots where user_id = $1", [
      buyer.userId,
    ])
  );
  assertEquals(rows[0].n, 0, "no mint slot taken by a refusal");
});

Deno.test("Paddle faults: one retry on 5xx, 429 passed on, a hang is 504", async () => {
  const buyer = await freshBuyer("faults");
  // Link first, and forget the open checkout before each case, so each is the one-call steady state.
  assertEquals((await checkout(buyer.token, { priceId: PRO })).status, 200);

  await forgetOpenCheckout(buyer.userId);
  await resetPaddle();
  await queueFault({ status: 500 });
  assertEquals((await checkout(buyer.token, { priceId: PRO })).status, 200);
  assertEquals(await sellingCalls(), ["POST /transactions", "POST /transactions"]);

  await forgetOpenCheckout(buyer.userId);
  await resetPaddle();
  await queueFault({ status: 502, count: 2 });
  assertRefused(await checkout(buyer.token, { priceId: PRO }), 502, "paddle_unavailable");
  assertEquals((await sellingCalls()).length, 2);

  await resetPaddle();
  await queueFault({ status: 429, headers: { "Retry-After": "23" } });
  const limited = await checkout(buyer.token, { priceId: PRO });
  assertRefused(limited, 503, "rate_limited");
  assertEquals(limited.headers.get("retry-after"), "23");
  assertEquals((await sellingCalls()).length, 1);

  await resetPaddle();
  await queueFault({ hang: true });
  assertRefused(await checkout(buyer.token, { priceId: PRO }), 504, "paddle_timeout");

  // A fault while creating the customer: nothing linked, no transaction.
  await resetPaddle();
  const first = await freshBuyer("faults-first");
  await queueFault({ status: 400 });
  assertRefused(await checkout(first.token, { priceId: PRO }), 502, "paddle_unavailable");
  assertEquals(await sellingCalls(), ["POST /customers"]);
  assertEquals(await linkedCustomer(first.userId), undefined);
  await resetPaddle();
});

Deno.test("the mint limit (default 10 a minute): 429 with Retry-After, and no Paddle call over it", async () => {
  await resetPaddle();
  const buyer = await freshBuyer("mint");
  for (let i = 0; i < 10; i++) {
    const answer = await checkout(buyer.token, { priceId: PRO }, "checkout-default-limit");
    assertEquals(answer.status, 200, JSON.stringify(answer.body));
  }
  const calls = (await sellingCalls()).length;
  const over = await checkout(buyer.token, { priceId: PRO }, "checkout-default-limit");
  assertRefused(over, 429, "too_many_requests");
  const retryAfter = Number(over.headers.get("retry-after"));
  assert(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  assertEquals((await sellingCalls()).length, calls);
});

Deno.test("two first purchases at once by one buyer: one customer, one link, one transaction, the same URL", async () => {
  await resetPaddle();
  const buyer = await freshBuyer("twice");
  const answers = await Promise.all([
    checkout(buyer.token, { priceId: PRO }),
    checkout(buyer.token, { priceId: PRO }),
  ]);
  for (const answer of answers) assertEquals(answer.status, 200, JSON.stringify(answer.body));
  const listed = await paddleApi(`/customers?email=${encodeURIComponent(buyer.email)}`);
  const ids = (listed.body.data as { id: string }[]).map((c) => c.id);
  assertEquals(ids.length, 1, "one customer for the email");
  assertEquals((await linkedCustomer(buyer.userId))?.customer_id, ids[0]);
  assertEquals(answers[0].body.url, answers[1].body.url);
  assertEquals((await sellingCalls()).filter((c) => c === "POST /transactions").length, 1);
  const txn = await paddleApi(`/transactions/${transactionId(answers[0].body.url!)}`);
  assertEquals((txn.body.data as { customer_id: string }).customer_id, ids[0]);
});

Deno.test("one open checkout: concurrent calls with the same items get one transaction's URL", async () => {
  const buyer = await freshBuyer("same-items");
  assertEquals((await checkout(buyer.token, { priceId: STARTER })).status, 200, "linked");
  await forgetOpenCheckout(buyer.userId);
  await resetPaddle();
  const body = { priceId: PRO, addons: [{ priceId: SEATS, quantity: 2 }] };
  const answers = await Promise.all(Array.from({ length: 6 }, () => checkout(buyer.token, body)));
  for (const answer of answers) assertEquals(answer.status, 200, JSON.stringify(answer.body));
  assertEquals(new Set(answers.map((a) => a.body.url)).size, 1);
  assertEquals(await sellingCalls(), ["POST /transactions"]);
  // Later, the same items again: the same URL, without asking Paddle.
  const later = await checkout(buyer.token, body);
  assertEquals(later.body.url, answers[0].body.url);
  assertEquals(await sellingCalls(), ["POST /transactions"]);
});

Deno.test("one open checkout: concurrent calls with other items never leave two payable transactions", async () => {
  const buyer = await freshBuyer("other-items");
  assertEquals((await checkout(buyer.token, { priceId: STARTER })).status, 200, "linked");
  await resetPaddle();
  const bodies = [
    { priceId: PRO },
    { priceId: PRO_YEARLY },
    { priceId: PRO, addons: [{ priceId: SEATS, quantity: 1 }] },
    { priceId: STARTER, addons: [{ priceId: SEATS, quantity: 5 }] },
    { priceId: PRO_YEARLY, addons: [{ priceId: SEATS_YEARLY, quantity: 2 }] },
  ];
  const answers = await Promise.all(bodies.map((body) => checkout(buyer.token, body)));
  for (const answer of answers) assertEquals(answer.status, 200, JSON.stringify(answer.body));
  const calls = await sellingCalls();
  const created = calls.filter((c) => c === "POST /transactions").length;
  const canceled = calls.filter((c) => c.startsWith("PATCH /transactions/")).length;
  // The Starter checkout that linked the buyer was open too: every transaction but one canceled.
  assertEquals(canceled, created, JSON.stringify(calls));

  // Every transaction handed out but the last is canceled; the last pays once.
  const handedOut = [...new Set(answers.map((a) => transactionId(a.body.url!)))];
  const statuses = await Promise.all(handedOut.map(transactionStatus));
  assertEquals(statuses.filter((s) => s === "ready").length, 1, JSON.stringify(statuses));
  const results = await Promise.all(handedOut.map(pay));
  assertEquals(results.filter((r) => r.status === 200).length, 1, JSON.stringify(results));
  for (const r of results.filter((r) => r.status !== 200)) {
    assertEquals([r.status, r.code], [409, "not_payable"]);
  }
});

Deno.test("one open checkout: two payments of one transaction, and of a replaced one, both refused", async () => {
  const buyer = await freshBuyer("two-payments");
  const first = await checkout(buyer.token, { priceId: STARTER });
  assertEquals(first.status, 200, JSON.stringify(first.body));
  const second = await checkout(buyer.token, {
    priceId: PRO,
    addons: [{ priceId: SEATS, quantity: 2 }],
  });
  assertEquals(second.status, 200, JSON.stringify(second.body));
  const [a, b] = [transactionId(first.body.url!), transactionId(second.body.url!)];
  assert(a !== b);
  assertEquals(await pay(a), { status: 409, code: "not_payable" });
  assertEquals((await pay(b)).status, 200);
  assertEquals(await pay(b), { status: 409, code: "already_paid" });
});

Deno.test("one open checkout: paid before its webhook landed, other items are refused as already subscribed", async () => {
  const buyer = await freshBuyer("paid-early");
  const first = await checkout(buyer.token, { priceId: STARTER });
  assertEquals(first.status, 200, JSON.stringify(first.body));
  const txn = transactionId(first.body.url!);
  // Paid in Paddle, but the mirror does not know yet (no subscription row for the buyer).
  await holdWebhooks();
  try {
    assertEquals((await pay(txn)).status, 200);
    await resetPaddle();
    assertRefused(await checkout(buyer.token, { priceId: PRO }), 409, "already_subscribed");
    assertEquals(await sellingCalls(), [`PATCH /transactions/${txn}`, `GET /transactions/${txn}`]);
  } finally {
    await releaseWebhooks();
  }
});

Deno.test("country: the transaction priced for it (an address on the buyer's own customer, reused), its totals the pricing preview's", async () => {
  await resetPaddle();
  const buyer = await freshBuyer("country");
  const items = [{ priceId: PRO, quantity: 1 }, { priceId: SEATS, quantity: 2 }];
  const body = { priceId: PRO, addons: [{ priceId: SEATS, quantity: 2 }] };
  const de = await checkout(buyer.token, { ...body, country: "DE" });
  assertEquals(de.status, 200, JSON.stringify(de.body));
  const customer = (await linkedCustomer(buyer.userId))!.customer_id;
  const addresses = `/customers/${customer}/addresses`;
  assertEquals(await sellingCalls(), [
    "POST /customers",
    `GET ${addresses}`,
    `POST ${addresses}`,
    "POST /transactions",
  ]);
  const { apiUrl, apiKey } = stackInfo().paddle;
  const paddle = new Paddle(apiKey, { environment: apiUrl as Environment });
  const txn = await paddle.transactions.get(transactionId(de.body.url!));
  const preview = await paddle.pricingPreview.preview({ items, address: { countryCode: "DE" } });
  assertEquals(txn.customerId, customer);
  assertEquals([txn.currencyCode, preview.currencyCode], ["EUR", "EUR"]);
  const total = (field: "subtotal" | "tax" | "total") =>
    preview.details.lineItems.reduce((sum, line) => sum + BigInt(line.totals[field]), 0n)
      .toString();
  assertEquals(
    [txn.details?.totals?.subtotal, txn.details?.totals?.tax, txn.details?.totals?.grandTotal],
    [total("subtotal"), total("tax"), total("total")],
  );
  assertEquals(txn.details?.totals?.grandTotal, "3600", "€27 + 2 × €4.50, VAT included");
  const address = await paddle.addresses.get(customer, txn.addressId!);
  assertEquals([address.countryCode, address.customerId], ["DE", customer]);

  // Germany again: the open checkout. Another country: other items (the open one canceled).
  await resetPaddle();
  const again = await checkout(buyer.token, { ...body, country: "DE" });
  assertEquals(again.body.url, de.body.url);
  assertEquals(await sellingCalls(), []);
  const gb = await checkout(buyer.token, { ...body, country: "GB" });
  assertEquals(gb.status, 200, JSON.stringify(gb.body));
  // Paddle wants a postcode for a UK address: none is made, Paddle prices it as without a country.
  const gbTransaction = await paddle.transactions.get(transactionId(gb.body.url!));
  assertEquals([gbTransaction.currencyCode, gbTransaction.addressId], ["USD", null]);
  assertEquals(await transactionStatus(txn.id), "canceled");
  const fr = await checkout(buyer.token, { ...body, country: "FR" });
  const frTransaction = await paddle.transactions.get(transactionId(fr.body.url!));
  assertEquals(frTransaction.currencyCode, "EUR");
  assert(frTransaction.addressId !== txn.addressId, "an address in France, not Germany's");

  // Back to Germany: the German address is reused, not a second one created.
  await resetPaddle();
  const back = await checkout(buyer.token, { ...body, country: "DE" });
  assertEquals(back.status, 200, JSON.stringify(back.body));
  assertEquals(await sellingCalls(), [
    `GET ${addresses}`,
    `PATCH /transactions/${frTransaction.id}`,
    "POST /transactions",
  ]);
  const backTxn = await paddle.transactions.get(transactionId(back.body.url!));
  assertEquals([backTxn.addressId, backTxn.currencyCode], [txn.addressId, "EUR"]);
  // Without a country: Paddle's guess again, and other items than the German checkout.
  const plain = await checkout(buyer.token, body);
  assertEquals((await paddle.transactions.get(transactionId(plain.body.url!))).addressId, null);

  await resetPaddle();
  for (const country of ["ZZ", "de", "RU", 49]) {
    assertRefused(await checkout(buyer.token, { ...body, country }), 400, "invalid_request");
  }
  assertEquals(await sellingCalls(), []);
});
