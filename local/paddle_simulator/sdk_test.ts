/**
 * Drives the simulator with the real Paddle Node SDK, the client the product's functions use,
 * so a drift between the simulator and what the SDK sends or parses fails here.
 */

import { ApiError, Environment, Paddle } from "@paddle/paddle-node-sdk";
import { assert, assertEquals, assertInstanceOf, assertMatch, assertRejects } from "@std/assert";
import { CUSTOMER_ID, newPaddleId, PORTAL_SESSION_ID } from "./ids.ts";
import type { RecordedRequest } from "./recorder.ts";
import { API_KEY, control, CUSTOMER, SUBSCRIPTIONS, withSimulator } from "./test_support.ts";

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
