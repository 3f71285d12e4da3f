/**
 * Paddle's subscription changes: `PATCH /subscriptions/{id}` applies one, and
 * `PATCH /subscriptions/{id}/preview` answers what the same body would do without doing it.
 *
 * As in Paddle: `items` replaces the whole list (an item left out is removed); changing items
 * needs a `proration_billing_mode`; every recurring item shares one billing cycle; proration is
 * counted to the minute, in exact integer arithmetic on the prices' lowest denomination;
 * `scheduled_change: null` removes a scheduled cancellation. Refusals come in Paddle's order and
 * envelope (https://developer.paddle.com/errors/subscriptions/) and change nothing.
 *
 * An update that bills at once stores a transaction (`origin: subscription_update`) and sends
 * `transaction.created`, then `transaction.completed` or, when the customer's card declines
 * (`store.cards`), `transaction.payment_failed`; with `on_payment_failure: prevent_change` (the
 * default) the subscription then stays as it was and the API answers `subscription_payment_declined`.
 * Every applied change sends `subscription.updated`. Paddle's per-subscription limits on immediate
 * charges (20 an hour, 100 a day) answer 429. Time is the account's simulated clock.
 */

import { z } from "zod";
import type { PaddlePrice, PaddleProduct, PaddleSubscription } from "./entities.ts";
import { type Duration, subscriptionItem } from "./entity_builders.ts";
import { type FieldError, paddleError } from "./errors.ts";
import { newPaddleId, paddleTimestamp, PRICE_ID, SUBSCRIPTION_ID } from "./ids.ts";
import { addCycle } from "./payment.ts";
import { decodeSegment, json, parseBody, type SellingContext } from "./selling_api.ts";
import type { EntityStore } from "./store.ts";
import {
  type PaddleTransaction,
  type Proration,
  transactionEntity,
  type TransactionLineItem,
  type TransactionTotals,
} from "./transactions.ts";

/** Paddle locks a subscription against changes this long before it renews. */
export const RENEWAL_LOCK_MS = 30 * 60_000;

/** Paddle's immediate charges per subscription (changelog, December 2024): 20 an hour, 100 a day. */
export const IMMEDIATE_CHARGE_LIMITS = { hour: 20, day: 100 } as const;

export const PRORATION_BILLING_MODES = [
  "prorated_immediately",
  "prorated_next_billing_period",
  "full_immediately",
  "full_next_billing_period",
  "do_not_bill",
] as const;
export type ProrationBillingMode = typeof PRORATION_BILLING_MODES[number];

const IMMEDIATE_MODES: readonly ProrationBillingMode[] = [
  "prorated_immediately",
  "full_immediately",
];
/** Paddle's changelog (2024, "change billing frequency"): the modes an interval change accepts. */
const INTERVAL_CHANGE_MODES: readonly ProrationBillingMode[] = [
  "prorated_immediately",
  "full_immediately",
  "do_not_bill",
];

const updateSchema = z.strictObject({
  items: z.array(z.strictObject({
    price_id: z.string().regex(PRICE_ID, `must match ${PRICE_ID.source}`),
    quantity: z.number().int().min(1).optional(),
  })).min(1).optional(),
  proration_billing_mode: z.enum(PRORATION_BILLING_MODES).optional(),
  on_payment_failure: z.enum(["prevent_change", "apply_change"]).optional(),
  // Only removing a scheduled change is modelled; scheduling one is the portal's job.
  scheduled_change: z.null().optional(),
  custom_data: z.record(z.string(), z.unknown()).nullable().optional(),
});
type UpdateBody = z.infer<typeof updateSchema>;

const SUBSCRIPTION_PATH = /^\/subscriptions\/([^/]*)(\/preview)?$/;

/** Answers a subscription change, or null when the request is not one (a GET is the listing's). */
export function handleSubscriptionUpdateRequest(
  request: Request,
  url: URL,
  bodyText: string,
  context: SellingContext,
): Response | null {
  const route = SUBSCRIPTION_PATH.exec(url.pathname);
  if (!route) return null;
  const preview = route[2] !== undefined;
  if (!preview && request.method !== "PATCH") return null;
  if (request.method !== "PATCH") {
    return paddleError("method_not_allowed", { headers: { allow: "PATCH" } });
  }
  const id = decodeSegment(route[1]);
  if (!SUBSCRIPTION_ID.test(id)) {
    return paddleError("not_found", { detail: `Entity ${id} not found` });
  }
  const parsed = parseBody(bodyText, updateSchema);
  if ("failure" in parsed) return parsed.failure;
  const { store } = context;
  const subscription = store.subscriptions.get(id);
  if (!subscription) return paddleError("not_found", { detail: `Entity ${id} not found` });

  // Whole seconds, as Paddle's timestamps: the proration a caller recomputes from the answer's
  // `billing_period.starts_at` is then exactly the one billed.
  const now = new Date(Math.floor(store.clock.nowMs() / 1000) * 1000);
  const plan = planUpdate(store, subscription, parsed.data, now);
  if ("failure" in plan) return plan.failure;
  if (preview) return json(200, { data: previewData(plan), meta: meta() });
  return applyUpdate(plan, parsed.data, context);
}

interface NewItem {
  price: PaddlePrice;
  product: PaddleProduct;
  quantity: number;
}

/** One charged or credited line: `amount` is already prorated. */
interface ProratedLine extends NewItem {
  amount: bigint;
  proration: Proration | null;
}

export interface UpdatePlan {
  before: PaddleSubscription;
  after: PaddleSubscription;
  mode: ProrationBillingMode | null;
  currency: string;
  now: Date;
  charges: ProratedLine[];
  credit: bigint;
  /** Whether what is charged or credited is billed now (a transaction) or at renewal. */
  billNow: boolean;
}

function planUpdate(
  store: EntityStore,
  before: PaddleSubscription,
  body: UpdateBody,
  now: Date,
): UpdatePlan | { failure: Response } {
  const fail = (...args: Parameters<typeof paddleError>) => ({ failure: paddleError(...args) });
  const mode = body.proration_billing_mode ?? null;
  if (before.status === "canceled") return fail("subscription_update_when_canceled");
  if (before.status === "past_due") return fail("subscription_update_when_past_due");
  if (
    before.status === "paused" && body.items &&
    mode !== "do_not_bill" && mode !== "full_next_billing_period"
  ) {
    return fail("subscription_update_error_when_paused");
  }
  if (
    before.next_billed_at !== null &&
    Date.parse(before.next_billed_at) - now.getTime() < RENEWAL_LOCK_MS
  ) {
    return fail("subscription_locked_renewal");
  }

  const stamp = paddleTimestamp(now);
  const base = {
    before,
    mode,
    currency: before.currency_code,
    now,
    charges: [] as ProratedLine[],
    credit: 0n,
    billNow: false,
  };
  const after: PaddleSubscription = structuredClone(before);
  after.updated_at = versionStamp(before, now);
  if (body.scheduled_change === null && before.scheduled_change !== null) {
    after.scheduled_change = null;
    // A subscription that was going to end had no next bill; kept, it renews when the period ends.
    if (after.next_billed_at === null && after.current_billing_period !== null) {
      after.next_billed_at = after.current_billing_period.ends_at;
      for (const item of after.items) item.next_billed_at = after.next_billed_at;
    }
  }
  if (body.custom_data !== undefined) after.custom_data = body.custom_data;
  if (!body.items) return { ...base, after };

  if (mode === null) return fail("subscription_items_update_missing_proration_billing_mode");
  const items = resolveItems(store, before, body.items);
  if ("failure" in items) return items;
  const cycle = items.cycle;
  const intervalChanges = !sameCycle(cycle, before.billing_cycle);
  if (intervalChanges && !INTERVAL_CHANGE_MODES.includes(mode)) {
    return fail("invalid_field", {
      errors: [{
        field: "proration_billing_mode",
        message: `must be one of ${
          INTERVAL_CHANGE_MODES.join(", ")
        } when the billing cycle changes`,
      }],
    });
  }
  if (
    after.scheduled_change !== null && (mode === "prorated_next_billing_period" ||
      mode === "full_next_billing_period")
  ) {
    return fail("subscription_invalid_billing_mode_for_scheduled_change");
  }

  const period = before.current_billing_period ??
    { starts_at: stamp, ends_at: before.next_billed_at ?? stamp };
  const billing = intervalChanges
    ? intervalChangeBilling(before, items.list, mode, period, now)
    : sameCycleBilling(before, items.list, mode, period, now);

  // A new billing period starts now when the interval changes and the change is billed now.
  const restarts = intervalChanges && mode !== "do_not_bill";
  const periodNow = restarts
    ? { starts_at: stamp, ends_at: paddleTimestamp(addCycle(now, cycle)) }
    : before.current_billing_period;
  after.billing_cycle = cycle;
  after.current_billing_period = periodNow;
  if (restarts) after.next_billed_at = periodNow!.ends_at;
  const kept = new Map(before.items.map((item) => [item.price.id, item]));
  after.items = items.list.map(({ price, product, quantity }) => {
    const old = kept.get(price.id);
    return subscriptionItem({
      price,
      product,
      quantity,
      recurring: true,
      createdAt: old?.created_at ?? stamp,
      updatedAt: stamp,
      previouslyBilledAt: restarts ? stamp : old?.previously_billed_at ?? period.starts_at,
      nextBilledAt: after.next_billed_at,
    });
  });
  return { ...base, after, ...billing };
}

/**
 * The new `updated_at`: Paddle's is microsecond-precise, and it is the version the mirror keeps
 * the newest of, so two changes within a second must not share one. Milliseconds here, and
 * always later than the state it replaces.
 */
function versionStamp(before: PaddleSubscription, now: Date): string {
  const at = Math.max(now.getTime(), Date.parse(before.updated_at) + 1);
  return new Date(at).toISOString();
}

function resolveItems(
  store: EntityStore,
  before: PaddleSubscription,
  requested: NonNullable<UpdateBody["items"]>,
): { list: NewItem[]; cycle: Duration } | { failure: Response } {
  const missing = requested.map((item) => item.price_id).filter((id) => {
    const price = store.prices.get(id);
    return price?.status !== "active" || store.products.get(price.product_id)?.status !== "active";
  });
  if (missing.length > 0) {
    return {
      failure: paddleError("subscription_price_not_found", {
        detail: `One or more prices sent in the items array could not be found: ${
          missing.join(", ")
        }`,
      }),
    };
  }
  const current = new Map(before.items.map((item) => [item.price.id, item.quantity]));
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const list = requested.map((item, index): NewItem => {
    const price = store.prices.get(item.price_id)!;
    const product = store.products.get(price.product_id)!;
    // An existing item keeps its quantity when none is sent; a new one starts at 1.
    const quantity = item.quantity ?? current.get(price.id) ?? 1;
    const field = `items[${index}]`;
    if (seen.has(price.id)) errors.push({ field, message: `duplicate price ${price.id}` });
    seen.add(price.id);
    if (price.billing_cycle === null) {
      errors.push({ field, message: "one-time prices are not subscription items" });
    }
    if (price.unit_price.currency_code !== before.currency_code) {
      errors.push({ field, message: `must be priced in ${before.currency_code}` });
    }
    const { minimum, maximum } = price.quantity;
    if (quantity < minimum || quantity > maximum) {
      errors.push({
        field: `${field}.quantity`,
        message: `must be between ${minimum} and ${maximum} for price ${price.id}`,
      });
    }
    return { price, product, quantity };
  });
  const cycles = new Set(
    list.flatMap(({ price }) => price.billing_cycle ? [cycleKey(price.billing_cycle)] : []),
  );
  if (cycles.size > 1) {
    errors.push({
      field: "items",
      message: "cannot have different billing cycle intervals and/or frequencies",
    });
  }
  if (errors.length > 0) {
    return { failure: paddleError("subscription_new_items_not_valid", { errors }) };
  }
  return {
    list,
    cycle: list.find((item) => item.price.billing_cycle)!.price.billing_cycle as Duration,
  };
}

type Billing = Pick<UpdatePlan, "charges" | "credit" | "billNow">;

/**
 * Same cycle: only what changed is billed, per price. Added quantity (or a dearer price) is
 * charged for the minutes left in the period, removed quantity credited the same way; `full_*`
 * charges the added part in full and credits nothing.
 */
function sameCycleBilling(
  before: PaddleSubscription,
  items: NewItem[],
  mode: ProrationBillingMode,
  period: { starts_at: string; ends_at: string },
  now: Date,
): Billing {
  if (mode === "do_not_bill") return { charges: [], credit: 0n, billNow: false };
  const prorated = mode.startsWith("prorated_");
  const share = minutesShare(period, now);
  const scale = (amount: bigint) => prorated ? prorate(amount, share) : amount;
  const proration = prorated
    ? {
      rate: rateText(share),
      billing_period: { starts_at: paddleTimestamp(now), ends_at: period.ends_at },
    }
    : null;
  const oldQuantity = new Map(before.items.map((item) => [item.price.id, item.quantity]));
  const charges: ProratedLine[] = [];
  let credit = 0n;
  for (const item of items) {
    const added = item.quantity - (oldQuantity.get(item.price.id) ?? 0);
    const unit = BigInt(item.price.unit_price.amount);
    if (added > 0) {
      charges.push({ ...item, quantity: added, amount: scale(unit * BigInt(added)), proration });
    } else if (added < 0 && prorated) {
      credit += scale(unit * BigInt(-added));
    }
  }
  if (prorated) {
    const kept = new Set(items.map((item) => item.price.id));
    for (const item of before.items) {
      if (kept.has(item.price.id)) continue;
      credit += scale(BigInt(item.price.unit_price.amount) * BigInt(item.quantity));
    }
  }
  return { charges, credit, billNow: IMMEDIATE_MODES.includes(mode) };
}

/**
 * Another cycle: the new items start a new period now and are charged in full; the unused
 * minutes of the old period are credited (`prorated_immediately`) or not (`full_immediately`).
 */
function intervalChangeBilling(
  before: PaddleSubscription,
  items: NewItem[],
  mode: ProrationBillingMode,
  period: { starts_at: string; ends_at: string },
  now: Date,
): Billing {
  if (mode === "do_not_bill") return { charges: [], credit: 0n, billNow: false };
  const charges = items.map((item) => ({
    ...item,
    amount: BigInt(item.price.unit_price.amount) * BigInt(item.quantity),
    proration: null,
  }));
  const share = minutesShare(period, now);
  const credit = mode === "prorated_immediately"
    ? before.items.reduce(
      (sum, item) =>
        sum + prorate(BigInt(item.price.unit_price.amount) * BigInt(item.quantity), share),
      0n,
    )
    : 0n;
  return { charges, credit, billNow: true };
}

/** The minutes left in the period over the minutes it has, both whole minutes. */
interface Share {
  left: bigint;
  total: bigint;
}

export function minutesShare(period: { starts_at: string; ends_at: string }, now: Date): Share {
  const start = BigInt(Date.parse(period.starts_at));
  const end = BigInt(Date.parse(period.ends_at));
  const at = BigInt(now.getTime());
  const total = (end - start) / 60_000n;
  if (total <= 0n) return { left: 0n, total: 1n };
  let left = (end - at) / 60_000n;
  if (left < 0n) left = 0n;
  if (left > total) left = total;
  return { left, total };
}

/** amount × left ÷ total, rounded half up: exact, with no floating point anywhere. */
export function prorate(amount: bigint, share: Share): bigint {
  return (amount * share.left * 2n + share.total) / (share.total * 2n);
}

/** Paddle's `proration.rate`: the share as a decimal string (five places). */
function rateText(share: Share): string {
  const scaled = (share.left * 100_000n) / share.total;
  const whole = scaled / 100_000n;
  const fraction = (scaled % 100_000n).toString().padStart(5, "0");
  return `${whole}.${fraction}`;
}

function cycleKey(cycle: { interval: string; frequency: number }): string {
  return `${cycle.frequency} ${cycle.interval}`;
}

function sameCycle(a: { interval: string; frequency: number }, b: typeof a): boolean {
  return cycleKey(a) === cycleKey(b);
}

// ---- What Paddle answers -------------------------------------------------------------------

interface Amounts {
  charge: bigint;
  /** Credit applied to this bill. */
  applied: bigint;
  /** Credit left over, kept on the customer's balance. */
  toBalance: bigint;
}

function amounts(plan: UpdatePlan): Amounts {
  const charge = plan.charges.reduce((sum, line) => sum + line.amount, 0n);
  const applied = plan.credit < charge ? plan.credit : charge;
  return { charge, applied, toBalance: plan.credit - applied };
}

function totals(
  subtotal: bigint,
  credit: bigint,
  toBalance: bigint,
  currency: string,
): TransactionTotals {
  const grand = subtotal - credit;
  return {
    subtotal: subtotal.toString(),
    discount: "0",
    tax: "0",
    total: subtotal.toString(),
    credit: credit.toString(),
    credit_to_balance: toBalance.toString(),
    balance: grand.toString(),
    grand_total: grand.toString(),
    fee: null,
    earnings: null,
    currency_code: currency,
  };
}

function lineItem(
  line: {
    price: PaddlePrice;
    product: PaddleProduct;
    quantity: number;
    amount: bigint;
    proration: Proration | null;
  },
): TransactionLineItem {
  const unit = BigInt(line.price.unit_price.amount).toString();
  const total = line.amount.toString();
  return {
    id: newPaddleId("txnitm"),
    price_id: line.price.id,
    quantity: line.quantity,
    proration: line.proration,
    tax_rate: "0",
    unit_totals: { subtotal: unit, discount: "0", tax: "0", total: unit },
    totals: { subtotal: total, discount: "0", tax: "0", total },
    product: line.product,
  };
}

function recurringLines(subscription: PaddleSubscription) {
  return subscription.items.map((item) => ({
    price: item.price,
    product: item.product,
    quantity: item.quantity,
    amount: BigInt(item.price.unit_price.amount) * BigInt(item.quantity),
    proration: null,
  }));
}

function previewData(plan: UpdatePlan) {
  const { after, currency } = plan;
  const money = amounts(plan);
  const recurring = recurringLines(after);
  const recurringTotal = recurring.reduce((sum, line) => sum + line.amount, 0n);
  const recurringDetails = {
    tax_rates_used: [],
    totals: totals(recurringTotal, 0n, 0n, currency),
    line_items: recurring.map(lineItem),
  };
  const hasBill = plan.charges.length > 0 || plan.credit > 0n;
  const immediate = plan.billNow && hasBill
    ? {
      billing_period: plan.charges[0]?.proration?.billing_period ?? after.current_billing_period,
      details: {
        tax_rates_used: [],
        totals: totals(money.charge, money.applied, money.toBalance, currency),
        line_items: plan.charges.map(lineItem),
      },
      adjustments: [],
    }
    : null;

  // At renewal: the recurring items, plus what a next-period change adds, less any credit.
  let next = null;
  if (after.next_billed_at !== null && after.status !== "canceled") {
    const deferred = plan.billNow ? [] : plan.charges;
    const subtotal = recurringTotal + deferred.reduce((sum, line) => sum + line.amount, 0n);
    const available = plan.billNow ? money.toBalance : plan.credit;
    const applied = available < subtotal ? available : subtotal;
    const start = new Date(after.next_billed_at);
    next = {
      billing_period: {
        starts_at: after.next_billed_at,
        ends_at: paddleTimestamp(addCycle(start, after.billing_cycle as Duration)),
      },
      details: {
        tax_rates_used: [],
        totals: totals(subtotal, applied, available - applied, currency),
        line_items: [...recurring, ...deferred].map(lineItem),
      },
      adjustments: [],
    };
  }
  const result = money.charge >= plan.credit
    ? { action: "charge", amount: (money.charge - plan.credit).toString() }
    : { action: "credit", amount: (plan.credit - money.charge).toString() };
  return {
    ...after,
    immediate_transaction: immediate,
    next_transaction: next,
    recurring_transaction_details: recurringDetails,
    update_summary: hasBill
      ? {
        credit: { amount: plan.credit.toString(), currency_code: currency },
        charge: { amount: money.charge.toString(), currency_code: currency },
        result: { ...result, currency_code: currency },
      }
      : null,
  };
}

function applyUpdate(plan: UpdatePlan, body: UpdateBody, context: SellingContext): Response {
  const { store, notify } = context;
  const money = amounts(plan);
  const stamp = paddleTimestamp(plan.now);
  let after = plan.after;
  if (plan.billNow && (plan.charges.length > 0 || plan.credit > 0n)) {
    if (money.charge > money.applied) {
      const limited = chargeLimit(store, plan.before.id, plan.now.getTime());
      if (limited) return paddleError(limited);
    }
    const bill = billTransaction(plan, money, stamp);
    store.transactions.upsert(bill);
    notify("transaction.created", bill);
    const due = BigInt(bill.details.totals.grand_total);
    if (due > 0n && store.cards.declines(plan.before.customer_id)) {
      const failed = withPayment(bill, "error", stamp, "past_due");
      notify("transaction.payment_failed", failed);
      if ((body.on_payment_failure ?? "prevent_change") === "prevent_change") {
        // Nothing is owed for a change that did not happen: the bill is canceled, not left open.
        const canceled = { ...failed, status: "canceled" as const, updated_at: stamp };
        store.transactions.upsert(canceled);
        notify("transaction.canceled", canceled);
        return paddleError("subscription_payment_declined");
      }
      store.transactions.upsert(failed);
      after = { ...after, status: "past_due" };
    } else {
      const completed = withPayment(bill, "captured", stamp, "completed");
      store.transactions.upsert(completed);
      notify("transaction.completed", completed);
    }
  }
  store.subscriptions.upsert(after);
  notify("subscription.updated", after);
  return json(200, { data: after, meta: meta() });
}

/**
 * Which of Paddle's per-subscription limits on immediate charges one more charge would break:
 * every charge this subscription's changes billed (paid or declined) in the last hour and day.
 */
function chargeLimit(store: EntityStore, subscriptionId: string, nowMs: number) {
  let hour = 0;
  let day = 0;
  for (const id of store.transactions.sortedIds()) {
    const bill = store.transactions.get(id)!;
    if (bill.origin !== "subscription_update" || bill.subscription_id !== subscriptionId) continue;
    if (BigInt(bill.details.totals.grand_total) === 0n) continue;
    const age = nowMs - Date.parse(bill.created_at);
    if (age < 3_600_000) hour++;
    if (age < 86_400_000) day++;
  }
  if (day >= IMMEDIATE_CHARGE_LIMITS.day) {
    return "subscription_immediate_charge_24_hour_limit_exceeded" as const;
  }
  if (hour >= IMMEDIATE_CHARGE_LIMITS.hour) {
    return "subscription_immediate_charge_hour_limit_exceeded" as const;
  }
  return null;
}

function billTransaction(plan: UpdatePlan, money: Amounts, stamp: string): PaddleTransaction {
  const lines = plan.charges.length > 0 ? plan.charges : recurringLines(plan.after);
  const base = transactionEntity({
    customerId: plan.before.customer_id,
    items: lines.map(({ price, product, quantity }) => ({ price, product, quantity })),
    customData: plan.after.custom_data,
    collectionMode: plan.before.collection_mode,
    checkoutBase: "https://localhost/",
    createdAt: stamp,
  });
  const lineItems = plan.charges.map(lineItem);
  const transactionTotals = totals(money.charge, money.applied, money.toBalance, plan.currency);
  return {
    ...base,
    status: "billed",
    origin: "subscription_update",
    subscription_id: plan.before.id,
    address_id: plan.before.address_id,
    billing_period: plan.charges[0]?.proration?.billing_period ?? plan.after.current_billing_period,
    items: plan.charges.map((line) => ({
      price_id: line.price.id,
      price: line.price,
      quantity: line.quantity,
      proration: line.proration,
    })),
    details: {
      ...base.details,
      totals: transactionTotals,
      adjusted_totals: transactionTotals,
      line_items: lineItems,
    },
    checkout: { url: null },
    billed_at: stamp,
  };
}

function withPayment(
  bill: PaddleTransaction,
  outcome: "captured" | "error",
  stamp: string,
  status: "completed" | "past_due",
): PaddleTransaction {
  const captured = outcome === "captured";
  return {
    ...bill,
    // `past_due` is Paddle's status for an automatically collected bill whose payment failed.
    status,
    invoice_id: captured ? newPaddleId("inv") : null,
    invoice_number: captured ? `LOCAL-${bill.id.slice(-8)}` : null,
    details: {
      ...bill.details,
      totals: {
        ...bill.details.totals,
        fee: captured ? "0" : null,
        earnings: captured ? bill.details.totals.grand_total : null,
      },
    },
    payments: [{
      payment_attempt_id: crypto.randomUUID(),
      stored_payment_method_id: crypto.randomUUID(),
      payment_method_id: newPaddleId("paymtd"),
      amount: bill.details.totals.grand_total,
      status: outcome,
      error_code: captured ? null : "declined",
      method_details: { type: "card", card: null },
      created_at: stamp,
      captured_at: captured ? stamp : null,
    }],
    updated_at: stamp,
  };
}

function meta() {
  return { request_id: crypto.randomUUID() };
}
