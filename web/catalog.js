// @ts-check
/**
 * What is for sale, as the plan-change dialog needs it: `public.catalog_prices` (the one list
 * checkout, subscription-update and the page read) grouped into plans, each with its monthly and
 * yearly price, features and suggested add-ons, and the add-ons with theirs. The shaping is pure
 * and unit-tested in Deno (tests/web/catalog_test.ts).
 */
import { compareAmounts as compare } from "./data.js";

export const CATALOG_SELECT = "price_id, product_id, role, product_name, price_name, " +
  "billing_cycle_interval, billing_cycle_frequency, amount:unit_price_amount::text, " +
  "currency:unit_price_currency, quantity_minimum, quantity_maximum, features, suggested_addons";

/**
 * @typedef {object} CatalogRow
 * @property {string} price_id
 * @property {string} product_id
 * @property {"plan" | "addon"} role
 * @property {string | null} product_name
 * @property {string | null} price_name
 * @property {string | null} billing_cycle_interval
 * @property {number | null} billing_cycle_frequency
 * @property {string | null} amount
 * @property {string | null} currency
 * @property {number} quantity_minimum
 * @property {number} quantity_maximum
 * @property {Record<string, unknown> | null} features
 * @property {string[] | null} suggested_addons
 */

/**
 * @typedef {object} CatalogPrice
 * @property {string} priceId
 * @property {string | null} amount minor units
 * @property {string | null} currency
 * @property {number} minimum
 * @property {number} maximum
 */

/**
 * @typedef {object} CatalogProduct
 * @property {string} productId
 * @property {string} name
 * @property {Partial<Record<"month" | "year", CatalogPrice>>} prices monthly and yearly
 * @property {[string, unknown][]} features plans only, in the seller's order
 * @property {string[]} suggestedAddons plans only
 */

/**
 * @typedef {object} Catalog
 * @property {CatalogProduct[]} plans by name
 * @property {Map<string, CatalogProduct>} addons by product id
 */

/**
 * @param {any} supabase
 * @returns {Promise<Catalog>}
 */
export async function fetchCatalog(supabase) {
  const { data, error } = await supabase.from("catalog_prices").select(CATALOG_SELECT);
  if (error) throw error;
  return shapeCatalog(/** @type {CatalogRow[]} */ (data ?? []));
}

/**
 * Only prices billed every month or every year: the dialog's switch has those two.
 *
 * @param {CatalogRow[]} rows
 * @returns {Catalog}
 */
export function shapeCatalog(rows) {
  /** @type {Map<string, CatalogProduct & { role: string }>} */
  const products = new Map();
  for (const row of rows) {
    const interval = row.billing_cycle_interval;
    if ((interval !== "month" && interval !== "year") || row.billing_cycle_frequency !== 1) {
      continue;
    }
    let product = products.get(row.product_id);
    if (!product) {
      product = {
        productId: row.product_id,
        name: row.product_name || "Plan",
        prices: {},
        features: row.features && typeof row.features === "object"
          ? Object.entries(row.features)
          : [],
        suggestedAddons: row.suggested_addons ?? [],
        role: row.role,
      };
      products.set(row.product_id, product);
    }
    // Two prices on one interval: the cheaper one is the one offered (a stable choice).
    const existing = product.prices[interval];
    if (!existing || compare(row.amount, existing.amount) < 0) {
      product.prices[interval] = {
        priceId: row.price_id,
        amount: row.amount,
        currency: row.currency,
        minimum: row.quantity_minimum,
        maximum: row.quantity_maximum,
      };
    }
  }
  const all = [...products.values()];
  const strip = (/** @type {CatalogProduct & { role: string }} */ p) => {
    const { role: _role, ...product } = p;
    return product;
  };
  return {
    plans: all.filter((p) => p.role === "plan").map(strip).sort((a, b) =>
      compare(
        a.prices.month?.amount ?? a.prices.year?.amount ?? null,
        b.prices.month?.amount ?? b.prices.year?.amount ?? null,
      ) || a.name.localeCompare(b.name)
    ),
    addons: new Map(all.filter((p) => p.role === "addon").map((p) => [p.productId, strip(p)])),
  };
}
