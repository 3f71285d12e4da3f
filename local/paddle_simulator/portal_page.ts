/**
 * The simulator's stand-in for customer-portal.paddle.com. It shows what a link was minted for
 * (customer, action, subscription) so browser tests can check that a click opened the right
 * deep link, through stable `data-*` hooks rather than wording.
 */

import { escapeHtml, htmlDocument } from "./html.ts";
import { PORTAL_ID } from "./ids.ts";
import type { PortalAction, PortalLinks } from "./portal_links.ts";

const ACTION_LABELS: Record<PortalAction, string> = {
  overview: "Overview",
  cancel_subscription: "Cancel subscription",
  update_subscription_payment_method: "Update payment method",
};

const TITLE = "Paddle customer portal (simulator)";

export function isPortalPath(pathname: string): boolean {
  return PORTAL_ID.test(pathname.slice(1));
}

export function handlePortalPage(request: Request, url: URL, links: PortalLinks): Response {
  if (request.method !== "GET") {
    // Only a real visit may use up a one-time token; other methods are refused outright.
    return page(405, errorMarkup("invalid", "This portal link only opens with GET."), {
      allow: "GET",
    });
  }
  const redemption = links.redeem(
    url.pathname.slice(1),
    url.searchParams.get("token"),
    url.searchParams.get("action"),
    url.searchParams.get("subscription_id"),
  );
  switch (redemption.outcome) {
    case "expired":
      return page(
        410,
        errorMarkup(
          "expired",
          "This link has expired. Portal links work once: go back and open the portal again.",
        ),
      );
    case "invalid":
      return page(404, errorMarkup("invalid", "This link is invalid."));
    case "opened": {
      const { customerId, action, subscriptionId } = redemption.link;
      const subscriptionLine = subscriptionId === null
        ? ""
        : `\n    <p>Subscription: <span data-field="subscription-id">${
          escapeHtml(subscriptionId)
        }</span></p>`;
      return page(
        200,
        `<main id="portal" data-customer-id="${escapeHtml(customerId)}" data-action="${
          escapeHtml(action)
        }" data-subscription-id="${escapeHtml(subscriptionId ?? "")}">
    <h1>${TITLE}</h1>
    <p>Customer: <span data-field="customer-id">${escapeHtml(customerId)}</span></p>
    <p>Action: <span data-field="action">${ACTION_LABELS[action]}</span></p>${subscriptionLine}
  </main>`,
      );
    }
  }
}

function errorMarkup(reason: "expired" | "invalid", message: string): string {
  return `<main id="portal-error" data-reason="${reason}">
    <h1>${TITLE}</h1>
    <p>${escapeHtml(message)}</p>
  </main>`;
}

function page(status: number, main: string, extraHeaders: Record<string, string> = {}): Response {
  const html = htmlDocument(
    TITLE,
    "<style>body { font-family: system-ui, sans-serif; margin: 2rem; }</style>",
    main,
  );
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      // Paddle's portal refuses to be framed; an app that tries must find out locally.
      "x-frame-options": "DENY",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      // The token sits in the URL: keep it out of caches and out of Referer headers.
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      ...extraHeaders,
    },
  });
}
