/**
 * The one database round trip: `rpc/customer_portal_lookup`, called through PostgREST with the
 * caller's own token. It returns the caller's customer, the subscription ids to put in the
 * session, and takes one of the caller's mint slots (see `_shared/mint_limit.ts`) when there is
 * something to mint. The function is `security invoker`, so row-level security is the second wall
 * behind its explicit `auth.uid()` filter, and the row's `user_id` is compared with the verified
 * token's again on arrival.
 */
import { createClient } from "@supabase/supabase-js";
import { z } from "zod";
import { type MintSlot, mintSlotSchema } from "../_shared/mint_limit.ts";

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
  // One client for the isolate: building one per request costs ~0.1 ms of CPU. It holds no
  // caller state: every call sets its caller's token itself, and a call that forgot to would
  // run as anon and be refused by the grants, failing closed. `accessToken` keeps supabase-js
  // from building an Auth client (and a session store) we do not use.
  const client = createClient(options.supabaseUrl, options.anonKey, {
    accessToken: () => Promise.resolve(null),
    global: options.fetch ? { fetch: options.fetch } : undefined,
  });

  return async function lookupCustomer(input: LookupInput): Promise<LookupResult> {
    // A timer cleared when the answer comes, rather than AbortSignal.timeout, which would fire
    // (and build an error) long after every request.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), options.timeoutMs);
    const request = client
      .rpc(LOOKUP_RPC, {
        p_subscription_id: input.subscriptionId ?? null,
        p_mint_limit: options.mintLimitPerMinute,
      })
      .setHeader("Authorization", `Bearer ${input.token}`)
      // postgrest-js would retry for up to 7 s; the caller's click is better answered with a 503.
      .retry(false)
      .abortSignal(abort.signal);
    let result: Awaited<typeof request>;
    try {
      result = await request;
    } finally {
      clearTimeout(timer);
    }
    const { data, error, status } = result;

    if (error) return classifyDbError(status, error.code);

    const parsed = resultSchema.safeParse(data);
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

const UNAVAILABLE_PG = new Set(["57014", "57P01", "57P02", "57P03", "53300", "53400"]);
const JWT_REJECTED = new Set(["PGRST301", "PGRST302", "PGRST303"]);

/**
 * Status 0 is how postgrest-js reports a fetch that never got an answer (refused, reset, our
 * timeout). PGRST000-003 are PostgREST failing to reach or use the database; the Postgres codes
 * are timeouts, shutdowns and connection exhaustion. Anything else means the schema, grants or
 * keys are not what this function was written for.
 */
export function classifyDbError(status: number, code: string | undefined): LookupResult {
  const dbErrorCode = code || `http_${status}`;
  if (status === 0 || status >= 500 || /^PGRST00[0-3]$/.test(code ?? "")) {
    return { ok: false, code: "database_unavailable", dbErrorCode };
  }
  if (code?.startsWith("08") || UNAVAILABLE_PG.has(code ?? "")) {
    return { ok: false, code: "database_unavailable", dbErrorCode };
  }
  if (status === 401 || JWT_REJECTED.has(code ?? "")) {
    return { ok: false, code: "not_authenticated", dbErrorCode };
  }
  return { ok: false, code: "misconfigured", dbErrorCode };
}
