/**
 * The checkout's request body: a plan's price, its quantity, and optionally add-ons the plan
 * suggests, nothing else:
 *
 *   {"priceId": "pri_...", "quantity"?: n, "addons"?: [{"priceId": "pri_...", "quantity"?: n}],
 *    "country"?: "DE"}
 *
 * `country` (a country Paddle sells to, ISO 3166-1 alpha-2 in capitals) is the one the page showed
 * prices for: the transaction gets an address there, on the caller's own customer, so Paddle
 * prices it for that country. It decides the prices only, never the customer.
 *
 * `{"priceId", "quantity"}` alone is the body every earlier client sends, and means the same.
 * Strict on purpose: the customer, the email and the user all come from the verified token and
 * the database, so a body naming any of them (or anything else) is refused, not ignored. What is
 * a plan, what the plan suggests and each price's bounds are the database's to say (SQL).
 */
import { z } from "zod";
import { type ParsedBody, readJsonBody } from "../_shared/bounded_body.ts";
import { isPaddleCountry } from "../_shared/paddle_countries.ts";
import { PRICE_ID } from "./config.ts";

export const MAX_BODY_BYTES = 4 * 1024;
/** A sanity bound before the price's own `quantity.minimum..maximum` (checked in SQL). */
export const MAX_QUANTITY = 10_000;
/** More add-ons than any plan suggests; the catalog decides which are allowed. */
export const MAX_ADDONS = 20;

export interface CheckoutItem {
  priceId: string;
  quantity: number;
}

export interface CheckoutRequest extends CheckoutItem {
  /** The add-ons, in the order given; empty when the body has none. */
  addons: CheckoutItem[];
  /** The country to price the checkout for; absent: Paddle's own guess (the buyer's IP). */
  country?: string;
}

export type BodyResult = ParsedBody<CheckoutRequest> | { ok: false; code: "invalid_quantity" };

const item = z.strictObject({
  priceId: z.string().regex(PRICE_ID),
  quantity: z.unknown().optional(),
});

const shape = z.strictObject({
  priceId: z.string().regex(PRICE_ID),
  quantity: z.unknown().optional(),
  addons: z.array(item).max(MAX_ADDONS).optional(),
  country: z.string().refine(isPaddleCountry).optional(),
});

const quantity = z.int().min(1).max(MAX_QUANTITY);

/** The schema is two-step so a bad quantity gets its own code rather than `invalid_request`. */
export function parseCheckoutRequest(json: unknown): BodyResult {
  const parsed = shape.safeParse(json);
  if (!parsed.success) return { ok: false, code: "invalid_request" };
  const items: CheckoutItem[] = [];
  for (const raw of [parsed.data, ...(parsed.data.addons ?? [])]) {
    const q = raw.quantity === undefined ? 1 : quantity.safeParse(raw.quantity);
    if (typeof q !== "number" && !q.success) return { ok: false, code: "invalid_quantity" };
    items.push({ priceId: raw.priceId, quantity: typeof q === "number" ? q : q.data });
  }
  const [plan, ...addons] = items;
  const country = parsed.data.country;
  return { ok: true, value: { ...plan, addons, ...(country ? { country } : {}) } };
}

export async function readCheckoutRequest(request: Request): Promise<BodyResult> {
  // No body reads as `undefined`, which has no priceId: refused like `{}`.
  const body = await readJsonBody(request, MAX_BODY_BYTES, z.unknown(), undefined);
  return body.ok ? parseCheckoutRequest(body.value) : body;
}
