/**
 * `POST /functions/v1/checkout`: a Paddle checkout URL locked to the caller's own customer.
 *
 * Order matters and is the security model (docs/security.md, "Checkout"): the token is verified
 * before anything else runs; the body names a price and a quantity only; one database round trip
 * (as the caller) answers every refusal and takes a mint slot, so a refusal makes no Paddle call
 * and writes nothing; the customer is the caller's linked one, or one created or found in Paddle
 * for the email Auth has confirmed and linked (service role, the webhook's rule) before the
 * transaction exists; only the transaction's checkout URL goes back, and it is never logged.
 */
import type { AllowedOrigins } from "../_shared/cors.ts";
import { declaredTooLarge } from "../_shared/bounded_body.ts";
import { jsonResponse, retryAfterHeaders } from "../_shared/json_response.ts";
import type { PaddleCallFailure } from "../_shared/paddle_call.ts";
import type { LogSink } from "../_shared/request_log.ts";
import {
  bearerToken,
  framed,
  type LogDetail,
  type Outcome,
  refuse,
} from "../_shared/request_frame.ts";
import type { VerifyToken } from "../_shared/verify_user_token.ts";
import type { PrepareCheckout } from "./checkout_prepare.ts";
import type { LinkCustomer } from "./link_customer.ts";
import type { CreateTransaction, FindOrCreateCustomer } from "./paddle_checkout.ts";
import { MAX_BODY_BYTES, readCheckoutRequest } from "./request_body.ts";

export const FUNCTION_NAME = "checkout";

export interface CheckoutDeps {
  config: { allowedOrigins: AllowedOrigins };
  /** Set when configuration failed at start; every request is then answered `misconfigured`. */
  startupError?: string;
  verifyToken: VerifyToken;
  prepareCheckout: PrepareCheckout;
  findOrCreateCustomer: FindOrCreateCustomer;
  linkCustomer: LinkCustomer;
  createTransaction: CreateTransaction;
  /** Starts loading what a POST needs, in the background (see customer-portal's handler). */
  warm?: () => void;
  log: LogSink;
  now: () => number;
  requestId: () => string;
}

export function createHandler(deps: CheckoutDeps): (request: Request) => Promise<Response> {
  return (request) => handle(request, deps);
}

export async function handle(request: Request, deps: CheckoutDeps): Promise<Response> {
  const response = await framed(
    FUNCTION_NAME,
    request,
    deps,
    (detail) => route(request, deps, detail),
  );
  if (request.method === "OPTIONS") deps.warm?.();
  return response;
}

async function route(request: Request, deps: CheckoutDeps, detail: LogDetail): Promise<Outcome> {
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
  const userId = verified.userId;

  const body = await readCheckoutRequest(request);
  if (!body.ok) return refuse(body.code);
  const { priceId, quantity } = body.value;
  detail.price_id = priceId;
  detail.quantity = quantity;

  const prepared = await deps.prepareCheckout({ token, userId, priceId, quantity });
  if (!prepared.ok) {
    detail.db_error_code = prepared.dbErrorCode;
    return refuse(prepared.code);
  }
  if (prepared.outcome !== "ready") return refuse(prepared.outcome);
  if (!prepared.mint.taken) {
    detail.mint_retry_after_seconds = prepared.mint.retryAfterSeconds;
    return refuse("too_many_requests", retryAfterHeaders(prepared.mint.retryAfterSeconds));
  }

  const paddleLog = { transactionIds: [] as string[], attempts: 0 };
  const noteAttempts = (step: { transactionIds: string[]; attempts: number }) => {
    paddleLog.transactionIds.push(...step.transactionIds);
    paddleLog.attempts += step.attempts;
    detail.paddle_transaction_ids = paddleLog.transactionIds;
    detail.paddle_attempts = paddleLog.attempts;
  };

  let customerId: string;
  if ("customerId" in prepared.buyer) {
    customerId = prepared.buyer.customerId;
    detail.customer_source = "linked";
  } else {
    const found = await deps.findOrCreateCustomer(prepared.buyer.email);
    noteAttempts(found);
    if (!found.ok) return paddleRefusal(found, detail);
    detail.customer_source = found.source;
    const linked = await deps.linkCustomer({ userId, customer: found.customer });
    if (!linked.ok) {
      detail.db_error_code = linked.dbErrorCode;
      return refuse(linked.code);
    }
    if (linked.outcome === "conflict") return refuse("customer_conflict");
    customerId = linked.customerId;
  }

  const transaction = await deps.createTransaction({ customerId, priceId, quantity, userId });
  noteAttempts(transaction);
  if (!transaction.ok) return paddleRefusal(transaction, detail);
  return { response: jsonResponse({ url: transaction.url }, 200), outcome: "ok" };
}

function paddleRefusal(failure: PaddleCallFailure, detail: LogDetail): Outcome {
  detail.paddle_error_code = failure.paddleErrorCode;
  return refuse(
    failure.code,
    failure.code === "rate_limited" ? retryAfterHeaders(failure.retryAfterSeconds) : undefined,
  );
}
