/** Unit tests of web/payments_data.js: transaction rows as PostgREST returns them → payments. */
import { assertEquals } from "@std/assert";
import {
  afterCursor,
  describeItems,
  failedPayment,
  fetchPayments,
  PAGE_SIZE,
  type PaymentRow,
  paymentWords,
  refundOf,
  toPayment,
} from "../../web/payments_data.js";
import { formatMoney } from "../../web/format.js";

function row(overrides: Partial<PaymentRow> = {}): PaymentRow {
  return {
    transaction_id: "txn_01jpayment00000000000000001",
    subscription_id: "sub_01jdemodavesub100000000000",
    status: "completed",
    origin: "subscription_recurring",
    collection_mode: "automatic",
    currency_code: "USD",
    grand_total: "3300",
    tax: "300",
    invoice_number: "325-10001",
    billed_at: "2026-11-12T10:00:00+00:00",
    created_at: "2026-11-12T09:59:58+00:00",
    line_items: [{ product_name: "Pro plan", price_name: "Pro monthly", quantity: 1 }],
    payment_status: "captured",
    payment_attempted_at: "2026-11-12T10:00:00+00:00",
    ...overrides,
  };
}

Deno.test("payments: a row becomes what the list shows, billed date first, amount untouched", () => {
  assertEquals(toPayment(row()), {
    id: "txn_01jpayment00000000000000001",
    subscriptionId: "sub_01jdemodavesub100000000000",
    status: "completed",
    outcome: "paid",
    date: "2026-11-12T10:00:00+00:00",
    description: "Pro plan (Pro monthly)",
    amount: "3300",
    currency: "USD",
    hasInvoice: true,
    settling: false,
    refund: null,
  });
  const failed = toPayment(
    row({ status: "past_due", invoice_number: null, payment_status: "error" }),
  );
  assertEquals([failed.outcome, failed.hasInvoice], ["failed", false]);
  assertEquals(toPayment(row({ status: "billed", payment_status: "error" })).outcome, "failed");
  assertEquals(toPayment(row({ status: "billed", payment_status: null })).outcome, "due");
  // Paddle has an invoice PDF for a completed payment, and for a billed one only when it is
  // collected manually; an automatic charge still being collected is read again shortly.
  const collecting = toPayment(row({ status: "billed", payment_status: null }));
  assertEquals([collecting.hasInvoice, collecting.settling], [false, true]);
  const invoiced = toPayment(row({ status: "billed", collection_mode: "manual" }));
  assertEquals([invoiced.hasInvoice, invoiced.settling], [true, false]);
  assertEquals(toPayment(row({ status: "billed", payment_status: "error" })).settling, false);
  assertEquals(toPayment(row({ status: "paid" })).outcome, "paid");
  assertEquals(toPayment(row({ status: "canceled" })).outcome, "canceled");
  assertEquals(toPayment(row({ billed_at: null })).date, "2026-11-12T09:59:58+00:00");
});

Deno.test("payments: what was bought, in Paddle's names and order", () => {
  assertEquals(
    describeItems([
      { product_name: "Pro plan", price_name: "Pro monthly", quantity: 1 },
      { product_name: "Seats", price_name: "Seats", quantity: 3 },
    ]),
    "Pro plan (Pro monthly), Seats × 3",
  );
  assertEquals(describeItems([]), "Payment");
  assertEquals(describeItems([{ product_name: null, price_name: null }]), "Payment");
});

Deno.test("payments: the failed payment to act on is the newest one not paid since", () => {
  const sub = "sub_01jdemodavesub100000000000";
  const at = (status: string, n: number, subscription = sub) =>
    toPayment(row({
      transaction_id: `txn_01jpayment0000000000000000${n}`,
      subscription_id: subscription,
      status,
    }));
  assertEquals(failedPayment([at("past_due", 3), at("completed", 2)])?.id, at("past_due", 3).id);
  // Recovered: the renewal was paid after it failed (it is paid now, newest first).
  assertEquals(failedPayment([at("completed", 3), at("completed", 2)]), undefined);
  // A later renewal of the same subscription was paid: the old failure is settled.
  assertEquals(failedPayment([at("completed", 4), at("past_due", 3)]), undefined);
  // Another subscription's failure still counts.
  const other = "sub_01jdemoalicesub10000000000";
  assertEquals(
    failedPayment([at("completed", 4), at("past_due", 3, other)])?.id,
    at("past_due", 3, other).id,
  );
});

Deno.test("payments: the next page starts strictly after the last row shown", () => {
  assertEquals(
    afterCursor({ createdAt: "2026-11-12T09:59:58.123456+00:00", id: "txn_01jx" }),
    'created_at.lt."2026-11-12T09:59:58.123456+00:00",' +
      'and(created_at.eq."2026-11-12T09:59:58.123456+00:00",transaction_id.lt."txn_01jx")',
  );
});

Deno.test("payments: a page reads one row more than it shows to know whether more follow", async () => {
  const calls: unknown[][] = [];
  const rows = Array.from({ length: PAGE_SIZE + 1 }, (_, i) =>
    row({
      transaction_id: `txn_01jpayment000000000000000${String(i).padStart(2, "0")}`,
      created_at: `2026-11-${String(20 - i).padStart(2, "0")}T10:00:00+00:00`,
    }));
  const query = {
    select: (...args: unknown[]) => (calls.push(["select", ...args]), query),
    in: (...args: unknown[]) => (calls.push(["in", ...args]), query),
    or: (...args: unknown[]) => (calls.push(["or", ...args]), query),
    order: (...args: unknown[]) => (calls.push(["order", ...args]), query),
    limit: (n: number) => (calls.push(["limit", n]), Promise.resolve({ data: rows, error: null })),
  };
  const client = { from: (table: string) => (calls.push(["from", table]), query) };
  const page = await fetchPayments(client);
  assertEquals(page.payments.length, PAGE_SIZE);
  assertEquals(page.next, {
    createdAt: rows[PAGE_SIZE - 1].created_at,
    id: rows[PAGE_SIZE - 1].transaction_id,
  });
  assertEquals(calls.filter((c) => c[0] === "or"), []);
  assertEquals(calls.at(-1), ["limit", PAGE_SIZE + 1]);
  calls.length = 0;
  await fetchPayments(client, page.next);
  assertEquals(calls.filter((c) => c[0] === "or").length, 1);
});

Deno.test("payments: refunds in words, full or partial by Paddle's totals, exact in minor units", () => {
  const refunded = (refunds: PaymentRow["refunds"], grandTotal = "3300") =>
    toPayment(row({ grand_total: grandTotal, refunds }));
  // Nothing refunded, or only refunds Paddle rejected or that were reversed: the outcome's words.
  assertEquals(paymentWords(refunded([])), "Paid");
  assertEquals(paymentWords(refunded(null)), "Paid");
  assertEquals(
    paymentWords(refunded([
      { status: "rejected", type: "full", total: "3300" },
      { status: "reversed", type: "partial", total: "100" },
    ])),
    "Paid",
  );
  assertEquals(paymentWords(toPayment(row({ status: "past_due" }))), "Payment failed");
  assertEquals(
    paymentWords(toPayment(row({ status: "billed", payment_status: null }))),
    "Awaiting payment",
  );
  assertEquals(paymentWords(toPayment(row({ status: "canceled" }))), "Canceled");

  // A full refund, whatever its total says.
  const full = refunded([{ status: "approved", type: "full", total: "3300" }]);
  assertEquals([paymentWords(full), full.refund], ["Refunded", {
    state: "refunded",
    amount: "3300",
  }]);
  // Partial refunds that add up to the grand total are a full refund.
  assertEquals(
    refundOf(row({
      refunds: [
        { status: "approved", type: "partial", total: "1100" },
        { status: "approved", type: "partial", total: "2200" },
      ],
    })),
    { state: "refunded", amount: "3300" },
  );
  // Part of it: the sum so far, exact (0.1 + 0.2 would not be).
  const partly = refunded([
    { status: "approved", type: "partial", total: "10" },
    { status: "approved", type: "partial", total: "20" },
    { status: "pending_approval", type: "partial", total: "500" },
  ]);
  assertEquals(paymentWords(partly), "Partly refunded");
  assertEquals(partly.refund, { state: "partly_refunded", amount: "30" });
  assertEquals(formatMoney(partly.refund?.amount ?? null, "USD", { locale: "en-US" }), "$0.30");
  // Amounts beyond a double's exact range stay exact.
  assertEquals(
    refundOf(row({
      grand_total: "90071992547409930",
      refunds: [
        { status: "approved", type: "partial", total: "90071992547409921" },
        { status: "approved", type: "partial", total: "8" },
      ],
    })),
    { state: "partly_refunded", amount: "90071992547409929" },
  );
  // Awaiting Paddle's approval.
  const pending = refunded([{ status: "pending_approval", type: "full", total: "3300" }]);
  assertEquals([paymentWords(pending), pending.refund?.state], [
    "Refund pending",
    "refund_pending",
  ]);
  // An approved refund with no total is still partly refunded, with no amount to show.
  assertEquals(refundOf(row({ refunds: [{ status: "approved", type: "partial", total: null }] })), {
    state: "partly_refunded",
    amount: null,
  });
});
