import { assertEquals } from "@std/assert";
import { addCycle, payTransaction } from "./payment.ts";
import { CATALOG, MONTHLY, PRODUCT, YEARLY } from "./selling_fixtures.ts";
import { EntityStore } from "./store.ts";
import { transactionEntity } from "./transactions.ts";

Deno.test("payment: a cycle later is the same day, or the month's last day when it has none", () => {
  const at = (iso: string) => new Date(iso);
  const month = { interval: "month", frequency: 1 } as const;
  assertEquals(
    addCycle(at("2026-01-31T10:00:00Z"), month).toISOString(),
    "2026-02-28T10:00:00.000Z",
  );
  assertEquals(
    addCycle(at("2026-03-15T10:00:00Z"), month).toISOString(),
    "2026-04-15T10:00:00.000Z",
  );
  assertEquals(
    addCycle(at("2024-02-29T00:00:00Z"), { interval: "year", frequency: 1 }).toISOString(),
    "2025-02-28T00:00:00.000Z",
  );
  assertEquals(
    addCycle(at("2026-12-30T00:00:00Z"), { interval: "week", frequency: 2 }).toISOString(),
    "2027-01-13T00:00:00.000Z",
  );
  assertEquals(
    addCycle(at("2026-12-31T00:00:00Z"), { interval: "day", frequency: 1 }).toISOString(),
    "2027-01-01T00:00:00.000Z",
  );
});

Deno.test("payment: paying bills a yearly item for a year, copies custom data, and pays once", () => {
  const store = new EntityStore();
  store.load(CATALOG);
  const customerId = "ctm_01jpaymenttestcustomer00000";
  const ready = transactionEntity({
    customerId,
    items: [{ price: YEARLY, product: PRODUCT, quantity: 1 }],
    customData: { user_id: "u1" },
    collectionMode: "automatic",
    checkoutBase: "http://127.0.0.1/checkout",
    createdAt: "2026-03-01T00:00:00Z",
  });
  store.transactions.upsert(ready);
  const paid = payTransaction(store, ready.id, new Date("2026-03-02T12:00:00Z"));
  if (paid.outcome !== "paid" || !paid.subscription) throw new Error(JSON.stringify(paid));
  assertEquals(paid.subscription.current_billing_period, {
    starts_at: "2026-03-02T12:00:00Z",
    ends_at: "2027-03-02T12:00:00Z",
  });
  assertEquals(paid.subscription.custom_data, { user_id: "u1" });
  assertEquals(paid.transaction.billing_period, paid.subscription.current_billing_period);
  assertEquals(paid.transaction.details.totals.earnings, "12000");
  assertEquals(store.subscriptions.size, 1);
  const again = payTransaction(store, ready.id);
  assertEquals(again.outcome, "not_payable");
  assertEquals(store.subscriptions.size, 1);
  assertEquals(payTransaction(store, "txn_01jnothere0000000000000000").outcome, "not_found");
  assertEquals(MONTHLY.billing_cycle, { interval: "month", frequency: 1 });
});
