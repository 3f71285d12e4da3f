/**
 * Pages of one entity type from Paddle's list APIs, through the SDK's collections:
 * `per_page=200` (Paddle's maximum; 30 for transactions, whose list answers no more, and which
 * take `updated_at[GTE]` on a later run), `order_by=id[ASC]` (so the cursor is the last id seen and a
 * resumed run continues exactly after it), `after=<stored cursor>`, then `next()` follows
 * `meta.pagination.next`. Each page is turned into Paddle's API JSON at once, so only one page
 * is ever held.
 *
 * The SDK has no timeout and no status on its errors; `classifyPaddleError` turns what it throws
 * into a stable code (and Paddle's Retry-After for a 429). After a failed `next()` the SDK still
 * points at the same page, so calling it again retries that page.
 */
import {
  Paddle,
  type Status,
  type SubscriptionStatus,
  type TransactionStatus,
} from "@paddle/paddle-node-sdk";
import { classifyPaddleFailure, paddleEnvironment } from "../paddle_env.ts";
import type { PaddleEnv } from "../paddle_key.ts";
import type { EntityType } from "./entity_types.ts";
import { type ApiJson, type SdkEntity, toApiJson } from "./to_api_json.ts";

export const PAGE_SIZE = 200;
/** `GET /transactions` answers at most 30 per page (Paddle's API reference). */
export const TRANSACTION_PAGE_SIZE = 30;

export interface Page {
  /** The page's entities as Paddle's API JSON. */
  entities: ApiJson[];
  /** The `after` for the page that follows: the last id on this page (unchanged when empty). */
  nextCursor: string | null;
  hasMore: boolean;
  /** Paddle's `meta.pagination.estimated_total` (0 when Paddle skipped counting). */
  estimatedTotal: number;
}

export interface PageReader {
  next(): Promise<Page>;
}

/**
 * `updatedSince` (transactions only): the page holds only entities updated at or after it, so a
 * later run does not re-read every past payment.
 */
export type OpenPages = (
  entityType: EntityType,
  after: string | null,
  updatedSince?: string | null,
) => PageReader;

export interface PaddlePagesOptions {
  apiKey: string;
  paddleEnv: PaddleEnv;
  /** Base URL override (the local simulator). */
  apiUrl?: string;
}

// Paddle's list APIs return only active catalog entries and customers unless asked: a mirror
// needs the archived ones too (an archived price can still be on a live subscription).
const ALL_CATALOG_STATUSES: Status[] = ["active", "archived"];
const ALL_SUBSCRIPTION_STATUSES: SubscriptionStatus[] = [
  "active",
  "canceled",
  "past_due",
  "paused",
  "trialing",
];
const ALL_TRANSACTION_STATUSES: TransactionStatus[] = [
  "draft",
  "ready",
  "billed",
  "paid",
  "completed",
  "canceled",
  "past_due",
];

export function createPaddlePages(options: PaddlePagesOptions): OpenPages {
  const paddle = new Paddle(options.apiKey, {
    environment: paddleEnvironment(options),
  });
  return (entityType, after, updatedSince = null) => {
    const query = {
      perPage: PAGE_SIZE,
      orderBy: "id[ASC]",
      ...(after === null ? {} : { after }),
    };
    switch (entityType) {
      case "product":
        return reader(
          entityType,
          after,
          paddle.products.list({ ...query, status: ALL_CATALOG_STATUSES }),
        );
      case "price":
        return reader(
          entityType,
          after,
          paddle.prices.list({ ...query, status: ALL_CATALOG_STATUSES }),
        );
      case "customer":
        return reader(
          entityType,
          after,
          paddle.customers.list({ ...query, status: ALL_CATALOG_STATUSES }),
        );
      case "subscription":
        return reader(
          entityType,
          after,
          paddle.subscriptions.list({ ...query, status: ALL_SUBSCRIPTION_STATUSES }),
        );
      default:
        return reader(
          entityType,
          after,
          paddle.transactions.list({
            ...query,
            perPage: TRANSACTION_PAGE_SIZE,
            status: ALL_TRANSACTION_STATUSES,
            ...(updatedSince === null ? {} : { "updatedAt[GTE]": updatedSince }),
          }),
        );
    }
  };
}

interface SdkCollection<T> {
  next(): Promise<T[]>;
  hasMore: boolean;
  estimatedTotal: number;
}

function reader<T extends EntityType>(
  entityType: T,
  after: string | null,
  collection: SdkCollection<SdkEntity<T>>,
): PageReader {
  let cursor = after;
  return {
    async next() {
      const items = await collection.next();
      const entities = items.map((item) => toApiJson(entityType, item));
      const last = items.at(-1);
      if (last !== undefined) cursor = last.id;
      return {
        entities,
        nextCursor: cursor,
        hasMore: collection.hasMore,
        estimatedTotal: collection.estimatedTotal,
      };
    },
  };
}

export type PaddleErrorCode = "rate_limited" | "paddle_unavailable" | "misconfigured";

export interface PaddleFailure {
  code: PaddleErrorCode;
  /** Paddle's error code or the failure class (`network`, `not_json`). */
  detail: string;
  retryAfterSeconds?: number;
}

export function classifyPaddleError(error: unknown): PaddleFailure {
  const failure = classifyPaddleFailure(error);
  const code = failure.kind === "rate_limited"
    ? "rate_limited"
    : failure.kind === "key_refused"
    ? "misconfigured"
    : "paddle_unavailable";
  return {
    code,
    detail: failure.code,
    ...(failure.retryAfterSeconds !== undefined
      ? { retryAfterSeconds: failure.retryAfterSeconds }
      : {}),
  };
}
