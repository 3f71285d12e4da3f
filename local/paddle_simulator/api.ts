/**
 * The Paddle API operations the product uses: create a customer portal session, sell (create a
 * customer or a transaction, get a transaction: selling_api.ts), list or get products,
 * prices, customers, subscriptions and transactions (listing.ts), and a transaction's invoice
 * PDF link (transaction_invoices.ts). Checks run in the order Paddle
 * applies them, so a request with several faults fails for the same reason it would in sandbox:
 * authentication, then the route, then the path id, then the body, then whether the customer
 * exists.
 */

import { handleAddressesRequest } from "./addresses_api.ts";
import { type FieldError, paddleError } from "./errors.ts";
import { handleAdjustmentsRequest } from "./adjustments_api.ts";
import { type EventLog, handleEventsRequest } from "./events_api.ts";
import { CUSTOMER_ID, newPaddleId, paddleTimestamp, SUBSCRIPTION_ID } from "./ids.ts";
import { handleListingRequest } from "./listing.ts";
import type { PortalLinks } from "./portal_links.ts";
import {
  handlePricingPreview,
  PRICING_PREVIEW_PATH,
  type PricingContext,
} from "./pricing_preview.ts";
import { handleSellingRequest, type SellingContext } from "./selling_api.ts";
import { handleTransactionInvoiceRequest, type InvoiceLinks } from "./transaction_invoices.ts";
import { handleSubscriptionUpdateRequest } from "./subscription_updates.ts";

/** Paddle's documented limit for `subscription_ids`. */
export const MAX_SUBSCRIPTION_IDS = 25;

export interface ApiContext extends SellingContext, PricingContext {
  apiKey: string;
  links: PortalLinks;
  invoices: InvoiceLinks;
  /** Where portal links and `meta.pagination.next` point: the simulator itself. */
  baseUrl: string;
  events: EventLog;
}

const PORTAL_SESSIONS_PATH = /^\/customers\/([^/]*)\/portal-sessions$/;

export function handleApiRequest(
  request: Request,
  url: URL,
  bodyText: string,
  context: ApiContext,
): Response {
  // Its own authentication: the client-side token is accepted there too.
  if (url.pathname === PRICING_PREVIEW_PATH) {
    return handlePricingPreview(request, bodyText, context);
  }
  const authFailure = checkAuthorization(request.headers.get("authorization"), context.apiKey);
  if (authFailure) return authFailure;

  const route = PORTAL_SESSIONS_PATH.exec(url.pathname);
  if (!route) {
    return handleAddressesRequest(request, url, bodyText, context) ??
      handleSubscriptionUpdateRequest(request, url, bodyText, context) ??
      handleSellingRequest(request, url, bodyText, context) ??
      handleTransactionInvoiceRequest(request, url, context) ??
      handleAdjustmentsRequest(request, url, bodyText, context) ??
      handleListingRequest(request, url, context) ??
      handleEventsRequest(request, url, context) ??
      paddleError("not_found", { detail: `Path ${url.pathname} not found.` });
  }
  if (request.method !== "POST") {
    return paddleError("method_not_allowed", { headers: { allow: "POST" } });
  }

  const customerId = decodeSegment(route[1]);
  if (!CUSTOMER_ID.test(customerId)) return entityNotFound(customerId);

  const parsed = parseBody(bodyText);
  if ("failure" in parsed) return parsed.failure;

  if (!context.store.customers.has(customerId)) return entityNotFound(customerId);

  return json(201, {
    data: {
      id: newPaddleId("cpls", context.store.clock.nowMs()),
      customer_id: customerId,
      urls: context.links.mintSession(context.baseUrl, customerId, parsed.subscriptionIds),
      created_at: paddleTimestamp(context.store.clock.now()),
    },
    meta: { request_id: crypto.randomUUID() },
  });
}

function checkAuthorization(header: string | null, apiKey: string): Response | null {
  if (header === null || header.trim() === "") return paddleError("authentication_missing");
  // Paddle accepts the scheme in any case (the Node SDK sends `bearer`) and one opaque key.
  const match = /^bearer +(\S+)$/i.exec(header.trim());
  if (!match) return paddleError("authentication_malformed");
  if (match[1] !== apiKey) return paddleError("invalid_token");
  return null;
}

function entityNotFound(id: string): Response {
  return paddleError("not_found", { detail: `Entity ${id} not found` });
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function parseBody(text: string): { subscriptionIds: string[] } | { failure: Response } {
  // Paddle treats a missing body or a missing list as "no deep links", not as an error.
  if (text.trim() === "") return { subscriptionIds: [] };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { failure: paddleError("bad_request") };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return invalid([{ field: "(root)", message: "must be a JSON object" }]);
  }
  const ids = (body as Record<string, unknown>).subscription_ids;
  if (ids === undefined || ids === null) return { subscriptionIds: [] };
  if (!Array.isArray(ids)) {
    return invalid([{ field: "subscription_ids", message: "must be an array of strings" }]);
  }
  const errors: FieldError[] = [];
  if (ids.length > MAX_SUBSCRIPTION_IDS) {
    errors.push({
      field: "subscription_ids",
      message: `maximum of ${MAX_SUBSCRIPTION_IDS} items allowed. provided ${ids.length}`,
    });
  }
  const seen = new Set<string>();
  ids.forEach((id: unknown, index) => {
    const field = `subscription_ids[${index}]`;
    if (typeof id !== "string") {
      errors.push({ field, message: "must be a string" });
    } else if (!SUBSCRIPTION_ID.test(id)) {
      errors.push({ field, message: "does not match the pattern ^sub_[a-z\\d]{26}$" });
    } else if (seen.has(id)) {
      errors.push({ field, message: `duplicate value ${id}: items must be unique` });
    } else {
      seen.add(id);
    }
  });
  if (errors.length > 0) return invalid(errors);
  return { subscriptionIds: ids as string[] };
}

function invalid(errors: FieldError[]): { failure: Response } {
  return { failure: paddleError("invalid_field", { errors }) };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
