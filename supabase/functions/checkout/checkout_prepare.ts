/**
 * The checkout's one database round trip: `rpc/checkout_prepare`, through PostgREST with the
 * caller's own token. It answers every refusal the database can decide (price, quantity, an
 * existing subscription, an email we may not give Paddle, an email the linking rule would refuse
 * to link to the caller), and otherwise the caller's customer or confirmed email and one mint
 * slot (`_shared/mint_limit.ts`). Security invoker, so RLS is the second wall behind its explicit
 * `auth.uid()`; the user id it answers for is compared with the verified token's again on arrival.
 */
import { z } from "zod";
import { type MintSlot, mintSlotSchema } from "../_shared/mint_limit.ts";
import { createRpcCall, type DbFailure } from "../_shared/postgrest_rpc.ts";

export const PREPARE_RPC = "checkout_prepare";

export interface PrepareInput {
  /** The verified access token; PostgREST runs the function as this user. */
  token: string;
  userId: string;
  priceId: string;
  quantity: number;
}

export type Refusal =
  | "price_not_found"
  | "invalid_quantity"
  | "already_subscribed"
  | "email_not_confirmed"
  | "customer_conflict";

export type PrepareResult =
  | { ok: true; outcome: Refusal }
  | {
    ok: true;
    outcome: "ready";
    /** The caller's linked customer, or (none linked yet) the email Auth has confirmed for them. */
    buyer: { customerId: string } | { email: string };
    mint: MintSlot;
  }
  | DbFailure;

export type PrepareCheckout = (input: PrepareInput) => Promise<PrepareResult>;

export interface CheckoutPrepareOptions {
  supabaseUrl: string;
  anonKey: string;
  timeoutMs: number;
  mintLimitPerMinute: number;
  /** `PADDLE_CHECKOUT_PRICE_IDS`, or null when every recurring price is for sale. */
  allowedPriceIds: string[] | null;
  fetch?: typeof fetch;
}

const answerSchema = z.discriminatedUnion("outcome", [
  z.object({
    outcome: z.enum([
      "price_not_found",
      "invalid_quantity",
      "already_subscribed",
      "email_not_confirmed",
      "customer_conflict",
    ]),
  }),
  z.object({
    outcome: z.literal("ready"),
    user_id: z.string(),
    customer_id: z.string().regex(/^ctm_[a-z\d]{26}$/).nullable(),
    email: z.string().min(3).nullable(),
    mint: mintSlotSchema,
  }),
]);

export function createCheckoutPrepare(options: CheckoutPrepareOptions): PrepareCheckout {
  const callRpc = createRpcCall({
    supabaseUrl: options.supabaseUrl,
    apiKey: options.anonKey,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });

  return async function prepareCheckout(input) {
    const answer = await callRpc(PREPARE_RPC, {
      p_price_id: input.priceId,
      p_quantity: input.quantity,
      p_allowed_price_ids: options.allowedPriceIds,
      p_mint_limit: options.mintLimitPerMinute,
    }, input.token);
    if (!answer.ok) return answer;

    const parsed = answerSchema.safeParse(answer.data);
    if (!parsed.success) return misconfigured("unexpected_shape");
    const a = parsed.data;
    if (a.outcome !== "ready") return { ok: true, outcome: a.outcome };
    if (a.user_id.toLowerCase() !== input.userId.toLowerCase()) return misconfigured("foreign_row");
    // Without a customer the email is what Paddle gets; without either there is nothing to sell to.
    const buyer = a.customer_id !== null
      ? { customerId: a.customer_id }
      : a.email !== null
      ? { email: a.email }
      : undefined;
    if (buyer === undefined) return misconfigured("email_missing");
    return { ok: true, outcome: "ready", buyer, mint: a.mint };
  };
}

function misconfigured(dbErrorCode: string): DbFailure {
  return { ok: false, code: "misconfigured", dbErrorCode };
}
