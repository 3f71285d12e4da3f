/**
 * Real dependencies, built once per isolate from the environment; tests build their own
 * `SyncDeps`. Bad configuration is reported once at start, naming the variables, and then every
 * request is answered `misconfigured`.
 */
import { consoleSink } from "../_shared/request_log.ts";
import { createPaddlePages } from "../_shared/paddle_sync/paddle_pages.ts";
import { runSlice } from "../_shared/paddle_sync/run_slice.ts";
import { createSyncStore } from "../_shared/paddle_sync/sync_store.ts";
import { createKeyCheck } from "./caller_key.ts";
import { type Env, loadConfig, type SyncConfig } from "./config.ts";
import type { SyncDeps } from "./handler.ts";

export function createDeps(config: SyncConfig): SyncDeps {
  const store = createSyncStore({
    supabaseUrl: config.supabaseUrl,
    serviceRoleKey: config.databaseKey,
  });
  const openPages = createPaddlePages({
    apiKey: config.paddleApiKey,
    paddleEnv: config.paddleEnv,
    apiUrl: config.paddleApiUrl,
  });
  return {
    config,
    checkKey: createKeyCheck(config.callerKeys),
    runSlice: ({ restart }) => runSlice({ store, openPages }, { restart, sliceMs: config.sliceMs }),
    log: consoleSink,
    now: () => performance.now(),
    requestId: () => crypto.randomUUID(),
  };
}

export function loadDeps(env: Env = Deno.env.toObject()): SyncDeps {
  try {
    return createDeps(loadConfig(env));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(message);
    return misconfiguredDeps(message);
  }
}

export function misconfiguredDeps(message: string): SyncDeps {
  const unreachable = () => Promise.reject(new Error("misconfigured: not callable"));
  return {
    config: { allowedOrigins: "*" },
    startupError: message,
    checkKey: unreachable,
    runSlice: unreachable,
    log: consoleSink,
    now: () => performance.now(),
    requestId: () => crypto.randomUUID(),
  };
}
