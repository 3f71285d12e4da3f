/**
 * One PostgREST RPC per call, the way every function's database round trip is made: one
 * supabase-js client per isolate, the caller's bearer set per call, our own timeout, no
 * postgrest-js retries, and failures classified into the codes a handler answers with.
 */
import { createClient } from "@supabase/supabase-js";
import type { z } from "zod";

export type DbFailureCode = "database_unavailable" | "not_authenticated" | "misconfigured";

export interface DbFailure {
  ok: false;
  code: DbFailureCode;
  /** PostgREST / Postgres error code, or `http_<status>`: logged, never sent. */
  dbErrorCode: string;
}

export type RpcResult = { ok: true; data: unknown } | DbFailure;

/** `bearer` is the verified user token, or the service key for a service-role call. */
export type CallRpc = (
  fn: string,
  args: Record<string, unknown>,
  bearer: string,
) => Promise<RpcResult>;

export interface RpcOptions {
  supabaseUrl: string;
  /** The `apikey` PostgREST expects next to the bearer (anon / publishable, or the service key). */
  apiKey: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export function createRpcCall(options: RpcOptions): CallRpc {
  // One client for the isolate: building one per request costs ~0.1 ms of CPU. It holds no
  // caller state: every call sets its caller's token itself, and a call that forgot to would
  // run as the apikey's role and be refused by the grants, failing closed. `accessToken` keeps
  // supabase-js from building an Auth client (and a session store) we do not use.
  const client = createClient(options.supabaseUrl, options.apiKey, {
    accessToken: () => Promise.resolve(null),
    global: options.fetch ? { fetch: options.fetch } : undefined,
  });

  return async function callRpc(fn, args, bearer) {
    // A timer cleared when the answer comes, rather than AbortSignal.timeout, which would fire
    // (and build an error) long after every request.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), options.timeoutMs);
    const request = client
      .rpc(fn, args)
      .setHeader("Authorization", `Bearer ${bearer}`)
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
    return { ok: true, data };
  };
}

/** An answer the database should never give: the migrations and the function disagree. */
export function misconfiguredAnswer(dbErrorCode: string): DbFailure {
  return { ok: false, code: "misconfigured", dbErrorCode };
}

/**
 * One RPC made as the caller (the browser key beside their verified token) whose answer must have
 * `schema`'s shape. Any other shape is `misconfigured` (`unexpected_shape`): a function deployed
 * against migrations it does not match must refuse, never guess.
 */
export function createCallerRpc<T>(
  options: Omit<RpcOptions, "apiKey"> & { anonKey: string },
  fn: string,
  schema: z.ZodType<T>,
): (args: Record<string, unknown>, token: string) => Promise<{ ok: true; data: T } | DbFailure> {
  const callRpc = createRpcCall({
    supabaseUrl: options.supabaseUrl,
    apiKey: options.anonKey,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
  return async (args, token) => {
    const answer = await callRpc(fn, args, token);
    if (!answer.ok) return answer;
    const parsed = schema.safeParse(answer.data);
    return parsed.success
      ? { ok: true, data: parsed.data }
      : misconfiguredAnswer("unexpected_shape");
  };
}

/**
 * An RPC made with the server key (a function's one service-role write): the key being refused
 * is our configuration, never a caller's sign-in, so it answers `misconfigured`.
 */
export function createServiceRpcCall(
  options: Omit<RpcOptions, "apiKey"> & { serviceKey: string },
): (fn: string, args: Record<string, unknown>) => Promise<RpcResult> {
  const callRpc = createRpcCall({ ...options, apiKey: options.serviceKey });
  return async (fn, args) => {
    const answer = await callRpc(fn, args, options.serviceKey);
    return !answer.ok && answer.code === "not_authenticated"
      ? { ...answer, code: "misconfigured" }
      : answer;
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
export function classifyDbError(status: number, code: string | undefined): DbFailure {
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
