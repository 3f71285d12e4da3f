import { assert, assertEquals, assertMatch } from "@std/assert";
import { CUSTOMER_ID, newPaddleId, TRANSACTION_ID } from "./ids.ts";
import type { PaddleSimulator } from "./mod.ts";
import type { RecordedRequest } from "./recorder.ts";
import {
  ARCHIVED_PRICE,
  CATALOG,
  EURO_PRICE,
  MONTHLY,
  ORPHAN_PRICE,
  PRODUCT,
  YEARLY,
} from "./selling_fixtures.ts";
import { API_KEY, control, type ErrorBody, type ListBody, withEntities } from "./test_support.ts";
import type { PaddleTransaction } from "./transactions.ts";

const withCatalog = (test: (simulator: PaddleSimulator) => Promise<void>) =>
  withEntities(CATALOG, test);

function call(
  simulator: PaddleSimulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${simulator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function created<T>(response: Response): Promise<T> {
  assertEquals(response.status, 201, await response.clone().text());
  return ((await response.json()) as { data: T }).data;
}

async function storedCustomers(simulator: PaddleSimulator): Promise<string[]> {
  return (await control<string[]>(simulator, "GET", "/__customers")).body;
}

Deno.test("selling: POST /customers creates an active customer, lower-cases the email, and lists it by email", async () => {
  await withCatalog(async (simulator) => {
    const customer = await created<Record<string, unknown>>(
      await call(simulator, "POST", "/customers", {
        email: "Carol@Example.com",
        name: "Carol",
        custom_data: { source: "test" },
      }),
    );
    assertMatch(customer.id as string, CUSTOMER_ID);
    assertEquals(
      [customer.email, customer.name, customer.status, customer.custom_data, customer.locale],
      ["carol@example.com", "Carol", "active", { source: "test" }, "en"],
    );
    const listed = await call(simulator, "GET", "/customers?email=CAROL@example.com,nobody@x.io");
    const body = await listed.json() as ListBody;
    assertEquals(body.data.map((c) => c.id), [customer.id]);
    const got = await call(simulator, "GET", `/customers/${customer.id}`);
    assertEquals((await got.json()).data, customer);
  });
});

Deno.test("selling: an email the simulator holds (any case) is 409 customer_already_exists naming the id", async () => {
  await withCatalog(async (simulator) => {
    const first = await created<{ id: string }>(
      await call(simulator, "POST", "/customers", { email: "dave@example.com" }),
    );
    const again = await call(simulator, "POST", "/customers", { email: "DAVE@example.com" });
    assertEquals(again.status, 409);
    const { error } = await again.json() as ErrorBody;
    assertEquals(error.code, "customer_already_exists");
    assertEquals(error.type, "request_error");
    assertEquals(error.detail, `customer email conflicts with customer of id ${first.id}`);
    assertEquals(
      error.documentation_url,
      "https://developer.paddle.com/errors/customers/customer_already_exists",
    );
    assertEquals(await storedCustomers(simulator), [first.id]);
  });
});

Deno.test("selling: a bad customer body is 400 invalid_field with every problem, and stores nothing", async () => {
  await withCatalog(async (simulator) => {
    const response = await call(simulator, "POST", "/customers", {
      email: "not-an-email",
      name: 7,
      user_id: "someone",
    });
    assertEquals(response.status, 400);
    const { error } = await response.json() as ErrorBody;
    assertEquals(error.code, "invalid_field");
    assertEquals(error.errors?.map((e) => e.field).sort(), ["email", "name", "user_id"]);
    const notJson = await call(simulator, "POST", "/customers", "{");
    assertEquals([notJson.status, (await notJson.json()).error.code], [400, "bad_request"]);
    const missing = await call(simulator, "POST", "/customers", {});
    assertEquals((await missing.json() as ErrorBody).error.errors?.[0].field, "email");
    assertEquals(await storedCustomers(simulator), []);
  });
});

Deno.test("selling: POST /transactions returns a ready transaction with items, totals and the payment link", async () => {
  await withCatalog(async (simulator) => {
    const customer = await created<{ id: string }>(
      await call(simulator, "POST", "/customers", { email: "erin@example.com" }),
    );
    const txn = await created<PaddleTransaction>(
      await call(simulator, "POST", "/transactions", {
        items: [{ price_id: MONTHLY.id, quantity: 3 }],
        customer_id: customer.id,
        custom_data: { user_id: "5b0c4c8e-0000-4000-8000-000000000001" },
        collection_mode: "automatic",
        checkout: { url: "https://app.example.com/checkout.html?from=app" },
      }),
    );
    assertMatch(txn.id, TRANSACTION_ID);
    assertEquals(
      [txn.status, txn.customer_id, txn.origin, txn.currency_code, txn.collection_mode],
      ["ready", customer.id, "api", "USD", "automatic"],
    );
    assertEquals(txn.custom_data, { user_id: "5b0c4c8e-0000-4000-8000-000000000001" });
    assertEquals([txn.subscription_id, txn.billed_at, txn.address_id], [null, null, null]);
    assertEquals(txn.items, [{
      price_id: MONTHLY.id,
      price: MONTHLY,
      quantity: 3,
      proration: null,
    }]);
    assertEquals(txn.details.totals.subtotal, "3750");
    assertEquals(txn.details.totals.tax, "0");
    assertEquals(txn.details.totals.grand_total, "3750");
    assertEquals(txn.details.line_items[0].unit_totals.total, "1250");
    assertEquals(txn.details.line_items[0].product, PRODUCT);
    assertEquals(
      txn.checkout.url,
      `https://app.example.com/checkout.html?from=app&_ptxn=${txn.id}`,
    );
    const got = await call(simulator, "GET", `/transactions/${txn.id}`);
    assertEquals((await got.json()).data, txn);
  });
});

Deno.test("selling: without checkout.url the link is the simulator's own checkout page; no customer is a draft", async () => {
  await withCatalog(async (simulator) => {
    const txn = await created<PaddleTransaction>(
      await call(simulator, "POST", "/transactions", {
        items: [{ price_id: YEARLY.id, quantity: 2 }],
      }),
    );
    assertEquals(txn.checkout.url, `${simulator.url}/checkout?_ptxn=${txn.id}`);
    assertEquals(txn.status, "draft");
    assertEquals(txn.details.totals.total, "24000");
  });
});

Deno.test("selling: transactions refuse unknown or archived prices, bad quantities, unknown customers and unknown fields", async () => {
  await withCatalog(async (simulator) => {
    const customer = newPaddleId("ctm");
    const cases: [unknown, number, string][] = [
      [
        { items: [{ price_id: ARCHIVED_PRICE.id, quantity: 1 }] },
        400,
        "transaction_price_not_found",
      ],
      [
        { items: [{ price_id: newPaddleId("pri"), quantity: 1 }] },
        400,
        "transaction_price_not_found",
      ],
      [
        { items: [{ price_id: ORPHAN_PRICE.id, quantity: 1 }] },
        400,
        "transaction_product_not_found",
      ],
      [{ items: [{ price_id: MONTHLY.id, quantity: 51 }] }, 400, "invalid_field"],
      [{ items: [{ price_id: MONTHLY.id, quantity: 0 }] }, 400, "invalid_field"],
      [{ items: [] }, 400, "invalid_field"],
      [{ items: [{ price_id: MONTHLY.id, quantity: 1 }], email: "x@y.z" }, 400, "invalid_field"],
      [
        {
          items: [{ price_id: MONTHLY.id, quantity: 1 }, { price_id: EURO_PRICE.id, quantity: 1 }],
        },
        400,
        "invalid_field",
      ],
      [
        {
          items: [{ price_id: MONTHLY.id, quantity: 1 }, { price_id: YEARLY.id, quantity: 1 }],
        },
        400,
        "invalid_field",
      ],
      [{ items: [{ price_id: MONTHLY.id, quantity: 1 }], customer_id: customer }, 404, "not_found"],
      [
        {
          items: [{ price_id: MONTHLY.id, quantity: 1 }],
          collection_mode: "manual",
        },
        400,
        "invalid_field",
      ],
    ];
    for (const [body, status, code] of cases) {
      const response = await call(simulator, "POST", "/transactions", body);
      const { error } = await response.json() as ErrorBody;
      assertEquals([response.status, error.code], [status, code], JSON.stringify(body));
    }
    const missing = await call(simulator, "GET", `/transactions/${newPaddleId("txn")}`);
    assertEquals(missing.status, 404);
    const wrongMethod = await call(simulator, "GET", "/transactions");
    assertEquals(wrongMethod.status, 405);
  });
});

Deno.test("selling: requests are recorded and faultable like every API route", async () => {
  await withCatalog(async (simulator) => {
    await control(simulator, "POST", "/__faults", { status: 503 });
    const faulted = await call(simulator, "POST", "/customers", { email: "f@example.com" });
    assertEquals(faulted.status, 503);
    assertEquals(await storedCustomers(simulator), []);
    const ok = await call(simulator, "POST", "/customers", { email: "f@example.com" });
    assertEquals(ok.status, 201);
    const { body: log } = await control<RecordedRequest[]>(simulator, "GET", "/__requests");
    assertEquals(log.map((r) => `${r.method} ${r.path}`), ["POST /customers", "POST /customers"]);
    assertEquals(log[1].body, { email: "f@example.com" });
    assert(simulator.apiRequestCount() === 2);
    const noKey = await fetch(`${simulator.url}/transactions`, { method: "POST", body: "{}" });
    assertEquals(noKey.status, 403);
  });
});

Deno.test("selling: PATCH /transactions/{id} {status: canceled} cancels a ready transaction once; it can no longer be paid", async () => {
  await withCatalog(async (simulator) => {
    const customer = await created<{ id: string }>(
      await call(simulator, "POST", "/customers", { email: "frank@example.com" }),
    );
    const txn = await created<PaddleTransaction>(
      await call(simulator, "POST", "/transactions", {
        items: [{ price_id: MONTHLY.id, quantity: 1 }],
        customer_id: customer.id,
      }),
    );
    const together = await call(simulator, "PATCH", `/transactions/${txn.id}`, {
      status: "canceled",
      custom_data: { a: 1 },
    });
    assertEquals(together.status, 400);
    assertEquals(
      ((await together.json()) as ErrorBody).error.code,
      "transaction_cannot_be_modified_and_canceled",
    );
    const other = await call(simulator, "PATCH", `/transactions/${txn.id}`, { status: "billed" });
    assertEquals(other.status, 400);
    assertEquals(((await other.json()) as ErrorBody).error.code, "invalid_field");

    const canceled = await call(simulator, "PATCH", `/transactions/${txn.id}`, {
      status: "canceled",
    });
    assertEquals(canceled.status, 200);
    const data = ((await canceled.json()) as { data: PaddleTransaction }).data;
    assertEquals([data.id, data.status, data.customer_id], [txn.id, "canceled", customer.id]);
    assertEquals({ ...data, status: txn.status, updated_at: txn.updated_at }, txn);
    const got = await call(simulator, "GET", `/transactions/${txn.id}`);
    assertEquals(((await got.json()) as { data: PaddleTransaction }).data, data);

    const again = await call(simulator, "PATCH", `/transactions/${txn.id}`, { status: "canceled" });
    assertEquals(again.status, 400);
    const { error } = (await again.json()) as ErrorBody;
    assertEquals(error.code, "transaction_invalid_status_change");
    assertEquals(error.detail, "Invalid attempt to change status from 'canceled' to 'canceled'");
    assertEquals(
      error.documentation_url,
      "https://developer.paddle.com/errors/transactions/transaction_invalid_status_change",
    );

    const pay = await fetch(`${simulator.url}/checkout/${txn.id}/pay`, {
      method: "POST",
      headers: { accept: "application/json" },
    });
    assertEquals(pay.status, 409);
    assertEquals((await pay.json()).error.code, "not_payable");

    const unknown = await call(simulator, "PATCH", `/transactions/${newPaddleId("txn")}`, {
      status: "canceled",
    });
    assertEquals(unknown.status, 404);
    assertEquals(
      (await call(simulator, "DELETE", `/transactions/${txn.id}`)).headers.get("allow"),
      "GET, PATCH",
    );
  });
});

Deno.test("selling: a paid transaction cannot be canceled", async () => {
  await withCatalog(async (simulator) => {
    const customer = await created<{ id: string }>(
      await call(simulator, "POST", "/customers", { email: "gina@example.com" }),
    );
    const txn = await created<PaddleTransaction>(
      await call(simulator, "POST", "/transactions", {
        items: [{ price_id: MONTHLY.id, quantity: 1 }],
        customer_id: customer.id,
      }),
    );
    const pay = await fetch(`${simulator.url}/checkout/${txn.id}/pay`, {
      method: "POST",
      headers: { accept: "application/json" },
    });
    assertEquals(pay.status, 200, await pay.clone().text());
    await pay.body?.cancel();
    const cancel = await call(simulator, "PATCH", `/transactions/${txn.id}`, {
      status: "canceled",
    });
    assertEquals(cancel.status, 400);
    assertEquals(
      ((await cancel.json()) as ErrorBody).error.detail,
      "Invalid attempt to change status from 'completed' to 'canceled'",
    );
  });
});
