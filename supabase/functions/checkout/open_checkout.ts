/**
 * The caller's one open checkout (issue 17): what the database decided for this request, asked
 * again while another request of the same user holds the claim (`rpc/checkout_claim`, as the
 * caller), and settled once Paddle has answered (`rpc/checkout_settle`, service role: it names a
 * transaction, which only this function may record). Two tabs or two quick clicks therefore never
 * leave two payable transactions: the same items get the same URL, other items cancel the open
 * transaction before a new one is created.
 */
import { z } from "zod";
import { createRpcCall, type DbFailure } from "../_shared/postgrest_rpc.ts";

const TRANSACTION_ID = /^txn_[a-z\d]{26}$/;

/** What to do, decided under the row's lock (billing_private.claim_checkout). */
export type OpenCheckout =
  | { action: "reuse"; transactionId: string; url: string }
  | { action: "wait"; retryAfterMs: number }
  | { action: "create"; claim: string; cancelTransactionId: string | null };

export const openCheckoutSchema = z.discriminatedUnion("action", [
  z.object({
    action: z.literal("reuse"),
    transaction_id: z.string().regex(TRANSACTION_ID),
    url: z.url({ protocol: /^https?$/ }),
  }),
  z.object({ action: z.literal("wait"), retry_after_ms: z.int().min(1).max(60_000) }),
  z.object({
    action: z.literal("create"),
    claim: z.uuid(),
    cancel_transaction_id: z.string().regex(TRANSACTION_ID).nullable(),
  }),
]);

export function toOpenCheckout(a: z.infer<typeof openCheckoutSchema>): OpenCheckout {
  switch (a.action) {
    case "reuse":
      return { action: "reuse", transactionId: a.transaction_id, url: a.url };
    case "wait":
      return { action: "wait", retryAfterMs: a.retry_after_ms };
    case "create":
      return { action: "create", claim: a.claim, cancelTransactionId: a.cancel_transaction_id };
  }
}

export type ClaimResult = { ok: true; checkout: OpenCheckout } | DbFailure;
export type ClaimCheckout = (input: { token: string; itemsKey: string }) => Promise<ClaimResult>;

export interface SettleInput {
  userId: string;
  claim: string;
  /** The transaction now open, or none (then `previousCanceled` says what became of the old). */
  opened?: { transactionId: string; url: string };
  previousCanceled: boolean;
}

export type SettleResult = { ok: true; outcome: "settled" | "lost" } | DbFailure;
export type SettleCheckout = (input: SettleInput) => Promise<SettleResult>;

export interface OpenCheckoutOptions {
  supabaseUrl: string;
  anonKey: string;
  serviceKey: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export function createOpenCheckout(options: OpenCheckoutOptions): {
  claimCheckout: ClaimCheckout;
  settleCheckout: SettleCheckout;
} {
  const asCaller = createRpcCall({
    supabaseUrl: options.supabaseUrl,
    apiKey: options.anonKey,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
  const asService = createRpcCall({
    supabaseUrl: options.supabaseUrl,
    apiKey: options.serviceKey,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });

  async function claimCheckout({ token, itemsKey }: { token: string; itemsKey: string }) {
    const answer = await asCaller("checkout_claim", { p_items_key: itemsKey }, token);
    if (!answer.ok) return answer;
    const parsed = openCheckoutSchema.safeParse(answer.data);
    if (!parsed.success) return unexpected();
    return { ok: true as const, checkout: toOpenCheckout(parsed.data) };
  }

  async function settleCheckout(input: SettleInput): Promise<SettleResult> {
    const answer = await asService("checkout_settle", {
      p_user_id: input.userId,
      p_claim: input.claim,
      p_transaction_id: input.opened?.transactionId ?? null,
      p_url: input.opened?.url ?? null,
      p_previous_canceled: input.previousCanceled,
    }, options.serviceKey);
    if (!answer.ok) {
      // The service key being refused is our configuration, never the caller's sign-in.
      return answer.code === "not_authenticated" ? { ...answer, code: "misconfigured" } : answer;
    }
    const parsed = z.object({ outcome: z.enum(["settled", "lost"]) }).safeParse(answer.data);
    if (!parsed.success) return unexpected();
    return { ok: true, outcome: parsed.data.outcome };
  }

  return { claimCheckout, settleCheckout };
}

function unexpected(): DbFailure {
  return { ok: false, code: "misconfigured", dbErrorCode: "unexpected_shape" };
}
