import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { newPaddleId } from "./ids.ts";
import { PortalLinks } from "./portal_links.ts";
import {
  callApi,
  control,
  CUSTOMER,
  session,
  SUBSCRIPTIONS,
  withSimulator,
} from "./test_support.ts";

async function visit(
  url: string,
  init?: RequestInit,
): Promise<{ response: Response; html: string }> {
  const response = await fetch(url, init);
  return { response, html: await response.text() };
}

function withQuery(url: string, change: (params: URLSearchParams) => void): string {
  const parsed = new URL(url);
  change(parsed.searchParams);
  return parsed.href;
}

Deno.test("portal: the overview link opens a page naming the customer, with browser-test hooks", async () => {
  await withSimulator(async (simulator) => {
    const { data } = await session(await callApi(simulator));
    const { response, html } = await visit(data.urls.general.overview);
    assertEquals(response.status, 200);
    assertEquals(response.headers.get("content-type"), "text/html; charset=utf-8");
    assertStringIncludes(
      html,
      `<main id="portal" data-customer-id="${CUSTOMER}" data-action="overview" data-subscription-id="">`,
    );
    assertStringIncludes(html, "Paddle customer portal (simulator)");
    assertStringIncludes(html, `Customer: <span data-field="customer-id">${CUSTOMER}</span>`);
    assertStringIncludes(html, `Action: <span data-field="action">Overview</span>`);
    assert(!html.includes("Subscription:"), "an overview link is not for a subscription");
  });
});

Deno.test("portal: deep links show the action and the subscription they were minted for", async () => {
  await withSimulator(async (simulator) => {
    const { data } = await session(await callApi(simulator));
    const [first, second] = data.urls.subscriptions;

    const cancel = await visit(first.cancel_subscription);
    assertEquals(cancel.response.status, 200);
    assertStringIncludes(
      cancel.html,
      `data-customer-id="${CUSTOMER}" data-action="cancel_subscription" data-subscription-id="${
        SUBSCRIPTIONS[0]
      }"`,
    );
    assertStringIncludes(cancel.html, 'Action: <span data-field="action">Cancel subscription');
    assertStringIncludes(
      cancel.html,
      `Subscription: <span data-field="subscription-id">${first.id}`,
    );

    const update = await visit(second.update_subscription_payment_method);
    assertEquals(update.response.status, 200);
    assertStringIncludes(update.html, `data-action="update_subscription_payment_method"`);
    assertStringIncludes(update.html, `data-subscription-id="${SUBSCRIPTIONS[1]}"`);
    assertStringIncludes(update.html, "Update payment method");
  });
});

Deno.test("portal: the page refuses to be framed and keeps its token out of caches and referrers", async () => {
  await withSimulator(async (simulator) => {
    const { data } = await session(await callApi(simulator));
    for (const url of [data.urls.general.overview, `${simulator.url}/${newPaddleId("cpl")}`]) {
      const { response } = await visit(url);
      assertEquals(response.headers.get("x-frame-options"), "DENY");
      assertStringIncludes(
        response.headers.get("content-security-policy") ?? "",
        "frame-ancestors 'none'",
      );
      assertEquals(response.headers.get("cache-control"), "no-store");
      assertEquals(response.headers.get("referrer-policy"), "no-referrer");
    }
  });
});

Deno.test("portal: each link works once; a second visit says it has expired (410)", async () => {
  await withSimulator(async (simulator) => {
    const { data } = await session(await callApi(simulator));
    const link = data.urls.subscriptions[0].cancel_subscription;
    assertEquals((await visit(link)).response.status, 200);
    const again = await visit(link);
    assertEquals(again.response.status, 410);
    assertEquals(again.response.headers.get("content-type"), "text/html; charset=utf-8");
    assertStringIncludes(again.html, `<main id="portal-error" data-reason="expired">`);
    assertStringIncludes(again.html, "This link has expired");
    assert(!again.html.includes(CUSTOMER), "an expired link reveals nothing");
    // Using one link leaves the session's other links working.
    assertEquals((await visit(data.urls.general.overview)).response.status, 200);
  });
});

Deno.test("portal: forged, missing or moved tokens are refused as invalid (404)", async () => {
  await withSimulator(async (simulator) => {
    const first = (await session(await callApi(simulator))).data.urls;
    const other = (await session(await callApi(simulator))).data.urls;
    const otherPortal = new URL(other.general.overview).pathname;
    const overview = first.general.overview;
    const cancel = first.subscriptions[0].cancel_subscription;

    const refused = [
      withQuery(overview, (q) => q.set("token", "pga_forged")),
      withQuery(overview, (q) => q.delete("token")),
      withQuery(cancel, (q) => q.set("action", "update_subscription_payment_method")),
      withQuery(cancel, (q) => q.set("subscription_id", SUBSCRIPTIONS[1])),
      withQuery(overview, (q) => q.set("subscription_id", SUBSCRIPTIONS[0])),
      // A valid token on another session's portal path.
      (() => {
        const moved = new URL(overview);
        moved.pathname = otherPortal;
        return moved.href;
      })(),
    ];
    for (const url of refused) {
      const { response, html } = await visit(url);
      assertEquals(response.status, 404, url);
      assertStringIncludes(html, `data-reason="invalid"`);
      assertStringIncludes(html, "This link is invalid");
    }
    // A refused attempt does not use up the genuine link.
    assertEquals((await visit(overview)).response.status, 200);
    assertEquals((await visit(cancel)).response.status, 200);
  });
});

Deno.test("portal: only GET opens a link, and other methods do not use it up", async () => {
  await withSimulator(async (simulator) => {
    const { data } = await session(await callApi(simulator));
    const { response } = await visit(data.urls.general.overview, { method: "POST" });
    assertEquals(response.status, 405);
    assertEquals(response.headers.get("allow"), "GET");
    assertEquals((await visit(data.urls.general.overview)).response.status, 200);
    assertEquals((await control<unknown[]>(simulator, "GET", "/__requests")).body.length, 1);
  });
});

Deno.test("portal links: the oldest links are forgotten beyond capacity", () => {
  const links = new PortalLinks(3);
  const customer = newPaddleId("ctm");
  const first = new URL(links.mintSession("http://x", customer, []).general.overview);
  const rest = links.mintSession("http://x", customer, [newPaddleId("sub")]);
  const redeem = (url: URL) =>
    links.redeem(
      url.pathname.slice(1),
      url.searchParams.get("token"),
      url.searchParams.get("action"),
      url.searchParams.get("subscription_id"),
    ).outcome;
  assertEquals(redeem(first), "invalid");
  assertEquals(redeem(new URL(rest.subscriptions[0].cancel_subscription)), "opened");
});
