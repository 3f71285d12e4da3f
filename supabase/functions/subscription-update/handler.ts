/**
 * `POST /functions/v1/subscription-update`: preview, apply or keep a change to the caller's own
 * subscription, in Paddle's terms and with Paddle's own numbers.
 *
 * Order is the security model: the token is verified first; the body names a subscription, an
 * action and the whole new item list, nothing else; one database round trip as the caller
 * (`subscription_update_prepare`) answers every refusal and takes a mint slot, so a refusal makes
 * no Paddle call and writes nothing; the proration is the server's rule (`proration.ts`); preview
 * and apply send Paddle the same body; after apply and keep, Paddle's answer is written to the
 * mirror through the one write path, so the page shows it at once.
 *
 * Round trips: preview = 1 RPC + 1 Paddle call; apply and keep = 1 RPC + 1 Paddle call + 1 write.
 */
import { jsonResponse, retryAfterHeaders } from "../_shared/json_response.ts";
import type { PaddleCallFailure } from "../_shared/paddle_call.ts";
import { type LogDetail, type Outcome, refuse } from "../_shared/request_frame.ts";
import { logPaddleAttempts } from "../_shared/request_log.ts";
import { type Caller, handleUserRequest, type UserRouteDeps } from "../_shared/user_route.ts";
import type { ErrorCode } from "../_shared/http_errors.ts";
import type {
  ApplyChange,
  ChangeResult,
  KeepSubscription,
  PreviewChange,
} from "./paddle_update.ts";
import { chooseProration } from "./proration.ts";
import type { RecordUpdate } from "./record_update.ts";
import { MAX_BODY_BYTES, readUpdateRequest } from "./request_body.ts";
import type { PrepareUpdate } from "./update_prepare.ts";

export const FUNCTION_NAME = "subscription-update";

/** When Paddle reports its renewal lock, how long to wait before trying again. */
export const RENEWAL_LOCK_RETRY_SECONDS = 1800;

export interface SubscriptionUpdateDeps extends UserRouteDeps {
  prepareUpdate: PrepareUpdate;
  previewChange: PreviewChange;
  applyChange: ApplyChange;
  keepSubscription: KeepSubscription;
  recordUpdate: RecordUpdate;
}

export function createHandler(
  deps: SubscriptionUpdateDeps,
): (request: Request) => Promise<Response> {
  return (request) => handle(request, deps);
}

export function handle(request: Request, deps: SubscriptionUpdateDeps): Promise<Response> {
  return handleUserRequest(FUNCTION_NAME, MAX_BODY_BYTES, request, deps, route);
}

async function route(
  request: Request,
  deps: SubscriptionUpdateDeps,
  { token, userId }: Caller,
  detail: LogDetail,
): Promise<Outcome> {
  const body = await readUpdateRequest(request);
  if (!body.ok) return refuse(body.code);
  const req = body.value;
  detail.subscription_id = req.subscriptionId;
  detail.update_action = req.action;

  const prepared = await deps.prepareUpdate({
    token,
    userId,
    subscriptionId: req.subscriptionId,
    action: req.action,
    items: req.action === "keep" ? null : req.items,
  });
  if (!prepared.ok) {
    detail.db_error_code = prepared.dbErrorCode;
    return refuse(prepared.code);
  }
  if (prepared.outcome === "renewal_too_close") {
    return refuse("renewal_too_close", retryAfterHeaders(prepared.retryAfterSeconds));
  }
  if (prepared.outcome !== "ready") return refuse(prepared.outcome);
  if (!prepared.mint.taken) {
    detail.mint_retry_after_seconds = prepared.mint.retryAfterSeconds;
    return refuse("too_many_requests", retryAfterHeaders(prepared.mint.retryAfterSeconds));
  }

  if (req.action === "keep") {
    const kept = await deps.keepSubscription(req.subscriptionId);
    return await recorded(kept, deps, userId, detail);
  }

  const prorationBillingMode = chooseProration(prepared.facts);
  detail.proration_billing_mode = prorationBillingMode;
  const change = { subscriptionId: req.subscriptionId, items: req.items, prorationBillingMode };
  if (req.action === "preview") {
    const previewed = await deps.previewChange(change);
    logPaddleAttempts(detail, previewed);
    if (!previewed.ok) return paddleRefusal(previewed, detail);
    return { response: jsonResponse({ preview: previewed.preview }, 200), outcome: "ok" };
  }
  const applied = await deps.applyChange(change);
  return await recorded(applied, deps, userId, detail);
}

/** Paddle applied it: store its answer (newest-wins) and hand the caller the new subscription. */
async function recorded(
  result: ChangeResult,
  deps: SubscriptionUpdateDeps,
  userId: string,
  detail: LogDetail,
): Promise<Outcome> {
  logPaddleAttempts(detail, result);
  if (!result.ok) return paddleRefusal(result, detail);
  const stored = await deps.recordUpdate({ userId, subscription: result.apiJson });
  if (stored.ok) detail.mirror_written = stored.written;
  // Paddle has made the change whatever the mirror says; the webhook brings the mirror up to date,
  // so a failed write is logged and the caller still learns what Paddle did.
  else detail.db_error_code = stored.dbErrorCode;
  return {
    response: jsonResponse({ subscription: result.subscription }, 200),
    outcome: "ok",
  };
}

/**
 * Paddle's limits on immediate charges per subscription (20 an hour, 100 a day), as 429
 * `too_many_requests` with the wait until the window has room again, at the longest.
 */
const CHARGE_LIMITS: Record<string, number> = {
  subscription_immediate_charge_hour_limit_exceeded: 3600,
  subscription_immediate_charge_24_hour_limit_exceeded: 86_400,
};

/** Paddle's refusals, in our codes; anything unexpected stays the generic upstream failure. */
const PADDLE_REFUSALS: Record<string, ErrorCode> = {
  subscription_payment_declined: "payment_declined",
  subscription_locked_renewal: "renewal_too_close",
  subscription_locked_processing: "renewal_too_close",
  subscription_update_when_past_due: "subscription_not_changeable",
  subscription_update_when_canceled: "subscription_not_changeable",
  subscription_update_error_when_paused: "subscription_not_changeable",
  subscription_is_inactive_action_invalid: "subscription_not_changeable",
  subscription_price_not_found: "price_not_found",
  subscription_new_items_not_valid: "invalid_items",
  not_found: "subscription_not_found",
};

function paddleRefusal(failure: PaddleCallFailure, detail: LogDetail): Outcome {
  detail.paddle_error_code = failure.paddleErrorCode;
  const mapped = failure.code === "paddle_unavailable" && failure.paddleErrorCode
    ? PADDLE_REFUSALS[failure.paddleErrorCode]
    : undefined;
  const limitSeconds = failure.paddleErrorCode ? CHARGE_LIMITS[failure.paddleErrorCode] : undefined;
  if (failure.code === "paddle_unavailable" && limitSeconds !== undefined) {
    return refuse("too_many_requests", retryAfterHeaders(limitSeconds));
  }
  if (mapped === "renewal_too_close") {
    return refuse(mapped, retryAfterHeaders(RENEWAL_LOCK_RETRY_SECONDS));
  }
  if (mapped) return refuse(mapped);
  return refuse(
    failure.code,
    failure.code === "rate_limited" ? retryAfterHeaders(failure.retryAfterSeconds) : undefined,
  );
}
