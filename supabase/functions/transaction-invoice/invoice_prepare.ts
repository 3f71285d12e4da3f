/**
 * The invoice function's one database round trip: `rpc/transaction_invoice_prepare`, through
 * PostgREST with the caller's own token. It proves the transaction is the caller's (RLS behind an
 * explicit `auth.uid()`: another user's transaction and an unknown one answer the same), that
 * Paddle has an invoice for it, and takes one slot of the per-user limit the portal and checkout
 * share (`_shared/mint_limit.ts`). The id it answers for is compared with the one asked for.
 */
import { z } from "zod";
import { type MintSlot, mintSlotSchema } from "../_shared/mint_limit.ts";
import { createCallerRpc, type DbFailure, misconfiguredAnswer } from "../_shared/postgrest_rpc.ts";

export const PREPARE_RPC = "transaction_invoice_prepare";

export interface PrepareInput {
  /** The verified access token; PostgREST runs the function as this user. */
  token: string;
  transactionId: string;
}

export type PrepareResult =
  | { ok: true; outcome: "transaction_not_found" }
  | { ok: true; outcome: "invoice_not_available"; status: string }
  | { ok: true; outcome: "ready"; mint: MintSlot }
  | DbFailure;

export type PrepareInvoice = (input: PrepareInput) => Promise<PrepareResult>;

export interface InvoicePrepareOptions {
  supabaseUrl: string;
  anonKey: string;
  timeoutMs: number;
  mintLimitPerMinute: number;
  fetch?: typeof fetch;
}

const answerSchema = z.discriminatedUnion("outcome", [
  z.object({ outcome: z.literal("transaction_not_found") }),
  z.object({ outcome: z.literal("invoice_not_available"), status: z.string() }),
  z.object({
    outcome: z.literal("ready"),
    transaction_id: z.string(),
    mint: mintSlotSchema,
  }),
]);

export function createInvoicePrepare(options: InvoicePrepareOptions): PrepareInvoice {
  const callRpc = createCallerRpc(options, PREPARE_RPC, answerSchema);

  return async function prepareInvoice(input) {
    const answer = await callRpc({
      p_transaction_id: input.transactionId,
      p_mint_limit: options.mintLimitPerMinute,
    }, input.token);
    if (!answer.ok) return answer;
    const a = answer.data;
    if (a.outcome === "transaction_not_found") return { ok: true, outcome: a.outcome };
    if (a.outcome === "invoice_not_available") {
      return { ok: true, outcome: a.outcome, status: a.status };
    }
    if (a.transaction_id !== input.transactionId) return misconfiguredAnswer("foreign_row");
    return { ok: true, outcome: "ready", mint: a.mint };
  };
}
