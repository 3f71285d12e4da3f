/**
 * One Paddle call: `GET /transactions/{id}/invoice` through the official SDK
 * (`transactions.getInvoicePDF`) and the shared deadline-and-single-retry wrapper
 * (`_shared/paddle_call.ts`), which owns the failure mapping. The answer is a short-lived URL
 * (Paddle's expire after an hour): a secret, passed on once and never logged.
 */
import type { TransactionInvoicePDF } from "@paddle/paddle-node-sdk";
import { z } from "zod";
import {
  type Checked,
  createPaddleCall,
  type PaddleAttempts,
  type PaddleCallFailure,
  type PaddleCallOptions,
} from "../_shared/paddle_call.ts";

export type InvoiceUrlResult =
  & PaddleAttempts
  & ({ ok: true; url: string } | PaddleCallFailure);

export type GetInvoiceUrl = (transactionId: string) => Promise<InvoiceUrlResult>;

const invoiceUrl = z.url({ protocol: /^https?$/ });

export function createPaddleInvoice(options: PaddleCallOptions): GetInvoiceUrl {
  const call = createPaddleCall(options);
  return async function getInvoiceUrl(transactionId) {
    const result = await call(
      // Inline: the page opens the PDF in a tab rather than saving a file.
      (paddle) => paddle.transactions.getInvoicePDF(transactionId, { disposition: "inline" }),
      checkInvoice,
    );
    if (!result.ok) return result;
    return {
      ok: true,
      url: result.value,
      transactionIds: result.transactionIds,
      attempts: result.attempts,
    };
  };
}

function checkInvoice(invoice: TransactionInvoicePDF): Checked<string> {
  const url = invoiceUrl.safeParse(invoice?.url);
  return url.success
    ? { ok: true, value: url.data }
    : { ok: false, paddleErrorCode: "bad_response" };
}
