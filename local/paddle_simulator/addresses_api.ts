/**
 * A customer's addresses: `GET /customers/{customer_id}/addresses` (cursor-paginated, active
 * ones unless `status` says otherwise), `POST /customers/{customer_id}/addresses` and
 * `GET /customers/{customer_id}/addresses/{address_id}`, in Paddle's shapes. An address prices a transaction created with its `address_id` for its country
 * (selling_api.ts), as Paddle's does. Paddle requires a postal code beside the country in some
 * countries; its create-address reference names ZIP codes in the US and postcodes in the UK, so
 * the simulator refuses those two without one (its full list is the countries API's
 * `uses_postal_code`, not modelled). Updating and archiving are not modelled.
 */

import { z } from "zod";
import { paddleError } from "./errors.ts";
import { ADDRESS_ID, CUSTOMER_ID, newPaddleId, paddleTimestamp } from "./ids.ts";
import { DEFAULT_PER_PAGE, listResponse, readPerPage } from "./listing.ts";
import { decodeSegment, json, type Notify, parseBody } from "./selling_api.ts";
import type { EntityStore } from "./store.ts";
import type { FieldError } from "./errors.ts";

export interface PaddleAddress {
  id: string;
  customer_id: string;
  description: string | null;
  first_line: string | null;
  second_line: string | null;
  city: string | null;
  postal_code: string | null;
  region: string | null;
  country_code: string;
  custom_data: Record<string, unknown> | null;
  status: "active" | "archived";
  created_at: string;
  updated_at: string;
  import_meta: null;
}

export interface AddressesContext {
  store: EntityStore;
  notify: Notify;
  /** Where `meta.pagination.next` points: the simulator itself. */
  baseUrl: string;
}

const ADDRESSES_PATH = /^\/customers\/([^/]*)\/addresses(?:\/([^/]*))?$/;
const text = z.string().max(1024).nullable().optional();

const createSchema = z.strictObject({
  country_code: z.string().regex(/^[A-Z]{2}$/, "must be a two-letter country code like DE"),
  description: text,
  first_line: text,
  second_line: text,
  city: text,
  postal_code: text,
  region: text,
  custom_data: z.record(z.string(), z.unknown()).nullable().optional(),
});

export const POSTAL_CODE_COUNTRIES: ReadonlySet<string> = new Set(["GB", "US"]);

const LIST_PARAMS = new Set(["after", "per_page", "status"]);

/** Answers an addresses request, or null when the route is not this one. Auth is checked. */
export function handleAddressesRequest(
  request: Request,
  url: URL,
  bodyText: string,
  context: AddressesContext,
): Response | null {
  const route = ADDRESSES_PATH.exec(url.pathname);
  if (!route) return null;
  if (route[2] !== undefined) {
    if (request.method !== "GET") {
      return paddleError("method_not_allowed", { headers: { allow: "GET" } });
    }
    const id = decodeSegment(route[2]);
    const address = context.store.addresses.get(id);
    if (address?.customer_id !== decodeSegment(route[1])) {
      return paddleError("not_found", { detail: `Entity ${id} not found` });
    }
    return json(200, { data: address, meta: { request_id: crypto.randomUUID() } });
  }
  if (request.method !== "GET" && request.method !== "POST") {
    return paddleError("method_not_allowed", { headers: { allow: "GET, POST" } });
  }
  const customerId = decodeSegment(route[1]);
  if (!CUSTOMER_ID.test(customerId) || !context.store.customers.has(customerId)) {
    return paddleError("not_found", { detail: `Entity ${customerId} not found` });
  }
  return request.method === "POST"
    ? createAddress(customerId, bodyText, context)
    : listAddresses(customerId, url, context);
}

function createAddress(customerId: string, bodyText: string, context: AddressesContext) {
  const parsed = parseBody(bodyText, createSchema);
  if ("failure" in parsed) return parsed.failure;
  const b = parsed.data;
  if (POSTAL_CODE_COUNTRIES.has(b.country_code) && !b.postal_code?.trim()) {
    return paddleError("invalid_field", {
      errors: [{ field: "postal_code", message: `is required for ${b.country_code}` }],
    });
  }
  const now = paddleTimestamp(context.store.clock.now());
  const address: PaddleAddress = {
    id: newPaddleId("add", context.store.clock.nowMs()),
    customer_id: customerId,
    description: b.description ?? null,
    first_line: b.first_line ?? null,
    second_line: b.second_line ?? null,
    city: b.city ?? null,
    postal_code: b.postal_code ?? null,
    region: b.region ?? null,
    country_code: b.country_code,
    custom_data: b.custom_data ?? null,
    status: "active",
    created_at: now,
    updated_at: now,
    import_meta: null,
  };
  context.store.addresses.upsert(address);
  context.notify("address.created", address);
  return json(201, { data: address, meta: { request_id: crypto.randomUUID() } });
}

function listAddresses(customerId: string, url: URL, context: AddressesContext) {
  const params = url.searchParams;
  const errors: FieldError[] = [...params.keys()].filter((name) => !LIST_PARAMS.has(name))
    .map((name) => ({ field: name, message: `the Paddle simulator does not support ${name}` }));
  const perPage = readPerPage(params, errors) ?? DEFAULT_PER_PAGE;
  const statuses = (params.get("status") || "active").split(",").map((s) => s.trim());
  for (const status of statuses) {
    if (status !== "active" && status !== "archived") {
      errors.push({ field: "status", message: `${status} is not active or archived` });
    }
  }
  const after = params.get("after") || undefined;
  if (after !== undefined && !ADDRESS_ID.test(after)) {
    errors.push({ field: "after", message: `must match ${ADDRESS_ID.source}` });
  }
  if (errors.length > 0) return paddleError("invalid_field", { errors });
  // Paddle lists a customer's addresses oldest first.
  const page = context.store.addresses.page({
    after,
    descending: false,
    perPage,
    match: (a) => a.customer_id === customerId && statuses.includes(a.status),
    count: true,
  });
  return listResponse(url, context.baseUrl, {
    data: page.entities,
    lastId: page.entities.at(-1)?.id ?? after,
    perPage,
    hasMore: page.hasMore,
    total: page.total,
  });
}

/** The country of the customer's active address with this id, if there is one. */
export function addressCountry(
  store: EntityStore,
  customerId: string | null,
  addressId: string,
): string | undefined {
  const address = store.addresses.get(addressId);
  return address?.customer_id === customerId && address.status === "active"
    ? address.country_code
    : undefined;
}
