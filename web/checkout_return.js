// @ts-check
/**
 * Back from checkout (`?checkout=complete`, the payment-link page's success URL): Paddle's
 * webhooks may land a moment after the buyer does, so the page asks the mirror again with
 * backoff, for at most 30 seconds, until the new subscription is there. The schedule and the
 * wait are pure (tests/web/checkout_return_test.ts); the page supplies the check.
 */

export const RETURN_PARAM = "checkout";
export const RETURN_VALUE = "complete";
export const WAIT_LIMIT_MS = 30_000;

/**
 * True when this page load is the return from checkout; the parameter is removed from the
 * address at once (a reload or a bookmark must not wait again).
 *
 * @param {{ href: string }} loc the page's location
 * @param {{ state: unknown, replaceState(state: unknown, unused: string, url: string): void }} hist
 *   the page's history (structural: this module is also type-checked without the DOM lib)
 */
export function takeCheckoutReturn(loc, hist) {
  const url = new URL(loc.href);
  if (url.searchParams.get(RETURN_PARAM) !== RETURN_VALUE) return false;
  url.searchParams.delete(RETURN_PARAM);
  hist.replaceState(hist.state, "", url.pathname + url.search + url.hash);
  return true;
}

/**
 * Waits between checks: growing by `factor` from `firstMs`, at most `maxMs` each, adding up to
 * exactly `totalMs` (the last one shortened), so the final check happens at the limit.
 *
 * @param {{ totalMs?: number, firstMs?: number, factor?: number, maxMs?: number }} [options]
 * @returns {number[]}
 */
export function pollDelays(options = {}) {
  const { totalMs = WAIT_LIMIT_MS, firstMs = 1_000, factor = 1.6, maxMs = 8_000 } = options;
  /** @type {number[]} */
  const delays = [];
  let spent = 0;
  let next = firstMs;
  while (spent < totalMs) {
    const delay = Math.min(Math.round(next), maxMs, totalMs - spent);
    delays.push(delay);
    spent += delay;
    next *= factor;
  }
  return delays;
}

/**
 * Checks now, then after each delay, until `check` says yes. A check that throws (a network
 * blip) counts as "not yet".
 *
 * @param {() => Promise<boolean>} check
 * @param {{ delays?: number[], sleep?: (ms: number) => Promise<void>, signal?: AbortSignal }} [options]
 * @returns {Promise<"found" | "timeout" | "aborted">}
 */
export async function waitForSubscription(check, options = {}) {
  const { delays = pollDelays(), sleep = defaultSleep, signal } = options;
  for (let attempt = 0;; attempt++) {
    if (signal?.aborted) return "aborted";
    let found = false;
    try {
      found = await check();
    } catch {
      found = false;
    }
    if (signal?.aborted) return "aborted";
    if (found) return "found";
    if (attempt >= delays.length) return "timeout";
    await sleep(delays[attempt]);
  }
}

/** @param {number} ms */
function defaultSleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
