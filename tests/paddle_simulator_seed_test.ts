/**
 * The local stack seeds the Paddle simulator from the database's mirror (local/paddle_account.ts),
 * so that a sync right after `deno task dev` finds nothing newer. Proven here the way the sync
 * would see it: the entities are paged out of the simulator's list API, then applied through
 * `public.apply_paddle_entities` (the sync's SQL path) in a transaction that is rolled back.
 */
import { assert, assertEquals } from "@std/assert";
import pg from "pg";
import { readPaddleAccount } from "../local/paddle_account.ts";
import { startPaddleSimulator } from "../local/paddle_simulator/mod.ts";
import { stackInfo } from "./_stack.ts";

// The ids supabase/seed.sql creates; other tests add their own rows to the same database.
const SEEDED = {
  products: [
    "pro_01jdemoaddonseats000000000",
    "pro_01jdemoproduct000000000000",
    "pro_01jdemostarter000000000000",
  ],
  prices: [
    "pri_01jdemopricebasic000000000",
    "pri_01jdemopricepro00000000000",
    "pri_01jdemopriceseats000000000",
    "pri_01jdemoproyearly0000000000",
    "pri_01jdemoseatsyearly00000000",
    "pri_01jdemostarteryearly000000",
  ],
  customers: [
    "ctm_01jdemoalice00000000000000",
    "ctm_01jdemobob0000000000000000",
    "ctm_01jdemodave000000000000000",
  ],
  subscriptions: [
    "sub_01jdemoalicesub10000000000",
    "sub_01jdemoalicesub20000000000",
    "sub_01jdemodavesub100000000000",
  ],
} as const;
type Kind = keyof typeof SEEDED;
const ENTITY_TYPE: Record<Kind, string> = {
  products: "product",
  prices: "price",
  customers: "customer",
  subscriptions: "subscription",
};

type Entity = { id: string; updated_at: string } & Record<string, unknown>;

/** Every entity of a kind, paged as the sync pages: 200 at a time, id[ASC], following `next`. */
async function listAll(baseUrl: string, apiKey: string, kind: Kind): Promise<Entity[]> {
  const status = kind === "subscriptions" ? "" : "&status=active,archived";
  let next: string | null = `${baseUrl}/${kind}?per_page=200&order_by=id[ASC]${status}`;
  const all: Entity[] = [];
  while (next) {
    const response: Response = await fetch(next, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    assertEquals(response.status, 200);
    const body: { data: Entity[]; meta: { pagination: { has_more: boolean; next: string } } } =
      await response.json();
    all.push(...body.data);
    next = body.meta.pagination.has_more ? body.meta.pagination.next : null;
  }
  return all;
}

async function withDatabase<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: stackInfo().dbUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

Deno.test("seed: the stack's simulator serves the seeded account with items, prices and products", async () => {
  const { apiUrl, apiKey } = stackInfo().paddle;
  for (const kind of Object.keys(SEEDED) as Kind[]) {
    const ids = (await listAll(apiUrl, apiKey, kind)).map((entity) => entity.id);
    for (const id of SEEDED[kind]) assert(ids.includes(id), `${kind}: ${id} is served`);
  }
  const response = await fetch(`${apiUrl}/subscriptions/${SEEDED.subscriptions[0]}`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  const { data } = await response.json();
  assertEquals(
    data.items.map((
      item: { price: { id: string }; product: { name: string }; quantity: number },
    ) => [
      item.price.id,
      item.product.name,
      item.quantity,
    ]),
    [
      ["pri_01jdemopricepro00000000000", "Pro plan", 1],
      ["pri_01jdemopriceseats000000000", "Extra seats", 3],
    ],
  );
});

Deno.test("seed: the mirror's account, paged out of the simulator and applied again, writes nothing", async () => {
  const account = await readPaddleAccount(stackInfo().dbUrl);
  for (const id of SEEDED.subscriptions) {
    assert(!account.skipped.some((reason) => reason.startsWith(id)), account.skipped.join("\n"));
  }
  const apiKey = "pdl_sdbx_apikey_01jseedtestkey000000000000_seedtest";
  const simulator = await startPaddleSimulator({ apiKey, entities: account.entities });
  try {
    await withDatabase(async (client) => {
      await client.query("begin");
      try {
        for (const kind of Object.keys(SEEDED) as Kind[]) {
          const listed = await listAll(simulator.url, apiKey, kind);
          const seeded = listed.filter((entity) =>
            (SEEDED[kind] as readonly string[]).includes(entity.id)
          );
          assertEquals(seeded.map((entity) => entity.id).sort(), [...SEEDED[kind]].sort());
          const { rows: [{ result }] } = await client.query(
            "select public.apply_paddle_entities($1, $2::jsonb) as result",
            [ENTITY_TYPE[kind], JSON.stringify(seeded)],
          );
          assertEquals(
            [
              result.received,
              result.written,
              result.items_written ?? 0,
              result.catalog_written ?? 0,
            ],
            [seeded.length, 0, 0, 0],
            `${kind}: ${JSON.stringify(result)}`,
          );
        }
        // The same check notices a newer snapshot: one second later is written.
        const [customer] = (await listAll(simulator.url, apiKey, "customers"))
          .filter((entity) => entity.id === SEEDED.customers[0]);
        const later = new Date(Date.parse(customer.updated_at) + 1000).toISOString();
        const { rows: [{ result }] } = await client.query(
          "select public.apply_paddle_entities('customer', $1::jsonb) as result",
          [JSON.stringify([{ ...customer, updated_at: later }])],
        );
        assertEquals(result.written, 1);
      } finally {
        await client.query("rollback");
      }
    });
  } finally {
    await simulator.stop();
  }
});

const TABLES: [table: string, key: string, kind: Kind][] = [
  ["products", "product_id", "products"],
  ["prices", "price_id", "prices"],
  ["customers", "customer_id", "customers"],
  ["subscriptions", "subscription_id", "subscriptions"],
  ["subscription_items", "subscription_id", "subscriptions"],
];
const VERSION_COLUMNS = [
  "updated_at",
  "paddle_updated_at",
  "last_event_occurred_at",
  "last_event_id",
];

/** The seeded rows without their version columns: what the mirror says about each entity. */
async function mirroredFields(client: pg.Client): Promise<Record<string, unknown[]>> {
  const fields: Record<string, unknown[]> = {};
  for (const [table, key, kind] of TABLES) {
    const { rows } = await client.query(
      `select to_jsonb(t) - $2::text[] as row from public.${table} t
        where ${key} = any($1) order by to_jsonb(t)::text`,
      [SEEDED[kind], VERSION_COLUMNS],
    );
    fields[table] = rows.map((row) => row.row);
  }
  return fields;
}

Deno.test("seed: the simulator's entities hold exactly the mirrored fields (a newer copy changes none)", async () => {
  const account = await readPaddleAccount(stackInfo().dbUrl);
  await withDatabase(async (client) => {
    await client.query("begin");
    try {
      const before = await mirroredFields(client);
      for (const kind of Object.keys(SEEDED) as Kind[]) {
        // One second newer, so every one of them is applied, field by field.
        const newer = (account.entities[kind] as Entity[])
          .filter((entity) => (SEEDED[kind] as readonly string[]).includes(entity.id))
          .map((entity) => ({
            ...entity,
            updated_at: new Date(Date.parse(entity.updated_at) + 1000).toISOString(),
          }));
        const { rows: [{ result }] } = await client.query(
          "select public.apply_paddle_entities($1, $2::jsonb) as result",
          [ENTITY_TYPE[kind], JSON.stringify(newer)],
        );
        assertEquals(result.written, SEEDED[kind].length, JSON.stringify(result));
      }
      assertEquals(await mirroredFields(client), before);
    } finally {
      await client.query("rollback");
    }
  });
});
