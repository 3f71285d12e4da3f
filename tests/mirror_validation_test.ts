/**
 * Which states of a page are validated (docs/mirror.md, "Validation"): every state that could win
 * against the stored row, and nothing else. A malformed state that could win fails the whole page;
 * a state that is not newer is dropped unread, so nothing malformed is ever stored. Against the
 * stack's database (`deno task test tests/mirror_validation_test.ts`); each run makes its own ids.
 */
import assert from "node:assert/strict";
import { fakeAccount } from "../local/paddle_simulator/fake_account.ts";
import { applyEntities, type Client, sqlState, withClient } from "./_db.ts";

/** A small account of its own (random ids), loaded into the mirror. */
async function loadedAccount(client: Client) {
  const account = fakeAccount({
    customers: 3,
    subscriptions: 3,
    prices: 5,
    seed: Math.floor(Math.random() * 2 ** 31),
  });
  await applyEntities(client, "product", account.products);
  await applyEntities(client, "price", account.prices);
  await applyEntities(client, "customer", account.customers);
  await applyEntities(client, "subscription", account.subscriptions);
  return account;
}

const later = (time: string, ms: number) =>
  new Date(Date.parse(time) + ms).toISOString().replace(/Z$/, "000Z");

async function row(client: Client, table: string, key: string, id: string) {
  const { rows } = await client.query(`select * from public.${table} where ${key} = $1`, [id]);
  return rows[0];
}

Deno.test({
  name: "validation: states that could win are validated; a stale malformed copy is dropped unread",
  fn: () =>
    withClient(async (client) => {
      const account = await loadedAccount(client);
      const [c0, c1] = account.customers;
      const before = await row(client, "customers", "customer_id", c0.id);

      // The stored version again, with a field no valid state has: stale, so never read.
      const stale = await applyEntities(client, "customer", [{ ...c0, status: "expired" }, c1]);
      assert.equal(stale.written, 0);
      assert.deepEqual(await row(client, "customers", "customer_id", c0.id), before);

      // The same field on a newer version could win: the page fails, the valid newer state of
      // the other customer with it.
      const newer = { ...c0, status: "expired", updated_at: later(c0.updated_at, 1000) };
      const renamed = { ...c1, name: "Renamed", updated_at: later(c1.updated_at, 1000) };
      assert.equal(
        await sqlState(
          client.query("select public.apply_paddle_entities('customer', $1::jsonb)", [
            JSON.stringify([renamed, newer]),
          ]),
        ),
        "22023",
      );
      assert.deepEqual(await row(client, "customers", "customer_id", c0.id), before);
      assert.notEqual((await row(client, "customers", "customer_id", c1.id)).name, "Renamed");

      // A malformed version key is never taken for stale.
      for (const updated_at of ["2026-01-01T00:00:00", 5, { at: c0.updated_at }]) {
        assert.equal(
          await sqlState(
            client.query("select public.apply_paddle_entities('customer', $1::jsonb)", [
              JSON.stringify([{ ...c0, updated_at }]),
            ]),
          ),
          "22023",
          JSON.stringify(updated_at),
        );
      }
    }),
});

Deno.test({
  name: "validation: subscriptions: stale copies are not read, their newer embedded catalog is",
  fn: () =>
    withClient(async (client) => {
      const account = await loadedAccount(client);
      const [s0, s1] = account.subscriptions;
      const before = await row(client, "subscriptions", "subscription_id", s0.id);

      assert.equal(
        (await applyEntities(client, "subscription", [{ ...s0, items: null }])).written,
        0,
      );
      assert.equal(
        await sqlState(
          client.query("select public.apply_paddle_entities('subscription', $1::jsonb)", [
            JSON.stringify([
              { ...s1, status: "canceled", updated_at: later(s1.updated_at, 1000) },
              { ...s0, items: null, updated_at: later(s0.updated_at, 1000) },
            ]),
          ]),
        ),
        "22023",
      );
      assert.deepEqual(await row(client, "subscriptions", "subscription_id", s0.id), before);
      assert.equal(
        (await row(client, "subscriptions", "subscription_id", s1.id)).status,
        s1.status,
      );

      // An unchanged subscription page still carries a newer copy of its price into the catalog.
      const item = s0.items[0];
      const price = {
        ...item.price,
        name: "Renamed price",
        updated_at: later(item.price.updated_at, 1000),
      };
      const result = await applyEntities(client, "subscription", [
        { ...s0, items: [{ ...item, price }, ...s0.items.slice(1)] },
      ]);
      assert.equal(result.written, 0);
      assert.equal(result.catalog_written, 1);
      assert.equal((await row(client, "prices", "price_id", price.id)).name, "Renamed price");
      assert.deepEqual(await row(client, "subscriptions", "subscription_id", s0.id), before);
    }),
});
