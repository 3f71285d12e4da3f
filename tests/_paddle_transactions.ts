/**
 * Transactions in the shapes Paddle sends them (webhook `data` and `GET /transactions` entries),
 * modelled on the transaction notifications in Paddle's Node SDK test mocks and the examples in
 * Paddle's API reference: embedded prices without `type`, `created_at` or `updated_at`; products
 * on the line items without `updated_at`; tax at a fractional rate on every line; `payments`
 * newest first, a declined attempt before the captured one; `unit_price_overrides`; an
 * `adjusted_payout_totals` with a `chargeback_fee`; fields the mirror does not keep (`checkout`,
 * `address_id`, `billing_details`, `discount_id`) present. Each call takes fresh ids, so tests
 * share a database without sharing rows.
 */
import { type JsonObject, paddleId, paddleTime } from "../local/paddle_webhooks/payloads.ts";

export type TransactionStatus =
  | "draft"
  | "ready"
  | "billed"
  | "paid"
  | "completed"
  | "canceled"
  | "past_due";

export interface TransactionInit {
  id?: string;
  customerId: string | null;
  subscriptionId?: string | null;
  status?: TransactionStatus;
  origin?: string;
  collectionMode?: "automatic" | "manual";
  invoiceNumber?: string | null;
  createdAtMs: number;
  updatedAtMs?: number;
  billedAtMs?: number | null;
  period?: { startsAtMs: number; endsAtMs: number } | null;
  /** The payment attempts, oldest first (the payload lists them newest first, as Paddle does). */
  payments?: { status: string; errorCode?: string | null; last4: string; atMs: number }[];
}

/** The ChatApp-like catalog Paddle's own examples use: a per-seat plan, an add-on, a one-off. */
export const LINES = [
  {
    priceId: "pri_01gsz8x8sawmvhz1pv30nge1ke",
    productId: "pro_01gsz4t5hdjse780zja8vvr7jg",
    productName: "ChatApp Pro",
    priceName: "Monthly (per seat)",
    unit: "3000",
    quantity: 10,
    cycle: { interval: "month", frequency: 1 },
    totals: { subtotal: "30000", discount: "0", tax: "2662", total: "32662" },
    unitTotals: { subtotal: "3000", discount: "0", tax: "266", total: "3266" },
  },
  {
    priceId: "pri_01h1vjfevh5etwq3rb416a23h2",
    productId: "pro_01h1vjes1y163xfj1rh1tkfb65",
    productName: "Voice rooms addon",
    priceName: "Monthly (recurring addon)",
    unit: "10000",
    quantity: 1,
    cycle: { interval: "month", frequency: 1 },
    totals: { subtotal: "10000", discount: "0", tax: "887", total: "10887" },
    unitTotals: { subtotal: "10000", discount: "0", tax: "887", total: "10887" },
  },
  {
    priceId: "pri_01gsz98e27ak2tyhexptwc58yk",
    productId: "pro_01gsz97mq9pa4fkyy0wqenepkz",
    productName: "Custom domains",
    priceName: "One-time charge",
    unit: "19900",
    quantity: 1,
    cycle: null,
    totals: { subtotal: "19900", discount: "0", tax: "1766", total: "21666" },
    unitTotals: { subtotal: "19900", discount: "0", tax: "1766", total: "21666" },
  },
] as const;

export const TOTALS = {
  subtotal: "59900",
  discount: "0",
  tax: "5315",
  total: "65215",
  credit: "0",
  credit_to_balance: "0",
  balance: "0",
  grand_total: "65215",
};

export function transactionJson(init: TransactionInit): JsonObject {
  const id = init.id ?? paddleId("txn", init.createdAtMs);
  const status = init.status ?? "completed";
  const updatedAt = paddleTime(init.updatedAtMs ?? init.createdAtMs);
  const paid = status === "completed" || status === "paid";
  const totals = {
    ...TOTALS,
    fee: paid ? "3311" : null,
    earnings: paid ? "56589" : null,
    currency_code: "USD",
  };
  const payments = (init.payments ?? (paid
    ? [
      { status: "error", errorCode: "declined", last4: "0002", atMs: init.createdAtMs + 60_000 },
      { status: "captured", last4: "4242", atMs: init.createdAtMs + 120_000 },
    ]
    : []))
    .map((p) => ({
      amount: TOTALS.grand_total,
      status: p.status,
      created_at: paddleTime(p.atMs),
      error_code: p.errorCode ?? null,
      captured_at: p.status === "captured" ? paddleTime(p.atMs + 1_500) : null,
      method_details: {
        card: {
          type: "visa",
          last4: p.last4,
          expiry_year: 2030,
          expiry_month: 12,
          cardholder_name: "Sam Miller",
        },
        type: "card",
      },
      payment_attempt_id: crypto.randomUUID(),
      stored_payment_method_id: crypto.randomUUID(),
    }))
    .reverse();
  return {
    id,
    items: LINES.map((line, index) => ({
      price: {
        id: line.priceId,
        status: "active",
        quantity: { maximum: index === 0 ? 999 : 100, minimum: index === 0 ? 10 : 1 },
        tax_mode: "account_setting",
        product_id: line.productId,
        unit_price: { amount: line.unit, currency_code: "USD" },
        description: line.priceName,
        name: line.priceName,
        trial_period: null,
        billing_cycle: line.cycle,
        unit_price_overrides: [{
          unit_price: { amount: String(Number(line.unit) * 2), currency_code: "AUD" },
          country_codes: ["AU"],
        }],
        ...(index === 0 ? {} : { type: "standard" }),
        custom_data: null,
      },
      quantity: line.quantity,
    })),
    origin: init.origin ?? "web",
    status,
    details: {
      totals,
      line_items: LINES.map((line) => ({
        id: paddleId("txnitm", init.createdAtMs),
        totals: line.totals,
        product: {
          id: line.productId,
          name: line.productName,
          status: "active",
          image_url: null,
          description: `${line.productName} for teams.`,
          tax_category: "standard",
          type: "standard",
          custom_data: null,
          created_at: "2023-08-22T07:59:39.771451Z",
        },
        price_id: line.priceId,
        quantity: line.quantity,
        tax_rate: "0.08875",
        unit_totals: line.unitTotals,
      })),
      payout_totals: paid ? totals : null,
      tax_rates_used: [{
        totals: { tax: "5315", total: "65215", discount: "0", subtotal: "59900" },
        tax_rate: "0.08875",
      }],
      adjusted_totals: {
        fee: totals.fee,
        tax: "5315",
        total: "65215",
        earnings: totals.earnings,
        subtotal: "59900",
        grand_total: "65215",
        currency_code: "USD",
      },
      adjusted_payout_totals: paid
        ? {
          fee: "3311",
          tax: "5315",
          total: "65215",
          earnings: "56589",
          subtotal: "59900",
          currency_code: "USD",
          chargeback_fee: { amount: "0", original: null },
        }
        : null,
    },
    checkout: { url: `https://example.test/pay?_ptxn=${id}` },
    payments,
    billed_at: init.billedAtMs === undefined
      ? (paid ? paddleTime(init.createdAtMs + 121_500) : null)
      : init.billedAtMs === null
      ? null
      : paddleTime(init.billedAtMs),
    address_id: paddleId("add", init.createdAtMs),
    created_at: paddleTime(init.createdAtMs),
    invoice_id: init.invoiceNumber ? paddleId("inv", init.createdAtMs) : null,
    updated_at: updatedAt,
    business_id: null,
    custom_data: null,
    customer_id: init.customerId,
    discount_id: null,
    currency_code: "USD",
    billing_period: init.period
      ? { starts_at: paddleTime(init.period.startsAtMs), ends_at: paddleTime(init.period.endsAtMs) }
      : null,
    invoice_number: init.invoiceNumber ?? null,
    billing_details: null,
    collection_mode: init.collectionMode ?? "automatic",
    subscription_id: init.subscriptionId ?? null,
    revised_at: null,
  };
}
