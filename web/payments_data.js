// @ts-check
/**
 * The user's payments (mirrored Paddle transactions) as the page lists them: newest first, ten
 * at a time, each next page after the last one shown (keyset paging on `created_at`,
 * `transaction_id`: no offset, so a payment arriving meanwhile neither repeats nor hides a
 * row). Only transactions that asked for money are payments: a checkout opened and left
 * (`draft`, `ready`) is not. Each payment brings its refunds (`refunds`, a computed relationship
 * over the mirrored adjustments: approved or awaiting Paddle's approval), so a refunded payment
 * says so. RLS limits the rows to the user's own customer. The query builder
 * takes the supabase-js client; the shaping is pure and unit-tested in Deno
 * (tests/web/payments_data_test.ts).
 */

export const PAGE_SIZE = 10;

/** Statuses of a transaction that billed the customer. */
export const PAYMENT_STATUSES = Object.freeze([
  "billed",
  "paid",
  "completed",
  "past_due",
  "canceled",
]);

// Amounts as text: PostgREST sends a numeric column as a JSON number, and money stays exact.
export const PAYMENT_SELECT = "transaction_id, subscription_id, status, origin, " +
  "collection_mode, currency_code, grand_total:grand_total::text, tax:tax::text, invoice_number, " +
  "billed_at, created_at, line_items, payment_status, payment_attempted_at, " +
  "refunds(status, type, total:total::text)";

/** The status in words, by outcome; a refund's words take precedence (paymentWords). */
export const OUTCOME_WORDS = Object.freeze({
  paid: "Paid",
  failed: "Payment failed",
  due: "Awaiting payment",
  canceled: "Canceled",
});

export const REFUND_WORDS = Object.freeze({
  refunded: "Refunded",
  partly_refunded: "Partly refunded",
  refund_pending: "Refund pending",
});

/**
 * @typedef {object} LineItemRow
 * @property {string | null} [product_name]
 * @property {string | null} [price_name]
 * @property {number | null} [quantity]
 */

/**
 * @typedef {object} RefundRow an adjustment with action `refund`
 * @property {string} status `approved` or `pending_approval`
 * @property {string | null} [type] `full` (the grand total) or `partial`
 * @property {string | null} total refunded with tax, lowest denomination, as text
 */

/**
 * @typedef {object} Refund
 * @property {"refunded" | "partly_refunded" | "refund_pending"} state
 * @property {string | null} amount approved refunds' total (pending ones' while none is
 *   approved), lowest denomination; null when Paddle sent no total
 */

/**
 * @typedef {object} PaymentRow
 * @property {string} transaction_id
 * @property {string | null} subscription_id
 * @property {string} status
 * @property {string | null} origin
 * @property {string | null} [collection_mode] `automatic` (a card) or `manual` (an invoice)
 * @property {string | null} currency_code
 * @property {string | null} grand_total lowest denomination, as text
 * @property {string | null} tax
 * @property {string | null} invoice_number
 * @property {string | null} billed_at
 * @property {string} created_at
 * @property {LineItemRow[] | null} line_items
 * @property {string | null} payment_status
 * @property {string | null} payment_attempted_at
 * @property {RefundRow[] | null} [refunds]
 */

/**
 * @typedef {object} Payment
 * @property {string} id
 * @property {string | null} subscriptionId
 * @property {string} status
 * @property {"paid" | "failed" | "due" | "canceled"} outcome
 * @property {string} date ISO time: when it was billed (created, before billing)
 * @property {string} description product and price names
 * @property {string | null} amount grand total, lowest denomination
 * @property {string | null} currency
 * @property {boolean} hasInvoice Paddle has an invoice PDF for it (completed, or billed and
 *   collected manually: transaction_invoice_prepare's rule)
 * @property {boolean} settling Paddle is still collecting it (billed, charged automatically): its
 *   outcome is about to change, so the list is read again shortly
 * @property {Refund | null} refund what Paddle refunded of it, or is about to
 */

/** @typedef {{ createdAt: string, id: string }} Cursor */

/**
 * @param {PaymentRow} row
 * @returns {Payment}
 */
export function toPayment(row) {
  return {
    id: row.transaction_id,
    subscriptionId: row.subscription_id,
    status: row.status,
    outcome: outcomeOf(row),
    date: row.billed_at ?? row.created_at,
    description: describeItems(row.line_items ?? []),
    amount: row.grand_total,
    currency: row.currency_code,
    hasInvoice: row.status === "completed" ||
      (row.status === "billed" && row.collection_mode === "manual"),
    settling: row.status === "billed" && row.collection_mode !== "manual" &&
      row.payment_status !== "error",
    refund: refundOf(row),
  };
}

/**
 * Refunded in full (a `full` refund, or approved refunds adding up to the grand total), partly
 * (the sum refunded so far, exact in minor units), or awaiting Paddle's approval. Rejected and
 * reversed refunds are not read at all.
 *
 * @param {PaymentRow} row
 * @returns {Refund | null}
 */
export function refundOf(row) {
  const refunds = row.refunds ?? [];
  const approved = refunds.filter((refund) => refund.status === "approved");
  if (approved.length) {
    const amount = sumOf(approved);
    const full = approved.some((refund) => refund.type === "full") ||
      (amount !== null && isInteger(row.grand_total) &&
        BigInt(amount) >= BigInt(/** @type {string} */ (row.grand_total)));
    return { state: full ? "refunded" : "partly_refunded", amount };
  }
  const pending = refunds.filter((refund) => refund.status === "pending_approval");
  return pending.length ? { state: "refund_pending", amount: sumOf(pending) } : null;
}

/** @param {string | null | undefined} text */
function isInteger(text) {
  return typeof text === "string" && /^-?\d+$/.test(text);
}

/**
 * The refunds' total as exact minor units (BigInt, never a float), or null if one has none.
 *
 * @param {RefundRow[]} refunds
 */
function sumOf(refunds) {
  let sum = 0n;
  for (const refund of refunds) {
    if (!isInteger(refund.total)) return null;
    sum += BigInt(/** @type {string} */ (refund.total));
  }
  return sum.toString();
}

/**
 * The status badge's words: a refund's, else the outcome's.
 *
 * @param {Payment} payment
 */
export function paymentWords(payment) {
  return payment.refund ? REFUND_WORDS[payment.refund.state] : OUTCOME_WORDS[payment.outcome];
}

/** @param {PaymentRow} row */
function outcomeOf(row) {
  if (row.status === "completed" || row.status === "paid") return "paid";
  if (row.status === "canceled") return "canceled";
  if (row.status === "past_due" || row.payment_status === "error") return "failed";
  return "due";
}

/**
 * "Pro plan (Pro monthly), Seats × 3": what was bought, as Paddle named it then.
 *
 * @param {LineItemRow[]} items
 */
export function describeItems(items) {
  const parts = items.map((item) => {
    const product = item.product_name ?? "";
    const price = item.price_name && item.price_name !== product ? ` (${item.price_name})` : "";
    const quantity = item.quantity && item.quantity > 1 ? ` × ${item.quantity}` : "";
    return `${product}${price}${quantity}`.trim();
  }).filter((part) => part !== "");
  return parts.length ? parts.join(", ") : "Payment";
}

/**
 * The payment that needs the user now: the newest one that failed and was not paid since.
 * Pages are newest first, so it is the first failed one before any paid one of the same
 * subscription.
 *
 * @param {Payment[]} payments newest first
 * @returns {Payment | undefined}
 */
export function failedPayment(payments) {
  const settled = new Set();
  for (const payment of payments) {
    const key = payment.subscriptionId ?? payment.id;
    if (payment.outcome === "failed" && !settled.has(key)) return payment;
    if (payment.outcome === "paid") settled.add(key);
  }
  return undefined;
}

/**
 * The PostgREST `or` filter for the rows after `cursor` in (created_at desc, transaction_id
 * desc) order. Values are quoted: a timestamp holds `:` and `+`.
 *
 * @param {Cursor} cursor
 */
export function afterCursor(cursor) {
  const at = JSON.stringify(cursor.createdAt);
  const id = JSON.stringify(cursor.id);
  return `created_at.lt.${at},and(created_at.eq.${at},transaction_id.lt.${id})`;
}

/**
 * One page: up to PAGE_SIZE payments and the cursor of the next page (undefined at the end).
 * One row more than a page is read to know whether there is a next one.
 *
 * @param {any} supabase
 * @param {Cursor} [cursor]
 * @returns {Promise<{ payments: Payment[], next: Cursor | undefined }>}
 */
export async function fetchPayments(supabase, cursor = undefined) {
  let query = supabase
    .from("transactions")
    .select(PAYMENT_SELECT)
    .in("status", PAYMENT_STATUSES);
  if (cursor) query = query.or(afterCursor(cursor));
  const { data, error } = await query
    .order("created_at", { ascending: false })
    .order("transaction_id", { ascending: false })
    .limit(PAGE_SIZE + 1);
  if (error) throw new Error(error.message);
  /** @type {PaymentRow[]} */
  const rows = data ?? [];
  const page = rows.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  return {
    payments: page.map(toPayment),
    next: rows.length > PAGE_SIZE && last
      ? { createdAt: last.created_at, id: last.transaction_id }
      : undefined,
  };
}
