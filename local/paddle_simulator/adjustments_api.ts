/**
 * `POST /adjustments` (https://developer.paddle.com/api-reference/adjustments/create-adjustment)
 * and `GET /adjustments`: refund (or credit) a transaction as Paddle does, and list what was
 * adjusted.
 *
 * - A refund needs a `completed` transaction (else `adjustment_transaction_invalid_status_for_
 *   refund`); a credit a manually collected one that is `billed` or `past_due` (else `..._for_
 *   credit`). `type: "full"` adjusts the grand total; `partial` (Paddle's default) needs `items`,
 *   each a transaction line (`details.line_items[].id`) adjusted in `full` or by a tax-inclusive
 *   `amount`. No line and no transaction is adjusted beyond what is left of it
 *   (`adjustment_amount_above_remaining_allowed`, `adjustment_total_amount_above_remaining_allowed`).
 * - A refund is created `pending_approval` (`adjustment.created`, and the response), then
 *   approved (`adjustment.updated`). Paddle's sandbox approves refunds within ten minutes; the
 *   simulator approves at once, so a local run need not wait. A credit is created `approved`.
 * - Totals split tax in the line's proportion, in exact minor units (BigInt); fee and earnings in
 *   the transaction's proportion when Paddle had computed them. The transaction is not changed:
 *   adjustments sit beside it, as in Paddle.
 * - `GET /adjustments` lists newest first (`id[DESC]`, Paddle's default; `order_by=id[ASC]`)
 *   with Paddle's `transaction_id`, `customer_id`, `subscription_id`, `action`, `status` and
 *   `id` filters (comma lists), `after` and `per_page`, paged like the other lists (listing.ts).
 */

import { z } from "zod";
import type { Notify } from "./selling_api.ts";
import { json, parseBody } from "./selling_api.ts";
import { type FieldError, paddleError } from "./errors.ts";
import { DEFAULT_PER_PAGE, listResponse, readPerPage } from "./listing.ts";
import { newPaddleId, paddleTimestamp, TRANSACTION_ID } from "./ids.ts";
import type { EntityStore } from "./store.ts";
import type { PaddleTransaction } from "./transactions.ts";

export interface AdjustmentTotals {
  subtotal: string;
  tax: string;
  total: string;
  fee: string;
  earnings: string;
  currency_code: string;
}

export interface AdjustmentItem {
  id: string;
  item_id: string;
  type: "full" | "partial";
  amount: string;
  proration: null;
  totals: { subtotal: string; tax: string; total: string };
}

export interface PaddleAdjustment {
  id: string;
  action: "refund" | "credit";
  type: "full" | "partial";
  transaction_id: string;
  subscription_id: string | null;
  customer_id: string;
  reason: string;
  credit_applied_to_balance: boolean | null;
  currency_code: string;
  status: "pending_approval" | "approved" | "rejected" | "reversed";
  items: AdjustmentItem[];
  totals: AdjustmentTotals;
  payout_totals:
    | AdjustmentTotals & {
      chargeback_fee: { amount: string; original: null };
      retained_fee: string;
    }
    | null;
  tax_rates_used: { tax_rate: string; totals: { subtotal: string; tax: string; total: string } }[];
  created_at: string;
  updated_at: string;
}

export interface AdjustmentsContext {
  store: EntityStore;
  notify: Notify;
  /** The simulator's own base URL, for `meta.pagination.next`. */
  baseUrl: string;
}

const MINOR_UNITS = /^\d+$/;

const createSchema = z.strictObject({
  action: z.enum(["refund", "credit"]),
  transaction_id: z.string().regex(TRANSACTION_ID, "does not match the pattern ^txn_[a-z\\d]{26}$"),
  reason: z.string().trim().min(1).max(1024),
  type: z.enum(["full", "partial"]).optional(),
  items: z.array(z.strictObject({
    item_id: z.string().regex(
      /^txnitm_[a-z\d]{26}$/,
      "does not match the pattern ^txnitm_[a-z\\d]{26}$",
    ),
    type: z.enum(["full", "partial"]),
    amount: z.string().regex(MINOR_UNITS, "must be a whole amount in the lowest denomination")
      .optional(),
  })).min(1).optional(),
}).superRefine((body, ctx) => {
  const type = body.type ?? "partial";
  if (type === "partial" && !body.items) {
    ctx.addIssue({ code: "custom", path: ["items"], message: "required for a partial adjustment" });
  }
  if (type === "full" && body.items) {
    ctx.addIssue({ code: "custom", path: ["items"], message: "not allowed for a full adjustment" });
  }
  body.items?.forEach((item, index) => {
    if (item.type === "partial" && item.amount === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["items", index, "amount"],
        message: "required for a partial item",
      });
    }
  });
});

/** Answers `/adjustments`, or null for any other path. Auth is already checked. */
export function handleAdjustmentsRequest(
  request: Request,
  url: URL,
  bodyText: string,
  context: AdjustmentsContext,
): Response | null {
  if (url.pathname !== "/adjustments") return null;
  if (request.method === "GET") return listAdjustments(request, url, context);
  if (request.method !== "POST") {
    return paddleError("method_not_allowed", { headers: { allow: "GET, POST" } });
  }
  const parsed = parseBody(bodyText, createSchema);
  if ("failure" in parsed) return parsed.failure;
  const body = parsed.data;
  const { store } = context;

  const transaction = store.transactions.get(body.transaction_id);
  if (!transaction || transaction.customer_id === null) {
    return paddleError("not_found", { detail: `Entity ${body.transaction_id} not found` });
  }
  const refusal = statusRefusal(body.action, transaction);
  if (refusal) return refusal;

  const lines = new Map(transaction.details.line_items.map((line) => [line.id, line]));
  const adjusted = adjustedSoFar(store, transaction.id);
  const nowMs = store.clock.nowMs();
  const items: AdjustmentItem[] = [];
  const wanted = body.type === "full"
    ? transaction.details.line_items.map((line) => ({ item_id: line.id, type: "full" as const }))
    : body.items ?? [];
  for (const [index, item] of wanted.entries()) {
    const line = lines.get(item.item_id);
    if (!line) {
      return paddleError("invalid_field", {
        errors: [{ field: `items[${index}].item_id`, message: "not an item of this transaction" }],
      });
    }
    const lineTotal = BigInt(line.totals.total);
    const left = lineTotal - (adjusted.byLine.get(line.id) ?? 0n);
    const amount = item.type === "full" ? left : BigInt(item.amount ?? "0");
    if (amount <= 0n || amount > left) {
      return paddleError("adjustment_amount_above_remaining_allowed", {
        detail: `Adjustment item amount defined is above the remaining allowed. ID: ${line.id}`,
      });
    }
    const tax = lineTotal === 0n ? 0n : amount * BigInt(line.totals.tax) / lineTotal;
    items.push({
      id: newPaddleId("adjitm", nowMs),
      item_id: line.id,
      type: item.type,
      amount: (amount - tax).toString(),
      proration: null,
      totals: {
        subtotal: (amount - tax).toString(),
        tax: tax.toString(),
        total: amount.toString(),
      },
    });
  }
  const total = items.reduce((sum, item) => sum + BigInt(item.totals.total), 0n);
  const grandTotal = BigInt(transaction.details.totals.grand_total);
  if (total + adjusted.total > grandTotal) {
    return paddleError("adjustment_total_amount_above_remaining_allowed");
  }

  const adjustment = adjustmentEntity(body, transaction, items, nowMs);
  store.adjustments.upsert(adjustment);
  context.notify("adjustment.created", adjustment);
  if (adjustment.status === "pending_approval") {
    const approved: PaddleAdjustment = {
      ...adjustment,
      status: "approved",
      updated_at: paddleTimestamp(store.clock.now()),
    };
    store.adjustments.upsert(approved);
    context.notify("adjustment.updated", approved);
  }
  return json(201, { data: adjustment, meta: { request_id: crypto.randomUUID() } });
}

function statusRefusal(action: "refund" | "credit", transaction: PaddleTransaction) {
  if (action === "refund" && transaction.status !== "completed") {
    return paddleError("adjustment_transaction_invalid_status_for_refund", {
      detail:
        `The transaction being adjusted (refund) has a non supported status. ID: ${transaction.id}`,
    });
  }
  if (
    action === "credit" &&
    !(transaction.collection_mode === "manual" &&
      (transaction.status === "billed" || transaction.status === "past_due"))
  ) {
    return paddleError("adjustment_transaction_invalid_status_for_credit", {
      detail:
        `The transaction being adjusted (credit) has a non supported status. ID: ${transaction.id}`,
    });
  }
  return null;
}

/** What earlier adjustments that still stand (approved or pending) took of each line. */
function adjustedSoFar(store: EntityStore, transactionId: string) {
  const byLine = new Map<string, bigint>();
  let total = 0n;
  for (const id of store.adjustments.sortedIds()) {
    const adjustment = store.adjustments.get(id) as PaddleAdjustment;
    if (adjustment.transaction_id !== transactionId) continue;
    if (adjustment.status !== "approved" && adjustment.status !== "pending_approval") continue;
    for (const item of adjustment.items) {
      const amount = BigInt(item.totals.total);
      byLine.set(item.item_id, (byLine.get(item.item_id) ?? 0n) + amount);
      total += amount;
    }
  }
  return { byLine, total };
}

function adjustmentEntity(
  body: z.infer<typeof createSchema>,
  transaction: PaddleTransaction,
  items: AdjustmentItem[],
  nowMs: number,
): PaddleAdjustment {
  const sum = (key: "subtotal" | "tax" | "total") =>
    items.reduce((total, item) => total + BigInt(item.totals[key]), 0n);
  const subtotal = sum("subtotal");
  const tax = sum("tax");
  const total = sum("total");
  const paid = transaction.details.totals;
  // Paddle's share of the transaction, in the refund's proportion; none before it was computed.
  const fee = paid.fee !== null && BigInt(paid.grand_total) > 0n
    ? BigInt(paid.fee) * total / BigInt(paid.grand_total)
    : 0n;
  const currency = transaction.currency_code;
  const totals: AdjustmentTotals = {
    subtotal: subtotal.toString(),
    tax: tax.toString(),
    total: total.toString(),
    fee: fee.toString(),
    earnings: (subtotal - fee).toString(),
    currency_code: currency,
  };
  const at = paddleTimestamp(new Date(nowMs));
  const rates = new Map<string, { subtotal: bigint; tax: bigint; total: bigint }>();
  const lineRate = new Map(transaction.details.line_items.map((line) => [line.id, line.tax_rate]));
  for (const item of items) {
    const rate = lineRate.get(item.item_id) ?? "0";
    const entry = rates.get(rate) ?? { subtotal: 0n, tax: 0n, total: 0n };
    entry.subtotal += BigInt(item.totals.subtotal);
    entry.tax += BigInt(item.totals.tax);
    entry.total += BigInt(item.totals.total);
    rates.set(rate, entry);
  }
  return {
    id: newPaddleId("adj", nowMs),
    action: body.action,
    type: body.type ?? "partial",
    transaction_id: transaction.id,
    subscription_id: transaction.subscription_id,
    customer_id: transaction.customer_id as string,
    reason: body.reason,
    credit_applied_to_balance: body.action === "credit" ? false : null,
    currency_code: currency,
    status: body.action === "refund" ? "pending_approval" : "approved",
    items,
    totals,
    payout_totals: {
      ...totals,
      chargeback_fee: { amount: "0", original: null },
      retained_fee: "0",
    },
    tax_rates_used: [...rates].map(([rate, t]) => ({
      tax_rate: rate,
      totals: {
        subtotal: t.subtotal.toString(),
        tax: t.tax.toString(),
        total: t.total.toString(),
      },
    })),
    created_at: at,
    updated_at: at,
  };
}

const FILTERS = ["transaction_id", "customer_id", "subscription_id", "action", "status"] as const;

function listAdjustments(request: Request, url: URL, context: AdjustmentsContext): Response {
  const params = url.searchParams;
  const errors: FieldError[] = [];
  const perPage = readPerPage(params, errors) ?? DEFAULT_PER_PAGE;
  if (errors.length) return paddleError("invalid_field", { errors });
  const filters = FILTERS.flatMap((name) => {
    const value = params.get(name);
    return value ? [{ name, wanted: new Set(value.split(",").map((v) => v.trim())) }] : [];
  });
  const ids = params.get("id")?.split(",").map((v) => v.trim()).filter((v) => v !== "");
  const page = context.store.adjustments.page({
    after: params.get("after") || undefined,
    descending: params.get("order_by") !== "id[ASC]",
    perPage,
    ids,
    match: (adjustment) =>
      filters.every(({ name, wanted }) => wanted.has(String(adjustment[name] ?? ""))),
    count: request.headers.get("skip-count")?.trim().toLowerCase() !== "true",
  });
  return listResponse(url, context.baseUrl, {
    data: page.entities,
    lastId: page.entities.at(-1)?.id ?? (params.get("after") || undefined),
    perPage,
    hasMore: page.hasMore,
    total: page.total,
  });
}
