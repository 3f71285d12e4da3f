/**
 * subscription-update's one database round trip: `rpc/subscription_update_prepare`, through
 * PostgREST with the caller's own token. It answers every refusal the database can decide (whose
 * subscription, its status, the renewal lock, what is for sale, one plan with its own add-ons on
 * one interval, quantities, no change, nothing to keep) before Paddle is asked anything, and
 * otherwise the facts the proration rule needs and one mint slot (`_shared/mint_limit.ts`).
 * Security invoker, so RLS is the second wall behind its explicit `auth.uid()`; the user id it
 * answers for is compared with the verified token's again here.
 */
import { z } from "zod";
import { type MintSlot, mintSlotSchema } from "../_shared/mint_limit.ts";
import { createCallerRpc, type DbFailure, misconfiguredAnswer } from "../_shared/postgrest_rpc.ts";
import type { ProrationFacts } from "./proration.ts";
import type { Item } from "./request_body.ts";

export const PREPARE_RPC = "subscription_update_prepare";

export interface PrepareInput {
  token: string;
  userId: string;
  subscriptionId: string;
  action: "preview" | "apply" | "keep";
  items: Item[] | null;
}

export type Refusal =
  | "subscription_not_found"
  | "subscription_not_changeable"
  | "nothing_to_keep"
  | "price_not_found"
  | "invalid_items"
  | "invalid_quantity"
  | "no_change";

export type PrepareResult =
  | { ok: true; outcome: Refusal }
  | { ok: true; outcome: "renewal_too_close"; retryAfterSeconds: number }
  | { ok: true; outcome: "ready"; facts: ProrationFacts; mint: MintSlot }
  | DbFailure;

export type PrepareUpdate = (input: PrepareInput) => Promise<PrepareResult>;

export interface UpdatePrepareOptions {
  supabaseUrl: string;
  anonKey: string;
  timeoutMs: number;
  mintLimitPerMinute: number;
  fetch?: typeof fetch;
}

const digits = z.string().regex(/^\d+$/);

const answerSchema = z.discriminatedUnion("outcome", [
  z.object({
    outcome: z.enum([
      "subscription_not_found",
      "subscription_not_changeable",
      "nothing_to_keep",
      "price_not_found",
      "invalid_items",
      "invalid_quantity",
      "no_change",
    ]),
  }),
  z.object({
    outcome: z.literal("renewal_too_close"),
    retry_after_seconds: z.number().int().min(1),
  }),
  z.object({
    outcome: z.literal("ready"),
    user_id: z.string(),
    interval_changes: z.boolean(),
    current_total: digits,
    new_total: digits,
    scheduled_change: z.string().nullable(),
    mint: mintSlotSchema,
  }),
]);

export function createUpdatePrepare(options: UpdatePrepareOptions): PrepareUpdate {
  const callRpc = createCallerRpc(options, PREPARE_RPC, answerSchema);

  return async function prepareUpdate(input) {
    const answer = await callRpc({
      p_subscription_id: input.subscriptionId,
      p_action: input.action,
      p_items: input.items,
      p_mint_limit: options.mintLimitPerMinute,
    }, input.token);
    if (!answer.ok) return answer;
    const a = answer.data;
    if (a.outcome === "renewal_too_close") {
      return { ok: true, outcome: a.outcome, retryAfterSeconds: a.retry_after_seconds };
    }
    if (a.outcome !== "ready") return { ok: true, outcome: a.outcome };
    if (a.user_id.toLowerCase() !== input.userId.toLowerCase()) {
      return misconfiguredAnswer("foreign_row");
    }
    return {
      ok: true,
      outcome: "ready",
      facts: {
        intervalChanges: a.interval_changes,
        currentTotal: a.current_total,
        newTotal: a.new_total,
        scheduledChange: a.scheduled_change,
      },
      mint: a.mint,
    };
  };
}
