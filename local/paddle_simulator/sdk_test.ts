/**
 * Drives the simulator with the real Paddle Node SDK, the client the product's functions use,
 * so a drift between the simulator and what the SDK sends or parses fails here.
 */

import { ApiError, Environment, Paddle } from "@paddle/paddle-node-sdk";
import { assert, assertEquals, assertInstanceOf, assertMatch, assertRejects } from "@std/assert";
import { fakeAccount } from "./fake_account.ts";
import { CUSTOMER_ID, newPaddleId, PORTAL_SESSION_ID, TRANSACTION_ID } from "./ids.ts";
import type { PaddleSimulator } from "./mod.ts";
import type { RecordedRequest } from "./recorder.ts";
import { ARCHIVED_PRICE, CATALOG, MONTHLY, PRODUCT } from "./selling_fixtures.ts";
import {
  API_KEY,
  control,
  CUSTOMER,
  SUBSCRIPTIONS,
  withEntities,
  withSimulator,
} from "./test_support.ts";

function sdk(url: string, apiKey = API_KEY): Paddle {
  return new Paddle(apiKey, { environment: url as Environment });
}

Deno.test("sdk: customerPortalSessions.create returns a fully filled session", async () => {
  await withSimulator(async (simulator) => {
    const portal = await sdk(simulator.url).customerPortalSessions.create(CUSTOMER, SUBSCRIPTIONS);
    assertMatch(portal.id, PORTAL_SESSION_ID);
    assertMatch(portal.customerId, CUSTOMER_ID);
    assertEquals(portal.customerId, CUSTOMER);
    assertMatch(portal.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assertEquals(new URL(portal.urls.general.overview).searchParams.get("action"), "overview");
    assertEquals(portal.urls.subscriptions.map((s) => s.id), SUBSCRIPTIONS);
    for (const link of portal.urls.subscriptions) {
      const cancel = new URL(link.cancelSubscription);
      const update = new URL(link.updateSubscriptionPaymentMethod);
      assertEquals(cancel.searchParams.get("action"), "cancel_subscription");
      assertEquals(cancel.searchParams.get("subscription_id"), link.id);
      assertEquals(update.searchParams.get("action"), "update_subscription_payment_method");
      assertEquals(update.searchParams.get("subscription_id"), link.id);
    }
    // The link the SDK hands back opens the simulator's portal page.
    const page = await fetch(portal.urls.subscriptions[1].cancelSubscription);
    assertEquals(page.status, 200);
    assert((await page.text()).includes(`data-subscription-id="${SUBSCRIPTIONS[1]}"`));
  });
});

Deno.test("sdk: the request log shows what the SDK put on the wire", async () => {
  await withSimulator(async (simulator) => {
    await sdk(simulator.url).customerPortalSessions.create(CUSTOMER, SUBSCRIPTIONS);
    const { body: log } = await control<RecordedRequest[]>(simulator, "GET", "/__requests");
    assertEquals(log.length, 1);
    const [request] = log;
    assertEquals(request.method, "POST");
    assertEquals(request.path, `/customers/${CUSTOMER}/portal-sessions`);
    assertEquals(request.headers.authorization, `bearer ${API_KEY}`);
    assertEquals(request.headers["content-type"], "application/json");
    assertMatch(request.headers["x-transaction-id"], /^[0-9a-f-]{36}$/);
    assertMatch(request.headers["user-agent"], /^PaddleSDK\/node \d+\.\d+\.\d+/);
    assertEquals(request.body, { subscription_ids: SUBSCRIPTIONS });
  });
});

Deno.test("sdk: a wrong key throws ApiError invalid_token", async () => {
  await withSimulator(async (simulator) => {
    const error = await assertRejects(
      () =>
        sdk(simulator.url, "pdl_live_apikey_notours").customerPortalSessions.create(CUSTOMER, []),
      ApiError,
    );
    assertEquals(error.code, "invalid_token");
    assertEquals(error.type, "request_error");
    assertEquals(
      error.documentationUrl,
      "https://developer.paddle.com/errors/shared/invalid_token",
    );
  });
});

Deno.test("sdk: an unknown customer throws ApiError not_found", async () => {
  await withSimulator(async (simulator) => {
    const error = await assertRejects(
      () => sdk(simulator.url).customerPortalSessions.create(newPaddleId("ctm"), []),
      ApiError,
    );
    assertEquals(error.code, "not_found");
  });
});

Deno.test("sdk: too many ids throws ApiError invalid_field with the field errors", async () => {
  await withSimulator(async (simulator) => {
    const ids = Array.from({ length: 26 }, () => newPaddleId("sub"));
    const error = await assertRejects(
      () => sdk(simulator.url).customerPortalSessions.create(CUSTOMER, ids),
      ApiError,
    );
    assertEquals(error.code, "invalid_field");
    assertEquals(error.errors?.[0].field, "subscription_ids");
  });
});

Deno.test("sdk: a 429 fault surfaces as ApiError too_many_requests with retryAfter", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", { status: 429, headers: { "Retry-After": "7" } });
    const error = await assertRejects(
      () => sdk(simulator.url).customerPortalSessions.create(CUSTOMER, []),
      ApiError,
    );
    assertEquals(error.code, "too_many_requests");
    assertEquals(error.retryAfter, 7);
  });
});

Deno.test("sdk: an HTML 502 from a proxy makes the SDK throw a SyntaxError, not an ApiError", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", {
      status: 502,
      body: "<html><body>502 Bad Gateway</body></html>",
      headers: { "content-type": "text/html" },
    });
    const error = await assertRejects(() =>
      sdk(simulator.url).customerPortalSessions.create(CUSTOMER, [])
    );
    assertInstanceOf(error, SyntaxError);
  });
});

const ACCOUNT = fakeAccount({ customers: 450, subscriptions: 420, prices: 20, seed: 11 });

const withAccount = (test: (simulator: PaddleSimulator) => Promise<void>) =>
  withEntities(ACCOUNT, test);

Deno.test("sdk: customers.list follows next() page by page, as the sync pages", async () => {
  await withAccount(async (simulator) => {
    const collection = sdk(simulator.url).customers.list({
      perPage: 200,
      orderBy: "id[ASC]",
      status: ["active", "archived"],
    });
    const pages: string[][] = [];
    while (collection.hasMore) {
      const page = await collection.next();
      pages.push(page.map((customer) => customer.id));
      assertEquals(collection.estimatedTotal, ACCOUNT.customers.length);
    }
    assertEquals(pages.map((page) => page.length), [200, 200, 50]);
    assertEquals(pages.flat(), ACCOUNT.customers.map((c) => c.id).sort());

    const { body: log } = await control<RecordedRequest[]>(simulator, "GET", "/__requests");
    assertEquals(log.length, 3);
    const first = new URL(log[0].path, simulator.url);
    assertEquals(first.pathname, "/customers");
    assertEquals(first.searchParams.get("per_page"), "200");
    assertEquals(first.searchParams.get("order_by"), "id[ASC]");
    assertEquals(first.searchParams.get("status"), "active,archived");
    assertEquals(new URL(log[1].path, simulator.url).searchParams.get("after"), pages[0][199]);
    assertEquals(new URL(log[2].path, simulator.url).searchParams.get("after"), pages[1][199]);
    for (const request of log) assertEquals(request.headers.authorization, `bearer ${API_KEY}`);
  });
});

Deno.test("sdk: the collection's async iterator yields every customer as a Customer", async () => {
  await withAccount(async (simulator) => {
    const seen: string[] = [];
    const collection = sdk(simulator.url).customers.list({
      perPage: 200,
      orderBy: "id[DESC]",
      status: ["active", "archived"],
    });
    for await (const customer of collection) {
      assertMatch(customer.email, /@example\.com$/);
      assertEquals(typeof customer.marketingConsent, "boolean");
      seen.push(customer.id);
    }
    assertEquals(seen, ACCOUNT.customers.map((c) => c.id).sort().reverse());
  });
});

Deno.test("sdk: passing after resumes a listing where a checkpoint left off", async () => {
  await withAccount(async (simulator) => {
    const sorted = ACCOUNT.subscriptions.map((s) => s.id).sort();
    const checkpoint = sorted[249];
    const collection = sdk(simulator.url).subscriptions.list({
      after: checkpoint,
      perPage: 200,
      orderBy: "id[ASC]",
    });
    const rest: string[] = [];
    while (collection.hasMore) rest.push(...(await collection.next()).map((s) => s.id));
    assertEquals(rest, sorted.slice(250));
  });
});

Deno.test("sdk: subscriptions parse with their items' full price and product", async () => {
  await withAccount(async (simulator) => {
    const paddle = sdk(simulator.url);
    const expected = ACCOUNT.subscriptions.find((s) => s.items.length > 1) ??
      ACCOUNT.subscriptions[0];
    const subscription = await paddle.subscriptions.get(expected.id);
    assertEquals(subscription.customerId, expected.customer_id);
    assertEquals(subscription.updatedAt, expected.updated_at);
    assertEquals(subscription.billingCycle.interval, expected.billing_cycle.interval);
    assertEquals(
      subscription.items.map((
        item,
      ) => [item.price.id, item.price.unitPrice.amount, item.product.name]),
      expected.items.map((
        item,
      ) => [item.price.id, item.price.unit_price.amount, item.product.name]),
    );
    const [price] = await paddle.prices.list({ id: [expected.items[0].price.id] }).next();
    assertEquals(price.productId, expected.items[0].product.id);
    const [product] = await paddle.products.list({ id: [expected.items[0].product.id] }).next();
    assertEquals(product.name, expected.items[0].product.name);
    const customer = await paddle.customers.get(expected.customer_id);
    assertEquals(customer.id, expected.customer_id);
    const missing = await assertRejects(
      () => paddle.customers.get(newPaddleId("ctm")),
      ApiError,
    );
    assertEquals(missing.code, "not_found");
  });
});

Deno.test("sdk: a 429 mid-listing throws ApiError with retryAfter, and next() then fetches the same page", async () => {
  await withAccount(async (simulator) => {
    const collection = sdk(simulator.url).customers.list({
      perPage: 200,
      orderBy: "id[ASC]",
      status: ["active", "archived"],
    });
    const first = await collection.next();
    await control(simulator, "POST", "/__faults", { status: 429, headers: { "Retry-After": "4" } });
    const error = await assertRejects(() => collection.next(), ApiError);
    assertEquals([error.code, error.retryAfter], ["too_many_requests", 4]);
    const second = await collection.next();
    assertEquals(second[0].id, ACCOUNT.customers.map((c) => c.id).sort()[200]);
    assert(first.at(-1)!.id < second[0].id);
  });
});

const withCatalog = (test: (simulator: PaddleSimulator) => Promise<void>) =>
  withEntities(CATALOG, test);

Deno.test("sdk: customers.create, and on customer_already_exists customers.list({ email }) finds the one", async () => {
  await withCatalog(async (simulator) => {
    const paddle = sdk(simulator.url);
    const customer = await paddle.customers.create({ email: "grace@example.com", name: "Grace" });
    assertMatch(customer.id, CUSTOMER_ID);
    assertEquals([customer.email, customer.name, customer.status], [
      "grace@example.com",
      "Grace",
      "active",
    ]);
    const conflict = await assertRejects(
      () => paddle.customers.create({ email: "Grace@Example.com" }),
      ApiError,
    );
    assertEquals(conflict.code, "customer_already_exists");
    assertEquals(conflict.detail, `customer email conflicts with customer of id ${customer.id}`);
    const found = await paddle.customers.list({ email: ["grace@example.com"] }).next();
    assertEquals(found.map((c) => c.id), [customer.id]);
    const { body: log } = await control<RecordedRequest[]>(simulator, "GET", "/__requests");
    assertEquals(log.at(-1)?.path, "/customers?email=grace%40example.com");
  });
});

Deno.test("sdk: transactions.create and transactions.get round-trip a ready transaction", async () => {
  await withCatalog(async (simulator) => {
    const paddle = sdk(simulator.url);
    const customer = await paddle.customers.create({ email: "heidi@example.com" });
    const transaction = await paddle.transactions.create({
      items: [{ priceId: MONTHLY.id, quantity: 2 }],
      customerId: customer.id,
      customData: { user_id: "9f1c0e52-6d1e-4c55-9a43-5d9f5c1b2e10" },
      collectionMode: "automatic",
      checkout: { url: "https://app.example.com/checkout.html" },
    });
    assertMatch(transaction.id, TRANSACTION_ID);
    assertEquals(transaction.status, "ready");
    assertEquals(transaction.customerId, customer.id);
    assertEquals(transaction.customData, { user_id: "9f1c0e52-6d1e-4c55-9a43-5d9f5c1b2e10" });
    assertEquals(transaction.collectionMode, "automatic");
    assertEquals(
      transaction.checkout?.url,
      `https://app.example.com/checkout.html?_ptxn=${transaction.id}`,
    );
    assertEquals(transaction.items.map((item) => [item.price?.id, item.quantity]), [[
      MONTHLY.id,
      2,
    ]]);
    assertEquals(transaction.details?.totals?.grandTotal, "2500");
    assertEquals(transaction.details?.lineItems[0].product?.name, PRODUCT.name);

    const { body: log } = await control<RecordedRequest[]>(simulator, "GET", "/__requests");
    assertEquals(log.at(-1)?.body, {
      items: [{ price_id: MONTHLY.id, quantity: 2 }],
      customer_id: customer.id,
      collection_mode: "automatic",
      checkout: { url: "https://app.example.com/checkout.html" },
      // The SDK leaves custom_data's own keys as given.
      custom_data: { user_id: "9f1c0e52-6d1e-4c55-9a43-5d9f5c1b2e10" },
    });

    const again = await paddle.transactions.get(transaction.id);
    assertEquals(again.id, transaction.id);
    assertEquals(again.status, "ready");
    assertEquals(again.details?.totals?.total, "2500");
    const missing = await assertRejects(
      () => paddle.transactions.get(newPaddleId("txn")),
      ApiError,
    );
    assertEquals(missing.code, "not_found");
  });
});

Deno.test("sdk: transactions.create with an archived price throws ApiError transaction_price_not_found", async () => {
  await withCatalog(async (simulator) => {
    const error = await assertRejects(
      () =>
        sdk(simulator.url).transactions.create({
          items: [{ priceId: ARCHIVED_PRICE.id, quantity: 1 }],
        }),
      ApiError,
    );
    assertEquals(error.code, "transaction_price_not_found");
  });
});
