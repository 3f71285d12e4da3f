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
import type { AllowedOrigins } from "../_shared/cors.ts";
import { declaredTooLarge } from "../_shared/bounded_body.ts";
import { jsonResponse, retryAfterHeaders } from "../_shared/json_response.ts";
import type { LogSink } from "../_shared/request_log.ts";
import {
  bearerToken,
  framed,
  type LogDetail,
  type Outcome,
  refuse,
} from "../_shared/request_frame.ts";
import type { VerifyToken } from "../_shared/verify_user_token.ts";
import type { LookupCustomer } from "./customer_lookup.ts";
import type { CreatePortalSession, PortalSession } from "./paddle_portal.ts";
import { MAX_BODY_BYTES, type PortalRequest, readPortalRequest } from "./request_body.ts";

export { bearerToken };

export const FUNCTION_NAME = "customer-portal";

export interface PortalDeps {
  config: { allowedOrigins: AllowedOrigins };
  /** Set when configuration failed at start; every request is then answered `misconfigured`. */
  startupError?: string;
  verifyToken: VerifyToken;
  lookupCustomer: LookupCustomer;
  createPortalSession: CreatePortalSession;
  /**
   * Starts loading what a POST needs, in the background. Called once a preflight's answer is
   * ready (so the load overlaps the browser's round trip) and when a POST arrives.
   */
  warm?: () => void;
  log: LogSink;
  now: () => number;
  requestId: () => string;
}

export function createHandler(deps: PortalDeps): (request: Request) => Promise<Response> {
  return (request) => handle(request, deps);
}

export async function handle(request: Request, deps: PortalDeps): Promise<Response> {
  const response = await framed(
    FUNCTION_NAME,
    request,
    deps,
    (detail) => route(request, deps, detail),
  );
  if (request.method === "OPTIONS") deps.warm?.();
  return response;
}

async function route(request: Request, deps: PortalDeps, detail: LogDetail): Promise<Outcome> {
  if (request.method === "OPTIONS") {
    return { response: new Response(null, { status: 204 }), outcome: "preflight" };
  }
  if (request.method !== "POST") return refuse("method_not_allowed", { Allow: "POST, OPTIONS" });
  if (deps.startupError !== undefined) return refuse("misconfigured");
  deps.warm?.();
  if (declaredTooLarge(request, MAX_BODY_BYTES)) return refuse("payload_too_large");

  const token = bearerToken(request.headers.get("authorization"));
  if (token === null) {
    detail.auth_failure = "missing_token";
    return refuse("not_authenticated");
  }
  const verified = await deps.verifyToken(token);
  if (!verified.ok) {
    detail.auth_failure = verified.reason;
    return refuse("not_authenticated");
  }

  const body = await readPortalRequest(request);
  if (!body.ok) return refuse(body.code);
  const portalRequest = body.value;
  detail.target = portalRequest.target;
  const subscriptionId = portalRequest.target === "overview"
    ? undefined
    : portalRequest.subscriptionId;

  const lookup = await deps.lookupCustomer({ token, userId: verified.userId, subscriptionId });
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
  detail.paddle_transaction_ids = portal.transactionIds;
  detail.paddle_attempts = portal.attempts;
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
