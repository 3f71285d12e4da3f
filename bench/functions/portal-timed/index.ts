/**
 * Bench-only: our customer-portal function, unchanged, with timing around it.
 *
 * The real function logs its total duration in whole milliseconds and nothing about where the
 * time went, so "the function's own share" cannot be read from it. This entry builds the same
 * handler from the same dependencies (`createHandler(loadDeps())`, exactly what index.ts does)
 * and wraps the injected steps and `fetch`, attributing time to the request being served through
 * AsyncLocalStorage. `fetch` is timed until response headers: that is the wait on PostgREST or
 * Paddle; reading their small bodies and everything else counts as the function's own time.
 * Its log line is the function's own line plus `*_ms` fields.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  createHandler,
  type PortalDeps,
} from "../../../supabase/functions/customer-portal/handler.ts";
import { loadDeps } from "../../../supabase/functions/customer-portal/deps.ts";

interface Timing {
  start: number;
  verifyMs: number;
  lookupMs: number;
  paddleMs: number;
  dbWaitMs: number;
  paddleWaitMs: number;
  otherWaitMs: number;
}

const timings = new AsyncLocalStorage<Timing>();
const restPrefix = `${(Deno.env.get("SUPABASE_URL") ?? "").replace(/\/+$/, "")}/rest/v1/`;
const paddlePrefix = (Deno.env.get("PADDLE_API_URL") ?? "https://sandbox-api.paddle.com")
  .replace(/\/+$/, "") + "/";

const realFetch = globalThis.fetch;
globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
  const t = timings.getStore();
  const started = performance.now();
  try {
    return await realFetch(input, init);
  } finally {
    if (t) {
      const url = input instanceof Request ? input.url : String(input);
      const ms = performance.now() - started;
      if (url.startsWith(restPrefix)) t.dbWaitMs += ms;
      else if (url.startsWith(paddlePrefix)) t.paddleWaitMs += ms;
      else t.otherWaitMs += ms;
    }
  }
};

function timed<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  field: "verifyMs" | "lookupMs" | "paddleMs",
): (...args: A) => Promise<R> {
  return async (...args) => {
    const started = performance.now();
    try {
      return await fn(...args);
    } finally {
      const t = timings.getStore();
      if (t) t[field] += performance.now() - started;
    }
  };
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

const base = loadDeps();
const deps: PortalDeps = {
  ...base,
  verifyToken: timed(base.verifyToken, "verifyMs"),
  lookupCustomer: timed(base.lookupCustomer, "lookupMs"),
  createPortalSession: timed(base.createPortalSession, "paddleMs"),
  log: (line) => {
    const t = timings.getStore();
    if (!t) return base.log(line);
    const total = performance.now() - t.start;
    const entry = JSON.parse(line);
    base.log(JSON.stringify({
      ...entry,
      total_ms: r3(total),
      verify_ms: r3(t.verifyMs),
      lookup_ms: r3(t.lookupMs),
      paddle_ms: r3(t.paddleMs),
      db_wait_ms: r3(t.dbWaitMs),
      paddle_wait_ms: r3(t.paddleWaitMs),
      other_wait_ms: r3(t.otherWaitMs),
      own_ms: r3(total - t.dbWaitMs - t.paddleWaitMs - t.otherWaitMs),
    }));
  },
};
const handler = createHandler(deps);

Deno.serve((request) =>
  timings.run({
    start: performance.now(),
    verifyMs: 0,
    lookupMs: 0,
    paddleMs: 0,
    dbWaitMs: 0,
    paddleWaitMs: 0,
    otherWaitMs: 0,
  }, () => handler(request))
);
