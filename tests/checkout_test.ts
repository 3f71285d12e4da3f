/**
 * The checkout function through the whole local stack: the real function, PostgREST and the real
 * migrations, the real Paddle SDK making HTTP requests to the Paddle simulator's selling API.
 * The simulator's request log is the proof of what reached "Paddle" (and what did not).
 *
 * Buyers are fresh users made per test (the demo users stay as the seed made them, because the
 * page's browser tests sign in as carol and expect her to have no customer); alice and erin are
 * only read.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { customerEntity, priceEntity } from "../local/paddle_simulator/entity_builders.ts";
import { applyEntities, createUser, randomPaddleId, uniqueEmail, withClient } from "./_db.ts";
import { paddleRequests, queueFault, type RecordedRequest, resetPaddle } from "./_paddle.ts";
import { callFunction, demoUser, type FunctionAnswer, stackInfo } from "./_stack.ts";
import { userToken } from "./_tokens.ts";

const PRO = "pri_01jdemopricepro00000000000"; // quantity 1..1
const SEATS = "pri_01jdemopriceseats000000000"; // quantity 1..100
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
  const answer = await checkout(buyer.token, { priceId: SEATS, quantity: 3 });
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
  assertEquals(t.items.map((i) => [i.price.id, i.quantity]), [[SEATS, 3]]);
  assertEquals(t.checkout.url, answer.body.url);
  // The stack sets PADDLE_CHECKOUT_URL to the payment-link page it serves.
  assertEquals(answer.body.url, `${stackInfo().apiUrl}/checkout.html?_ptxn=${t.id}`);

  // Steady state: the linked customer, one Paddle call, no second customer.
  await resetPaddle();
  const again = await checkout(buyer.token, { priceId: PRO });
  assertEquals(again.status, 200, JSON.stringify(again.body));
  assertEquals(await sellingCalls(), ["POST /transactions"]);
  const second = await paddleApi(`/transactions/${transactionId(again.body.url!)}`);
  assertEquals((second.body.data as { customer_id: string }).customer_id, linked.customer_id);
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
    [buyer.token, { priceId: PRO, quantity: 2 }, 400, "invalid_quantity"],
    [buyer.token, { priceId: SEATS, quantity: 101 }, 400, "invalid_quantity"],
    [buyer.token, { priceId: SEATS, quantity: 0 }, 400, "invalid_quantity"],
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
  // Link first, so each case below is the one-call steady state.
  assertEquals((await checkout(buyer.token, { priceId: PRO })).status, 200);

  await resetPaddle();
  await queueFault({ status: 500 });
  assertEquals((await checkout(buyer.token, { priceId: PRO })).status, 200);
  assertEquals(await sellingCalls(), ["POST /transactions", "POST /transactions"]);

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

Deno.test("two first purchases at once by one buyer: one customer in Paddle, one link, both answered", async () => {
  await resetPaddle();
  const buyer = await freshBuyer("twice");
  const answers = await Promise.all([
    checkout(buyer.token, { priceId: PRO }),
    checkout(buyer.token, { priceId: PRO }),
  ]);
  for (const answer of answers) assertEquals(answer.status, 200, JSON.stringify(answer.body));
  const listed = await paddleApi(`/customers?email=${encodeURIComponent(buyer.email)}`);
  const ids = (listed.body.data as { id: string }[]).map((c) => c.id);
  assertEquals(ids.length, 1, "Paddle refused the second customer for the email");
  assertEquals((await linkedCustomer(buyer.userId))?.customer_id, ids[0]);
  for (const answer of answers) {
    const txn = await paddleApi(`/transactions/${transactionId(answer.body.url!)}`);
    assertEquals((txn.body.data as { customer_id: string }).customer_id, ids[0]);
  }
});
