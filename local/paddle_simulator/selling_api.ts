/**
 * The Paddle operations that sell: `POST /customers`, `POST /transactions`,
 * `GET /transactions/{id}` and `PATCH /transactions/{id}` (cancel only). Checks run in Paddle's order (route, body, then what the body
 * names), and a refused request changes nothing and notifies nobody. A transaction created with
 * an `address_id` (one of its customer's addresses: addresses_api.ts) is priced for that address's
 * country, the figures `POST /pricing-preview` gives (checkout_prices.ts), as Paddle does.
 */

import { z } from "zod";
import { formatPath, type PaddlePrice, type PaddleProduct } from "./entities.ts";
import type { PaddleTransaction } from "./transactions.ts";
import { addressCountry } from "./addresses_api.ts";
import { localizeTransaction } from "./checkout_prices.ts";
import { customerEntity } from "./entity_builders.ts";
import type { AccountTaxMode } from "./pricing_preview.ts";
import { type FieldError, paddleError } from "./errors.ts";
import {
  ADDRESS_ID,
  CUSTOMER_ID,
  newPaddleId,
  paddleTimestamp,
  PRICE_ID,
  TRANSACTION_ID,
} from "./ids.ts";
import type { EntityStore } from "./store.ts";
import { CANCELABLE, canceledTransaction, transactionEntity } from "./transactions.ts";

/** Tells Paddle's notification service that something happened (`customer.created`, ...). */
export type Notify = (eventType: string, data: unknown) => void;

export interface SellingContext {
  store: EntityStore;
  /** The simulator's own checkout page: the default payment link. */
  checkoutPageUrl: string;
  notify: Notify;
  /** What `tax_mode: account_setting` means when an address prices a transaction. */
  accountTaxMode?: AccountTaxMode;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const customData = z.record(z.string(), z.unknown()).nullable();

const createCustomerSchema = z.strictObject({
  email: z.string().trim().max(320).regex(EMAIL, "must be a valid email address"),
  name: z.string().max(1024).nullable().optional(),
  custom_data: customData.optional(),
  locale: z.string().min(2).max(16).optional(),
});

const createTransactionSchema = z.strictObject({
  items: z.array(z.strictObject({
    price_id: z.string().regex(PRICE_ID, `must match ${PRICE_ID.source}`),
    quantity: z.number().int().min(1),
  })).min(1),
  customer_id: z.string().regex(CUSTOMER_ID, `must match ${CUSTOMER_ID.source}`).nullable()
    .optional(),
  address_id: z.string().regex(ADDRESS_ID, `must match ${ADDRESS_ID.source}`).nullable()
    .optional(),
  business_id: z.null().optional(),
  custom_data: customData.optional(),
  currency_code: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like USD").optional(),
  // Manual collection needs billing details and invoices, which the simulator does not model.
  collection_mode: z.literal("automatic", {
    message: "the Paddle simulator sells with collection_mode automatic only",
  }).optional(),
  checkout: z.strictObject({ url: z.url().nullable().optional() }).nullable().optional(),
});

const TRANSACTION_PATH = /^\/transactions\/([^/]*)$/;

/** Answers a selling request, or null when the route is not one of these. Auth is checked. */
export function handleSellingRequest(
  request: Request,
  url: URL,
  bodyText: string,
  context: SellingContext,
): Response | null {
  if (url.pathname === "/customers" && request.method !== "GET") {
    if (request.method !== "POST") {
      return paddleError("method_not_allowed", { headers: { allow: "GET, POST" } });
    }
    return createCustomer(bodyText, context);
  }
  if (url.pathname === "/transactions") {
    // Listing is listing.ts'.
    if (request.method === "GET") return null;
    if (request.method !== "POST") {
      return paddleError("method_not_allowed", { headers: { allow: "GET, POST" } });
    }
    return createTransaction(bodyText, context);
  }
  const path = TRANSACTION_PATH.exec(url.pathname);
  if (path) {
    if (request.method !== "GET" && request.method !== "PATCH") {
      return paddleError("method_not_allowed", { headers: { allow: "GET, PATCH" } });
    }
    const id = decodeSegment(path[1]);
    const transaction = TRANSACTION_ID.test(id) ? context.store.transactions.get(id) : undefined;
    if (!transaction) return paddleError("not_found", { detail: `Entity ${id} not found` });
    if (request.method === "PATCH") return updateTransaction(transaction, bodyText, context);
    return json(200, { data: transaction, meta: { request_id: crypto.randomUUID() } });
  }
  return null;
}

/**
 * `PATCH /transactions/{id}`: the simulator models the one update a seller's app needs, cancel
 * (`{"status": "canceled"}`), with Paddle's refusals: canceling together with other fields, or
 * a transaction that is no longer draft, ready or billed (a paid one, or one already canceled).
 */
function updateTransaction(
  transaction: PaddleTransaction,
  bodyText: string,
  context: SellingContext,
): Response {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return paddleError("bad_request");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return paddleError("bad_request");
  }
  const fields = Object.keys(body);
  const status = (body as { status?: unknown }).status;
  if (status === "canceled" && fields.length > 1) {
    return paddleError("transaction_cannot_be_modified_and_canceled");
  }
  if (status !== "canceled" || fields.length !== 1) {
    return paddleError("invalid_field", {
      errors: fields.length === 0
        ? [{ field: "(root)", message: "nothing to update" }]
        : fields.filter((field) => field !== "status" || status !== "canceled").map((field) => ({
          field,
          message: field === "status"
            ? "the Paddle simulator sets status to canceled only"
            : "the Paddle simulator updates status only",
        })),
    });
  }
  if (!CANCELABLE.includes(transaction.status)) {
    return paddleError("transaction_invalid_status_change", {
      detail: `Invalid attempt to change status from '${transaction.status}' to 'canceled'`,
    });
  }
  const canceled = canceledTransaction(
    transaction,
    paddleTimestamp(context.store.clock.now()),
  );
  context.store.transactions.upsert(canceled);
  context.notify("transaction.canceled", canceled);
  return json(200, { data: canceled, meta: { request_id: crypto.randomUUID() } });
}

function createCustomer(bodyText: string, context: SellingContext): Response {
  const parsed = parseBody(bodyText, createCustomerSchema);
  if ("failure" in parsed) return parsed.failure;
  const email = parsed.data.email.toLowerCase();
  const existing = findCustomerByEmail(context.store, email);
  if (existing) {
    return paddleError("customer_already_exists", {
      detail: `customer email conflicts with customer of id ${existing}`,
    });
  }
  const customer = customerEntity({
    id: newPaddleId("ctm", context.store.clock.nowMs()),
    email,
    name: parsed.data.name ?? null,
    customData: parsed.data.custom_data ?? null,
    locale: parsed.data.locale,
    createdAt: paddleTimestamp(context.store.clock.now()),
  });
  context.store.customers.upsert(customer);
  context.notify("customer.created", customer);
  return json(201, { data: customer, meta: { request_id: crypto.randomUUID() } });
}

/** Paddle holds one customer per email, compared case-insensitively, archived ones included. */
export function findCustomerByEmail(store: EntityStore, email: string): string | undefined {
  const wanted = email.toLowerCase();
  for (const id of store.customers.sortedIds()) {
    if (store.customers.get(id)?.email.toLowerCase() === wanted) return id;
  }
  return undefined;
}

function createTransaction(bodyText: string, context: SellingContext): Response {
  const parsed = parseBody(bodyText, createTransactionSchema);
  if ("failure" in parsed) return parsed.failure;
  const body = parsed.data;
  const { store } = context;

  const missing = body.items.map((item) => item.price_id).filter((id) =>
    store.prices.get(id)?.status !== "active"
  );
  if (missing.length > 0) {
    return paddleError("transaction_price_not_found", {
      detail: `One or more provided price_ids could not be found, provided: ${missing.join(", ")}`,
    });
  }
  const items: { price: PaddlePrice; product: PaddleProduct; quantity: number }[] = [];
  const errors: FieldError[] = [];
  const inactiveProducts: string[] = [];
  body.items.forEach((item, index) => {
    const price = store.prices.get(item.price_id)!;
    const product = store.products.get(price.product_id);
    if (product?.status !== "active") {
      inactiveProducts.push(price.product_id);
      return;
    }
    const { minimum, maximum } = price.quantity;
    if (item.quantity < minimum || item.quantity > maximum) {
      errors.push({
        field: `items[${index}].quantity`,
        message: `must be between ${minimum} and ${maximum} for price ${price.id}`,
      });
    }
    items.push({ price, product, quantity: item.quantity });
  });
  if (inactiveProducts.length > 0) {
    return paddleError("transaction_product_not_found", {
      detail: `One or more product_ids could not be found, ID: ${inactiveProducts.join(", ")}`,
    });
  }
  const currencies = new Set(items.map((item) => item.price.unit_price.currency_code));
  const currency = body.currency_code ?? items[0].price.unit_price.currency_code;
  if (currencies.size > 1 || !currencies.has(currency)) {
    errors.push({
      field: "currency_code",
      message: `every price must be in ${currency} (the simulator has no price overrides)`,
    });
  }
  const cycles = new Set(
    items.flatMap((item) => {
      const cycle = item.price.billing_cycle;
      return cycle ? [`${cycle.frequency} ${cycle.interval}`] : [];
    }),
  );
  if (cycles.size > 1) {
    errors.push({ field: "items", message: "recurring items must share one billing cycle" });
  }
  if (errors.length > 0) return paddleError("invalid_field", { errors });

  const customerId = body.customer_id ?? null;
  if (customerId !== null && !store.customers.has(customerId)) {
    return paddleError("not_found", { detail: `Entity ${customerId} not found` });
  }
  const addressId = body.address_id ?? null;
  if (addressId !== null && customerId === null) {
    return paddleError("invalid_field", {
      errors: [{ field: "customer_id", message: "is required when address_id is given" }],
    });
  }
  const country = addressId === null ? undefined : addressCountry(store, customerId, addressId);
  if (addressId !== null && country === undefined) {
    return paddleError("not_found", { detail: `Entity ${addressId} not found` });
  }

  const created = transactionEntity({
    customerId,
    items,
    customData: body.custom_data ?? null,
    collectionMode: "automatic",
    checkoutBase: body.checkout?.url ?? context.checkoutPageUrl,
    id: newPaddleId("txn", store.clock.nowMs()),
    createdAt: paddleTimestamp(store.clock.now()),
  });
  const transaction = country === undefined ? created : localizeTransaction(
    store,
    { ...created, address_id: addressId },
    country,
    context.accountTaxMode,
  );
  if (!transaction) {
    return paddleError("invalid_field", {
      errors: [{
        field: "address_id",
        message: `the prices have no common currency in ${country}`,
      }],
    });
  }
  store.transactions.upsert(transaction);
  return json(201, { data: transaction, meta: { request_id: crypto.randomUUID() } });
}

export function parseBody<T>(
  text: string,
  schema: z.ZodType<T>,
): { data: T } | { failure: Response } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { failure: paddleError("bad_request") };
  }
  const result = schema.safeParse(value);
  if (result.success) return { data: result.data };
  return { failure: paddleError("invalid_field", { errors: fieldErrors(result.error) }) };
}

function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const base = formatPath(issue.path);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        field: base === "(root)" ? key : `${base}.${key}`,
        message: "unknown field",
      }));
    }
    return [{ field: base, message: issue.message }];
  });
}

export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
