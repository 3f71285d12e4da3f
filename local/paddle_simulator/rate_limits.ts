/**
 * Paddle's rate limits (developer.paddle.com/api-reference/about/rate-limiting): 240 requests a
 * minute for most operations and, in a bucket of their own, 1,000 a minute for the pricing
 * preview (`POST /pricing-preview`) and the transaction preview (`POST /transactions/preview`).
 * Over a limit Paddle answers 429 `too_many_requests` in its envelope with `Retry-After` in
 * seconds. Counted per API key and client address, so two stacks on one machine, or a test
 * calling with a wrong key, do not eat each other's budget.
 *
 * Paddle publishes the figures, not the algorithm. Each bucket here holds one minute's worth and
 * refills continuously (a token bucket): a burst of 240 passes, the 241st waits ~0.25 s, and a
 * client spending half the rate leaves the other half, bursts included, to everyone else. That is
 * the reading under which "stay under N a minute" is both necessary and sufficient, which is what
 * a paced client relies on.
 */

import { paddleError } from "./errors.ts";

export const GENERAL_PER_MINUTE = 240;
export const PREVIEW_PER_MINUTE = 1_000;

const PREVIEW_ROUTES = new Set(["POST /pricing-preview", "POST /transactions/preview"]);

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimits {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;
  /** 429s answered since start. */
  rejected = 0;

  constructor(now: () => number = performance.now.bind(performance)) {
    this.#now = now;
  }

  /** Spends one request of the caller's budget: null when it fits, else Paddle's 429. */
  take(request: Request, url: URL, clientAddress: string): Response | null {
    const preview = PREVIEW_ROUTES.has(`${request.method} ${url.pathname}`);
    const perMinute = preview ? PREVIEW_PER_MINUTE : GENERAL_PER_MINUTE;
    const key = `${preview ? "preview" : "general"} ${clientAddress} ${apiKey(request)}`;
    const now = this.#now();
    const perMs = perMinute / 60_000;
    const bucket = this.#buckets.get(key) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return null;
    }
    this.rejected++;
    // Whole seconds, rounded up: a client that waits exactly this long finds a request free.
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    return paddleError("too_many_requests", { headers: { "retry-after": String(retryAfter) } });
  }
}

/** The key itself: the SDK's `bearer` and a curl user's `Bearer` spend the same budget. */
function apiKey(request: Request): string {
  const header = request.headers.get("authorization")?.trim() ?? "";
  return /^bearer +(\S+)$/i.exec(header)?.[1] ?? header;
}

/** `PADDLE_SIMULATOR_RATE_LIMIT`: unset, empty or `on` keeps Paddle's limits; `off` lifts them. */
export function parseRateLimitSetting(value: string | undefined): boolean {
  const setting = (value ?? "").trim().toLowerCase();
  if (setting === "" || setting === "on") return true;
  if (setting === "off") return false;
  throw new TypeError(`PADDLE_SIMULATOR_RATE_LIMIT must be on or off, not ${value}`);
}
