import { assertEquals, assertMatch, assertThrows } from "@std/assert";
import { formatAmount } from "./checkout_page.ts";
import { TRANSACTION_ID } from "./ids.ts";
import { MONTHLY, PRODUCT, YEARLY } from "./selling_fixtures.ts";
import { paymentLink, transactionEntity } from "./transactions.ts";

const base = {
  customData: null,
  collectionMode: "automatic" as const,
  checkoutBase: "https://app.example.com/checkout.html",
  createdAt: "2026-03-01T00:00:00Z",
};

Deno.test("transactions: totals are unit price × quantity summed exactly, with no tax or discount", () => {
  const big = { ...YEARLY, unit_price: { amount: "900719925474099", currency_code: "USD" } };
  const txn = transactionEntity({
    ...base,
    customerId: "ctm_01jtransactiontest000000000",
    items: [
      { price: MONTHLY, product: PRODUCT, quantity: 3 },
      { price: big, product: PRODUCT, quantity: 20 },
    ],
  });
  assertMatch(txn.id, TRANSACTION_ID);
  assertEquals(txn.status, "ready");
  // 3 × 1250 + 20 × 900719925474099, beyond Number's exact range.
  assertEquals(txn.details.totals.subtotal, "18014398509485730");
  assertEquals(txn.details.totals.grand_total, "18014398509485730");
  assertEquals([txn.details.totals.tax, txn.details.totals.discount], ["0", "0"]);
  assertEquals(txn.details.line_items.map((line) => line.totals.total), [
    "3750",
    "18014398509481980",
  ]);
  assertEquals(txn.details.tax_rates_used, []);
  assertEquals(txn.checkout.url, `https://app.example.com/checkout.html?_ptxn=${txn.id}`);
});

Deno.test("transactions: without a customer it is a draft; without items it is refused", () => {
  const draft = transactionEntity({
    ...base,
    customerId: null,
    items: [{ price: MONTHLY, product: PRODUCT, quantity: 1 }],
  });
  assertEquals(draft.status, "draft");
  assertThrows(() => transactionEntity({ ...base, customerId: null, items: [] }), TypeError);
});

Deno.test("transactions: the payment link keeps its own query and replaces a stale _ptxn", () => {
  assertEquals(
    paymentLink("https://app.example.com/pay?lang=de&_ptxn=txn_old", "txn_new"),
    "https://app.example.com/pay?lang=de&_ptxn=txn_new",
  );
});

Deno.test("checkout amounts: lowest denomination in the currency's own digits", () => {
  assertEquals(formatAmount("3000", "USD"), "$30.00");
  assertEquals(formatAmount("500", "JPY"), "¥500");
  assertEquals(formatAmount("1100", "EUR"), "€11.00");
});
