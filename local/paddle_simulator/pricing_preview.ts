/**
 * `POST /pricing-preview` (Paddle's "preview prices"): each price in the buyer's country, in its
 * local currency (the price's `unit_price_overrides` for that country, else its base price), with
 * tax, in Paddle's response shape (`details.line_items[]` with `unit_totals`, `totals`,
 * `formatted_unit_totals`, `formatted_totals`, `tax_rate`, `price`, `product`; `currency_code`,
 * `address`, `customer_ip_address`, `available_payment_methods`).
 *
 * The country is, in Paddle's order: `address.country_code`, else the country of
 * `customer_ip_address`, else (a call with the client-side token, as Paddle.js makes from the
 * buyer's browser) the country of the caller's own IP address. IP addresses map to countries
 * through a table the simulator is given (`ipCountries`), so a local run can play a German
 * visitor. Without a country the base prices are returned untaxed, with `address: null`.
 *
 * Paddle accepts the API key and the client-side token here (the token is public: pricing pages
 * call this from the browser), so CORS is open on this route.
 *
 * Tax is test data (TAX_RATES below), not Paddle's tax engine: a handful of countries with their
 * standard VAT or sales-tax rate. `tax_mode` `internal` includes the tax in the price, `external`
 * adds it on top, `account_setting` uses the simulated account's setting (`accountTaxMode`,
 * default `location`: the country's custom, tax-inclusive in the EU, GB, AU and JP, added on top
 * in the US and CA). Amounts are integers in the lowest denomination; tax is rounded half up.
 */

import { z } from "zod";
import { formatMoney } from "../../web/format.js";
import type { PaddlePrice } from "./entities.ts";
import { type FieldError, paddleError } from "./errors.ts";
import { PRICE_ID } from "./ids.ts";
import type { EntityStore } from "./store.ts";
import { isPaddleCountry } from "../../supabase/functions/_shared/paddle_countries.ts";

/** Standard rates in basis points (1900 = 19%), test data; `inclusive`: the country's custom. */
export const TAX_RATES: Readonly<Record<string, { basisPoints: number; inclusive: boolean }>> = {
  AT: { basisPoints: 2000, inclusive: true },
  AU: { basisPoints: 1000, inclusive: true },
  BE: { basisPoints: 2100, inclusive: true },
  CA: { basisPoints: 500, inclusive: false },
  DE: { basisPoints: 1900, inclusive: true },
  ES: { basisPoints: 2100, inclusive: true },
  FR: { basisPoints: 2000, inclusive: true },
  GB: { basisPoints: 2000, inclusive: true },
  IE: { basisPoints: 2300, inclusive: true },
  IT: { basisPoints: 2200, inclusive: true },
  JP: { basisPoints: 1000, inclusive: true },
  NL: { basisPoints: 2100, inclusive: true },
  // US sales tax depends on the state and postal code: without one it is estimated as none and
  // added at checkout, which is how a pricing page shows "+ tax".
  US: { basisPoints: 0, inclusive: false },
};

export type AccountTaxMode = "internal" | "external" | "location";

export interface PricingContext {
  store: EntityStore;
  apiKey: string;
  /** The client-side token Paddle.js authenticates with; unset: only the API key is accepted. */
  clientToken?: string;
  /** IP address → country code, for `customer_ip_address` and token callers' own address. */
  ipCountries?: Readonly<Record<string, string>>;
  /** The caller's IP address as the simulator's listener saw it. */
  remoteIp?: string;
  /** What `tax_mode: account_setting` means in the simulated account (default `location`). */
  accountTaxMode?: AccountTaxMode;
}

export const PRICING_PREVIEW_PATH = "/pricing-preview";

/**
 * `PADDLE_SIMULATOR_IP_COUNTRIES`, e.g. `127.0.0.1=DE,::1=DE`: who the simulator takes local
 * visitors for. Throws on an entry that is not `address=CC`, naming it.
 */
export function parseIpCountries(text: string | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of (text ?? "").split(",").map((e) => e.trim()).filter(Boolean)) {
    const at = entry.lastIndexOf("=");
    const ip = entry.slice(0, at).trim();
    const country = entry.slice(at + 1).trim().toUpperCase();
    if (at <= 0 || !/^[A-Z]{2}$/.test(country)) {
      throw new Error(
        `PADDLE_SIMULATOR_IP_COUNTRIES: "${entry}" is not address=CC (e.g. 127.0.0.1=DE)`,
      );
    }
    map[ip] = country;
  }
  return map;
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "authorization, content-type, paddle-version",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-max-age": "600",
};

const requestSchema = z.strictObject({
  items: z.array(z.strictObject({
    price_id: z.string().regex(PRICE_ID, `must match ${PRICE_ID.source}`),
    quantity: z.number().int().min(1).max(10_000),
  })).min(1).max(100),
  address: z.strictObject({
    // Paddle refuses a country it does not sell to, as it refuses a malformed one.
    country_code: z.string().refine(isPaddleCountry, "must be a supported country code like DE"),
    postal_code: z.string().max(64).nullable().optional(),
  }).nullable().optional(),
  customer_ip_address: z.union([z.ipv4(), z.ipv6()]).nullable().optional(),
  currency_code: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like EUR").nullable()
    .optional(),
  // Customers, saved addresses, businesses and discounts are not modelled by the simulator.
  customer_id: z.null().optional(),
  address_id: z.null().optional(),
  business_id: z.null().optional(),
  discount_id: z.null().optional(),
});

type PreviewRequest = z.infer<typeof requestSchema>;

interface Totals {
  subtotal: string;
  discount: string;
  tax: string;
  total: string;
}

/** Answers `/pricing-preview` (any method: preflight, POST, others refused). */
export function handlePricingPreview(
  request: Request,
  bodyText: string,
  context: PricingContext,
): Response {
  if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS });
  const auth = authorize(request.headers.get("authorization"), context);
  if (auth instanceof Response) return auth;
  if (request.method !== "POST") {
    return withCors(paddleError("method_not_allowed", { headers: { allow: "POST" } }));
  }
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return withCors(paddleError("bad_request"));
  }
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    const errors: FieldError[] = parsed.error.issues.map((issue) => ({
      field: issue.path.length ? issue.path.join(".") : "(root)",
      message: issue.message,
    }));
    return withCors(paddleError("invalid_field", { errors }));
  }
  const country = parsed.data.address?.country_code ??
    countryOf(
      parsed.data.customer_ip_address ?? (auth === "token" ? context.remoteIp : undefined),
      context,
    );
  const result = previewPrices(context.store, parsed.data, country, context.accountTaxMode);
  if ("error" in result) return withCors(result.error);
  return withCors(Response.json({
    data: {
      customer_id: null,
      address_id: null,
      business_id: null,
      currency_code: result.currency,
      discount_id: null,
      address: country
        ? { postal_code: parsed.data.address?.postal_code ?? null, country_code: country }
        : null,
      customer_ip_address: parsed.data.customer_ip_address ?? null,
      details: { line_items: result.lineItems },
      available_payment_methods: ["apple_pay", "card", "google_pay", "paypal"],
    },
    meta: { request_id: crypto.randomUUID() },
  }));
}

function authorize(header: string | null, context: PricingContext): "key" | "token" | Response {
  if (header === null || header.trim() === "") {
    return withCors(paddleError("authentication_missing"));
  }
  const match = /^bearer +(\S+)$/i.exec(header.trim());
  if (!match) return withCors(paddleError("authentication_malformed"));
  if (match[1] === context.apiKey) return "key";
  if (context.clientToken !== undefined && match[1] === context.clientToken) return "token";
  return withCors(paddleError("invalid_token"));
}

function countryOf(ip: string | null | undefined, context: PricingContext): string | undefined {
  if (!ip) return undefined;
  return context.ipCountries?.[ip];
}

/**
 * The line items for a country (undefined: base prices, no tax). Every price must be active and
 * all must end up in one currency, as Paddle requires of one preview.
 */
export function previewPrices(
  store: EntityStore,
  body: Pick<PreviewRequest, "items" | "currency_code">,
  country: string | undefined,
  accountTaxMode: AccountTaxMode = "location",
): { currency: string; lineItems: Record<string, unknown>[] } | { error: Response } {
  const missing = body.items.map((item) => item.price_id).filter((id) =>
    store.prices.get(id)?.status !== "active"
  );
  if (missing.length > 0) {
    return {
      error: paddleError("not_found", {
        detail: `One or more provided price_ids could not be found, provided: ${
          missing.join(", ")
        }`,
      }),
    };
  }
  const lines = body.items.map((item) => {
    const price = store.prices.get(item.price_id)!;
    return { price, product: store.products.get(price.product_id), quantity: item.quantity };
  });
  const unit = lines.map(({ price }) => localUnitPrice(price, country, body.currency_code));
  const currencies = new Set(unit.map((u) => u?.currency_code));
  if (unit.some((u) => u === undefined) || currencies.size > 1) {
    return {
      error: paddleError("invalid_field", {
        errors: [{
          field: body.currency_code ? "currency_code" : "items",
          message: "the prices have no common currency for this country " +
            "(the simulator has no automatic currency conversion)",
        }],
      }),
    };
  }
  const currency = unit[0]!.currency_code;
  const tax = country ? TAX_RATES[country] : undefined;
  const lineItems = lines.map(({ price, product, quantity }, index) => {
    const amount = BigInt(unit[index]!.amount);
    const inclusive = taxIncluded(price.tax_mode, accountTaxMode, tax);
    const basisPoints = tax?.basisPoints ?? 0;
    const unitTotals = taxed(amount, basisPoints, inclusive);
    const totals = taxed(amount * BigInt(quantity), basisPoints, inclusive);
    return {
      price,
      quantity,
      tax_rate: rateText(basisPoints),
      unit_totals: unitTotals,
      formatted_unit_totals: formatted(unitTotals, currency),
      totals,
      formatted_totals: formatted(totals, currency),
      product: product ?? null,
      discounts: [],
    };
  });
  return { currency, lineItems };
}

/** The price's unit price in the country: its override there, else the base price. */
export function localUnitPrice(
  price: PaddlePrice,
  country: string | undefined,
  currencyCode?: string | null,
): { amount: string; currency_code: string } | undefined {
  const override = country
    ? price.unit_price_overrides.find((o) => o.country_codes.includes(country))?.unit_price
    : undefined;
  const local = override ?? price.unit_price;
  if (!currencyCode || currencyCode === local.currency_code) return local;
  if (price.unit_price.currency_code === currencyCode) return price.unit_price;
  return undefined;
}

function taxIncluded(
  taxMode: PaddlePrice["tax_mode"],
  account: AccountTaxMode,
  tax: { inclusive: boolean } | undefined,
): boolean {
  const mode = taxMode === "account_setting" ? account : taxMode;
  if (mode === "internal") return true;
  if (mode === "external") return false;
  return tax?.inclusive ?? false;
}

/** Totals for an amount: tax inside it (inclusive) or added on top, rounded half up. */
export function taxed(amount: bigint, basisPoints: number, inclusive: boolean): Totals {
  const bp = BigInt(basisPoints);
  if (inclusive) {
    const net = divideHalfUp(amount * 10_000n, 10_000n + bp);
    return totals(net, amount - net, amount);
  }
  const tax = divideHalfUp(amount * bp, 10_000n);
  return totals(amount, tax, amount + tax);
}

function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

function totals(subtotal: bigint, tax: bigint, total: bigint): Totals {
  return { subtotal: `${subtotal}`, discount: "0", tax: `${tax}`, total: `${total}` };
}

function rateText(basisPoints: number): string {
  return basisPoints === 0 ? "0" : `${basisPoints / 10_000}`;
}

function formatted(t: Totals, currency: string): Totals {
  const format = (amount: string) => formatMoney(amount, currency, { locale: "en" }) ?? amount;
  return {
    subtotal: format(t.subtotal),
    discount: format(t.discount),
    tax: format(t.tax),
    total: format(t.total),
  };
}

function withCors(response: Response): Response {
  for (const [name, value] of Object.entries(CORS)) response.headers.set(name, value);
  return response;
}
