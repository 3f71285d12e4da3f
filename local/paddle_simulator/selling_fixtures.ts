/** A small catalog for the selling tests: what a transaction may and may not be built from. */

import type { EntityBatch } from "./entities.ts";
import { priceEntity, productEntity } from "./entity_builders.ts";
import { newPaddleId } from "./ids.ts";

const CREATED = "2026-01-05T09:00:00Z";

export const PRODUCT = productEntity({
  id: newPaddleId("pro"),
  name: "Team plan",
  createdAt: CREATED,
});
export const ARCHIVED_PRODUCT = productEntity({
  id: newPaddleId("pro"),
  name: "Old plan",
  status: "archived",
  createdAt: CREATED,
});
export const MONTHLY = priceEntity({
  id: newPaddleId("pri"),
  productId: PRODUCT.id,
  name: "Team monthly",
  amount: "1250",
  billingCycle: { interval: "month", frequency: 1 },
  quantity: { minimum: 1, maximum: 50 },
  createdAt: CREATED,
});
export const YEARLY = priceEntity({
  id: newPaddleId("pri"),
  productId: PRODUCT.id,
  name: "Team yearly",
  amount: "12000",
  billingCycle: { interval: "year", frequency: 1 },
  createdAt: CREATED,
});
export const ARCHIVED_PRICE = priceEntity({
  id: newPaddleId("pri"),
  productId: PRODUCT.id,
  name: "Team weekly",
  amount: "400",
  billingCycle: { interval: "week", frequency: 1 },
  status: "archived",
  createdAt: CREATED,
});
export const ORPHAN_PRICE = priceEntity({
  id: newPaddleId("pri"),
  productId: ARCHIVED_PRODUCT.id,
  name: "Old monthly",
  amount: "900",
  billingCycle: { interval: "month", frequency: 1 },
  createdAt: CREATED,
});
export const EURO_PRICE = priceEntity({
  id: newPaddleId("pri"),
  productId: PRODUCT.id,
  name: "Team monthly (EUR)",
  amount: "1100",
  currencyCode: "EUR",
  billingCycle: { interval: "month", frequency: 1 },
  createdAt: CREATED,
});

export const CATALOG: EntityBatch = {
  products: [PRODUCT, ARCHIVED_PRODUCT],
  prices: [MONTHLY, YEARLY, ARCHIVED_PRICE, ORPHAN_PRICE, EURO_PRICE],
};

/** A plan priced per country, as a seller sets overrides in Paddle: euro area and GB. */
export const LOCAL_PRODUCT = productEntity({
  id: newPaddleId("pro"),
  name: "Pro",
  createdAt: CREATED,
});
export const LOCAL_PRO = {
  ...priceEntity({
    id: newPaddleId("pri"),
    productId: LOCAL_PRODUCT.id,
    name: "Pro monthly",
    amount: "3000",
    billingCycle: { interval: "month", frequency: 1 },
    createdAt: CREATED,
  }),
  unit_price_overrides: [
    {
      country_codes: ["AT", "BE", "DE", "ES", "FR", "IE", "IT", "NL"],
      unit_price: { amount: "2800", currency_code: "EUR" },
    },
    { country_codes: ["GB"], unit_price: { amount: "2400", currency_code: "GBP" } },
  ],
};
