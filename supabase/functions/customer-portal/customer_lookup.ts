/**
 * The one database round trip: `rpc/customer_portal_lookup`, called through PostgREST with the
 * caller's own token. It returns the caller's customer, the subscription ids to put in the
 * session, and takes one of the caller's mint slots (see `_shared/mint_limit.ts`) when there is
 * something to mint. The function is `security invoker`, so row-level security is the second wall
 * behind its explicit `auth.uid()` filter, and the row's `user_id` is compared with the verified
 * token's again on arrival.
 */
import { z } from "zod";
import { type MintSlot, mintSlotSchema } from "../_shared/mint_limit.ts";
import { classifyDbError, createRpcCall } from "../_shared/postgrest_rpc.ts";

export { classifyDbError };

/** Paddle accepts at most 25 subscription ids per portal session. */
export const MAX_SUBSCRIPTIONS = 25;

export interface LookupInput {
  /** The verified access token; PostgREST runs the query as this user. */
  token: string;
  userId: string;
  /** Set for a deep link: only this subscription is read. */
  subscriptionId?: string;
}

export type LookupResult =
  | { ok: true; customer: null }
  | {
    ok: true;
    customer: {
      customerId: string;
      subscriptionIds: string[];
      /** Null when nothing is to be minted (a deep link to a subscription not found). */
      mint: MintSlot | null;
    };
  }
  | {
    ok: false;
    code: "database_unavailable" | "not_authenticated" | "misconfigured";
    dbErrorCode?: string;
  };

export type LookupCustomer = (input: LookupInput) => Promise<LookupResult>;

export interface CustomerLookupOptions {
  supabaseUrl: string;
  anonKey: string;
  timeoutMs: number;
  /** Mint slots per user per minute; 0 turns the limit off. */
  mintLimitPerMinute: number;
  fetch?: typeof fetch;
}

export const LOOKUP_RPC = "customer_portal_lookup";

const resultSchema = z.object({
  customer: z.object({
    customer_id: z.string().regex(/^ctm_[a-z\d]{26}$/),
    user_id: z.string(),
    subscription_ids: z.array(z.string()),
  }).nullable(),
  mint: mintSlotSchema.nullable().optional(),
});

export function createCustomerLookup(options: CustomerLookupOptions): LookupCustomer {
  const callRpc = createRpcCall({
    supabaseUrl: options.supabaseUrl,
    apiKey: options.anonKey,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });

  return async function lookupCustomer(input: LookupInput): Promise<LookupResult> {
    const answer = await callRpc(LOOKUP_RPC, {
      p_subscription_id: input.subscriptionId ?? null,
      p_mint_limit: options.mintLimitPerMinute,
    }, input.token);
    if (!answer.ok) return answer;

    const parsed = resultSchema.safeParse(answer.data);
    if (!parsed.success) {
      return { ok: false, code: "misconfigured", dbErrorCode: "unexpected_shape" };
    }
    const { customer, mint } = parsed.data;
    if (customer === null) return { ok: true, customer: null };
    if (customer.user_id.toLowerCase() !== input.userId.toLowerCase()) {
      return { ok: false, code: "misconfigured", dbErrorCode: "foreign_row" };
    }
    // A deep link is for the one id asked about; the overview for at most 25.
    const subscriptionIds = customer.subscription_ids
      .filter((id) => input.subscriptionId === undefined || id === input.subscriptionId)
      .slice(0, MAX_SUBSCRIPTIONS);
    const found = input.subscriptionId === undefined || subscriptionIds.length > 0;
    // The RPC takes a slot whenever there is something to mint; no answer about it then means
    // the function is not the one this code was written for.
    if (found && (mint === undefined || mint === null)) {
      return { ok: false, code: "misconfigured", dbErrorCode: "mint_missing" };
    }
    return {
      ok: true,
      customer: {
        customerId: customer.customer_id,
        subscriptionIds,
        mint: found ? mint ?? null : null,
      },
    };
  };
}
