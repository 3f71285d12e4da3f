/**
 * subscription-update's Paddle calls, through the official SDK and the shared deadline-and-single-
 * retry wrapper (`_shared/paddle_call.ts`): `PATCH /subscriptions/{id}/preview` for a preview and
 * `PATCH /subscriptions/{id}` to apply, with the very same body (`changeBody`), and
 * `PATCH /subscriptions/{id}` with `scheduled_change: null` to keep a subscription that was
 * going to cancel. Every amount goes back as Paddle computed it (minor-unit strings); every answer
 * is checked before it is used.
 *
 * Calls that change a subscription are not retried: `paddle_call` retries only failures where
 * Paddle answered nothing usable, and a change Paddle applied but could not report must not be
 * charged twice. So apply and keep use a call with retries off.
 */
import type {
  Subscription,
  SubscriptionPreview,
  UpdateSubscriptionRequestBody,
} from "@paddle/paddle-node-sdk";
import {
  type Checked,
  createPaddleCall,
  type PaddleAttempts,
  type PaddleCallFailure,
  type PaddleCallOptions,
} from "../_shared/paddle_call.ts";
import { type ApiJson, subscriptionToApiJson } from "../_shared/paddle_sync/to_api_json.ts";
import type { ProrationBillingMode } from "./proration.ts";
import type { Item } from "./request_body.ts";

type Attempts = PaddleAttempts;

export interface PreviewAnswer {
  prorationBillingMode: ProrationBillingMode;
  currencyCode: string;
  /** What Paddle charges today (`immediate_transaction` grand total), "0" when nothing. */
  dueNow: string;
  /** The credit Paddle gives for the unused part of today's items (`update_summary.credit`). */
  credit: string;
  nextBilledAt: string | null;
  /** The recurring total from the next billing date (`recurring_transaction_details`). */
  nextTotal: string;
  billingCycle: { interval: string; frequency: number };
  items: Item[];
}

export interface SubscriptionAnswer {
  subscriptionId: string;
  status: string;
  items: Item[];
  nextBilledAt: string | null;
  scheduledChange: { action: string; effectiveAt: string } | null;
  billingCycle: { interval: string; frequency: number };
}

export type PreviewResult = Attempts & ({ ok: true; preview: PreviewAnswer } | PaddleCallFailure);
export type ChangeResult =
  & Attempts
  & ({ ok: true; subscription: SubscriptionAnswer; apiJson: ApiJson } | PaddleCallFailure);

export interface ChangeInput {
  subscriptionId: string;
  items: Item[];
  prorationBillingMode: ProrationBillingMode;
}

export type PreviewChange = (input: ChangeInput) => Promise<PreviewResult>;
export type ApplyChange = (input: ChangeInput) => Promise<ChangeResult>;
export type KeepSubscription = (subscriptionId: string) => Promise<ChangeResult>;

/** The one body preview and apply both send: Paddle's preview is then exactly what apply does. */
export function changeBody(input: ChangeInput): UpdateSubscriptionRequestBody {
  return {
    items: input.items.map((item) => ({ priceId: item.priceId, quantity: item.quantity })),
    prorationBillingMode: input.prorationBillingMode,
    // A declined charge leaves the subscription as it was, and the caller is told (402).
    onPaymentFailure: "prevent_change",
  };
}

const AMOUNT = /^\d+$/;

export function createPaddleUpdate(options: PaddleCallOptions): {
  previewChange: PreviewChange;
  applyChange: ApplyChange;
  keepSubscription: KeepSubscription;
} {
  const call = createPaddleCall(options);
  const once = createPaddleCall({ ...options, retries: 0 });

  async function previewChange(input: ChangeInput): Promise<PreviewResult> {
    const result = await call(
      (paddle) => paddle.subscriptions.previewUpdate(input.subscriptionId, changeBody(input)),
      (preview: SubscriptionPreview) => checkPreview(preview, input),
    );
    return result.ok ? { ...result, preview: result.value } : result;
  }

  async function applyChange(input: ChangeInput): Promise<ChangeResult> {
    const result = await once(
      (paddle) => paddle.subscriptions.update(input.subscriptionId, changeBody(input)),
      (subscription: Subscription) => checkSubscription(subscription, input.subscriptionId),
    );
    return result.ok ? { ...result, ...result.value } : result;
  }

  async function keepSubscription(subscriptionId: string): Promise<ChangeResult> {
    const result = await once(
      (paddle) => paddle.subscriptions.update(subscriptionId, { scheduledChange: null }),
      (subscription: Subscription) => checkSubscription(subscription, subscriptionId),
    );
    return result.ok ? { ...result, ...result.value } : result;
  }

  return { previewChange, applyChange, keepSubscription };
}

function sameItems(a: Item[], b: Item[]): boolean {
  const key = (items: Item[]) => items.map((i) => `${i.priceId}×${i.quantity}`).sort().join(",");
  return key(a) === key(b);
}

function itemsOf(items: { price: { id: string }; quantity: number }[]): Item[] {
  return items.map((item) => ({ priceId: item.price.id, quantity: item.quantity }));
}

export function checkPreview(
  preview: SubscriptionPreview,
  input: ChangeInput,
): Checked<PreviewAnswer> {
  const items = Array.isArray(preview?.items) ? itemsOf(preview.items) : [];
  const dueNow = preview?.immediateTransaction?.details?.totals?.grandTotal ?? "0";
  const credit = preview?.updateSummary?.credit?.amount ?? "0";
  const nextTotal = preview?.recurringTransactionDetails?.totals?.total;
  const cycle = preview?.billingCycle;
  // A preview of other items, or amounts that are not Paddle's digit strings, is not an answer.
  if (
    !sameItems(items, input.items) || typeof nextTotal !== "string" || !AMOUNT.test(nextTotal) ||
    !AMOUNT.test(dueNow) || !AMOUNT.test(credit) || !cycle
  ) {
    return { ok: false, paddleErrorCode: "bad_response" };
  }
  return {
    ok: true,
    value: {
      prorationBillingMode: input.prorationBillingMode,
      currencyCode: preview.currencyCode,
      dueNow,
      credit,
      nextBilledAt: preview.nextBilledAt ?? null,
      nextTotal,
      billingCycle: { interval: cycle.interval, frequency: cycle.frequency },
      items,
    },
  };
}

export function checkSubscription(
  subscription: Subscription,
  subscriptionId: string,
): Checked<{ subscription: SubscriptionAnswer; apiJson: ApiJson }> {
  if (subscription?.id !== subscriptionId || !Array.isArray(subscription.items)) {
    return { ok: false, paddleErrorCode: "bad_response" };
  }
  const change = subscription.scheduledChange;
  return {
    ok: true,
    value: {
      subscription: {
        subscriptionId: subscription.id,
        status: subscription.status,
        items: itemsOf(subscription.items),
        nextBilledAt: subscription.nextBilledAt ?? null,
        scheduledChange: change ? { action: change.action, effectiveAt: change.effectiveAt } : null,
        billingCycle: {
          interval: subscription.billingCycle.interval,
          frequency: subscription.billingCycle.frequency,
        },
      },
      apiJson: subscriptionToApiJson(subscription),
    },
  };
}
