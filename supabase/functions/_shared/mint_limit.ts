/**
 * The per-user limit on minting Paddle sessions: portal sessions and checkouts, counted together.
 *
 * Paddle allows about 240 API requests a minute per IP and the functions share their egress, so
 * one account minting in a loop would push every user into `rate_limited`. The slots are counted
 * in Postgres (`billing_private.take_mint_slot`, taken inside the function's one lookup RPC) so
 * the limit holds across isolates and regions; this module is the TypeScript side every minting
 * function shares: the setting, the slot the RPC reports, and the 429 it turns into.
 */
import { z } from "zod";

export const DEFAULT_MINT_RATE_LIMIT_PER_MINUTE = 10;

/** `MINT_RATE_LIMIT_PER_MINUTE`: a whole number, 0 turns the limit off; empty means the default. */
export const mintRateLimitSetting = z.preprocess(
  (
    v,
  ) => (v === undefined || String(v).trim() === ""
    ? String(DEFAULT_MINT_RATE_LIMIT_PER_MINUTE)
    : v),
  z.string().trim().regex(/^\d+$/, "must be a whole number of mints per minute (0 = off)")
    .transform(Number).pipe(z.number().int().min(0).max(100_000, "must be at most 100000")),
);

/** What the lookup RPC reports about the slot: taken, or when the next one frees. */
export type MintSlot = { taken: true } | { taken: false; retryAfterSeconds: number };

/** The RPC's `mint` object: `{"taken": bool, "retry_after_seconds": int | null}`. */
export const mintSlotSchema = z.object({
  taken: z.boolean(),
  retry_after_seconds: z.number().int().min(1).max(60).nullable(),
}).transform((m, ctx): MintSlot => {
  if (m.taken) return { taken: true };
  if (m.retry_after_seconds === null) {
    ctx.addIssue({ code: "custom", message: "a refused slot needs retry_after_seconds" });
    return z.NEVER;
  }
  return { taken: false, retryAfterSeconds: m.retry_after_seconds };
});

/** Headers of the 429 `too_many_requests` answer. */
