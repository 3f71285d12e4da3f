/**
 * Pages of Paddle's event log (`GET /events`) through the SDK's `events.list`: `per_page=200`
 * (Paddle's maximum), `order_by=id[ASC]` (oldest first, so the cursor is the last id read),
 * `after=<stored cursor>`, then `next()` follows `meta.pagination.next`.
 *
 * The events are kept as Paddle's JSON. The SDK would turn each one into a camelCase class
 * (and an event type it does not know into a generic event whose data it camelCases
 * recursively, seller `custom_data` keys included); the webhook path's parser and SQL dispatcher
 * take the JSON exactly as Paddle delivers it, so the collection's `fromJson` hands the page's
 * items through unchanged. The SDK still makes the requests, follows `next`, and throws its
 * `ApiError` (with Retry-After) as for any list.
 */
import { type EventEntity, Paddle } from "@paddle/paddle-node-sdk";
import { paddleEnvironment } from "../paddle_env.ts";
import type { PaddleEnv } from "../paddle_key.ts";

export const EVENT_PAGE_SIZE = 200;

/** An event as Paddle lists it; only what the cursor needs is typed. */
export type RawEvent = { event_id?: unknown; occurred_at?: unknown } & Record<string, unknown>;

export interface EventPage {
  events: RawEvent[];
  /** The last event id of the page and when it occurred; null when the page is empty. */
  lastEventId: string | null;
  lastOccurredAt: string | null;
  hasMore: boolean;
}

export interface EventReader {
  next(): Promise<EventPage>;
}

export interface EventLogReader {
  /** Pages oldest first after `after` (null: from the start of what Paddle keeps). */
  open(after: string | null): EventReader;
  /** The newest event id in the log now; null when it is empty. One request. */
  newestEventId(): Promise<string | null>;
}

export interface EventPagesOptions {
  apiKey: string;
  paddleEnv: PaddleEnv;
  /** Base URL override (the local simulator). */
  apiUrl?: string;
}

interface RawCollection {
  next(): Promise<EventEntity[]>;
  hasMore: boolean;
}

export function createEventPages(options: EventPagesOptions): EventLogReader {
  const paddle = new Paddle(options.apiKey, { environment: paddleEnvironment(options) });
  const list = (query: Parameters<Paddle["events"]["list"]>[0]): RawCollection => {
    const collection = paddle.events.list(query);
    (collection as unknown as { fromJson: (data: unknown) => unknown }).fromJson = (data) => data;
    return collection;
  };
  return {
    open(after) {
      const collection = list({
        perPage: EVENT_PAGE_SIZE,
        orderBy: "id[ASC]",
        ...(after === null ? {} : { after }),
      });
      return {
        async next() {
          const events = await collection.next() as unknown as RawEvent[];
          const last = events.at(-1);
          return {
            events,
            lastEventId: typeof last?.event_id === "string" ? last.event_id : null,
            lastOccurredAt: typeof last?.occurred_at === "string" ? last.occurred_at : null,
            hasMore: collection.hasMore,
          };
        },
      };
    },
    async newestEventId() {
      const [newest] = await list({ perPage: 1, orderBy: "id[DESC]" })
        .next() as unknown as RawEvent[];
      return typeof newest?.event_id === "string" ? newest.event_id : null;
    },
  };
}
