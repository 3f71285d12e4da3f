// @ts-check
/**
 * The catalog as a subscriber pays it: every price in the subscription's currency (its price
 * override, never converted), for the change-plan dialog. Paddle bills a subscription in one
 * currency, so a German subscriber's plans show in euros whatever the visitor's country.
 */
import { fetchCatalog } from "./data.js";
import { priceInCurrency } from "./price_in_currency.js";

/**
 * @param {any} supabase the supabase-js client
 * @param {string | null} currency the subscription's `currency_code`
 * @returns {Promise<import("./data.js").Catalog>}
 */
export async function fetchCatalogInCurrency(supabase, currency) {
  const catalog = await fetchCatalog(supabase);
  const foreign = allPrices(catalog).filter((price) => currency && price.currency !== currency);
  if (foreign.length === 0) return catalog;
  // Only a subscriber billed in another currency than the catalog's pays this second read.
  const { data, error } = await supabase
    .from("prices")
    .select("price_id, overrides:unit_price_overrides")
    .in("price_id", [...new Set(foreign.map((price) => price.priceId))]);
  if (error) throw error;
  /** @type {Map<string, import("./price_in_currency.js").PriceOverride[] | null>} */
  const overrides = new Map(
    (/** @type {{ price_id: string, overrides: any }[]} */ (data ?? [])).map((row) => [
      row.price_id,
      row.overrides,
    ]),
  );
  return catalogInCurrency(catalog, currency, overrides);
}

/**
 * Pure: each price's amount in `currency` (null when its overrides give none, or several).
 *
 * @param {import("./data.js").Catalog} catalog
 * @param {string | null} currency
 * @param {ReadonlyMap<string, import("./price_in_currency.js").PriceOverride[] | null>} overrides
 * @returns {import("./data.js").Catalog}
 */
export function catalogInCurrency(catalog, currency, overrides) {
  /** @param {import("./data.js").PlanPrice} price */
  const convert = (price) => ({
    ...price,
    ...priceInCurrency({ ...price, overrides: overrides.get(price.priceId) }, currency),
  });
  /**
   * @param {import("./data.js").Plan} p
   * @returns {import("./data.js").Plan}
   */
  const plan = (p) => ({ ...p, prices: p.prices.map(convert), addons: p.addons.map(plan) });
  return { plans: catalog.plans.map(plan) };
}

/** @param {import("./data.js").Catalog} catalog */
function allPrices(catalog) {
  return catalog.plans.flatMap((plan) => [
    ...plan.prices,
    ...plan.addons.flatMap((addon) => addon.prices),
  ]);
}
