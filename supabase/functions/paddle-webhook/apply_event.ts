/**
 * Stores one mirrored event by calling `public.apply_paddle_event(event jsonb)` through PostgREST
 * with the service-role key. The SQL function does all the work in one transaction, so this side
 * only has to turn every way the call can go wrong into a thrown error: the handler answers 503
 * and Paddle redelivers, which is safe because the function is idempotent on event_id.
 */
import { createClient } from "@supabase/supabase-js";
import { z } from "zod";
import type { MirroredEvent } from "./events.ts";

export const ApplyResultSchema = z.object({
  outcome: z.enum(["applied", "stale", "duplicate"]),
  event_id: z.string(),
  entity: z.enum(["customer", "subscription", "product", "price", "transaction", "adjustment"]),
  entity_id: z.string(),
  customer_id: z.string().optional(),
  customer_linked: z.boolean().optional(),
  linked_now: z.boolean().optional(),
  customer_stub_created: z.boolean().optional(),
  custom_data_user_id: z.enum(["absent", "matches", "differs", "unverified"]).nullable()
    .optional(),
  first_outcome: z.string().optional(),
});

export type ApplyResult = z.infer<typeof ApplyResultSchema>;

export type ApplyEvent = (event: MirroredEvent) => Promise<ApplyResult>;

/** Carries PostgREST's / Postgres's error code for the log line; never the message (it may echo data). */
export class ApplyEventError extends Error {
  override name = "ApplyEventError";
  constructor(readonly kind: "timeout" | "database" | "bad_result", readonly code?: string) {
    super(`apply_paddle_event failed: ${kind}${code ? ` (${code})` : ""}`);
  }
}

export interface ApplyEventOptions {
  supabaseUrl: string;
  serviceRoleKey: string;
  /** Paddle gives up after 5 s; leave room for verification and the response. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export const DEFAULT_APPLY_TIMEOUT_MS = 3500;

export function createApplyEvent(options: ApplyEventOptions): ApplyEvent {
  const supabase = createClient(options.supabaseUrl, options.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: options.fetch ? { fetch: options.fetch } : undefined,
  });
  const timeoutMs = options.timeoutMs ?? DEFAULT_APPLY_TIMEOUT_MS;

  return async (event) => {
    const signal = AbortSignal.timeout(timeoutMs);
    let response;
    try {
      response = await supabase.rpc("apply_paddle_event", { event }).abortSignal(signal);
    } catch (error) {
      // postgrest-js normally reports failures in `error`; a throw here is a bug or an abort.
      throw new ApplyEventError(signal.aborted ? "timeout" : "database", errorName(error));
    }
    if (response.error) {
      // An aborted fetch surfaces as an error object with an empty code.
      if (signal.aborted) throw new ApplyEventError("timeout");
      throw new ApplyEventError("database", response.error.code || String(response.status));
    }
    const parsed = ApplyResultSchema.safeParse(response.data);
    if (!parsed.success) throw new ApplyEventError("bad_result");
    return parsed.data;
  };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
