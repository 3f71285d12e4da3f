/**
 * `POST /functions/v1/customer-portal`: the caller's own Paddle customer portal URL, nothing else.
 *
 * Order matters and is the security model: the token is verified before anything else runs, the
 * customer id comes from the database row the token can see (never from the request), the
 * database is asked once, Paddle only when there is a customer (and, for a deep link, a
 * subscription of theirs), and only the one URL goes back. Every response, thrown exceptions
 * included, carries CORS headers so the browser can read the error, and an `X-Request-Id` that
 * matches the one JSON log line written for it.
 */
import { jsonResponse, retryAfterHeaders } from "../_shared/json_response.ts";
import { bearerToken, type LogDetail, type Outcome, refuse } from "../_shared/request_frame.ts";
import { logPaddleAttempts } from "../_shared/request_log.ts";
import { type Caller, handleUserRequest, type UserRouteDeps } from "../_shared/user_route.ts";
import type { LookupCustomer } from "./customer_lookup.ts";
import type { CreatePortalSession, PortalSession } from "./paddle_portal.ts";
import { MAX_BODY_BYTES, type PortalRequest, readPortalRequest } from "./request_body.ts";

export { bearerToken };

export const FUNCTION_NAME = "customer-portal";

export interface PortalDeps extends UserRouteDeps {
  lookupCustomer: LookupCustomer;
  createPortalSession: CreatePortalSession;
}

export function createHandler(deps: PortalDeps): (request: Request) => Promise<Response> {
  return (request) => handle(request, deps);
}

export function handle(request: Request, deps: PortalDeps): Promise<Response> {
  return handleUserRequest(FUNCTION_NAME, MAX_BODY_BYTES, request, deps, route);
}

async function route(
  request: Request,
  deps: PortalDeps,
  { token, userId }: Caller,
  detail: LogDetail,
): Promise<Outcome> {
  const body = await readPortalRequest(request);
  if (!body.ok) return refuse(body.code);
  const portalRequest = body.value;
  detail.target = portalRequest.target;
  const subscriptionId = portalRequest.target === "overview"
    ? undefined
    : portalRequest.subscriptionId;

  const lookup = await deps.lookupCustomer({ token, userId, subscriptionId });
  if (!lookup.ok) {
    detail.db_error_code = lookup.dbErrorCode;
    return refuse(lookup.code);
  }
  if (lookup.customer === null) return refuse("no_paddle_customer");
  const { customerId, subscriptionIds, mint } = lookup.customer;
  if (subscriptionId !== undefined && !subscriptionIds.includes(subscriptionId)) {
    return refuse("subscription_not_found");
  }
  // The slot was taken (or refused) by the lookup itself: over the limit, Paddle is not called.
  if (mint === null) {
    detail.db_error_code = "mint_missing";
    return refuse("misconfigured");
  }
  if (!mint.taken) {
    detail.mint_retry_after_seconds = mint.retryAfterSeconds;
    return refuse("too_many_requests", retryAfterHeaders(mint.retryAfterSeconds));
  }
  // For a deep link Paddle gets that one id: the caller asked about nothing else.
  const ids = subscriptionId === undefined ? subscriptionIds : [subscriptionId];
  detail.subscription_count = ids.length;

  const portal = await deps.createPortalSession({ customerId, subscriptionIds: ids });
  logPaddleAttempts(detail, portal);
  if (!portal.ok) {
    detail.paddle_error_code = portal.paddleErrorCode;
    return refuse(
      portal.code,
      portal.code === "rate_limited" ? retryAfterHeaders(portal.retryAfterSeconds) : undefined,
    );
  }

  const url = chooseUrl(portal.session, portalRequest);
  if (url === undefined) {
    detail.paddle_error_code = "deep_link_missing";
    return refuse("paddle_unavailable");
  }
  return { response: jsonResponse({ url }, 200), outcome: "ok" };
}

export function chooseUrl(session: PortalSession, request: PortalRequest): string | undefined {
  if (request.target === "overview") return session.overviewUrl;
  const links = session.subscriptions.find((s) => s.id === request.subscriptionId);
  if (links === undefined) return undefined;
  return request.target === "cancel_subscription" ? links.cancelUrl : links.updatePaymentMethodUrl;
}
