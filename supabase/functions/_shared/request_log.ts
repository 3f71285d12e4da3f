/**
 * One JSON line per request, for the platform's log search.
 *
 * Fields are an allow-list of ids, codes and numbers. A portal URL is a bearer credential for the
 * customer's billing data, and tokens, keys and emails are what an attacker with log access would
 * want, so none of them has a field; `scrub` is the safety net for a value that slips in anyway.
 */
export interface RequestLogEntry {
  request_id: string;
  method: string;
  /** `ok`, `preflight`, or the error code sent to the caller. */
  outcome: string;
  status: number;
  duration_ms: number;
  /** Our stable reason a token was refused (e.g. `expired`), never the token. */
  auth_failure?: string;
  target?: string;
  subscription_count?: number;
  /** checkout: the price asked for (a public catalog id) and the quantity. */
  price_id?: string;
  quantity?: number;
  /** checkout: how many add-ons came with the plan. */
  addon_count?: number;
  /**
   * checkout: the caller's open checkout was reused, replaced (the old one canceled) or created,
   * or the request waited for another one of the same user's and gave up.
   */
  open_checkout?: "reused" | "replaced" | "created" | "busy" | "lost";
  /** transaction-invoice: the status of a transaction that has no invoice (never its `txn_` id). */
  txn_status?: string;
  /** checkout: the buyer's customer was already linked, created now, or found by email in Paddle. */
  customer_source?: "linked" | "created" | "existing";
  /** checkout: the country the checkout was priced for, and whether its address was reused. */
  country?: string;
  address_source?: "existing" | "created" | "refused";
  /** subscription-update: the subscription (a Paddle id), the action and the proration chosen. */
  subscription_id?: string;
  update_action?: "preview" | "apply" | "keep";
  proration_billing_mode?: string;
  /** subscription-update: rows Paddle's answer wrote to the mirror (0: a newer state was there). */
  mirror_written?: number;
  /** Over the mint limit: seconds until the caller's next slot frees (`Retry-After`). */
  mint_retry_after_seconds?: number;
  /** PostgREST / Postgres error code when the lookup failed. */
  db_error_code?: string;
  /** The `X-Transaction-ID` we sent on each Paddle attempt, to match Paddle's own logs. */
  paddle_transaction_ids?: string[];
  paddle_request_id?: string;
  paddle_attempts?: number;
  /** Paddle's error code, e.g. `too_many_requests`. */
  paddle_error_code?: string;
  /** paddle-sync: the run's state after the slice, and what the slice did. */
  sync_status?: "syncing" | "done";
  sync_restart?: boolean;
  sync_stopped?: string;
  sync_entity_type?: string;
  sync_pages?: number;
  sync_records?: number;
  sync_written?: number;
  /** paddle-sync `{"events": true}`: the catch-up, or the full sync it fell back to, and why. */
  sync_mode?: "events" | "events_full_sync";
  sync_fallback?: "no_cursor" | "cursor_expired";
  sync_events?: number;
  /** Class name of an unexpected exception; its message may hold data, so it is not logged. */
  exception?: string;
}

export type LogSink = (line: string) => void;

/**
 * Puts what the Paddle calls of a request tried on its log line: Paddle's request ids (for a
 * support case) and how many attempts. Kept here, not beside the calls, so a handler can log
 * without loading the Paddle SDK.
 */
export function logPaddleAttempts(
  entry: Pick<RequestLogEntry, "paddle_transaction_ids" | "paddle_attempts">,
  attempts: { transactionIds: string[]; attempts: number },
): void {
  entry.paddle_transaction_ids = attempts.transactionIds;
  entry.paddle_attempts = attempts.attempts;
}

const SENSITIVE: readonly RegExp[] = [
  /eyJ[\w-]*\.[\w-]*/, // JWT (header starts with `{"`)
  /\bbearer\s/i,
  /pdl_(?:sdbx|live)_/, // Paddle API key
  /sb_(?:secret|publishable)_/, // Supabase API keys
  /[^\s@]+@[^\s@]+\.[^\s@]+/, // email address
  /[a-z][a-z\d+.-]*:\/\//i, // any URL, portal URLs included
  /[?&]token=/,
];

export function isSensitive(value: string): boolean {
  return SENSITIVE.some((re) => re.test(value));
}

/** Replaces any string that looks like a secret; keys whose value is undefined are dropped. */
export function scrub(value: unknown): unknown {
  if (typeof value === "string") return isSensitive(value) ? "[redacted]" : value;
  if (Array.isArray(value)) return value.map(scrub);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, scrub(v)]),
    );
  }
  return value;
}

export function formatLogLine(fn: string, entry: RequestLogEntry, at: Date = new Date()): string {
  const level = entry.status >= 500 ? "error" : entry.status >= 400 ? "warn" : "info";
  return JSON.stringify(scrub({ ts: at.toISOString(), level, fn, ...entry }));
}

export const consoleSink: LogSink = (line) => console.log(line);
