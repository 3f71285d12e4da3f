/**
 * One PostgREST RPC with the service-role key, the way the sync's and the catch-up's stores call
 * their SQL functions: our own timeout, the answer checked against a schema, and every failure a
 * thrown `SyncStoreError` with PostgREST's / Postgres's code (never the message, which may echo
 * data).
 */
import { createClient } from "@supabase/supabase-js";
import type { z } from "zod";

export class SyncStoreError extends Error {
  override name = "SyncStoreError";
  constructor(
    readonly kind: "timeout" | "database" | "invalid_entity" | "bad_result",
    readonly code?: string,
  ) {
    super(`sync store: ${kind}${code ? ` (${code})` : ""}`);
  }
}

export interface SyncStoreOptions {
  supabaseUrl: string;
  serviceRoleKey: string;
  /** Per call; PostgREST's own statement timeout (8 s on the platform) is the other bound. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export const DEFAULT_STORE_TIMEOUT_MS = 15_000;

export type StoreRpc = <T>(
  fn: string,
  args: Record<string, unknown>,
  schema: z.ZodType<T>,
) => Promise<T>;

export function createStoreRpc(options: SyncStoreOptions): StoreRpc {
  const supabase = createClient(options.supabaseUrl, options.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: options.fetch ? { fetch: options.fetch } : undefined,
  });
  const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;

  return async (fn, args, schema) => {
    const signal = AbortSignal.timeout(timeoutMs);
    let response;
    try {
      response = await supabase.rpc(fn, args).abortSignal(signal);
    } catch (error) {
      throw new SyncStoreError(
        signal.aborted ? "timeout" : "database",
        error instanceof Error ? error.name : typeof error,
      );
    }
    if (response.error) {
      if (signal.aborted) throw new SyncStoreError("timeout");
      // 22023: an apply function refused an entity or event; the call rolled back.
      if (response.error.code === "22023") throw new SyncStoreError("invalid_entity", "22023");
      throw new SyncStoreError("database", response.error.code || String(response.status));
    }
    const parsed = schema.safeParse(response.data);
    if (!parsed.success) throw new SyncStoreError("bad_result");
    return parsed.data;
  };
}
