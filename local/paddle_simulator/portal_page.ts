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

/** Where an "Update payment method" page posts its form. */
const PAYMENT_METHOD_PATH = "/payment-method";

/**
 * What submitting "Update payment method" does to the account (dunning.ts): true when a
 * past-due payment was collected with the new card.
 */
export type UpdatePaymentMethod = (customerId: string, subscriptionId: string | null) => boolean;

export function isPortalPath(pathname: string): boolean {
  const portalId = pathname.slice(1).replace(/\/payment-method$/, "");
  return PORTAL_ID.test(portalId);
}

export function handlePortalPage(
  request: Request,
  url: URL,
  links: PortalLinks,
  updatePaymentMethod: UpdatePaymentMethod = () => false,
): Response | Promise<Response> {
  if (url.pathname.endsWith(PAYMENT_METHOD_PATH)) {
    return submitPaymentMethod(request, url, links, updatePaymentMethod);
  }
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
      const form = action === "update_subscription_payment_method"
        ? paymentMethodForm(url.pathname, links.mintForm(redemption.link))
        : "";
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
    <p>Action: <span data-field="action">${
          ACTION_LABELS[action]
        }</span></p>${subscriptionLine}${form}
  </main>`,
      );
    }
  }
}

/** The card form: the simulator has no card to type, so submitting stands for a working card. */
function paymentMethodForm(portalPath: string, formToken: string): string {
  return `
    <form method="post" action="${escapeHtml(portalPath + PAYMENT_METHOD_PATH)}">
      <input type="hidden" name="form_token" value="${escapeHtml(formToken)}">
      <button type="submit" data-action="save-payment-method">Save card</button>
    </form>`;
}

async function submitPaymentMethod(
  request: Request,
  url: URL,
  links: PortalLinks,
  updatePaymentMethod: UpdatePaymentMethod,
): Promise<Response> {
  if (request.method !== "POST") {
    return page(405, errorMarkup("invalid", "This form only accepts POST."), { allow: "POST" });
  }
  let token: string | null = null;
  try {
    const value = (await request.formData()).get("form_token");
    token = typeof value === "string" ? value : null;
  } catch {
    token = null; // not a form: treated like a missing token
  }
  const portalId = url.pathname.slice(1, -PAYMENT_METHOD_PATH.length);
  const link = links.redeemForm(portalId, token);
  if (!link) return page(404, errorMarkup("invalid", "This form has expired or is invalid."));
  const collected = updatePaymentMethod(link.customerId, link.subscriptionId);
  return page(
    200,
    `<main id="portal-payment-method" data-customer-id="${
      escapeHtml(link.customerId)
    }" data-outcome="${collected ? "payment_collected" : "updated"}">
    <h1>${TITLE}</h1>
    <p>Your payment method was updated.${
      collected ? " The outstanding payment was collected." : ""
    }</p>
  </main>`,
  );
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
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      // The token sits in the URL: keep it out of caches and out of Referer headers.
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      ...extraHeaders,
    },
  });
}
