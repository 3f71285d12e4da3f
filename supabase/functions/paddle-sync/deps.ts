/**
 * Real dependencies, built once per isolate from the environment; tests build their own
 * `SyncDeps`. `createSliceDeps` and `createCatchUpDeps` are also what `deno task paddle:sync`
 * runs with.
 */
import { type CatchUpDeps, runCatchUp } from "../_shared/paddle_sync/catch_up.ts";
import { createCatchUpStore } from "../_shared/paddle_sync/catch_up_store.ts";
import { createEventPages } from "../_shared/paddle_sync/event_pages.ts";
import { createPaddlePages } from "../_shared/paddle_sync/paddle_pages.ts";
import { createDatabasePacer } from "../_shared/paddle_sync/request_pacer.ts";
import { createRpcCall } from "../_shared/postgrest_rpc.ts";
import { runSlice, type SliceDeps } from "../_shared/paddle_sync/run_slice.ts";
import { createSyncStore } from "../_shared/paddle_sync/sync_store.ts";
import { depsOrMisconfigured, frameDefaults, unreachable } from "../_shared/startup.ts";
import { createKeyCheck } from "./caller_key.ts";
import { type Env, loadConfig, type SyncConfig } from "./config.ts";
import type { SyncDeps } from "./handler.ts";
// The webhook's own parser: the catch-up mirrors exactly the events (and shapes) webhooks do.
import { parseNotification } from "../paddle-webhook/events.ts";

/** A turn from the database takes one small call; a slow one keeps the old pace locally. */
const PACE_TIMEOUT_MS = 5_000;

/**
 * The database through PostgREST with the configured key, Paddle through the SDK, and the pace
 * between them kept in the database.
 */
export function createSliceDeps(
  config: SyncConfig,
): Pick<SliceDeps, "store" | "openPages" | "pacer"> {
  return {
    pacer: createDatabasePacer({
      callRpc: createRpcCall({
        supabaseUrl: config.supabaseUrl,
        apiKey: config.databaseKey,
        timeoutMs: PACE_TIMEOUT_MS,
      }),
      serviceKey: config.databaseKey,
      requestsPerMinute: config.requestsPerMinute,
    }),
    store: createSyncStore({ supabaseUrl: config.supabaseUrl, serviceRoleKey: config.databaseKey }),
    openPages: createPaddlePages({
      apiKey: config.paddleApiKey,
      paddleEnv: config.paddleEnv,
      apiUrl: config.paddleApiUrl,
    }),
  };
}

/** The catch-up's event log, its store, the webhook parser, and the full sync to fall back to. */
export function createCatchUpDeps(
  config: SyncConfig,
  slice = createSliceDeps(config),
): CatchUpDeps {
  return {
    store: createCatchUpStore({
      supabaseUrl: config.supabaseUrl,
      serviceRoleKey: config.databaseKey,
    }),
    events: createEventPages({
      apiKey: config.paddleApiKey,
      paddleEnv: config.paddleEnv,
      apiUrl: config.paddleApiUrl,
    }),
    parse: parseNotification,
    pacer: slice.pacer,
    syncSlice: () =>
      runSlice(slice, { restart: false, sliceMs: config.sliceMs, maxPages: config.maxPages }),
  };
}

export function createDeps(config: SyncConfig): SyncDeps {
  const slice = createSliceDeps(config);
  const catchUp = createCatchUpDeps(config, slice);
  return {
    config,
    checkKey: createKeyCheck(config.callerKeys),
    runSlice: ({ restart }) =>
      runSlice(slice, { restart, sliceMs: config.sliceMs, maxPages: config.maxPages }),
    catchUp: () => runCatchUp(catchUp, { sliceMs: config.sliceMs, maxPages: config.maxPages }),
    ...frameDefaults(),
  };
}

/** See `depsOrMisconfigured`: a bad configuration answers `misconfigured`, with CORS. */
export function loadDeps(env: Env = Deno.env.toObject()): SyncDeps {
  return depsOrMisconfigured(() => createDeps(loadConfig(env)), misconfiguredDeps);
}

export function misconfiguredDeps(message: string): SyncDeps {
  return {
    config: { allowedOrigins: "*" },
    startupError: message,
    checkKey: unreachable,
    runSlice: unreachable,
    catchUp: unreachable,
    ...frameDefaults(),
  };
}
