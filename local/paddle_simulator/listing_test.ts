import { assert, assertEquals, assertMatch } from "@std/assert";
import { type FakeAccount, fakeAccount } from "./fake_account.ts";
import { type PaddleSimulator, startPaddleSimulator } from "./mod.ts";
import {
  API_KEY,
  apiGet,
  type ErrorBody,
  type ListBody,
  paddleError,
  UUID,
  walkPages,
} from "./test_support.ts";

const ACCOUNT = fakeAccount({ customers: 120, subscriptions: 90, prices: 20, seed: 7 });
const sortedIds = (entities: { id: string }[]) => entities.map((e) => e.id).sort();
const ids = (pages: ListBody[]) => pages.flatMap((page) => page.data.map((e) => e.id));

async function withAccount(
  test: (simulator: PaddleSimulator, account: FakeAccount) => Promise<void>,
  account: FakeAccount = ACCOUNT,
): Promise<void> {
  const simulator = await startPaddleSimulator({ apiKey: API_KEY, entities: account });
  try {
    await test(simulator, account);
  } finally {
    await simulator.stop();
  }
}

async function invalidField(response: Response): Promise<ErrorBody> {
  const body = await paddleError(response);
  assertEquals(response.status, 400, JSON.stringify(body));
  assertEquals(body.error.code, "invalid_field");
  assertEquals(body.error.type, "request_error");
  assertEquals(body.error.detail, "Request does not pass validation.");
  assertMatch(body.meta.request_id, UUID);
  return body;
}

Deno.test("list: walking every page with per_page 1, 7 and 200 returns every entity once, in id order", async () => {
  await withAccount(async (simulator, account) => {
    const all = sortedIds(account.customers);
    for (const perPage of [1, 7, 200]) {
      const pages = await walkPages(
        simulator,
        `/customers?per_page=${perPage}&order_by=id[ASC]&status=active,archived`,
      );
      assertEquals(ids(pages), all, `per_page ${perPage}`);
      assertEquals(pages.length, Math.ceil(all.length / perPage));
      for (const [index, page] of pages.entries()) {
        assertEquals(page.meta.pagination.per_page, perPage);
        assertEquals(page.meta.pagination.estimated_total, all.length);
        assertEquals(page.meta.pagination.has_more, index < pages.length - 1);
        assertMatch(page.meta.request_id, UUID);
      }
    }
  });
});

Deno.test("list: every kind pages in full, entities exactly as loaded", async () => {
  await withAccount(async (simulator, account) => {
    for (const kind of ["products", "prices", "customers", "subscriptions"] as const) {
      const status = kind === "subscriptions" ? "" : "&status=active,archived";
      const pages = await walkPages(simulator, `/${kind}?per_page=13&order_by=id[ASC]${status}`);
      const byId = new Map(account[kind].map((entity) => [entity.id, entity]));
      assertEquals(ids(pages), sortedIds(account[kind]), kind);
      for (const entity of pages.flatMap((page) => page.data)) {
        assertEquals(entity, JSON.parse(JSON.stringify(byId.get(entity.id))));
      }
    }
  });
});

Deno.test("list: next is the full URL on the simulator with the request's filters plus after", async () => {
  await withAccount(async (simulator, account) => {
    const customer = `${account.subscriptions[0].customer_id},${
      account.subscriptions[1].customer_id
    }`;
    const response = await apiGet(
      simulator,
      `/subscriptions?customer_id=${customer}&per_page=1&order_by=id[ASC]&status=active,canceled,past_due,paused,trialing`,
    );
    const body: ListBody = await response.json();
    const next = new URL(body.meta.pagination.next);
    assertEquals(next.origin, simulator.url);
    assertEquals(next.pathname, "/subscriptions");
    assertEquals([...next.searchParams.keys()], [
      "customer_id",
      "per_page",
      "order_by",
      "status",
      "after",
    ]);
    assertEquals(next.searchParams.get("customer_id"), customer);
    assertEquals(next.searchParams.get("order_by"), "id[ASC]");
    assertEquals(next.searchParams.get("after"), body.data[0].id);
    // A later page's after replaces the cursor rather than adding a second one.
    const second: ListBody = await (await apiGet(simulator, body.meta.pagination.next)).json();
    const nextOfSecond = new URL(second.meta.pagination.next);
    assertEquals(nextOfSecond.searchParams.getAll("after"), [second.data.at(-1)?.id]);
    assert(!body.meta.pagination.next.includes(" "));
  });
});

Deno.test("list: the last page still carries next, with has_more false", async () => {
  await withAccount(async (simulator, account) => {
    const response = await apiGet(simulator, "/prices?per_page=200&order_by=id[ASC]");
    const body: ListBody = await response.json();
    assertEquals(body.data.length, account.prices.length);
    assertEquals(body.meta.pagination.has_more, false);
    const next = new URL(body.meta.pagination.next);
    assertEquals(next.searchParams.get("after"), body.data.at(-1)?.id);
    const beyond: ListBody = await (await apiGet(simulator, body.meta.pagination.next)).json();
    assertEquals(beyond.data, []);
    assertEquals(beyond.meta.pagination.has_more, false);
  });
});

Deno.test("list: Paddle's defaults are 50 per page, id[DESC], and only active catalog and customers", async () => {
  const account = fakeAccount({ customers: 120, subscriptions: 60, seed: 3 });
  account.products[0].status = "archived";
  account.prices[1].status = "archived";
  await withAccount(async (simulator) => {
    const body: ListBody = await (await apiGet(simulator, "/customers")).json();
    const active = account.customers.filter((c) => c.status === "active");
    assert(active.length < account.customers.length, "the fixture has archived customers");
    assertEquals(body.meta.pagination.per_page, 50);
    assertEquals(body.meta.pagination.estimated_total, active.length);
    assertEquals(body.data.map((c) => c.id), sortedIds(active).reverse().slice(0, 50));

    const products: ListBody = await (await apiGet(simulator, "/products")).json();
    assertEquals(products.meta.pagination.estimated_total, account.products.length - 1);
    const prices: ListBody = await (await apiGet(simulator, "/prices?status=archived")).json();
    assertEquals(prices.data.map((p) => p.id), [account.prices[1].id]);
    // Subscriptions list every status unless asked.
    const subs: ListBody = await (await apiGet(simulator, "/subscriptions?per_page=200")).json();
    assertEquals(subs.data.length, account.subscriptions.length);
    assertEquals(new Set(subs.data.map((s) => s.status)).size > 1, true);
  }, account);
});

Deno.test("list: id[DESC] walks every page backwards", async () => {
  await withAccount(async (simulator, account) => {
    const pages = await walkPages(simulator, "/subscriptions?per_page=7&order_by=id[DESC]");
    assertEquals(ids(pages), sortedIds(account.subscriptions).reverse());
  });
});

Deno.test("list: filters by id, status, customer_id, price_id, email and product_id, and estimated_total follows", async () => {
  await withAccount(async (simulator, account) => {
    const get = async (path: string) => (await (await apiGet(simulator, path)).json()) as ListBody;

    const picked = [account.customers[5].id, account.customers[2].id, "ctm_" + "0".repeat(26)];
    const byId = await get(`/customers?id=${picked.join(",")}&order_by=id[ASC]`);
    assertEquals(byId.data.map((c) => c.id), [account.customers[2].id, account.customers[5].id]);
    assertEquals(byId.meta.pagination.estimated_total, 2);

    const wanted = ["past_due", "paused"];
    const byStatus = await get(`/subscriptions?status=${wanted.join(",")}&per_page=200`);
    const expected = account.subscriptions.filter((s) => wanted.includes(s.status));
    assert(expected.length > 0);
    assertEquals(byStatus.data.map((s) => s.id), sortedIds(expected).reverse());
    assertEquals(byStatus.meta.pagination.estimated_total, expected.length);

    const customer = account.subscriptions[3].customer_id;
    const mine = await get(`/subscriptions?customer_id=${customer}&per_page=200`);
    assertEquals(
      mine.data.map((s) => s.id),
      sortedIds(account.subscriptions.filter((s) => s.customer_id === customer)).reverse(),
    );

    const price = account.subscriptions[0].items[0].price.id;
    const holding = await get(`/subscriptions?price_id=${price}&per_page=200`);
    const holders = account.subscriptions.filter((s) => s.items.some((i) => i.price.id === price));
    assertEquals(sortedIds(holding.data), sortedIds(holders));

    const email = account.customers[7].email;
    const byEmail = await get(`/customers?email=${encodeURIComponent(email)}`);
    assertEquals(byEmail.data.map((c) => c.id), [account.customers[7].id]);

    const product = account.products[1].id;
    const prices = await get(`/prices?product_id=${product}&per_page=200`);
    assertEquals(
      sortedIds(prices.data),
      sortedIds(account.prices.filter((p) => p.product_id === product)),
    );
    assertEquals(prices.data.every((p) => p.product_id === product), true);
  });
});

Deno.test("list: per_page above 200 returns 200 as Paddle does; below 1 or not a number is invalid_field", async () => {
  await withAccount(async (simulator, account) => {
    const big: ListBody = await (await apiGet(simulator, "/subscriptions?per_page=201")).json();
    assertEquals(big.meta.pagination.per_page, 200);
    assertEquals(big.data.length, Math.min(200, account.subscriptions.length));
    for (const perPage of ["0", "-1", "abc", "1.5"]) {
      const body = await invalidField(await apiGet(simulator, `/customers?per_page=${perPage}`));
      assertEquals(body.error.errors?.map((e) => e.field), ["per_page"]);
    }
  });
});

Deno.test("list: a bad order_by, after, id or status answers 400 invalid_field naming each field", async () => {
  await withAccount(async (simulator) => {
    const cases: [string, string[]][] = [
      ["/customers?order_by=name[ASC]", ["order_by"]],
      ["/customers?order_by=id", ["order_by"]],
      ["/customers?order_by=id[asc]", ["order_by"]],
      ["/products?order_by=name[ASC]", ["order_by"]],
      ["/customers?after=sub_01h8441jn5pcwrfhwh78jqt8hk", ["after"]],
      ["/subscriptions?id=sub_nope", ["id"]],
      ["/subscriptions?status=expired", ["status"]],
      ["/customers?status=canceled&per_page=0", ["per_page", "status"]],
      ["/subscriptions?customer_id=cus_1", ["customer_id"]],
      ["/customers?search=alice", ["search"]],
    ];
    for (const [path, fields] of cases) {
      const body = await invalidField(await apiGet(simulator, path));
      assertEquals(body.error.errors?.map((e) => e.field).sort(), fields, path);
      assert(body.error.errors?.every((e) => e.message.length > 0));
    }
    // A field Paddle sorts products by, which the simulator does not: said plainly.
    const body = await invalidField(await apiGet(simulator, "/products?order_by=name[ASC]"));
    assertMatch(body.error.errors?.[0].message ?? "", /orders by id only/);
  });
});

Deno.test("list: Skip-Count: true answers estimated_total -1", async () => {
  await withAccount(async (simulator) => {
    const counted: ListBody = await (await apiGet(simulator, "/subscriptions")).json();
    assertEquals(counted.meta.pagination.estimated_total, ACCOUNT.subscriptions.length);
    const skipped: ListBody = await (await apiGet(simulator, "/subscriptions", {
      "Skip-Count": "true",
    })).json();
    assertEquals(skipped.meta.pagination.estimated_total, -1);
    assertEquals(skipped.data, counted.data);
  });
});

Deno.test("list: estimated_total is capped at 100001 beyond 100,000 matches, as Paddle does", async () => {
  const account = fakeAccount({ customers: 0, subscriptions: 0, prices: 0 });
  const simulator = await startPaddleSimulator({ apiKey: API_KEY, entities: account });
  try {
    const customers = [];
    for (let i = 0; i < 100_001; i++) {
      customers.push({
        id: `ctm_${String(i).padStart(26, "0")}`,
        name: null,
        email: `c${i}@example.com`,
        marketing_consent: false,
        status: "active" as const,
        custom_data: null,
        locale: "en",
        created_at: "2024-01-01T00:00:00Z",
        updated_at: "2024-01-01T00:00:00Z",
        import_meta: null,
      });
    }
    simulator.loadEntities({ customers });
    const body: ListBody = await (await apiGet(simulator, "/customers?per_page=1")).json();
    assertEquals(body.meta.pagination.estimated_total, 100_001);
    simulator.loadEntities({ customers: [{ ...customers[0], status: "archived" }] });
    const exact: ListBody = await (await apiGet(simulator, "/customers?per_page=1")).json();
    assertEquals(exact.meta.pagination.estimated_total, 100_000);
  } finally {
    await simulator.stop();
  }
});

Deno.test("get: 200 with the entity and a request id; 404 not_found for unknown or malformed ids", async () => {
  await withAccount(async (simulator, account) => {
    for (const kind of ["products", "prices", "customers", "subscriptions"] as const) {
      const entity = account[kind][1];
      const response = await apiGet(simulator, `/${kind}/${entity.id}`);
      assertEquals(response.status, 200);
      assertEquals(response.headers.get("content-type"), "application/json");
      const body = await response.json();
      assertEquals(Object.keys(body).sort(), ["data", "meta"]);
      assertEquals(body.data, JSON.parse(JSON.stringify(entity)));
      assertMatch(body.meta.request_id, UUID);
    }
    const unknown = "sub_" + "z".repeat(26);
    const missing = await paddleError(await apiGet(simulator, `/subscriptions/${unknown}`));
    assertEquals([missing.error.code, missing.error.detail], [
      "not_found",
      `Entity ${unknown} not found`,
    ]);
    for (const path of ["/customers/nope", `/products/${account.prices[0].id}`, "/prices/%ff"]) {
      const response = await apiGet(simulator, path);
      assertEquals(response.status, 404, path);
      assertEquals((await paddleError(response)).error.code, "not_found");
    }
  });
});

Deno.test("list and get: a wrong key answers 403 invalid_token before anything else", async () => {
  await withAccount(async (simulator, account) => {
    for (const path of ["/customers?per_page=999999", `/customers/${account.customers[0].id}`]) {
      const response = await fetch(`${simulator.url}${path}`, {
        headers: { authorization: "Bearer pdl_sdbx_apikey_someoneelse" },
      });
      assertEquals(response.status, 403);
      assertEquals((await paddleError(response)).error.code, "invalid_token");
    }
    const none = await fetch(`${simulator.url}/subscriptions`);
    assertEquals((await paddleError(none)).error.code, "authentication_missing");
  });
});

Deno.test("list and get: other methods answer 405 with Allow: GET", async () => {
  await withAccount(async (simulator, account) => {
    for (const path of ["/products", `/subscriptions/${account.subscriptions[0].id}`]) {
      const response = await fetch(`${simulator.url}${path}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      assertEquals(response.status, 405);
      assertEquals(response.headers.get("allow"), "GET");
      assertEquals((await paddleError(response)).error.code, "method_not_allowed");
    }
  });
});
