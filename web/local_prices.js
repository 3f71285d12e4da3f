// @ts-check
/**
 * The plans in the buyer's currency, with tax, as Paddle will charge them: Paddle.js's
 * `PricePreview` (Paddle's `POST /pricing-preview`, with the client-side token, never the API
 * key) for the country the buyer chose, or the one Paddle detects from their IP address. The
 * catalog prices stay on screen while it loads ("Prices in your currency are loading") and if it
 * fails ("tax is added at checkout"): the page never waits for it.
 *
 * What Paddle computed is shown as computed: the total for one unit in Paddle's currency and
 * minor units, formatted with the page's currency table (format.js).
 */
import { formatPrice } from "./format.js";
import { loadClassicScript, readPaddleJsConfig } from "./paddle_js.js";

/**
 * @typedef {{ subtotal: string, tax: string, total: string }} PreviewTotals
 * @typedef {{ price: { id: string }, unitTotals: PreviewTotals }} PreviewLine
 * @typedef {{ data: { currencyCode: string, address: { countryCode: string } | null,
 *   details: { lineItems: PreviewLine[] } } }} PricePreviewResult
 * @typedef {(request: { items: { priceId: string, quantity: number }[],
 *   address?: { countryCode: string } }) => Promise<PricePreviewResult>} PricePreview
 * @typedef {{ amount: string, currency: string, taxWords: string }} LocalPrice
 * @typedef {{ country: string | undefined, prices: Map<string, LocalPrice> }} LocalPrices
 */

/** Countries whose tax is sales tax, not VAT (or GST): "incl. tax" there. */
const SALES_TAX_COUNTRIES = new Set(["US", "CA"]);

/**
 * Paddle's preview as what each card shows: the price for one, with tax when Paddle knows it
 * ("incl. VAT"), else the price before tax with "+ tax" (added at checkout, e.g. a US address
 * without a postal code).
 *
 * @param {PricePreviewResult} preview
 * @returns {LocalPrices}
 */
export function localPricesFromPreview(preview) {
  const country = preview.data.address?.countryCode ?? undefined;
  const currency = preview.data.currencyCode;
  const prices = new Map();
  for (const line of preview.data.details.lineItems) {
    const taxKnown = /^\d+$/.test(line.unitTotals.tax) && BigInt(line.unitTotals.tax) > 0n;
    const taxWords = !taxKnown
      ? "+ tax"
      : country && SALES_TAX_COUNTRIES.has(country)
      ? "incl. tax"
      : "incl. VAT";
    prices.set(line.price.id, {
      amount: taxKnown ? line.unitTotals.total : line.unitTotals.subtotal,
      currency,
      taxWords,
    });
  }
  return { country, prices };
}

/**
 * "€35.70 per month incl. VAT".
 *
 * @param {LocalPrice} price
 * @param {import("./format.js").Cycle} cycle
 * @param {string} [locale]
 */
export function localPriceWords(price, cycle, locale = undefined) {
  const amount = formatPrice(price.amount, price.currency, cycle, { locale });
  return amount ? `${amount} ${price.taxWords}` : undefined;
}

/** @type {Promise<PricePreview | undefined> | undefined} */
let previewer;

/**
 * Paddle.js, initialized once with config.js's client-side token; undefined when the site has
 * none configured (the catalog prices then stay).
 *
 * @returns {Promise<PricePreview | undefined>}
 */
export function pricePreviewer() {
  previewer ??= (async () => {
    /** @type {Record<string, unknown>} */
    const module = await import(new URL("./config.js", import.meta.url).href);
    const read = readPaddleJsConfig(module, location.href);
    if ("error" in read) return undefined;
    const g = /** @type {Record<string, any>} */ (globalThis);
    if (!g.Paddle) await loadClassicScript(read.config.paddleJsUrl);
    const Paddle = g.Paddle;
    if (!Paddle?.PricePreview) return undefined;
    if (!Paddle.Initialized) {
      if (read.config.environment === "sandbox") Paddle.Environment.set("sandbox");
      Paddle.Initialize({ token: read.config.token });
    }
    return /** @type {PricePreview} */ ((request) => Paddle.PricePreview(request));
  })().catch(() => {
    previewer = undefined; // a later load may try again
    return undefined;
  });
  return previewer;
}

/** Paddle's most items in one preview. */
const MAX_ITEMS = 100;
/** Previews one page view may ask for in all (Paddle allows 1,000 a minute). */
const MAX_REQUESTS = 16;

/**
 * One preview per 100 prices; when Paddle refuses one (a price it no longer sells, prices it
 * cannot put in one currency), the refused set is asked again in halves, so the prices Paddle
 * knows still show. At most MAX_REQUESTS previews: prices past that keep their catalog amounts.
 *
 * @param {PricePreview} preview
 * @param {string[]} priceIds
 * @param {string | undefined} country undefined: Paddle detects it from the IP address
 * @returns {Promise<LocalPrices>}
 */
export async function fetchLocalPrices(preview, priceIds, country) {
  let budget = MAX_REQUESTS;
  /** @type {LocalPrices[]} */
  const answered = [];
  /** @type {unknown} */
  let firstError;
  /** @param {string[]} ids */
  const ask = async (ids) => {
    if (ids.length === 0 || budget <= 0) return;
    budget--;
    try {
      answered.push(localPricesFromPreview(
        await preview({
          items: ids.map((priceId) => ({ priceId, quantity: 1 })),
          ...(country ? { address: { countryCode: country } } : {}),
        }),
      ));
    } catch (error) {
      firstError ??= error;
      if (ids.length === 1) return;
      const half = Math.ceil(ids.length / 2);
      await ask(ids.slice(0, half));
      await ask(ids.slice(half));
    }
  };
  for (let i = 0; i < priceIds.length; i += MAX_ITEMS) await ask(priceIds.slice(i, i + MAX_ITEMS));
  if (answered.length === 0) throw firstError ?? new Error("no prices to preview");
  return {
    country: answered[0].country,
    prices: new Map(answered.flatMap((local) => [...local.prices])),
  };
}
