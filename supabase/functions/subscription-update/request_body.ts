/**
 * subscription-update's request body, and nothing else:
 *   {"subscriptionId": "sub_…", "action": "preview" | "apply", "items": [{"priceId", "quantity"}]}
 *   {"subscriptionId": "sub_…", "action": "keep"}
 * `items` is the whole new list (Paddle replaces the items wholesale). Strict on purpose: the
 * customer, the proration and the payment-failure rule are the server's, so a body naming them
 * (or anything else) is refused, not ignored. Which items make a valid list is the database's
 * call (one plan, suggested add-ons, one interval): it holds the catalog.
 */
import { z } from "zod";
import { type ParsedBody, readJsonBody } from "../_shared/bounded_body.ts";

export const MAX_BODY_BYTES = 4 * 1024;
/** A sanity bound before each price's own `quantity.minimum..maximum` (checked in SQL). */
export const MAX_QUANTITY = 10_000;
/** More items than any plan plus its add-ons; Paddle's own cap is higher. */
export const MAX_ITEMS = 20;

const SUBSCRIPTION_ID = /^sub_[a-z\d]{26}$/;
const PRICE_ID = /^pri_[a-z\d]{26}$/;

export interface Item {
  priceId: string;
  quantity: number;
}

export type UpdateRequest =
  | { subscriptionId: string; action: "preview" | "apply"; items: Item[] }
  | { subscriptionId: string; action: "keep" };

export type BodyResult = ParsedBody<UpdateRequest> | { ok: false; code: "invalid_quantity" };

const change = z.strictObject({
  subscriptionId: z.string().regex(SUBSCRIPTION_ID),
  action: z.enum(["preview", "apply"]),
  items: z.array(z.strictObject({ priceId: z.string().regex(PRICE_ID), quantity: z.unknown() }))
    .min(1).max(MAX_ITEMS),
});
const keep = z.strictObject({
  subscriptionId: z.string().regex(SUBSCRIPTION_ID),
  action: z.literal("keep"),
});
const quantity = z.int().min(1).max(MAX_QUANTITY);

/** Two steps, so a bad quantity gets its own code rather than `invalid_request`. */
export function parseUpdateRequest(json: unknown): BodyResult {
  const kept = keep.safeParse(json);
  if (kept.success) return { ok: true, value: kept.data };
  const parsed = change.safeParse(json);
  if (!parsed.success) return { ok: false, code: "invalid_request" };
  const items: Item[] = [];
  for (const item of parsed.data.items) {
    const q = quantity.safeParse(item.quantity);
    if (!q.success) return { ok: false, code: "invalid_quantity" };
    items.push({ priceId: item.priceId, quantity: q.data });
  }
  return {
    ok: true,
    value: { subscriptionId: parsed.data.subscriptionId, action: parsed.data.action, items },
  };
}

export async function readUpdateRequest(request: Request): Promise<BodyResult> {
  const body = await readJsonBody(request, MAX_BODY_BYTES, z.unknown(), undefined);
  return body.ok ? parseUpdateRequest(body.value) : body;
}
