import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "@std/assert";
import { fakeAccount } from "./fake_account.ts";
import { newPaddleId } from "./ids.ts";
import { startPaddleSimulator } from "./mod.ts";
import type { RecordedRequest } from "./recorder.ts";
import type { EntityCounts } from "./store.ts";
import {
  API_KEY,
  apiGet,
  callApi,
  control,
  CUSTOMER,
  session,
  SUBSCRIPTIONS,
  withSimulator,
} from "./test_support.ts";

interface EntitiesAnswer {
  upserted: EntityCounts;
  inserted: EntityCounts;
  stored: EntityCounts;
}

Deno.test("requests: the log holds method, path, lower-case headers and parsed body, oldest first", async () => {
  await withSimulator(async (simulator) => {
    await (await callApi(simulator)).body?.cancel();
    await (await callApi(simulator, { body: "not json", path: "/elsewhere?x=1" })).body?.cancel();
    await (await callApi(simulator, { body: "", authorization: null })).body?.cancel();

    const { status, body: log } = await control<RecordedRequest[]>(simulator, "GET", "/__requests");
    assertEquals(status, 200);
    assertEquals(log.length, 3);
    assertEquals(log[0].method, "POST");
    assertEquals(log[0].path, `/customers/${CUSTOMER}/portal-sessions`);
    assertEquals(log[0].headers.authorization, `Bearer ${API_KEY}`);
    assertEquals(log[0].headers["content-type"], "application/json");
    assertEquals(log[0].body, { subscription_ids: SUBSCRIPTIONS });
    assertEquals(log[1].path, "/elsewhere?x=1");
    assertEquals(log[1].body, "not json", "a body that is not JSON is kept as text");
    assertEquals(log[2].body, null, "an empty body is null");
    assertEquals(log[2].headers.authorization, undefined);
    for (const entry of log) {
      for (const name of Object.keys(entry.headers)) assertEquals(name, name.toLowerCase());
    }
  });
});

Deno.test("requests: DELETE clears the log; the request count keeps counting", async () => {
  await withSimulator(async (simulator) => {
    assertEquals(simulator.apiRequestCount(), 0);
    await (await callApi(simulator)).body?.cancel();
    await (await callApi(simulator)).body?.cancel();
    assertEquals(simulator.apiRequestCount(), 2);
    assertEquals((await control(simulator, "DELETE", "/__requests")).status, 204);
    assertEquals((await control(simulator, "GET", "/__requests")).body, []);
    await (await callApi(simulator)).body?.cancel();
    assertEquals(simulator.apiRequestCount(), 3);
    assertEquals((await control<unknown[]>(simulator, "GET", "/__requests")).body.length, 1);
  });
});

Deno.test("requests: portal visits and control calls are not API requests", async () => {
  await withSimulator(async (simulator) => {
    const { data } = await session(await callApi(simulator));
    await (await fetch(data.urls.general.overview)).body?.cancel();
    await control(simulator, "GET", "/__customers");
    await control(simulator, "GET", "/__requests");
    assertEquals(simulator.apiRequestCount(), 1);
    assertEquals((await control<unknown[]>(simulator, "GET", "/__requests")).body.length, 1);
  });
});

Deno.test("customers: the control API lists and registers customers", async () => {
  await withSimulator(async (simulator) => {
    assertEquals((await control(simulator, "GET", "/__customers")).body, [CUSTOMER]);
    const added = newPaddleId("ctm");
    const created = await control(simulator, "POST", "/__customers", { customerId: added });
    assertEquals(created.status, 201);
    assertEquals((await control(simulator, "GET", "/__customers")).body, [CUSTOMER, added]);
    const response = await callApi(simulator, { customerId: added });
    assertEquals(response.status, 201);
    await response.body?.cancel();

    for (const bad of [{ customerId: "ctm_nope" }, {}, "nope", { customerId: added, x: 1 }]) {
      const answer = await control<{ error: string }>(simulator, "POST", "/__customers", bad);
      assertEquals(answer.status, 400, JSON.stringify(bad));
      assert(answer.body.error.length > 0);
    }
  });
});

Deno.test("control: unknown endpoints answer 404 and wrong methods 405", async () => {
  await withSimulator(async (simulator) => {
    assertEquals((await control(simulator, "GET", "/__nope")).status, 404);
    const wrong = await fetch(`${simulator.url}/__requests`, { method: "PUT" });
    assertEquals(wrong.status, 405);
    assertEquals(wrong.headers.get("allow"), "GET, DELETE");
    await wrong.body?.cancel();
    assertEquals(simulator.apiRequestCount(), 0);
  });
});

Deno.test("entities: POST /__entities upserts by id and answers 201 with counts", async () => {
  await withSimulator(async (simulator) => {
    const account = fakeAccount({ customers: 4, subscriptions: 3, prices: 5 });
    const first = await control<EntitiesAnswer>(simulator, "POST", "/__entities", account);
    assertEquals(first.status, 201);
    assertEquals(first.body.upserted, { products: 1, prices: 5, customers: 4, subscriptions: 3 });
    assertEquals(first.body.inserted, { products: 1, prices: 5, customers: 4, subscriptions: 3 });
    // withSimulator's own customer is there too.
    assertEquals(first.body.stored, { products: 1, prices: 5, customers: 5, subscriptions: 3 });

    const renamed = {
      ...account.customers[0],
      name: "Renamed",
      updated_at: "2025-01-01T00:00:00Z",
    };
    const second = await control<EntitiesAnswer>(simulator, "POST", "/__entities", {
      customers: [renamed],
    });
    assertEquals(second.status, 201);
    assertEquals(second.body.upserted.customers, 1);
    assertEquals(second.body.inserted.customers, 0);
    assertEquals(second.body.stored.customers, 5);
    const got = await apiGet(simulator, `/customers/${renamed.id}`);
    assertEquals((await got.json()).data, renamed);

    // A customer loaded this way can open its portal.
    const portal = await callApi(simulator, { customerId: account.customers[3].id });
    assertEquals(portal.status, 201);
    await portal.body?.cancel();
    assertEquals((await control(simulator, "GET", "/__entities")).body, {
      stored: { products: 1, prices: 5, customers: 5, subscriptions: 3 },
    });
  });
});

Deno.test("entities: an invalid entity anywhere answers 400 naming it, and nothing is stored", async () => {
  await withSimulator(async (simulator) => {
    const account = fakeAccount({ customers: 3, subscriptions: 3, prices: 5 });
    const sub = account.subscriptions[2];
    const cases: [unknown, RegExp][] = [
      ["not json", /not JSON/],
      [[], /\(root\)/],
      [{ ...account, invoices: [] }, /invoices/],
      [
        { ...account, customers: [{ ...account.customers[0], id: "ctm_short" }] },
        /customers\[0\]\.id/,
      ],
      [
        { ...account, customers: [{ ...account.customers[0], email: undefined }] },
        /customers\[0\]\.email/,
      ],
      [
        { ...account, products: [{ ...account.products[0], status: "deleted" }] },
        /products\[0\]\.status/,
      ],
      [
        {
          ...account,
          prices: [{ ...account.prices[0], unit_price: { amount: 30, currency_code: "USD" } }],
        },
        /prices\[0\]\.unit_price\.amount/,
      ],
      [
        { ...account, subscriptions: [{ ...sub, updated_at: "yesterday" }] },
        /subscriptions\[0\]\.updated_at/,
      ],
      [{ ...account, subscriptions: [{ ...sub, items: [] }] }, /subscriptions\[0\]\.items/],
      [
        {
          ...account,
          subscriptions: [{
            ...sub,
            items: [{ ...sub.items[0], price: { id: sub.items[0].price.id } }],
          }],
        },
        /subscriptions\[0\]\.items\[0\]\.price/,
      ],
      [
        {
          ...account,
          subscriptions: [{
            ...sub,
            items: [{
              ...sub.items[0],
              product: { ...sub.items[0].product, id: `pro_${"1".repeat(26)}` },
            }],
          }],
        },
        /items\[0\]\.price\.product_id/,
      ],
      [
        { ...account, subscriptions: [{ ...sub, items: [sub.items[0], sub.items[0]] }] },
        /at most once/,
      ],
    ];
    for (const [body, message] of cases) {
      const answer = await control<{ error: string }>(simulator, "POST", "/__entities", body);
      assertEquals(answer.status, 400, JSON.stringify(body).slice(0, 100));
      assertMatch(answer.body.error, message);
    }
    assertEquals((await control(simulator, "GET", "/__entities")).body, {
      stored: { products: 0, prices: 0, customers: 1, subscriptions: 0 },
    });
  });
});

Deno.test("entities: 10,000 customers and 10,000 subscriptions in one body are accepted", async () => {
  await withSimulator(async (simulator) => {
    const account = fakeAccount({ customers: 10_000, subscriptions: 10_000 });
    const answer = await control<EntitiesAnswer>(simulator, "POST", "/__entities", account);
    assertEquals(answer.status, 201);
    assertEquals(answer.body.inserted, {
      products: 10,
      prices: 50,
      customers: 10_000,
      subscriptions: 10_000,
    });
  });
});

Deno.test("entities: DELETE /__entities empties the account; its customers' portals then answer 404", async () => {
  await withSimulator(async (simulator) => {
    assertEquals((await control(simulator, "DELETE", "/__entities")).status, 204);
    assertEquals((await control(simulator, "GET", "/__entities")).body, {
      stored: { products: 0, prices: 0, customers: 0, subscriptions: 0 },
    });
    const portal = await callApi(simulator);
    assertEquals(portal.status, 404);
    await portal.body?.cancel();
    const wrong = await fetch(`${simulator.url}/__entities`, { method: "PUT" });
    assertEquals(wrong.status, 405);
    assertEquals(wrong.headers.get("allow"), "GET, POST, DELETE");
    await wrong.body?.cancel();
  });
});

Deno.test("entities: startPaddleSimulator and loadEntities refuse invalid entities with the problems", async () => {
  const account = fakeAccount({ customers: 1 });
  await assertRejects(
    () =>
      startPaddleSimulator({
        apiKey: API_KEY,
        entities: { customers: [{ ...account.customers[0], locale: "" }] },
      }),
    TypeError,
    "customers[0].locale",
  );
  await withSimulator(async (simulator) => {
    assertThrows(
      () => simulator.loadEntities({ prices: [{ ...account.prices[0], id: "pri_x" }] }),
      TypeError,
      "prices[0].id",
    );
    assertEquals(simulator.loadEntities({ customers: account.customers }).customers, 1);
    const served = await apiGet(simulator, `/customers/${account.customers[0].id}`);
    assertEquals((await served.json()).data, account.customers[0]);
  });
});

Deno.test("cards: POST /__cards makes a customer's card decline and work again; bad bodies are 400", async () => {
  await withSimulator(async (simulator) => {
    assertEquals((await control(simulator, "GET", "/__cards")).body, { declining: [] });
    const marked = await control(simulator, "POST", "/__cards", {
      customerId: CUSTOMER,
      declines: true,
    });
    assertEquals(marked.status, 200);
    assertEquals(marked.body, { declining: [CUSTOMER] });
    for (const bad of [{ customerId: "ctm_x", declines: true }, { customerId: CUSTOMER }, {}]) {
      assertEquals((await control(simulator, "POST", "/__cards", bad)).status, 400);
    }
    assertEquals((await control(simulator, "GET", "/__cards")).body, { declining: [CUSTOMER] });
    await control(simulator, "POST", "/__cards", { customerId: CUSTOMER, declines: false });
    assertEquals((await control(simulator, "GET", "/__cards")).body, { declining: [] });
  });
});

Deno.test("clock: GET /__clock tells simulated now and how far it is ahead of the wall clock", async () => {
  await withSimulator(async (simulator) => {
    const { status, body } = await control<{ now: string; offsetMs: number }>(
      simulator,
      "GET",
      "/__clock",
    );
    assertEquals(status, 200);
    assertEquals(body.offsetMs, 0);
    assertMatch(body.now, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
