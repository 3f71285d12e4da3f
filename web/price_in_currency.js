// @ts-check
/**
 * A subscriber's price in their subscription's currency, never converted: Paddle bills a
 * subscription in one currency, which for a German buyer is the euro of the price's override,
 * not the catalog's dollar price. The mirror keeps both (`unit_price_overrides`).
 */

/**
 * @typedef {{ country_codes?: unknown, unit_price?: { amount?: unknown,
 *   currency_code?: unknown } }} PriceOverride
 */

/**
 * The unit amount of a price in `currency`: the base price when it is in that currency, else
 * the one amount its overrides give in it; null when there is none, or several (overrides for
 * different countries in one currency, and the mirror does not say which country the
 * subscription is billed in): the card then shows no amount rather than a wrong one.
 *
 * @param {{ amount: string | null, currency: string | null, overrides?: PriceOverride[] | null }} price
 * @param {string | null} currency the subscription's `currency_code`
 * @returns {{ amount: string | null, currency: string | null }}
 */
export function priceInCurrency(price, currency) {
  if (!currency || price.currency === currency) {
    return { amount: price.amount, currency: price.currency ?? currency };
  }
  const amounts = new Set(
    (Array.isArray(price.overrides) ? price.overrides : [])
      .filter((o) => o?.unit_price?.currency_code === currency)
      .map((o) => String(o.unit_price?.amount)),
  );
  const [amount] = amounts;
  return { amount: amounts.size === 1 && /^\d+$/.test(amount) ? amount : null, currency };
}
