/**
 * The checkout's first database round trip: `rpc/checkout_prepare`, through PostgREST with the
 * caller's own token. It answers every refusal the database can decide (a plan's price and the
 * add-ons it suggests, from `public.catalog_prices`; quantities; an existing subscription; an
 * email we may not give Paddle; an email the linking rule would refuse to link to the caller),
 * and otherwise the caller's customer or confirmed email, one mint slot (`_shared/mint_limit.ts`)
 * and what to do about the caller's one open checkout (`open_checkout.ts`). Security invoker, so
 * RLS is the second wall behind its explicit `auth.uid()`; the user id it answers for is compared
 * with the verified token's again on arrival.
 */
import { z } from "zod";
import { type MintSlot, mintSlotSchema } from "../_shared/mint_limit.ts";
import { createCallerRpc, type DbFailure, misconfiguredAnswer } from "../_shared/postgrest_rpc.ts";
import { type OpenCheckout, openCheckoutSchema, toOpenCheckout } from "./open_checkout.ts";
import type { CheckoutItem } from "./request_body.ts";

export const PREPARE_RPC = "checkout_prepare";

export interface PrepareInput {
  /** The verified access token; PostgREST runs the function as this user. */
  token: string;
  userId: string;
  priceId: string;
  quantity: number;
  addons: CheckoutItem[];
  /** The country the checkout is priced for; part of the open checkout's key. */
  country?: string;
}

export type Refusal =
  | "price_not_found"
  | "invalid_items"
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
    /** What Paddle gets, the plan first; and the same as the key of the open checkout. */
    items: CheckoutItem[];
    itemsKey: string;
    /** Present when the mint slot was taken. */
    checkout?: OpenCheckout;
  }
  | DbFailure;

export type PrepareCheckout = (input: PrepareInput) => Promise<PrepareResult>;

export interface CheckoutPrepareOptions {
  supabaseUrl: string;
  anonKey: string;
  timeoutMs: number;
  mintLimitPerMinute: number;
  fetch?: typeof fetch;
}

const answerSchema = z.discriminatedUnion("outcome", [
  z.object({
    outcome: z.enum([
      "price_not_found",
      "invalid_items",
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
    items: z.array(z.object({ price_id: z.string(), quantity: z.int() })).min(1),
    items_key: z.string().min(1),
    checkout: openCheckoutSchema.nullable(),
  }),
]);

export function createCheckoutPrepare(options: CheckoutPrepareOptions): PrepareCheckout {
  const callRpc = createCallerRpc(options, PREPARE_RPC, answerSchema);

  return async function prepareCheckout(input) {
    const answer = await callRpc({
      p_price_id: input.priceId,
      p_quantity: input.quantity,
      p_addons: input.addons.map((a) => ({ price_id: a.priceId, quantity: a.quantity })),
      p_mint_limit: options.mintLimitPerMinute,
      ...(input.country ? { p_country: input.country } : {}),
    }, input.token);
    if (!answer.ok) return answer;
    const a = answer.data;
    if (a.outcome !== "ready") return { ok: true, outcome: a.outcome };
    if (a.user_id.toLowerCase() !== input.userId.toLowerCase()) {
      return misconfiguredAnswer("foreign_row");
    }
    // Without a customer the email is what Paddle gets; without either there is nothing to sell to.
    const buyer = a.customer_id !== null
      ? { customerId: a.customer_id }
      : a.email !== null
      ? { email: a.email }
      : undefined;
    if (buyer === undefined) return misconfiguredAnswer("email_missing");
    if (a.mint.taken !== (a.checkout !== null)) return misconfiguredAnswer("unexpected_shape");
    return {
      ok: true,
      outcome: "ready",
      buyer,
      mint: a.mint,
      items: a.items.map((i) => ({ priceId: i.price_id, quantity: i.quantity })),
      itemsKey: a.items_key,
      ...(a.checkout ? { checkout: toOpenCheckout(a.checkout) } : {}),
    };
  };
}
