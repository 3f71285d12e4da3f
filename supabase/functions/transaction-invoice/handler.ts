/**
 * `POST /functions/v1/transaction-invoice`: a short-lived link to the invoice PDF of one of the
 * caller's own payments.
 *
 * Order is the security model: the token is verified before anything else; the body names a
 * transaction id only; one database round trip as the caller proves the transaction is theirs and
 * has an invoice, and takes a slot of the per-user limit, so another user's transaction (or one
 * with no invoice yet) costs no Paddle call; then one Paddle call for the link, which goes back
 * once with `no-store` and is never logged.
 */
import { jsonResponse, retryAfterHeaders } from "../_shared/json_response.ts";
import { type LogDetail, type Outcome, refuse } from "../_shared/request_frame.ts";
import { logPaddleAttempts } from "../_shared/request_log.ts";
import { type Caller, handleUserRequest, type UserRouteDeps } from "../_shared/user_route.ts";
import type { PrepareInvoice } from "./invoice_prepare.ts";
import type { GetInvoiceUrl } from "./paddle_invoice.ts";
import { MAX_BODY_BYTES, readInvoiceRequest } from "./request_body.ts";

export const FUNCTION_NAME = "transaction-invoice";

export interface InvoiceDeps extends UserRouteDeps {
  prepareInvoice: PrepareInvoice;
  getInvoiceUrl: GetInvoiceUrl;
}

export function createHandler(deps: InvoiceDeps): (request: Request) => Promise<Response> {
  return (request) => handle(request, deps);
}

export function handle(request: Request, deps: InvoiceDeps): Promise<Response> {
  return handleUserRequest(FUNCTION_NAME, MAX_BODY_BYTES, request, deps, route);
}

async function route(
  request: Request,
  deps: InvoiceDeps,
  { token }: Caller,
  detail: LogDetail,
): Promise<Outcome> {
  const body = await readInvoiceRequest(request);
  if (!body.ok) return refuse(body.code);
  // Not logged: like checkout's, a transaction id is kept out of logs (docs/security.md).
  const { transactionId } = body.value;

  const prepared = await deps.prepareInvoice({ token, transactionId });
  if (!prepared.ok) {
    detail.db_error_code = prepared.dbErrorCode;
    return refuse(prepared.code);
  }
  if (prepared.outcome === "invoice_not_available") {
    detail.txn_status = prepared.status;
    return refuse(prepared.outcome);
  }
  if (prepared.outcome !== "ready") return refuse(prepared.outcome);
  if (!prepared.mint.taken) {
    detail.mint_retry_after_seconds = prepared.mint.retryAfterSeconds;
    return refuse("too_many_requests", retryAfterHeaders(prepared.mint.retryAfterSeconds));
  }

  const invoice = await deps.getInvoiceUrl(transactionId);
  logPaddleAttempts(detail, invoice);
  if (!invoice.ok) {
    detail.paddle_error_code = invoice.paddleErrorCode;
    return refuse(
      invoice.code,
      invoice.code === "rate_limited" ? retryAfterHeaders(invoice.retryAfterSeconds) : undefined,
    );
  }
  return { response: jsonResponse({ url: invoice.url }, 200), outcome: "ok" };
}
