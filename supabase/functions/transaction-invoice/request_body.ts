/**
 * The invoice request's body: `{"transactionId": "txn_..."}` and nothing else. Whose transaction
 * it must be comes from the verified token, never from the body.
 */
import { z } from "zod";
import { type ParsedBody, readJsonBody } from "../_shared/bounded_body.ts";

export const MAX_BODY_BYTES = 1024;
export const TRANSACTION_ID = /^txn_[a-z\d]{26}$/;

export interface InvoiceRequest {
  transactionId: string;
}

const shape = z.strictObject({ transactionId: z.string().regex(TRANSACTION_ID) });

export async function readInvoiceRequest(request: Request): Promise<ParsedBody<InvoiceRequest>> {
  const body = await readJsonBody(request, MAX_BODY_BYTES, shape.nullable(), null);
  if (!body.ok) return body;
  // No body names no transaction: refused like `{}`.
  if (body.value === null) return { ok: false, code: "invalid_request" };
  return { ok: true, value: body.value };
}
