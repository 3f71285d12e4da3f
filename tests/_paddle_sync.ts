/**
 * Helpers for the sync tests: the real engine wired to the test stack (real SDK → simulator, real
 * PostgREST → Postgres), loading accounts into the simulator, and reading the mirror with SQL.
 */
// @ts-types="@types/pg"
import pg from "pg";
import { stackInfo } from "./_stack.ts";
import { type FakeAccount, fakeAccount } from "../local/paddle_simulator/fake_account.ts";
import { createPaddlePages } from "../supabase/functions/_shared/paddle_sync/paddle_pages.ts";
import {
  runSlice,
  type SliceDeps,
  type SliceOptions,
  type SliceReport,
} from "../supabase/functions/_shared/paddle_sync/run_slice.ts";
import {
  createSyncStore,
  type RunStatus,
} from "../supabase/functions/_shared/paddle_sync/sync_store.ts";

export function syncDeps(more: Partial<SliceDeps> = {}): SliceDeps {
  const info = stackInfo();
  return {
    store: createSyncStore({ supabaseUrl: info.apiUrl, serviceRoleKey: info.serviceRoleKey }),
    openPages: createPaddlePages({
      apiKey: info.paddle.apiKey,
      paddleEnv: "sandbox",
      apiUrl: info.paddle.apiUrl,
    }),
    ...more,
  };
}

export function slice(options: SliceOptions = {}, more: Partial<SliceDeps> = {}) {
  return runSlice(syncDeps(more), options);
}

/** Slices until done (at most `max`), the first one with `restart`. */
export async function syncToEnd(restart: boolean, max = 20): Promise<SliceReport[]> {
  const reports: SliceReport[] = [];
  for (let i = 0; i < max; i++) {
    const report = await slice({ restart: restart && i === 0, sliceMs: 20_000 });
    reports.push(report);
    if (report.status === "done") return reports;
  }
  throw new Error(`not done after ${max} slices: ${JSON.stringify(reports.at(-1))}`);
}

export function entity(run: RunStatus | null, type: string) {
  const e = run?.entities.find((x) => x.entity_type === type);
  if (!e) throw new Error(`no ${type} in ${JSON.stringify(run)}`);
  return e;
}

let accounts = 0;

/** A fresh account (ids no other test uses) loaded into the simulator. */
export async function loadAccount(customers: number, prices = 10): Promise<FakeAccount> {
  accounts++;
  const account = fakeAccount({
    customers,
    prices,
    seed: 1000 + accounts,
    // Ids start with the creation time: a distinct start keeps every account's ids apart.
    startMs: Date.UTC(2025, 0, 1) + Math.floor(Math.random() * 1e9),
  });
  await postEntities(account);
  return account;
}

export async function postEntities(batch: Partial<FakeAccount>): Promise<void> {
  const res = await fetch(`${stackInfo().paddle.controlUrl}/__entities`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(batch),
  });
  if (res.status !== 201) throw new Error(`/__entities: ${res.status} ${await res.text()}`);
  await res.body?.cancel();
}

export async function sql<T extends Record<string, unknown>>(
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: stackInfo().dbUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** How many entities of each type the simulator holds (what a full run must record). */
export async function simulatorCounts(): Promise<Record<string, number>> {
  const res = await fetch(`${stackInfo().paddle.controlUrl}/__entities`);
  const { stored } = await res.json() as { stored: Record<string, number> };
  return {
    product: stored.products,
    price: stored.prices,
    customer: stored.customers,
    subscription: stored.subscriptions,
  };
}

/** The `after` of each recorded list request for one entity path, in order (null: first page). */
export function afters(requests: { method: string; path: string }[], path: string) {
  return requests
    .filter((r) => r.method === "GET" && r.path.split("?")[0] === path)
    .map((r) => new URL(r.path, "http://x").searchParams.get("after"));
}
