/**
 * Writes the Paddle customer checkout created (or found) and links it to the buyer:
 * `rpc/checkout_link_customer` with the service key, the only service-role call checkout makes.
 * The database decides the link by the webhook's rule (docs/security.md, "Checkout"); this
 * module only carries the customer there and reads the answer.
 */
import { z } from "zod";
import { createRpcCall, type DbFailure } from "../_shared/postgrest_rpc.ts";
import type { ApiJson } from "../_shared/paddle_sync/to_api_json.ts";

export const LINK_RPC = "checkout_link_customer";

export type LinkResult =
  /** `customerId` is the buyer's linked customer: the one given, or one linked earlier. */
  | { ok: true; outcome: "linked"; customerId: string }
  | { ok: true; outcome: "conflict" }
  | DbFailure;

export type LinkCustomer = (input: { userId: string; customer: ApiJson }) => Promise<LinkResult>;

export interface CustomerLinkOptions {
  supabaseUrl: string;
  serviceKey: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const answerSchema = z.discriminatedUnion("outcome", [
  z.object({ outcome: z.literal("linked"), customer_id: z.string().regex(/^ctm_[a-z\d]{26}$/) }),
  z.object({ outcome: z.literal("conflict") }),
]);

export function createCustomerLink(options: CustomerLinkOptions): LinkCustomer {
  const callRpc = createRpcCall({
    supabaseUrl: options.supabaseUrl,
    apiKey: options.serviceKey,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });

  return async function linkCustomer({ userId, customer }) {
    const answer = await callRpc(
      LINK_RPC,
      { p_user_id: userId, p_customer: customer },
      options.serviceKey,
    );
    if (!answer.ok) {
      // The service key being refused is our configuration, never the caller's sign-in.
      return answer.code === "not_authenticated" ? { ...answer, code: "misconfigured" } : answer;
    }
    const parsed = answerSchema.safeParse(answer.data);
    if (!parsed.success) {
      return { ok: false, code: "misconfigured", dbErrorCode: "unexpected_shape" };
    }
    return parsed.data.outcome === "linked"
      ? { ok: true, outcome: "linked", customerId: parsed.data.customer_id }
      : { ok: true, outcome: "conflict" };
  };
}
