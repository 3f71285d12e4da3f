/**
 * Direct database access for the SQL tests: the database of the stack `deno task test` started
 * (its stack.json `dbUrl`), or TEST_DATABASE_URL. Connections are the superuser's; each helper
 * switches to the role a real caller would have for the one transaction it runs.
 */
import type pg from "pg";
import { withClient as withDatabase } from "../local/database.ts";
import type { PaddleEvent } from "../local/paddle_webhooks/payloads.ts";

/** TEST_DATABASE_URL, else the database of the stack `deno task test` started (LOCAL_STACK_FILE). */
async function databaseUrl(): Promise<string> {
  const explicit = Deno.env.get("TEST_DATABASE_URL");
  if (explicit) return explicit;
  const stackFile = Deno.env.get("LOCAL_STACK_FILE");
  // Fail, never skip: these tests are the proof of idempotency and newest-wins.
  if (!stackFile) {
    throw new Error("no database: run through `deno task test` or set TEST_DATABASE_URL");
  }
  return JSON.parse(await Deno.readTextFile(stackFile)).dbUrl;
}

const DB_URL = await databaseUrl();

export type Client = pg.Client;

export function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  return withDatabase(DB_URL, fn);
}

/** Runs `fn` in one transaction as `role` (with a JWT's claims for `sub`), then commits or rolls back. */
export async function inTransaction<T>(
  client: Client,
  options: { role?: string; sub?: string; commit: boolean },
  fn: () => Promise<T>,
): Promise<T> {
  await client.query("begin");
  try {
    if (options.role) await client.query(`set local role ${options.role}`);
    if (options.sub) {
      await client.query("select set_config('request.jwt.claims', $1, true)", [
        JSON.stringify({ sub: options.sub, role: options.role, aud: "authenticated" }),
      ]);
    }
    const result = await fn();
    await client.query(options.commit ? "commit" : "rollback");
    return result;
  } catch (error) {
    await client.query("rollback");
    throw error;
  }
}

export interface ApplyResult {
  outcome: "applied" | "stale" | "duplicate";
  entity?: string;
  entity_id?: string;
  customer_id?: string | null;
  customer_linked?: boolean;
  linked_now?: boolean;
  customer_stub_created?: boolean;
  custom_data_user_id?: string | null;
  first_outcome?: string;
  items_written?: number;
  catalog_written?: number;
}

/** As PostgREST runs the webhook's RPC for the service-role key: one transaction, role service_role. */
export function apply(client: Client, event: PaddleEvent): Promise<ApplyResult> {
  return inTransaction(client, { role: "service_role", commit: true }, async () => {
    const { rows } = await client.query("select public.apply_paddle_event($1::jsonb) as r", [
      JSON.stringify(event),
    ]);
    return rows[0].r;
  });
}

export interface EntitiesResult {
  entity_type: string;
  received: number;
  written: number;
  unchanged: number;
  linked: number;
  items_written: number;
  catalog_written: number;
  customers_stubbed: number;
}

export type EntityType = "product" | "price" | "customer" | "subscription";

/** A page of API entities, as the sync's security definer function (run by the owner) applies it. */
export async function applyEntities(
  client: Client,
  entityType: EntityType | "transaction" | "adjustment",
  entities: unknown[],
): Promise<EntitiesResult> {
  const { rows } = await client.query("select public.apply_paddle_entities($1, $2::jsonb) as r", [
    entityType,
    JSON.stringify(entities),
  ]);
  return rows[0].r;
}

export function uniqueEmail(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;
}

export async function createUser(
  client: Client,
  email: string,
  confirmed: boolean,
): Promise<string> {
  const { rows } = await client.query(
    `insert into auth.users (aud, role, email, email_confirmed_at, raw_app_meta_data)
     values ('authenticated', 'authenticated', $1, case when $2 then now() end,
             '{"provider":"email","providers":["email"]}')
     returning id`,
    [email, confirmed],
  );
  return rows[0].id;
}

/**
 * A confirmed user who can sign in on the page with `password`: every column the Auth stand-in
 * reads at sign-in, as the seed writes its users.
 */
export async function createUserWithPassword(
  client: Client,
  email: string,
  password: string,
): Promise<string> {
  const { rows } = await client.query(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
       email_confirmed_at, confirmation_token, recovery_token, email_change_token_new,
       email_change, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
     values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated',
       'authenticated', $1, extensions.crypt($2, extensions.gen_salt('bf')), now(), '', '', '',
       '', '{"provider":"email","providers":["email"]}', '{}', now(), now())
     returning id`,
    [email, password],
  );
  return rows[0].id;
}

/** The SQLSTATE a promise rejects with, or undefined when it resolves. */
export async function sqlState(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/** Small seeded PRNG (mulberry32): failures reproduce from the printed seed. */
export { prng } from "../local/paddle_simulator/fake_account.ts";

/** A property test's seed: the environment variable when set (to reproduce), else the clock. */
export function propertySeed(variable: string): number {
  const seed = Number(Deno.env.get(variable) ?? (Date.now() % 2 ** 31));
  console.log(`property test seed: ${seed} (${variable}=${seed})`);
  return seed;
}

/** A Paddle-shaped id: the prefix and 26 random lowercase letters and digits. */
export function randomPaddleId(prefix: string): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(26));
  return `${prefix}_${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("")}`;
}

/** A Paddle customer the mirror knows (through the sync's write path), linked to a fresh user. */
export async function linkedCustomer(
  client: Client,
  label = "linked",
): Promise<{ userId: string; customerId: string; email: string }> {
  const email = uniqueEmail(label);
  const userId = await createUser(client, email, true);
  const customerId = randomPaddleId("ctm");
  await applyEntities(client, "customer", [{
    id: customerId,
    email,
    name: null,
    status: "active",
    custom_data: null,
    created_at: "2026-06-01T00:00:00.000000Z",
    updated_at: "2026-06-01T00:00:00.000000Z",
  }]);
  return { userId, customerId, email };
}
