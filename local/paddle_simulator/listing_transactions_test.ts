/** `GET /transactions`: Paddle's shapes, filters, the 30-per-page cap and cursor pagination. */
import { assert, assertEquals } from "@std/assert";
import { newPaddleId } from "./ids.ts";
import {
  CATALOG,
  catalogStore,
  paidTransaction,
  readyTransaction,
  YEARLY,
} from "./selling_fixtures.ts";
import { apiGet, type ListBody, walkPages, withEntities } from "./test_support.ts";
import type { PaddleTransaction } from "./transactions.ts";

const ALICE = newPaddleId("ctm");
const BOB = newPaddleId("ctm");
const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.parse("2026-03-01T10:00:00Z");

/** 70 transactions: alternately alice's and bob's, a day apart; every third is still ready. */
function account(): PaddleTransaction[] {
  const store = catalogStore();
  return Array.from({ length: 70 }, (_, i) => {
    const at = new Date(T0 + i * DAY);
    const options = {
      price: i % 5 === 0 ? YEARLY : undefined,
      createdAt: at.toISOString(),
      paidAt: at,
    };
    const customerId = i % 2 === 0 ? ALICE : BOB;
    return i % 3 === 0
      ? readyTransaction(store, customerId, options)
      : paidTransaction(store, customerId, options);
  });
}

const TRANSACTIONS = account();
const ids = (pages: ListBody[]) => pages.flatMap((p) => p.data.map((t) => t.id));

Deno.test("transactions: 30 a page at most, newest id first, every status by default", async () => {
  await withEntities({ ...CATALOG, transactions: TRANSACTIONS }, async (simulator) => {
    const pages = await walkPages(simulator, "/transactions?per_page=200");
    assertEquals(pages.map((p) => p.data.length), [30, 30, 10]);
    assertEquals(pages[0].meta.pagination.per_page, 30);
    assertEquals(pages[0].meta.pagination.estimated_total, 70);
    const all = ids(pages);
    assertEquals(all, TRANSACTIONS.map((t) => t.id).sort().reverse());
    // The default page size is 30 too.
    const first: ListBody = await (await apiGet(simulator, "/transactions")).json();
    assertEquals(first.data.length, 30);
    // Entries are the stored transactions, whole.
    assertEquals(first.data[0], TRANSACTIONS.find((t) => t.id === all[0]));
  });
});

Deno.test("transactions: customer, status, subscription and time filters, ascending by id", async () => {
  await withEntities({ ...CATALOG, transactions: TRANSACTIONS }, async (simulator) => {
    const since = new Date(T0 + 40 * DAY).toISOString();
    const pages = await walkPages(
      simulator,
      `/transactions?customer_id=${ALICE}&status=completed&order_by=id[ASC]&updated_at[GTE]=${since}`,
    );
    const expected = TRANSACTIONS.filter((t) =>
      t.customer_id === ALICE && t.status === "completed" &&
      Date.parse(t.updated_at) >= T0 + 40 * DAY
    ).map((t) => t.id).sort();
    assert(expected.length > 3);
    assertEquals(ids(pages), expected);
    const unsubscribed = await walkPages(simulator, "/transactions?subscription_id=null");
    assertEquals(
      ids(unsubscribed).sort(),
      TRANSACTIONS.filter((t) => t.subscription_id === null).map((t) => t.id).sort(),
    );
    const billedBefore = await walkPages(
      simulator,
      `/transactions?billed_at[LT]=${new Date(T0 + 10 * DAY).toISOString()}`,
    );
    assertEquals(
      ids(billedBefore).sort(),
      TRANSACTIONS.filter((t) => t.billed_at !== null && Date.parse(t.billed_at) < T0 + 10 * DAY)
        .map((t) => t.id).sort(),
    );
  });
});

Deno.test("transactions: bad filters are invalid_field, all reported at once", async () => {
  await withEntities({ ...CATALOG, transactions: TRANSACTIONS }, async (simulator) => {
    const response = await apiGet(
      simulator,
      "/transactions?status=refunded&updated_at[GTE]=yesterday&customer_id=ctm_x&include=customer",
    );
    assertEquals(response.status, 400);
    const { error } = await response.json();
    assertEquals(error.code, "invalid_field");
    assertEquals(
      error.errors.map((e: { field: string }) => e.field).sort(),
      ["customer_id", "include", "status", "updated_at[GTE]"],
    );
  });
});
