/**
 * `POST /functions/v1/checkout`: a Paddle checkout URL locked to the caller's own customer.
 *
 * Order matters and is the security model (docs/security.md, "Checkout"): the token is verified
 * before anything else runs; the body names a plan's price, add-ons and quantities only; one
 * database round trip (as the caller) answers every refusal, takes a mint slot and claims the
 * caller's one open checkout, so a refusal makes no Paddle call and writes nothing; the customer
 * is the caller's linked one, or one created or found in Paddle for the email Auth has confirmed
 * and linked (service role, the webhook's rule) before the transaction exists; a `country` in the
 * body gets an address there on that same customer (found or created), so Paddle prices the
 * transaction for the country the page showed (it never picks the customer; where Paddle wants a
 * postal code beside the country, it prices by IP as without one); the open
 * transaction for other items is canceled before a new one is created, and the claim settled
 * (open_checkout.ts); only the transaction's checkout URL goes back, and it is never logged.
 */
import { jsonResponse, retryAfterHeaders } from "../_shared/json_response.ts";
import type { PaddleAttempts, PaddleCallFailure } from "../_shared/paddle_call.ts";
import { type LogDetail, type Outcome, refuse } from "../_shared/request_frame.ts";
import { logPaddleAttempts } from "../_shared/request_log.ts";
import { type Caller, handleUserRequest, type UserRouteDeps } from "../_shared/user_route.ts";
import type { PrepareCheckout } from "./checkout_prepare.ts";
import type { LinkCustomer } from "./link_customer.ts";
import type { ClaimCheckout, OpenCheckout, SettleCheckout, SettleInput } from "./open_checkout.ts";
import type {
  AddressInCountry,
  CancelTransaction,
  CreateTransaction,
  FindOrCreateCustomer,
} from "./paddle_checkout.ts";
import { MAX_BODY_BYTES, readCheckoutRequest } from "./request_body.ts";

export const FUNCTION_NAME = "checkout";

export interface CheckoutDeps extends UserRouteDeps {
  prepareCheckout: PrepareCheckout;
  findOrCreateCustomer: FindOrCreateCustomer;
  linkCustomer: LinkCustomer;
  addressInCountry: AddressInCountry;
  createTransaction: CreateTransaction;
  cancelTransaction: CancelTransaction;
  claimCheckout: ClaimCheckout;
  settleCheckout: SettleCheckout;
  /** Pauses while another request of the same user holds the open checkout's claim. */
  sleep: (ms: number) => Promise<void>;
}

/** How long a request waits for another one of the same user's before answering busy. */
export const MAX_WAIT_MS = 10_000;

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
  const { priceId, quantity, addons, country } = body.value;
  detail.price_id = priceId;
  detail.quantity = quantity;
  detail.addon_count = addons.length;
  if (country) detail.country = country;

  const prepared = await deps.prepareCheckout({
    token,
    userId,
    priceId,
    quantity,
    addons,
    ...(country ? { country } : {}),
  });
  if (!prepared.ok) {
    detail.db_error_code = prepared.dbErrorCode;
    return refuse(prepared.code);
  }
  if (prepared.outcome !== "ready") return refuse(prepared.outcome);
  if (!prepared.mint.taken || !prepared.checkout) {
    const retryAfter = prepared.mint.taken ? 1 : prepared.mint.retryAfterSeconds;
    detail.mint_retry_after_seconds = retryAfter;
    return refuse("too_many_requests", retryAfterHeaders(retryAfter));
  }

  // Another request of this user's holds the claim: wait for its answer, then decide again.
  let open: OpenCheckout = prepared.checkout;
  for (let waited = 0; open.action === "wait";) {
    if (waited >= MAX_WAIT_MS) {
      detail.open_checkout = "busy";
      return refuse("checkout_in_progress", retryAfterHeaders(1));
    }
    const pause = Math.min(open.retryAfterMs, MAX_WAIT_MS - waited);
    await deps.sleep(pause);
    waited += pause;
    const again = await deps.claimCheckout({ token, itemsKey: prepared.itemsKey });
    if (!again.ok) {
      detail.db_error_code = again.dbErrorCode;
      return refuse(again.code);
    }
    open = again.checkout;
  }
  if (open.action === "reuse") {
    detail.open_checkout = "reused";
    return { response: jsonResponse({ url: open.url }, 200), outcome: "ok" };
  }
  const { claim, cancelTransactionId } = open;

  const paddleLog: PaddleAttempts = { transactionIds: [], attempts: 0 };
  const noteAttempts = (step: PaddleAttempts) => {
    paddleLog.transactionIds.push(...step.transactionIds);
    paddleLog.attempts += step.attempts;
    logPaddleAttempts(detail, paddleLog);
  };
  // Every exit after the claim settles it, so the next request does not wait for the lease.
  let previousCanceled = false;
  const settle = async (opened?: SettleInput["opened"]) => {
    const settled = await deps.settleCheckout({ userId, claim, opened, previousCanceled });
    if (!settled.ok) detail.db_error_code = settled.dbErrorCode;
    return settled;
  };
  const release = async (outcome: Outcome) => (await settle(), outcome);

  let customerId: string;
  if ("customerId" in prepared.buyer) {
    customerId = prepared.buyer.customerId;
    detail.customer_source = "linked";
  } else {
    const found = await deps.findOrCreateCustomer(prepared.buyer.email);
    noteAttempts(found);
    if (!found.ok) return release(paddleRefusal(found, detail));
    detail.customer_source = found.source;
    const linked = await deps.linkCustomer({ userId, customer: found.customer });
    if (!linked.ok) {
      detail.db_error_code = linked.dbErrorCode;
      return release(refuse(linked.code));
    }
    if (linked.outcome === "conflict") return release(refuse("customer_conflict"));
    customerId = linked.customerId;
  }

  // Before the cancel: a country Paddle cannot take leaves the open checkout as it was.
  let addressId: string | undefined;
  if (country) {
    const address = await deps.addressInCountry({ customerId, country });
    noteAttempts(address);
    if (!address.ok) return release(paddleRefusal(address, detail));
    detail.address_source = address.source;
    addressId = address.addressId ?? undefined;
  }

  if (cancelTransactionId !== null) {
    const canceled = await deps.cancelTransaction({
      transactionId: cancelTransactionId,
      customerId,
    });
    noteAttempts(canceled);
    if (!canceled.ok) return release(paddleRefusal(canceled, detail));
    previousCanceled = true;
    // Paid meanwhile (its webhook has not landed yet): the buyer is subscribing already.
    if (canceled.outcome === "paid") return release(refuse("already_subscribed"));
  }

  const transaction = await deps.createTransaction({
    customerId,
    items: prepared.items,
    userId,
    ...(addressId ? { addressId } : {}),
  });
  noteAttempts(transaction);
  if (!transaction.ok) return release(paddleRefusal(transaction, detail));
  const opened = { transactionId: transaction.transactionId, url: transaction.url };
  const settled = await settle(opened);
  if (settled.ok && settled.outcome === "settled") {
    detail.open_checkout = cancelTransactionId === null ? "created" : "replaced";
    return { response: jsonResponse({ url: transaction.url }, 200), outcome: "ok" };
  }
  // Not recorded (the lease ran out and another request took over, or the database failed): a
  // transaction nobody tracks must not stay payable.
  const undo = await deps.cancelTransaction({ transactionId: opened.transactionId, customerId });
  noteAttempts(undo);
  if (!settled.ok) return refuse(settled.code);
  detail.open_checkout = "lost";
  return refuse("checkout_in_progress", retryAfterHeaders(1));
}

function paddleRefusal(failure: PaddleCallFailure, detail: LogDetail): Outcome {
  detail.paddle_error_code = failure.paddleErrorCode;
  return refuse(
    failure.code,
    failure.code === "rate_limited" ? retryAfterHeaders(failure.retryAfterSeconds) : undefined,
  );
}
