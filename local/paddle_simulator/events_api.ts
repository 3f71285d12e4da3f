/**
 * Paddle's event stream, `GET /events` (https://developer.paddle.com/api-reference/events/list-events):
 * every event the simulator emits (the same objects its webhooks carry) kept in the order it
 * happened, listed with Paddle's query and envelope:
 *
 * - `after` is an event id (`evt_…`); `order_by` is `id[ASC]` or `id[DESC]` (the only field
 *   Paddle sorts events by; default `id[DESC]` like the other lists); `per_page` defaults to 50,
 *   above 200 Paddle returns 200, below 1 is `invalid_field`; `event_type` is a comma list.
 * - `meta.pagination`: `per_page`, `next` (the full URL with the filters plus `after` = the last
 *   id of the page), `has_more`, `estimated_total`.
 * - Retention: Paddle returns only events from the last 90 days (changelog 2024, "Events and
 *   notifications older than 90 days are no longer available"); older ones are dropped here, so
 *   an `after` older than that simply lists what is still kept, as Paddle does.
 *
 * Event ids start with their time in milliseconds and the notifier never puts two events in one
 * millisecond, so id order is occurrence order and a cursor is a position in the log.
 */

import type { PaddleEvent } from "../paddle_webhooks/payloads.ts";
import { type FieldError, paddleError } from "./errors.ts";
import { DEFAULT_PER_PAGE, listResponse, readPerPage } from "./listing.ts";

export const EVENT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

const EVENT_ID = /^evt_[a-z\d]{26}$/;
const EVENT_TYPE = /^[a-z_]+\.[a-z_]+$/;

export interface EventLogOptions {
  retentionMs?: number;
  now?: () => number;
}

export class EventLog {
  readonly #events: PaddleEvent<unknown>[] = [];
  readonly #retentionMs: number;
  readonly #now: () => number;

  constructor(options: EventLogOptions = {}) {
    this.#retentionMs = options.retentionMs ?? EVENT_RETENTION_MS;
    this.#now = options.now ?? Date.now;
  }

  append(event: PaddleEvent<unknown>): void {
    this.#events.push(event);
  }

  /** The events Paddle still keeps, oldest first. */
  kept(): PaddleEvent<unknown>[] {
    const oldest = this.#now() - this.#retentionMs;
    let start = 0;
    while (start < this.#events.length && Date.parse(this.#events[start].occurred_at) < oldest) {
      start++;
    }
    // Forgotten for good, as Paddle forgets them.
    if (start > 0) this.#events.splice(0, start);
    return this.#events;
  }
}

export interface EventsContext {
  events: EventLog;
  /** The simulator's own base URL, for `meta.pagination.next`. */
  baseUrl: string;
}

/** Answers `GET /events`, or null for any other path. Auth is already checked. */
export function handleEventsRequest(
  request: Request,
  url: URL,
  context: EventsContext,
): Response | null {
  if (url.pathname !== "/events") return null;
  if (request.method !== "GET") {
    return paddleError("method_not_allowed", { headers: { allow: "GET" } });
  }
  const parsed = parseQuery(url.searchParams);
  if ("errors" in parsed) return paddleError("invalid_field", { errors: parsed.errors });
  const { after, descending, perPage, types } = parsed;

  let matching = context.events.kept();
  if (types) matching = matching.filter((event) => types.has(event.event_type));
  if (descending) matching = matching.toReversed();
  const start = after === undefined
    ? 0
    : firstIndex(matching, (event) => descending ? event.event_id < after : event.event_id > after);
  const page = matching.slice(start, start + perPage);

  return listResponse(url, context.baseUrl, {
    data: page.map(({ event_id, event_type, occurred_at, data }) => ({
      event_id,
      event_type,
      occurred_at,
      data,
    })),
    lastId: page.at(-1)?.event_id ?? after,
    perPage,
    hasMore: start + page.length < matching.length,
    total: matching.length,
  });
}

interface EventsQuery {
  after?: string;
  descending: boolean;
  perPage: number;
  types?: Set<string>;
}

/** Every problem at once, as Paddle reports them. */
function parseQuery(params: URLSearchParams): EventsQuery | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const query: EventsQuery = { descending: true, perPage: DEFAULT_PER_PAGE };

  query.perPage = readPerPage(params, errors) ?? query.perPage;

  const orderBy = params.get("order_by") || undefined;
  if (orderBy !== undefined) {
    const match = /^id\[(ASC|DESC)\]$/.exec(orderBy);
    if (match) query.descending = match[1] === "DESC";
    else errors.push({ field: "order_by", message: "must be id[ASC] or id[DESC]" });
  }

  const after = params.get("after") || undefined;
  if (after !== undefined) {
    if (EVENT_ID.test(after)) query.after = after;
    else errors.push({ field: "after", message: `${after} does not match ${EVENT_ID.source}` });
  }

  const types = params.get("event_type") || undefined;
  if (types !== undefined) {
    const list = types.split(",").map((type) => type.trim());
    const bad = list.filter((type) => !EVENT_TYPE.test(type));
    if (bad.length > 0) {
      errors.push({ field: "event_type", message: `${bad.join(", ")} is not an event type` });
    }
    query.types = new Set(list);
  }

  return errors.length > 0 ? { errors } : query;
}

/** The first index whose event passes `test`, for a test that is false then true along the list. */
function firstIndex<T>(list: readonly T[], test: (item: T) => boolean): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (test(list[mid])) high = mid;
    else low = mid + 1;
  }
  return low;
}
