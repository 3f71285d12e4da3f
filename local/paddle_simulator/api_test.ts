import { assert, assertEquals, assertMatch, assertNotEquals, assertThrows } from "@std/assert";
import { CUSTOMER_ID, newPaddleId, PORTAL_ID, PORTAL_SESSION_ID } from "./ids.ts";
import {
  API_KEY,
  callApi,
  CUSTOMER,
  type ErrorBody,
  paddleError,
  session,
  SUBSCRIPTIONS,
  UUID,
  withSimulator,
} from "./test_support.ts";

async function expectError(
  response: Response,
  status: number,
  code: string,
): Promise<ErrorBody> {
  const body = await paddleError(response);
  assertEquals(response.status, status, JSON.stringify(body));
  assertEquals(response.headers.get("content-type"), "application/json");
  assertEquals(body.error.code, code);
  assertEquals(body.error.documentation_url, `https://developer.paddle.com/errors/shared/${code}`);
  assert(body.error.detail.length > 0);
  assertMatch(body.meta.request_id, UUID);
  return body;
}

Deno.test("api: 201 with Paddle's session body, id shapes and portal URL shapes", async () => {
  await withSimulator(async (simulator) => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const response = await callApi(simulator);
    assertEquals(response.status, 201);
    assertEquals(response.headers.get("content-type"), "application/json");
    const { data, meta } = await session(response);

    assertEquals(Object.keys(data).sort(), ["created_at", "customer_id", "id", "urls"]);
    assertMatch(data.id, PORTAL_SESSION_ID);
    assertMatch(data.customer_id, CUSTOMER_ID);
    assertEquals(data.customer_id, CUSTOMER);
    assertMatch(data.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert(Date.parse(data.created_at) >= before && Date.parse(data.created_at) <= Date.now());
    assertMatch(meta.request_id, UUID);

    const overview = new URL(data.urls.general.overview);
    assertEquals(overview.origin, simulator.url);
    const portalPath = overview.pathname;
    assertMatch(portalPath.slice(1), PORTAL_ID);
    assertEquals([...overview.searchParams.keys()], ["action", "token"]);
    assertEquals(overview.searchParams.get("action"), "overview");

    assertEquals(data.urls.subscriptions.map((s) => s.id), SUBSCRIPTIONS);
    const tokens = [overview.searchParams.get("token")];
    for (const entry of data.urls.subscriptions) {
      assertEquals(Object.keys(entry).sort(), [
        "cancel_subscription",
        "id",
        "update_subscription_payment_method",
      ]);
      for (const action of ["cancel_subscription", "update_subscription_payment_method"] as const) {
        const link = new URL(entry[action]);
        assertEquals(link.origin, simulator.url);
        assertEquals(link.pathname, portalPath, "a session's links share one portal id");
        assertEquals([...link.searchParams.keys()], ["action", "subscription_id", "token"]);
        assertEquals(link.searchParams.get("action"), action);
        assertEquals(link.searchParams.get("subscription_id"), entry.id);
        tokens.push(link.searchParams.get("token"));
      }
    }
    for (const token of tokens) assertMatch(token ?? "", /^pga_[A-Za-z0-9_-]+$/);
    assertEquals(new Set(tokens).size, 5, "every URL carries its own token");
  });
});

Deno.test("api: every call mints a fresh session with fresh links", async () => {
  await withSimulator(async (simulator) => {
    const first = (await session(await callApi(simulator))).data;
    const second = (await session(await callApi(simulator))).data;
    assertNotEquals(first.id, second.id);
    assertNotEquals(first.urls.general.overview, second.urls.general.overview);
    assertNotEquals(
      new URL(first.urls.general.overview).pathname,
      new URL(second.urls.general.overview).pathname,
    );
  });
});

Deno.test("api: an empty list, an empty object or no body gives an overview-only session", async () => {
  await withSimulator(async (simulator) => {
    for (const body of [{ subscription_ids: [] }, {}, { subscription_ids: null }, ""]) {
      const response = await callApi(simulator, { body });
      assertEquals(response.status, 201, `body ${JSON.stringify(body)}`);
      const { data } = await session(response);
      assertEquals(data.urls.subscriptions, []);
      assertEquals(new URL(data.urls.general.overview).searchParams.get("action"), "overview");
    }
  });
});

Deno.test("api: 25 subscription ids is the limit Paddle allows", async () => {
  await withSimulator(async (simulator) => {
    const ids = Array.from({ length: 25 }, () => newPaddleId("sub"));
    const response = await callApi(simulator, { body: { subscription_ids: ids } });
    assertEquals(response.status, 201);
    assertEquals((await session(response)).data.urls.subscriptions.length, 25);
  });
});

Deno.test("api: authentication failures answer 403 with Paddle's codes", async () => {
  await withSimulator(async (simulator) => {
    await expectError(
      await callApi(simulator, { authorization: null }),
      403,
      "authentication_missing",
    );
    for (const authorization of ["Basic abc", "Bearer", `Bearer ${API_KEY} extra`, API_KEY]) {
      await expectError(
        await callApi(simulator, { authorization }),
        403,
        "authentication_malformed",
      );
    }
    const wrong = await expectError(
      await callApi(simulator, { authorization: "Bearer pdl_sdbx_apikey_someoneelse" }),
      403,
      "invalid_token",
    );
    assertEquals(wrong.error.type, "request_error");
    assertEquals(wrong.error.detail, "Invalid or revoked API key.");
    assertEquals("errors" in wrong.error, false, "errors appear only on validation failures");
    // The scheme is case-insensitive: the Node SDK sends "bearer".
    for (const scheme of ["bearer", "BEARER", "Bearer"]) {
      const response = await callApi(simulator, { authorization: `${scheme} ${API_KEY}` });
      assertEquals(response.status, 201, scheme);
      await response.body?.cancel();
    }
  });
});

Deno.test("api: authentication is checked before the route, the customer and the body", async () => {
  await withSimulator(async (simulator) => {
    const authorization = "Bearer wrong";
    await expectError(
      await callApi(simulator, { authorization, path: "/nope" }),
      403,
      "invalid_token",
    );
    await expectError(
      await callApi(simulator, { authorization, customerId: newPaddleId("ctm") }),
      403,
      "invalid_token",
    );
    await expectError(await callApi(simulator, { authorization, body: "{" }), 403, "invalid_token");
  });
});

Deno.test("api: unknown or malformed customer ids answer 404 not_found", async () => {
  await withSimulator(async (simulator) => {
    const unknown = newPaddleId("ctm");
    const body = await expectError(
      await callApi(simulator, { customerId: unknown }),
      404,
      "not_found",
    );
    assertEquals(body.error.detail, `Entity ${unknown} not found`);
    for (const customerId of ["ctm_short", "cus_01h8441jn5pcwrfhwh78jqt8hk", "CTM_X", "%ff"]) {
      await expectError(await callApi(simulator, { customerId }), 404, "not_found");
    }
  });
});

Deno.test("api: addCustomer makes a customer known; malformed ids are refused", async () => {
  await withSimulator(async (simulator) => {
    const added = newPaddleId("ctm");
    await expectError(await callApi(simulator, { customerId: added }), 404, "not_found");
    simulator.addCustomer(added);
    const response = await callApi(simulator, { customerId: added });
    assertEquals(response.status, 201);
    assertEquals((await session(response)).data.customer_id, added);
    assertThrows(() => simulator.addCustomer("ctm_123"), TypeError);
  });
});

Deno.test("api: more than 25 ids answers 400 invalid_field naming the field", async () => {
  await withSimulator(async (simulator) => {
    const ids = Array.from({ length: 26 }, () => newPaddleId("sub"));
    const body = await expectError(
      await callApi(simulator, { body: { subscription_ids: ids } }),
      400,
      "invalid_field",
    );
    assertEquals(body.error.detail, "Request does not pass validation.");
    assertEquals(body.error.errors?.map((e) => e.field), ["subscription_ids"]);
  });
});

Deno.test("api: malformed and duplicate subscription ids answer 400 invalid_field", async () => {
  await withSimulator(async (simulator) => {
    const [first] = SUBSCRIPTIONS;
    const cases: [unknown, string[]][] = [
      [{ subscription_ids: [first, "sub_nope"] }, ["subscription_ids[1]"]],
      [{ subscription_ids: [first, first] }, ["subscription_ids[1]"]],
      [{ subscription_ids: [42] }, ["subscription_ids[0]"]],
      [{ subscription_ids: first }, ["subscription_ids"]],
      [[first], ["(root)"]],
      ["42", ["(root)"]],
    ];
    for (const [requestBody, fields] of cases) {
      const body = await expectError(
        await callApi(simulator, { body: requestBody }),
        400,
        "invalid_field",
      );
      assertEquals(body.error.errors?.map((e) => e.field), fields, JSON.stringify(requestBody));
      assert(body.error.errors?.every((e) => e.message.length > 0));
    }
  });
});

Deno.test("api: a body that is not JSON answers 400 bad_request", async () => {
  await withSimulator(async (simulator) => {
    const body = await expectError(
      await callApi(simulator, { body: "{not json" }),
      400,
      "bad_request",
    );
    assertEquals(body.error.detail, "Invalid request.");
  });
});

Deno.test("api: the body is validated before the customer is looked up", async () => {
  await withSimulator(async (simulator) => {
    await expectError(
      await callApi(simulator, { customerId: newPaddleId("ctm"), body: "{" }),
      400,
      "bad_request",
    );
  });
});

Deno.test("api: unknown paths answer 404 and other methods 405, as JSON envelopes", async () => {
  await withSimulator(async (simulator) => {
    await expectError(await callApi(simulator, { path: "/discounts" }), 404, "not_found");
    // /customers lists (GET) and creates (POST); nothing else.
    const replace = await callApi(simulator, { path: "/customers", method: "PUT" });
    assertEquals(replace.headers.get("allow"), "GET, POST");
    await expectError(replace, 405, "method_not_allowed");
    // /transactions lists (GET) and creates (POST), as Paddle's API does.
    const transactions = await callApi(simulator, { path: "/transactions", method: "DELETE" });
    assertEquals(transactions.headers.get("allow"), "GET, POST");
    await expectError(transactions, 405, "method_not_allowed");
    await expectError(
      await callApi(simulator, { path: `/customers/${CUSTOMER}/portal-sessions/x` }),
      404,
      "not_found",
    );
    const response = await callApi(simulator, { method: "GET" });
    assertEquals(response.headers.get("allow"), "POST");
    await expectError(response, 405, "method_not_allowed");
  });
});
