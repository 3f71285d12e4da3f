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
import { jsonResponse, retryAfterHeaders } from "../_shared/json_response.ts";
import type { PaddleCallFailure } from "../_shared/paddle_call.ts";
import { type LogDetail, type Outcome, refuse } from "../_shared/request_frame.ts";
import { type Caller, handleUserRequest, type UserRouteDeps } from "../_shared/user_route.ts";
import type { PrepareCheckout } from "./checkout_prepare.ts";
import type { LinkCustomer } from "./link_customer.ts";
import type { CreateTransaction, FindOrCreateCustomer } from "./paddle_checkout.ts";
import { MAX_BODY_BYTES, readCheckoutRequest } from "./request_body.ts";

export const FUNCTION_NAME = "checkout";

export interface CheckoutDeps extends UserRouteDeps {
  prepareCheckout: PrepareCheckout;
  findOrCreateCustomer: FindOrCreateCustomer;
  linkCustomer: LinkCustomer;
  createTransaction: CreateTransaction;
}

export function createHandler(deps: CheckoutDeps): (request: Request) => Promise<Response> {
  return (request) => handle(request, deps);
}

export function handle(request: Request, deps: CheckoutDeps): Promise<Response> {
  return handleUserRequest(FUNCTION_NAME, MAX_BODY_BYTES, request, deps, route);
}

async function route(
  request: Request,
  deps: CheckoutDeps,
  { token, userId }: Caller,
  detail: LogDetail,
): Promise<Outcome> {
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
