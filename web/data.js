// @ts-check
/**
 * What the page reads, under row-level security with the signed-in user's token: their
 * subscriptions with every item, price and product name, whether they have a Paddle customer,
 * and what is for sale (public.catalog_prices: plans, and the add-ons each plan suggests).
 * The query builders take the supabase-js client; the shaping functions are pure and
 * unit-tested in Deno (tests/web/data_test.ts).
 */
import { priceInCurrency } from "./price_in_currency.js";

/** A subscription in one of these is one the user still has: they manage it, not buy another. */
export const CURRENT_STATUSES = Object.freeze(["active", "trialing", "past_due", "paused"]);

// Amounts as text: PostgREST sends a numeric column as a JSON number, and money stays exact.
const PRICE_COLUMNS = "name, description, amount:unit_price_amount::text, " +
  "currency:unit_price_currency, billing_cycle_interval, billing_cycle_frequency";

export const SUBSCRIPTION_SELECT =
  "subscription_id, status, customer_id, price_id, currency_code, " +
  "billing_cycle_interval, billing_cycle_frequency, current_period_starts_at, " +
  "current_period_ends_at, next_billed_at, scheduled_change_action, " +
  "scheduled_change_effective_at, started_at, created_at, " +
  "subscription_items(price_id, product_id, quantity, status, recurring, " +
  `prices(${PRICE_COLUMNS}, overrides:unit_price_overrides, products(name)))`;

export const CATALOG_SELECT = "price_id, product_id, role, product_name, product_description, " +
  "name:price_name, description:price_description, amount:unit_price_amount::text, " +
  "currency:unit_price_currency, billing_cycle_interval, billing_cycle_frequency, " +
  "quantity_minimum, quantity_maximum, trial_period_interval, trial_period_frequency, " +
  "features, suggested_addons";

/**
 * @typedef {object} PriceRow
 * @property {string | null} name
 * @property {string | null} description
 * @property {string | null} amount lowest denomination, as text
 * @property {string | null} currency
 * @property {string | null} billing_cycle_interval
 * @property {number | null} billing_cycle_frequency
 */

/**
 * @typedef {object} ItemRow
 * @property {string} price_id
 * @property {string} product_id
 * @property {number} quantity
 * @property {string | null} status
 * @property {boolean | null} recurring
 * @property {(PriceRow & { products: { name: string | null } | null,
 *   overrides?: import("./price_in_currency.js").PriceOverride[] | null }) | null} prices
 */

/**
 * @typedef {object} SubscriptionRow
 * @property {string} subscription_id
 * @property {string} status
 * @property {string} customer_id
 * @property {string | null} price_id
 * @property {string | null} currency_code
 * @property {string | null} billing_cycle_interval
 * @property {number | null} billing_cycle_frequency
 * @property {string | null} current_period_starts_at
 * @property {string | null} current_period_ends_at
 * @property {string | null} next_billed_at
 * @property {string | null} scheduled_change_action
 * @property {string | null} scheduled_change_effective_at
 * @property {string | null} started_at
 * @property {string | null} created_at
 * @property {ItemRow[] | null} subscription_items
 */

/**
 * @typedef {object} CatalogRow a row of public.catalog_prices
 * @property {string} price_id
 * @property {string} product_id
 * @property {"plan" | "addon"} role
 * @property {string | null} product_name
 * @property {string | null} product_description
 * @property {string | null} name
 * @property {string | null} description
 * @property {string | null} amount
 * @property {string | null} currency
 * @property {string | null} billing_cycle_interval
 * @property {number | null} billing_cycle_frequency
 * @property {number} quantity_minimum
 * @property {number} quantity_maximum
 * @property {string | null} trial_period_interval
 * @property {number | null} trial_period_frequency
 * @property {Record<string, unknown> | null} features
 * @property {string[] | null} suggested_addons
 */

/**
 * @typedef {object} Item
 * @property {string} priceId
 * @property {string} productId
 * @property {string} productName
 * @property {string | null} priceName
 * @property {number} quantity
 * @property {string | null} amount unit price, lowest denomination
 * @property {string | null} currency
 * @property {import("./format.js").Cycle} cycle
 */

/**
 * @typedef {object} Subscription
 * @property {string} id
 * @property {string} status
 * @property {string} customerId
 * @property {string} title the base item's product name
 * @property {Item[]} items base plan first, then add-ons by name
 * @property {{ amount: string, currency: string } | undefined} total per billing interval, when
 *   every recurring item is in one currency
 * @property {import("./format.js").Cycle} cycle
 * @property {string | null} nextBilledAt
 * @property {string | null} periodStartsAt
 * @property {string | null} periodEndsAt
 * @property {string | null} scheduledAction
 * @property {string | null} scheduledAt
 * @property {string | null} startedAt
 * @property {string | null} [currency] the one currency Paddle bills it in
 */

/**
 * @typedef {object} PlanPrice
 * @property {string} priceId
 * @property {string} name
 * @property {string | null} description
 * @property {string | null} amount
 * @property {string | null} currency
 * @property {import("./format.js").Cycle} cycle
 * @property {import("./format.js").Cycle | undefined} trial
 * @property {number} minimum quantity bounds (Paddle's defaults applied)
 * @property {number} maximum
 */

/**
 * @typedef {object} Plan a product and its prices for sale
 * @property {string} productId
 * @property {string} name
 * @property {string | null} description
 * @property {PlanPrice[]} prices
 * @property {[string, unknown][]} features the plan's custom_data.features by name (the mirror
 *   keeps them as jsonb, which does not keep the seller's key order)
 * @property {Plan[]} addons the add-ons it suggests that are for sale, in the seller's order
 */

/**
 * @typedef {object} Catalog
 * @property {Plan[]} plans by name; an add-on is never one
 */

/**
 * The signed-in user's subscriptions, newest first (RLS returns only theirs).
 *
 * @param {any} supabase the supabase-js client
 * @returns {Promise<Subscription[]>}
 */
export async function fetchSubscriptions(supabase) {
  const { data, error } = await supabase
    .from("subscriptions")
    .select(SUBSCRIPTION_SELECT)
    .order("created_at", { ascending: false });
  if (error) throw error;
  return /** @type {SubscriptionRow[]} */ (data ?? []).map(shapeSubscription);
}

/**
 * Whether the signed-in user has a Paddle customer (RLS returns only their own row, and a user
 * has at most one): true or false, or undefined when the read failed.
 *
 * @param {any} supabase
 * @returns {Promise<boolean | undefined>}
 */
export async function fetchHasCustomer(supabase) {
  try {
    const query = supabase.from("customers").select("customer_id").limit(1);
    // No retries (supabase-js retries a failed GET for up to 7 s; older versions cannot): the
    // lists wait for this read, and a failure only means "unknown", which shows the button.
    return customerFound(await (query.retry?.(false) ?? query));
  } catch {
    return undefined;
  }
}

/**
 * @param {{ data?: unknown, error?: unknown }} result what supabase-js answered
 * @returns {boolean | undefined} undefined: unknown (an error, or not a list of rows)
 */
export function customerFound(result) {
  if (result.error || !Array.isArray(result.data)) return undefined;
  return result.data.length > 0;
}

/**
 * Whether to offer "Manage subscription": unless the user certainly has no Paddle customer, whose
 * portal would only answer that there is nothing to manage. Unknown offers it (the function
 * still says so). A subscription means a customer even when the customer read came too early:
 * RLS shows only the subscriptions of the user's own customer, and the two reads run side by side
 * while a webhook may write both.
 *
 * @param {boolean | undefined} hasCustomer
 * @param {Subscription[]} subscriptions
 */
export function offersPortal(hasCustomer, subscriptions) {
  return hasCustomer !== false || subscriptions.length > 0;
}

/**
 * What is for sale, from public.catalog_prices: the view the checkout function sells from too,
 * so the page offers exactly what checkout accepts.
 *
 * @param {any} supabase
 * @returns {Promise<Catalog>}
 */
export async function fetchCatalog(supabase) {
  const { data, error } = await supabase.from("catalog_prices").select(CATALOG_SELECT);
  if (error) throw error;
  return shapeCatalog(/** @type {CatalogRow[]} */ (data ?? []));
}

/**
 * @param {SubscriptionRow} row
 * @returns {Subscription}
 */
export function shapeSubscription(row) {
  /** @type {Item[]} */
  const items = (row.subscription_items ?? []).map((item) => ({
    priceId: item.price_id,
    productId: item.product_id,
    productName: item.prices?.products?.name || "Subscription",
    priceName: item.prices?.name || null,
    quantity: item.quantity,
    // In the subscription's own currency (a price override), never converted.
    ...priceInCurrency({
      amount: item.prices?.amount ?? null,
      currency: item.prices?.currency ?? null,
      overrides: item.prices?.overrides,
    }, row.currency_code),
    cycle: {
      interval: item.prices?.billing_cycle_interval ?? null,
      frequency: item.prices?.billing_cycle_frequency ?? null,
    },
  }));
  // The subscription's price_id is its first recurring item (migration 000200): the base plan.
  items.sort((a, b) =>
    Number(b.priceId === row.price_id) - Number(a.priceId === row.price_id) ||
    a.productName.localeCompare(b.productName) ||
    a.priceId.localeCompare(b.priceId)
  );
  const recurring = (row.subscription_items ?? []).filter((i) => i.recurring !== false);
  const recurringItems = items.filter((i) => recurring.some((r) => r.price_id === i.priceId));
  return {
    id: row.subscription_id,
    status: row.status,
    customerId: row.customer_id,
    title: items[0]?.productName ?? "Subscription",
    items,
    total: totalOf(recurringItems),
    cycle: { interval: row.billing_cycle_interval, frequency: row.billing_cycle_frequency },
    nextBilledAt: row.next_billed_at,
    periodStartsAt: row.current_period_starts_at,
    periodEndsAt: row.current_period_ends_at,
    scheduledAction: row.scheduled_change_action,
    scheduledAt: row.scheduled_change_effective_at,
    startedAt: row.started_at ?? row.created_at,
    currency: row.currency_code,
  };
}

/**
 * The sum of unit price × quantity, in the lowest denomination, when every item has an amount
 * in the same currency (Paddle bills a subscription in one currency); otherwise undefined.
 *
 * @param {Item[]} items
 * @returns {{ amount: string, currency: string } | undefined}
 */
export function totalOf(items) {
  if (items.length === 0) return undefined;
  const currency = items[0].currency;
  let sum = 0n;
  for (const item of items) {
    if (!currency || item.currency !== currency || !/^-?\d+$/.test(item.amount ?? "")) {
      return undefined;
    }
    sum += BigInt(/** @type {string} */ (item.amount)) * BigInt(item.quantity);
  }
  return { amount: sum.toString(), currency: /** @type {string} */ (currency) };
}

/**
 * True when one of the subscriptions is one the user still has (active, trialing, past_due,
 * paused): then the page shows it, not the plans.
 *
 * @param {Subscription[]} subscriptions
 */
export function hasCurrentSubscription(subscriptions) {
  return subscriptions.some((s) => CURRENT_STATUSES.includes(s.status));
}

/**
 * Rows grouped by product into plans and add-ons: products by name, prices by interval length
 * then amount; each plan with its features and the add-ons it suggests.
 *
 * @param {CatalogRow[]} rows
 * @returns {Catalog}
 */
export function shapeCatalog(rows) {
  /** @type {Map<string, Plan & { role: string, suggested: string[] }>} */
  const products = new Map();
  const sorted = [...rows].sort((a, b) =>
    cycleDays(a) - cycleDays(b) || compareAmounts(a.amount, b.amount) ||
    a.price_id.localeCompare(b.price_id)
  );
  for (const row of sorted) {
    let product = products.get(row.product_id);
    if (!product) {
      product = {
        productId: row.product_id,
        name: row.product_name || "Plan",
        description: row.product_description ?? null,
        prices: [],
        features: row.features && typeof row.features === "object" && !Array.isArray(row.features)
          ? Object.entries(row.features).sort(([a], [b]) => a.localeCompare(b))
          : [],
        addons: [],
        role: row.role,
        suggested: Array.isArray(row.suggested_addons) ? row.suggested_addons : [],
      };
      products.set(row.product_id, product);
    }
    product.prices.push({
      priceId: row.price_id,
      name: row.name || row.description || "Price",
      description: row.description,
      amount: row.amount,
      currency: row.currency,
      cycle: { interval: row.billing_cycle_interval, frequency: row.billing_cycle_frequency },
      trial: row.trial_period_interval
        ? { interval: row.trial_period_interval, frequency: row.trial_period_frequency }
        : undefined,
      minimum: row.quantity_minimum ?? 1,
      maximum: row.quantity_maximum ?? 100,
    });
  }
  /** @param {Plan & { role: string, suggested: string[] }} p @returns {Plan} */
  const plain = ({ productId, name, description, prices, features, addons }) => ({
    productId,
    name,
    description,
    prices,
    features,
    addons,
  });
  const plans = [];
  for (const product of products.values()) {
    if (product.role !== "plan") continue;
    for (const id of product.suggested) {
      const addon = products.get(id);
      if (addon?.role === "addon") product.addons.push(plain(addon));
    }
    plans.push(plain(product));
  }
  return { plans: plans.sort((a, b) => a.name.localeCompare(b.name)) };
}

/**
 * The plan's price for a billing interval (billed every 1 interval; the cheapest when there are
 * several, as the prices are sorted), or undefined.
 *
 * @param {Plan} plan
 * @param {string} interval
 */
export function priceFor(plan, interval) {
  return plan.prices.find((p) => p.cycle.interval === interval && (p.cycle.frequency ?? 1) === 1);
}

/**
 * The billing intervals the switch offers: month and year, those some plan is sold at.
 *
 * @param {Plan[]} plans
 * @returns {string[]}
 */
export function switchIntervals(plans) {
  return ["month", "year"].filter((interval) => plans.some((plan) => priceFor(plan, interval)));
}

const DAYS = /** @type {Record<string, number>} */ ({ day: 1, week: 7, month: 30, year: 365 });

/** @param {CatalogRow} row */
function cycleDays(row) {
  return (DAYS[row.billing_cycle_interval ?? ""] ?? 0) * (row.billing_cycle_frequency ?? 1);
}

/**
 * Orders minor-unit amounts exactly; a missing one counts as zero.
 *
 * @param {string | null} a
 * @param {string | null} b
 */
export function compareAmounts(a, b) {
  const x = /^\d+$/.test(a ?? "") ? BigInt(/** @type {string} */ (a)) : 0n;
  const y = /^\d+$/.test(b ?? "") ? BigInt(/** @type {string} */ (b)) : 0n;
  return x < y ? -1 : x > y ? 1 : 0;
}
