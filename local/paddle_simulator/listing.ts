/**
 * Paddle's list and get operations for the simulated account: `GET /products|prices|customers|
 * subscriptions|transactions` and `GET /<entity>/{id}` (a transaction's get is selling_api.ts'),
 * with Paddle's query parameters, default scopes, cursor pagination and envelopes
 * (https://developer.paddle.com/api-reference/about/pagination):
 *
 * - `per_page` defaults to 50; above 200 Paddle returns 200 (and says so in
 *   `meta.pagination.per_page`); below 1 or not an integer is `invalid_field`. Transactions
 *   default to 30 and answer at most 30, as Paddle's reference says.
 * - Transactions also take `billed_at`, `created_at` and `updated_at`, exact or with `[LT]`,
 *   `[LTE]`, `[GT]`, `[GTE]` (RFC 3339), and `subscription_id=null` for those without one.
 * - `order_by` defaults to `id[DESC]`; the simulator orders by `id` only (Paddle also sorts
 *   products and prices by other fields: asking for those is a clear `invalid_field`).
 * - Products, prices and customers list only `active` entities unless `status` says otherwise;
 *   subscriptions list every status.
 * - `next` is always there, the full URL on this simulator's base with the request's filters
 *   plus `after` = the last id of the page; `estimated_total` counts every match (capped at
 *   100001 like Paddle), or is -1 for a `Skip-Count: true` request.
 */

import type { EntityKind } from "./entities.ts";
import { ID_SHAPES, STATUSES } from "./entities.ts";
import { type FieldError, paddleError } from "./errors.ts";
import {
  ADDRESS_ID,
  CUSTOMER_ID,
  PRICE_ID,
  PRODUCT_ID,
  SUBSCRIPTION_ID,
  TRANSACTION_ID,
} from "./ids.ts";
import type { EntityStore, EntityTable } from "./store.ts";
import { TRANSACTION_STATUSES } from "./transactions.ts";

export const DEFAULT_PER_PAGE = 50;
export const MAX_PER_PAGE = 200;
/** `GET /transactions`: Paddle's default and maximum page size are both 30. */
export const TRANSACTION_PER_PAGE = 30;
/** Paddle stops counting there and answers 100001. */
export const ESTIMATED_TOTAL_CAP = 100_000;

type Entity = { id: string } & Record<string, unknown>;

/** A filter that is not `id` or `status`: which values are valid, and what an entity holds. */
interface Filter {
  check: (value: string) => string | null;
  values: (entity: Entity) => readonly (string | null)[];
  /** Paddle's limit on how many values one request may list. */
  maxValues?: number;
  /** Applied to both sides before comparing (emails match case-insensitively). */
  normalize?: (value: string) => string;
}

const idList = (shape: RegExp) => (value: string) =>
  shape.test(value) ? null : `${value} does not match ${shape.source}`;
const oneOf = (allowed: readonly string[]) => (value: string) =>
  allowed.includes(value) ? null : `${value} is not one of ${allowed.join(", ")}`;
const field = (name: string) => (entity: Entity) => [entity[name] as string | null];

type ListedKind = EntityKind | "transactions";

interface Resource {
  kind: ListedKind;
  shape: RegExp;
  statuses: readonly string[];
  perPage: { default: number; max: number };
  /** Timestamp fields filterable exactly or with [LT], [LTE], [GT], [GTE]. */
  timeFilters: readonly string[];
  /** Entities only `active` unless asked: Paddle's default scope. */
  defaultStatus: readonly string[] | null;
  filters: Record<string, Filter>;
  /** Documented by Paddle but not simulated: answered 400 rather than silently ignored. */
  unsupported: readonly string[];
  /** Fields Paddle documents for `order_by`, to tell a valid-but-unsimulated order apart. */
  orderFields: readonly string[];
}

const PAGE_SIZES = { default: DEFAULT_PER_PAGE, max: MAX_PER_PAGE };

const RESOURCES: Record<ListedKind, Resource> = {
  products: {
    kind: "products",
    shape: ID_SHAPES.products,
    statuses: STATUSES.products,
    perPage: PAGE_SIZES,
    timeFilters: [],
    defaultStatus: ["active"],
    filters: {
      tax_category: { check: () => null, values: field("tax_category") },
      type: { check: oneOf(["standard", "custom"]), values: field("type") },
    },
    unsupported: ["include"],
    orderFields: [
      "created_at",
      "custom_data",
      "description",
      "id",
      "image_url",
      "name",
      "status",
      "tax_category",
      "updated_at",
    ],
  },
  prices: {
    kind: "prices",
    shape: ID_SHAPES.prices,
    statuses: STATUSES.prices,
    perPage: PAGE_SIZES,
    timeFilters: [],
    defaultStatus: ["active"],
    filters: {
      product_id: { check: idList(PRODUCT_ID), values: field("product_id") },
      type: { check: oneOf(["standard", "custom"]), values: field("type") },
      recurring: {
        check: oneOf(["true", "false"]),
        values: (price) => [price.billing_cycle === null ? "false" : "true"],
      },
    },
    unsupported: ["include"],
    orderFields: [
      "billing_cycle.frequency",
      "billing_cycle.interval",
      "id",
      "product_id",
      "quantity.maximum",
      "quantity.minimum",
      "status",
      "tax_mode",
      "unit_price.amount",
      "unit_price.currency_code",
    ],
  },
  customers: {
    kind: "customers",
    shape: ID_SHAPES.customers,
    statuses: STATUSES.customers,
    perPage: PAGE_SIZES,
    timeFilters: [],
    defaultStatus: ["active"],
    filters: {
      email: {
        check: () => null,
        values: field("email"),
        maxValues: 100,
        normalize: (value) => value.toLowerCase(),
      },
    },
    unsupported: ["search"],
    orderFields: ["id"],
  },
  subscriptions: {
    kind: "subscriptions",
    shape: ID_SHAPES.subscriptions,
    statuses: STATUSES.subscriptions,
    perPage: PAGE_SIZES,
    timeFilters: [],
    defaultStatus: null,
    filters: {
      customer_id: { check: idList(CUSTOMER_ID), values: field("customer_id") },
      address_id: { check: idList(ADDRESS_ID), values: field("address_id") },
      price_id: {
        check: idList(PRICE_ID),
        values: (sub) => (sub.items as { price: { id: string } }[]).map((item) => item.price.id),
      },
      collection_mode: {
        check: oneOf(["automatic", "manual"]),
        values: field("collection_mode"),
      },
      scheduled_change_action: {
        check: oneOf(["cancel", "pause", "resume"]),
        values: (sub) => [(sub.scheduled_change as { action: string } | null)?.action ?? null],
      },
    },
    unsupported: [],
    orderFields: ["id"],
  },
  transactions: {
    kind: "transactions",
    shape: TRANSACTION_ID,
    statuses: TRANSACTION_STATUSES,
    perPage: { default: TRANSACTION_PER_PAGE, max: TRANSACTION_PER_PAGE },
    timeFilters: ["billed_at", "created_at", "updated_at"],
    defaultStatus: null,
    filters: {
      customer_id: { check: idList(CUSTOMER_ID), values: field("customer_id") },
      // "null" lists the transactions that belong to no subscription.
      subscription_id: {
        check: (value) => value === "null" ? null : idList(SUBSCRIPTION_ID)(value),
        values: (txn) => [(txn.subscription_id as string | null) ?? "null"],
      },
      invoice_number: { check: () => null, values: field("invoice_number") },
      origin: { check: () => null, values: field("origin") },
      collection_mode: {
        check: oneOf(["automatic", "manual"]),
        values: field("collection_mode"),
      },
    },
    unsupported: ["include"],
    orderFields: ["billed_at", "created_at", "id", "updated_at"],
  },
};

const LIST_PATH = /^\/(products|prices|customers|subscriptions|transactions)$/;
const GET_PATH = /^\/(products|prices|customers|subscriptions)\/([^/]*)$/;

export interface ListingContext {
  store: EntityStore;
  /** The simulator's own base URL, for `meta.pagination.next`. */
  baseUrl: string;
}

/** Answers a list or get request, or null when the path is neither. Auth is already checked. */
export function handleListingRequest(
  request: Request,
  url: URL,
  context: ListingContext,
): Response | null {
  const list = LIST_PATH.exec(url.pathname);
  const get = list ? null : GET_PATH.exec(url.pathname);
  if (!list && !get) return null;
  if (request.method !== "GET") {
    return paddleError("method_not_allowed", { headers: { allow: "GET" } });
  }
  const resource = RESOURCES[(list ?? get)![1] as ListedKind];
  const table = context.store[resource.kind] as EntityTable<Entity>;
  if (get) return getEntity(table, resource, decodeSegment(get[2]), url);
  return listEntities(request, url, table, resource, context.baseUrl);
}

function getEntity(table: EntityTable<Entity>, resource: Resource, id: string, url: URL) {
  const unsupported = unsupportedParams(url, resource);
  if (unsupported.length > 0) return paddleError("invalid_field", { errors: unsupported });
  const entity = resource.shape.test(id) ? table.get(id) : undefined;
  if (!entity) return paddleError("not_found", { detail: `Entity ${id} not found` });
  return json({ data: entity, meta: { request_id: crypto.randomUUID() } });
}

function listEntities(
  request: Request,
  url: URL,
  table: EntityTable<Entity>,
  resource: Resource,
  baseUrl: string,
): Response {
  const parsed = parseListQuery(url, resource);
  if ("errors" in parsed) return paddleError("invalid_field", { errors: parsed.errors });
  const { query } = parsed;
  const skipCount = request.headers.get("skip-count")?.trim().toLowerCase() === "true";
  const page = table.page({
    after: query.after,
    descending: query.descending,
    perPage: query.perPage,
    ids: query.ids,
    match: query.match,
    count: !skipCount,
  });

  return listResponse(url, baseUrl, {
    data: page.entities,
    lastId: page.entities.at(-1)?.id ?? query.after,
    perPage: query.perPage,
    hasMore: page.hasMore,
    total: page.total,
  });
}

/** One page of any Paddle list, as `listResponse` answers it. */
export interface ListPage {
  data: unknown[];
  /** The cursor for the next page: the page's last id, else the request's own `after`. */
  lastId: string | undefined;
  perPage: number;
  hasMore: boolean;
  /** Every match of the filters; null when not counted (`Skip-Count: true`). */
  total: number | null;
}

/**
 * Paddle's list envelope, the same for every list: `data`, and `meta.pagination` whose `next` is
 * the request's own query with `after` set to the page's last id, and whose `estimated_total` is
 * -1 when not counted and stops at ESTIMATED_TOTAL_CAP + 1, as Paddle's does.
 */
export function listResponse(url: URL, baseUrl: string, page: ListPage): Response {
  const next = new URL(url.pathname, baseUrl);
  for (const [name, value] of url.searchParams) {
    if (name !== "after") next.searchParams.append(name, value);
  }
  if (page.lastId !== undefined) next.searchParams.set("after", page.lastId);
  return json({
    data: page.data,
    meta: {
      request_id: crypto.randomUUID(),
      pagination: {
        per_page: page.perPage,
        next: next.toString(),
        has_more: page.hasMore,
        estimated_total: page.total === null ? -1 : Math.min(page.total, ESTIMATED_TOTAL_CAP + 1),
      },
    },
  });
}

interface ListQuery {
  after?: string;
  descending: boolean;
  perPage: number;
  ids?: string[];
  match?: (entity: Entity) => boolean;
}

/** Reads and checks the query; every problem is reported at once, as Paddle does. */
function parseListQuery(
  url: URL,
  resource: Resource,
): { query: ListQuery } | { errors: FieldError[] } {
  const params = url.searchParams;
  const errors: FieldError[] = unsupportedParams(url, resource);
  const shape = resource.shape;
  const query: ListQuery = { descending: true, perPage: resource.perPage.default };

  query.perPage = readPerPage(params, errors, resource.perPage.max) ?? query.perPage;

  const orderBy = nonEmpty(params.get("order_by"));
  if (orderBy !== undefined) {
    const match = /^([a-z_.]+)\[(ASC|DESC)\]$/.exec(orderBy);
    if (!match || !resource.orderFields.includes(match[1])) {
      errors.push({
        field: "order_by",
        message: `must be a field and a direction like id[ASC]; valid fields: ${
          resource.orderFields.join(", ")
        }`,
      });
    } else if (match[1] !== "id") {
      errors.push({
        field: "order_by",
        message: `the Paddle simulator orders by id only (id[ASC] or id[DESC]), not ${match[1]}`,
      });
    } else {
      query.descending = match[2] === "DESC";
    }
  }

  const after = nonEmpty(params.get("after"));
  if (after !== undefined) {
    if (shape.test(after)) query.after = after;
    else errors.push({ field: "after", message: `${after} does not match ${shape.source}` });
  }

  const ids = commaList(params.get("id"));
  if (ids) {
    const bad = ids.filter((id) => !shape.test(id));
    if (bad.length > 0) {
      errors.push({ field: "id", message: `${bad.join(", ")} does not match ${shape.source}` });
    }
    query.ids = ids;
  }

  const tests: ((entity: Entity) => boolean)[] = [];
  const statuses = commaList(params.get("status")) ?? resource.defaultStatus;
  if (statuses) {
    const bad = statuses.filter((status) => !resource.statuses.includes(status));
    if (bad.length > 0) {
      errors.push({
        field: "status",
        message: `${bad.join(", ")} is not one of ${resource.statuses.join(", ")}`,
      });
    }
    // Filtering by every status there is filters nothing: keep `estimated_total` a size.
    if (!resource.statuses.every((status) => statuses.includes(status))) {
      const wanted = new Set(statuses);
      tests.push((entity) => wanted.has(entity.status as string));
    }
  }

  for (const [name, filter] of Object.entries(resource.filters)) {
    const values = commaList(params.get(name));
    if (!values) continue;
    const problems = values.map(filter.check).filter((problem) => problem !== null);
    if (problems.length > 0) errors.push({ field: name, message: problems.join("; ") });
    if (filter.maxValues !== undefined && values.length > filter.maxValues) {
      errors.push({ field: name, message: `at most ${filter.maxValues} values allowed` });
    }
    const normalize = filter.normalize ?? ((value: string) => value);
    const wanted = new Set(values.map(normalize));
    tests.push((entity) =>
      filter.values(entity).some((value) => value !== null && wanted.has(normalize(value)))
    );
  }

  for (const name of resource.timeFilters) {
    tests.push(...timeTests(params, name, errors));
  }

  if (errors.length > 0) return { errors };
  if (tests.length > 0) query.match = (entity) => tests.every((test) => test(entity));
  return { query };
}

/**
 * `per_page` as every Paddle list reads it: above the list's maximum (200, transactions 30) is
 * that maximum, below 1 or not a number is refused.
 */
export function readPerPage(
  params: URLSearchParams,
  errors: FieldError[],
  max: number = MAX_PER_PAGE,
): number | undefined {
  const perPage = nonEmpty(params.get("per_page"));
  if (perPage === undefined) return undefined;
  const number = /^\d+$/.test(perPage) ? Number(perPage) : NaN;
  if (Number.isSafeInteger(number) && number >= 1) return Math.min(number, max);
  errors.push({ field: "per_page", message: "must be an integer of at least 1" });
  return undefined;
}

const TIME_OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  "": (a, b) => a === b,
  "[LT]": (a, b) => a < b,
  "[LTE]": (a, b) => a <= b,
  "[GT]": (a, b) => a > b,
  "[GTE]": (a, b) => a >= b,
};
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** `updated_at[GTE]=...` and its kin; an entity without the time (not yet billed) never matches. */
function timeTests(params: URLSearchParams, name: string, errors: FieldError[]) {
  const tests: ((entity: Entity) => boolean)[] = [];
  for (const [suffix, compare] of Object.entries(TIME_OPERATORS)) {
    const value = nonEmpty(params.get(`${name}${suffix}`));
    if (value === undefined) continue;
    if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
      errors.push({ field: `${name}${suffix}`, message: "must be an RFC 3339 date-time" });
      continue;
    }
    const bound = Date.parse(value);
    tests.push((entity) => {
      const at = entity[name];
      return typeof at === "string" && compare(Date.parse(at), bound);
    });
  }
  return tests;
}

function unsupportedParams(url: URL, resource: Resource): FieldError[] {
  return resource.unsupported
    .filter((name) => url.searchParams.has(name))
    .map((name) => ({ field: name, message: `the Paddle simulator does not support ${name}` }));
}

function nonEmpty(value: string | null): string | undefined {
  return value === null || value === "" ? undefined : value;
}

/** Paddle's array parameters: one comma-separated value (the SDK joins arrays that way). */
function commaList(value: string | null): string[] | undefined {
  if (value === null || value === "") return undefined;
  return value.split(",").map((item) => item.trim());
}

export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { "content-type": "application/json" },
  });
}
