/** The test stack's database, as its superuser, and the SQL entry points tests drive directly. */
// @ts-types="@types/pg"
import pg from "pg";
import type { PaddleEvent } from "../local/paddle_webhooks/payloads.ts";
import { stackInfo } from "./_stack.ts";

export type Db = InstanceType<typeof pg.Client>;

export async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: stackInfo().dbUrl });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** As PostgREST runs an RPC for the service-role key: one transaction, role service_role. */
export async function applyEvent(db: Db, event: PaddleEvent): Promise<Record<string, unknown>> {
  await db.query("begin");
  try {
    await db.query("set local role service_role");
    const { rows } = await db.query("select public.apply_paddle_event($1::jsonb) as r", [
      JSON.stringify(event),
    ]);
    await db.query("commit");
    return rows[0].r;
  } catch (error) {
    await db.query("rollback");
    throw error;
  }
}

/** A Paddle-shaped id: the prefix and 26 random lowercase letters and digits. */
export function randomPaddleId(prefix: string): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(26));
  return `${prefix}_${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("")}`;
}
