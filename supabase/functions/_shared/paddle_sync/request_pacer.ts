/**
 * The sync's pace with Paddle. Paddle allows 240 requests a minute per IP and answers 429 past
 * that; a sync that spent them all would leave a user's "Manage subscription" click to a 429.
 * So the sync takes a turn before every request, `60 000 / requestsPerMinute` ms after the one
 * before, and users keep the rest of the budget.
 *
 * The turns come from the database (`paddle_sync_request_turn`, migration 20261206000500): a sync
 * is many invocations (each slice a new request, often a new isolate; overlapping schedules; the
 * CLI beside them), and only a shared clock keeps them together under the pace. A 429 still
 * happens when users spend the budget: `hold` pushes every caller's next turn past Retry-After.
 * If the database cannot hand out a turn, this isolate keeps the pace on its own clock rather
 * than stopping the sync or running unpaced.
 */
import type { CallRpc } from "../postgrest_rpc.ts";

/** Paddle's limit for most operations, per minute and IP. */
export const PADDLE_REQUESTS_PER_MINUTE = 240;
/** Half for the sync, half for everything users do. */
export const DEFAULT_SYNC_REQUESTS_PER_MINUTE = PADDLE_REQUESTS_PER_MINUTE / 2;

export interface RequestPacer {
  /**
   * Waits for the sync's next turn to call Paddle. Resolves false at once, without using a
   * turn, when the turn would come later than `withinMs` from now (the slice is about to end).
   */
  turn(withinMs: number): Promise<boolean>;
  /** Paddle answered 429: no sync request for `ms`, in this slice or any other. */
  hold(ms: number): Promise<void>;
}

export interface DatabasePacerOptions {
  callRpc: CallRpc;
  /** The service-role or secret key the sync writes with: the pace functions are theirs only. */
  serviceKey: string;
  requestsPerMinute: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function createDatabasePacer(options: DatabasePacerOptions): RequestPacer {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const intervalMs = Math.max(1, Math.round(60_000 / options.requestsPerMinute));
  // This isolate's own view: a floor under the database's turns, and the pace when it is away.
  let localNext = -Infinity;
  let heldUntil = -Infinity;

  return {
    async turn(withinMs) {
      const t = now();
      const localWait = Math.max(0, heldUntil - t);
      if (localWait > withinMs) return false;
      const result = await options.callRpc("paddle_sync_request_turn", {
        p_interval_ms: intervalMs,
        p_within_ms: Math.max(0, Math.floor(withinMs - localWait)),
      }, options.serviceKey);
      let wait: number;
      if (result.ok && result.data === null) return false;
      if (result.ok && typeof result.data === "number") {
        wait = result.data;
      } else {
        wait = Math.max(0, localNext - t);
        if (wait > withinMs) return false;
      }
      wait = Math.max(wait, localWait);
      localNext = t + wait + intervalMs;
      if (wait > 0) await sleep(wait);
      return true;
    },
    async hold(ms) {
      heldUntil = Math.max(heldUntil, now() + ms);
      // Best effort: this isolate holds anyway; other invocations learn it from the database.
      await options.callRpc(
        "paddle_sync_hold_requests",
        { p_ms: Math.min(3_600_000, Math.max(0, Math.ceil(ms))) },
        options.serviceKey,
      );
    },
  };
}
