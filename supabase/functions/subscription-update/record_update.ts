/**
 * After an applied change, Paddle's answer goes to the mirror at once, so the page shows the new
 * plan without waiting for the webhook: `rpc/subscription_update_record` with the server key,
 * which stores it through `apply_paddle_entities` (newest-wins; the `subscription.updated`
 * webhook that follows then changes nothing) and only for a subscription the caller owns.
 */
import { z } from "zod";
import { createServiceRpcCall, type DbFailure } from "../_shared/postgrest_rpc.ts";
import type { ApiJson } from "../_shared/paddle_sync/to_api_json.ts";

export const RECORD_RPC = "subscription_update_record";

export type RecordResult = { ok: true; written: number; owned: boolean } | DbFailure;

export type RecordUpdate = (input: { userId: string; subscription: ApiJson }) => Promise<
  RecordResult
>;

export interface RecordUpdateOptions {
  supabaseUrl: string;
  serviceKey: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const answerSchema = z.object({
  outcome: z.enum(["recorded", "not_owned"]),
  written: z.number().int().min(0),
});

export function createRecordUpdate(options: RecordUpdateOptions): RecordUpdate {
  const callRpc = createServiceRpcCall(options);
  return async function recordUpdate({ userId, subscription }) {
    const answer = await callRpc(RECORD_RPC, { p_user_id: userId, p_subscription: subscription });
    if (!answer.ok) return answer;
    const parsed = answerSchema.safeParse(answer.data);
    if (!parsed.success) {
      return { ok: false, code: "misconfigured", dbErrorCode: "unexpected_shape" };
    }
    return {
      ok: true,
      written: parsed.data.written,
      owned: parsed.data.outcome === "recorded",
    };
  };
}
