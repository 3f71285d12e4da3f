/**
 * `GET /transactions/{id}/invoice` (https://developer.paddle.com/api-reference/transactions/
 * get-invoice-pdf): a link to the transaction's invoice PDF that expires after an hour of
 * simulated time, and the PDF itself behind that link (`GET /invoices/<token>.pdf`, not an API
 * route: like Paddle's file host it needs no key, and it is not recorded or faulted).
 *
 * Paddle makes the PDF for a completed transaction, and for a billed one when it is collected
 * manually; never for a zero-value one. Anything else is refused with Paddle's shared
 * `bad_request` and a detail saying why (Paddle's own code for this refusal is not in its
 * public error reference, so no entity-specific code is invented here).
 */

import { paddleError } from "./errors.ts";
import { TRANSACTION_ID } from "./ids.ts";
import { invoicePdf } from "./invoice_pdf.ts";
import { decodeSegment } from "./listing.ts";
import type { EntityStore } from "./store.ts";
import type { PaddleTransaction } from "./transactions.ts";

/** Paddle's invoice links expire after an hour. */
export const INVOICE_LINK_TTL_MS = 60 * 60 * 1000;
const CAPACITY = 10_000;

const INVOICE_PATH = /^\/transactions\/([^/]*)\/invoice$/;
const PDF_PATH = /^\/invoices\/([a-f0-9]{32})\.pdf$/;

type Disposition = "attachment" | "inline";

interface InvoiceLink {
  transactionId: string;
  disposition: Disposition;
  expiresAtMs: number;
}

export class InvoiceLinks {
  readonly #links = new Map<string, InvoiceLink>();

  mint(baseUrl: string, link: InvoiceLink): string {
    const token = Array.from(
      crypto.getRandomValues(new Uint8Array(16)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    this.#links.set(token, link);
    // Bounds memory under benchmarks: the oldest links are forgotten and then read as expired.
    if (this.#links.size > CAPACITY) this.#links.delete(this.#links.keys().next().value!);
    return `${baseUrl}/invoices/${token}.pdf`;
  }

  get(token: string): InvoiceLink | undefined {
    return this.#links.get(token);
  }
}

export interface InvoiceContext {
  store: EntityStore;
  invoices: InvoiceLinks;
  baseUrl: string;
}

/** Whether Paddle would make an invoice PDF for this transaction, and if not, why. */
export function invoiceRefusal(transaction: PaddleTransaction): string | null {
  const { status, collection_mode: mode } = transaction;
  if (!(status === "completed" || (status === "billed" && mode === "manual"))) {
    return `Invoice PDFs are available for completed transactions (and billed ones when collected manually); this transaction is ${status}.`;
  }
  if (BigInt(transaction.details.totals.grand_total) === 0n) {
    return "Invoice PDFs aren't available for zero-value transactions.";
  }
  return null;
}

/** Answers `GET /transactions/{id}/invoice`, or null for any other path. Auth is checked. */
export function handleTransactionInvoiceRequest(
  request: Request,
  url: URL,
  context: InvoiceContext,
): Response | null {
  const route = INVOICE_PATH.exec(url.pathname);
  if (!route) return null;
  if (request.method !== "GET") {
    return paddleError("method_not_allowed", { headers: { allow: "GET" } });
  }
  const disposition = url.searchParams.get("disposition") ?? "attachment";
  if (disposition !== "attachment" && disposition !== "inline") {
    return paddleError("invalid_field", {
      errors: [{ field: "disposition", message: "must be one of attachment, inline" }],
    });
  }
  const id = decodeSegment(route[1]);
  const transaction = TRANSACTION_ID.test(id) ? context.store.transactions.get(id) : undefined;
  if (!transaction) return paddleError("not_found", { detail: `Entity ${id} not found` });
  const refusal = invoiceRefusal(transaction);
  if (refusal) return paddleError("bad_request", { detail: refusal });
  const link = context.invoices.mint(context.baseUrl, {
    transactionId: id,
    disposition,
    expiresAtMs: context.store.clock.nowMs() + INVOICE_LINK_TTL_MS,
  });
  return new Response(
    JSON.stringify({ data: { url: link }, meta: { request_id: crypto.randomUUID() } }),
    { status: 200, headers: { "content-type": "application/json" } },
  );
}

export function isInvoicePdfPath(pathname: string): boolean {
  return pathname.startsWith("/invoices/");
}

/** Serves the PDF a link points to, while it lasts. */
export function handleInvoicePdf(
  request: Request,
  url: URL,
  context: Omit<InvoiceContext, "baseUrl">,
): Response {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("Method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
  }
  const token = PDF_PATH.exec(url.pathname)?.[1];
  const link = token === undefined ? undefined : context.invoices.get(token);
  const transaction = link && context.store.transactions.get(link.transactionId);
  // A file host answers an unknown or expired signed link with 403 and says nothing more.
  if (!link || !transaction || context.store.clock.nowMs() >= link.expiresAtMs) {
    return new Response("Request has expired or is not valid\n", {
      status: 403,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  const name = `${transaction.invoice_number ?? transaction.id}.pdf`.replace(/[^\w.-]/g, "_");
  const body = request.method === "HEAD" ? null : invoicePdf(transaction);
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "application/pdf",
      "content-disposition": `${link.disposition}; filename="${name}"`,
      "cache-control": "private, no-store",
    },
  });
}
