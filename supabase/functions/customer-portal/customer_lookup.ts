/**
 * The one database round trip: the caller's customer row with its subscriptions embedded, read
 * through PostgREST with the caller's own token. Row-level security is the second wall; the
 * explicit `user_id` filter is the first, so a policy mistake alone cannot hand one user another
 * user's customer, and the row's `user_id` is compared again on arrival.
 */
import { createClient } from "@supabase/supabase-js";
import { z } from "zod";

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
  | { ok: true; customer: { customerId: string; subscriptionIds: string[] } }
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
  fetch?: typeof fetch;
}

const rowSchema = z.object({
  customer_id: z.string().regex(/^ctm_[a-z\d]{26}$/),
  user_id: z.string(),
  subscriptions: z.array(z.object({ subscription_id: z.string(), status: z.string() })),
}).nullable();

export function createCustomerLookup(options: CustomerLookupOptions): LookupCustomer {
  // One client for the isolate: building one per request costs ~0.1 ms of CPU. It holds no
  // caller state: every query sets its caller's token itself, and a query that forgot to would
  // run as anon and be refused by the grants, failing closed. `accessToken` keeps supabase-js
  // from building an Auth client (and a session store) we do not use.
  const client = createClient(options.supabaseUrl, options.anonKey, {
    accessToken: () => Promise.resolve(null),
    global: options.fetch ? { fetch: options.fetch } : undefined,
  });

  return async function lookupCustomer(input: LookupInput): Promise<LookupResult> {
    let query = client
      .from("customers")
      .select("customer_id, user_id, subscriptions(subscription_id, status)")
      .setHeader("Authorization", `Bearer ${input.token}`)
      .eq("user_id", input.userId);
    query = input.subscriptionId === undefined
      ? query.neq("subscriptions.status", "canceled")
      : query.eq("subscriptions.subscription_id", input.subscriptionId);

    // A timer cleared when the answer comes, rather than AbortSignal.timeout, which would fire
    // (and build an error) long after every request.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), options.timeoutMs);
    const request = query
      .order("created_at", { referencedTable: "subscriptions", ascending: false })
      // A tie-breaker, so the same rows always give the same 25.
      .order("subscription_id", { referencedTable: "subscriptions", ascending: false })
      .limit(MAX_SUBSCRIPTIONS, { referencedTable: "subscriptions" })
      // postgrest-js would retry for up to 7 s; the caller's click is better answered with a 503.
      .retry(false)
      .abortSignal(abort.signal)
      .maybeSingle();
    let result: Awaited<typeof request>;
    try {
      result = await request;
    } finally {
      clearTimeout(timer);
    }
    const { data, error, status } = result;

    if (error) return classifyDbError(status, error.code);

    const row = rowSchema.safeParse(data);
    if (!row.success) return { ok: false, code: "misconfigured", dbErrorCode: "unexpected_shape" };
    if (row.data === null) return { ok: true, customer: null };
    if (row.data.user_id.toLowerCase() !== input.userId.toLowerCase()) {
      return { ok: false, code: "misconfigured", dbErrorCode: "foreign_row" };
    }
    const subscriptionIds = row.data.subscriptions
      .filter((s) => input.subscriptionId !== undefined || s.status !== "canceled")
      .map((s) => s.subscription_id)
      .slice(0, MAX_SUBSCRIPTIONS);
    return { ok: true, customer: { customerId: row.data.customer_id, subscriptionIds } };
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
