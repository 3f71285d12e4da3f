/**
 * Time budgets for calls whose client library offers no timeout of its own (the Paddle SDK is a
 * bare `fetch`). The budget covers all attempts together, so a retry can never push the answer
 * past the deadline the caller was promised.
 */
export interface Deadline {
  /** Milliseconds left, never negative. */
  remaining(): number;
  expired(): boolean;
}

export function createDeadline(budgetMs: number, now: () => number = Date.now): Deadline {
  const at = now() + budgetMs;
  return {
    remaining: () => Math.max(0, at - now()),
    expired: () => now() >= at,
  };
}

export type Raced<T> =
  | { kind: "value"; value: T }
  | { kind: "error"; error: unknown }
  | { kind: "timeout" };

/**
 * Settles with the promise or with `timeout` after `ms`, whichever comes first. The losing promise
 * is not cancelled (nothing can cancel it) but its rejection is observed, so a late failure does
 * not become an unhandled rejection that kills the isolate.
 */
export function raceWithTimeout<T>(promise: Promise<T>, ms: number): Promise<Raced<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settled = promise.then(
    (value): Raced<T> => ({ kind: "value", value }),
    (error: unknown): Raced<T> => ({ kind: "error", error }),
  );
  const timedOut = new Promise<Raced<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "timeout" }), Math.max(0, ms));
  });
  return Promise.race([settled, timedOut]).finally(() => clearTimeout(timer));
}

/**
 * "Equal jitter": half the base plus a random half, so two callers that failed together do not
 * retry together, yet no retry comes back immediately.
 */
export function jitteredBackoff(baseMs: number, random: () => number = Math.random): number {
  return Math.round(baseMs / 2 + random() * (baseMs / 2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
