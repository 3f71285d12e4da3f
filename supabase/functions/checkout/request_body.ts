/**
 * The checkout's request body: `{"priceId": "pri_...", "quantity"?: n}` and nothing else. Strict
 * on purpose: the customer, the email and the user all come from the verified token and the
 * database, so a body naming any of them (or anything else) is refused, not ignored.
 */
import { z } from "zod";
import { type ParsedBody, readJsonBody } from "../_shared/bounded_body.ts";
import { PRICE_ID } from "./config.ts";

export const MAX_BODY_BYTES = 4 * 1024;
/** A sanity bound before the price's own `quantity.minimum..maximum` (checked in SQL). */
export const MAX_QUANTITY = 10_000;

export interface CheckoutRequest {
  priceId: string;
  quantity: number;
}

export type BodyResult = ParsedBody<CheckoutRequest> | { ok: false; code: "invalid_quantity" };

const shape = z.strictObject({
  priceId: z.string().regex(PRICE_ID),
  quantity: z.unknown().optional(),
});

const quantity = z.int().min(1).max(MAX_QUANTITY);

/** The schema is two-step so a bad quantity gets its own code rather than `invalid_request`. */
export function parseCheckoutRequest(json: unknown): BodyResult {
  const parsed = shape.safeParse(json);
  if (!parsed.success) return { ok: false, code: "invalid_request" };
  const q = parsed.data.quantity === undefined ? 1 : quantity.safeParse(parsed.data.quantity);
  if (typeof q !== "number" && !q.success) return { ok: false, code: "invalid_quantity" };
  return {
    ok: true,
    value: { priceId: parsed.data.priceId, quantity: typeof q === "number" ? q : q.data },
  };
}

export async function readCheckoutRequest(request: Request): Promise<BodyResult> {
  // No body reads as `undefined`, which has no priceId: refused like `{}`.
  const body = await readJsonBody(request, MAX_BODY_BYTES, z.unknown(), undefined);
  return body.ok ? parseCheckoutRequest(body.value) : body;
}
