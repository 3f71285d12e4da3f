import { assert, assertEquals } from "@std/assert";
import { EntityStore, EntityTable } from "./store.ts";
import { fakeAccount } from "./fake_account.ts";

type Row = { id: string; status: string };

function table(ids: string[]): EntityTable<Row> {
  const rows = new EntityTable<Row>();
  for (const id of ids) rows.upsert({ id, status: id.endsWith("x") ? "archived" : "active" });
  return rows;
}

/** Every id a table's pages give, walking `after` the way a client follows `next`. */
function walk(
  rows: EntityTable<Row>,
  perPage: number,
  descending: boolean,
  match?: (r: Row) => boolean,
) {
  const seen: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = rows.page({ after, descending, perPage, match, count: false });
    seen.push(...page.entities.map((row) => row.id));
    assert(page.entities.length <= perPage);
    if (!page.hasMore) return seen;
    assertEquals(page.entities.length, perPage, "only the last page may be short");
    after = page.entities.at(-1)?.id;
  }
  throw new Error("pagination did not end");
}

Deno.test("store: ids inserted in any order come out sorted; an upsert replaces in place", () => {
  const rows = table(["c", "a", "e", "b", "d"]);
  assertEquals(rows.sortedIds(), ["a", "b", "c", "d", "e"]);
  assertEquals(rows.upsert({ id: "c", status: "archived" }), false);
  assertEquals(rows.upsert({ id: "f", status: "active" }), true);
  assertEquals(rows.size, 6);
  assertEquals(rows.get("c")?.status, "archived");
  assertEquals(rows.sortedIds(), ["a", "b", "c", "d", "e", "f"]);
});

Deno.test("store: walking every page returns every id once, in order, for any page size and direction", () => {
  const ids = Array.from(
    { length: 53 },
    (_, i) => `id${String(i).padStart(3, "0")}${i % 4 ? "" : "x"}`,
  );
  const rows = table([...ids].reverse());
  const ascending = [...ids].sort();
  for (const perPage of [1, 7, 52, 53, 200]) {
    assertEquals(walk(rows, perPage, false), ascending, `asc ${perPage}`);
    assertEquals(walk(rows, perPage, true), [...ascending].reverse(), `desc ${perPage}`);
    const active = (row: Row) => row.status === "active";
    assertEquals(walk(rows, perPage, false, active), ascending.filter((id) => !id.endsWith("x")));
  }
});

Deno.test("store: after is exclusive, and works for ids that are not stored", () => {
  const rows = table(["b", "d", "f"]);
  const ids = (after: string, descending: boolean) =>
    rows.page({ after, descending, perPage: 10, count: false }).entities.map((row) => row.id);
  assertEquals(ids("b", false), ["d", "f"]);
  assertEquals(ids("c", false), ["d", "f"]);
  assertEquals(ids("a", false), ["b", "d", "f"]);
  assertEquals(ids("f", false), []);
  assertEquals(ids("z", false), []);
  assertEquals(ids("f", true), ["d", "b"]);
  assertEquals(ids("e", true), ["d", "b"]);
  assertEquals(ids("z", true), ["f", "d", "b"]);
  assertEquals(ids("b", true), []);
  assertEquals(ids("a", true), []);
});

Deno.test("store: total counts every match whatever the cursor; ids narrows to stored ids", () => {
  const rows = table(["ax", "b", "cx", "d", "e"]);
  const active = (row: Row) => row.status === "active";
  const page = rows.page({ after: "d", descending: false, perPage: 1, match: active, count: true });
  assertEquals(page.entities.map((row) => row.id), ["e"]);
  assertEquals([page.hasMore, page.total], [false, 3]);
  assertEquals(rows.page({ descending: false, perPage: 1, count: true }).total, 5);
  assertEquals(rows.page({ descending: false, perPage: 1, count: false }).total, null);
  const picked = rows.page({
    ids: ["e", "zz", "b", "e"],
    descending: false,
    perPage: 5,
    count: true,
  });
  assertEquals(picked.entities.map((row) => row.id), ["b", "e"]);
  assertEquals(picked.total, 2);
});

Deno.test("store: an account of 10,000 customers and 10,000 subscriptions loads and pages", () => {
  const account = fakeAccount({ customers: 10_000, subscriptions: 10_000 });
  const store = new EntityStore();
  // Reversed, so every insert lands before the last id: the lazy sort must still be right.
  const inserted = store.load({
    ...account,
    customers: [...account.customers].reverse(),
    subscriptions: [...account.subscriptions].reverse(),
  });
  assertEquals(inserted, { products: 10, prices: 50, customers: 10_000, subscriptions: 10_000 });
  assertEquals(store.load({ customers: account.customers.slice(0, 10) }).customers, 0);
  const ids = store.customers.sortedIds();
  assertEquals(ids.length, 10_000);
  for (let i = 1; i < ids.length; i++) assert(ids[i - 1] < ids[i]);
  let after: string | undefined;
  let seen = 0;
  for (;;) {
    const page = store.subscriptions.page({ after, descending: false, perPage: 200, count: true });
    seen += page.entities.length;
    assertEquals(page.total, 10_000);
    if (!page.hasMore) break;
    after = page.entities.at(-1)?.id;
  }
  assertEquals(seen, 10_000);
});
