/**
 * Brings a bare PostgreSQL to what `supabase db reset` produces: the bootstrap
 * that stands in for Supabase's image, then the migrations in name order, then
 * `supabase/seed.sql`. Migrations are recorded as the Supabase CLI records
 * them, so a later start applies only the new ones and never re-seeds.
 */
// @ts-types="@types/pg"
import pg from "pg";
import { join } from "node:path";

export const PROJECT_ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const MIGRATIONS_DIR = join(PROJECT_ROOT, "supabase", "migrations");

/** Recorded as the CLI records it: the path from the project folder, the SHA-256 of the text. */
const SEED_FILE = "supabase/seed.sql";

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function migrationFiles(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(MIGRATIONS_DIR)) {
    if (entry.isFile && /^\d+_.+\.sql$/.test(entry.name)) names.push(entry.name);
  }
  return names.sort();
}

/**
 * Applies whatever the database lacks. A database without the migrations table is new: the
 * bootstrap, every migration and the seed then go in as one transaction, so an interrupted first
 * start leaves nothing half-made behind and the next start simply does it again.
 */
export async function prepareDatabase(url: string): Promise<string[]> {
  return await withClient(url, async (client) => {
    const { rows: [{ ready }] } = await client.query<{ ready: boolean }>(
      "select to_regclass('supabase_migrations.schema_migrations') is not null as ready",
    );
    const fresh = !ready;
    await client.query("begin");
    try {
      if (fresh) {
        await client.query(await Deno.readTextFile(join(PROJECT_ROOT, "local", "bootstrap.sql")));
        // The Supabase CLI's own history tables, as `supabase db push` creates them, so the CLI
        // reads this database's history (tests/supabase_cli_test.ts compares the two).
        await client.query(`
          create schema supabase_migrations;
          create table supabase_migrations.schema_migrations (
            version text primary key, statements text[], name text
          );
          create table supabase_migrations.seed_files (path text primary key, hash text not null);`);
      }
      const { rows } = await client.query<{ version: string }>(
        "select version from supabase_migrations.schema_migrations",
      );
      const applied = new Set(rows.map((row) => row.version));
      const pending = (await migrationFiles()).filter((f) => !applied.has(f.split("_")[0]));
      for (const file of pending) {
        const sql = await Deno.readTextFile(join(MIGRATIONS_DIR, file));
        const [version, ...rest] = file.replace(/\.sql$/, "").split("_");
        try {
          await client.query(sql);
        } catch (error) {
          throw new Error(`migration ${file} failed: ${(error as Error).message}`);
        }
        await client.query(
          "insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)",
          [version, rest.join("_"), [sql]],
        );
      }
      if (fresh) {
        const seed = await Deno.readTextFile(join(PROJECT_ROOT, SEED_FILE));
        await client.query(seed);
        await client.query(
          "insert into supabase_migrations.seed_files (path, hash) values ($1, $2)",
          [SEED_FILE, await sha256Hex(seed)],
        );
      }
      await client.query("commit");
      return pending;
    } catch (error) {
      await client.query("rollback");
      throw error;
    }
  });
}

export interface DemoUser {
  email: string;
  password: string;
  userId: string;
  customerId: string | null;
  subscriptionIds: string[];
}

/** The seeded users with their Paddle ids, as the database has them now. */
export async function readDemoUsers(
  url: string,
  emails: readonly string[],
  password: string,
): Promise<DemoUser[]> {
  return await withClient(url, async (client) => {
    const { rows } = await client.query<{
      email: string;
      user_id: string;
      customer_id: string | null;
      subscription_ids: string[];
    }>(
      `select u.email, u.id as user_id, c.customer_id,
              coalesce(array_agg(s.subscription_id order by s.created_at desc)
                filter (where s.subscription_id is not null), '{}') as subscription_ids
         from auth.users u
         left join public.customers c on c.user_id = u.id
         left join public.subscriptions s on s.customer_id = c.customer_id
        where u.email = any($1)
        group by u.email, u.id, c.customer_id`,
      [emails],
    );
    return emails.flatMap((email) => {
      const row = rows.find((r) => r.email === email);
      return row
        ? [{
          email,
          password,
          userId: row.user_id,
          customerId: row.customer_id,
          subscriptionIds: row.subscription_ids,
        }]
        : [];
    });
  });
}
