/** A subscriber's price in their subscription's currency (web/price_in_currency.js). */
import { assertEquals } from "@std/assert";
import { priceInCurrency } from "../../web/price_in_currency.js";
import { shapeSubscription } from "../../web/data.js";

const OVERRIDES = [
  { country_codes: ["DE", "FR"], unit_price: { amount: "2700", currency_code: "EUR" } },
  { country_codes: ["GB"], unit_price: { amount: "2400", currency_code: "GBP" } },
];
const PRICE = { amount: "3000", currency: "USD", overrides: OVERRIDES };

Deno.test("the base price in its own currency; an override's amount in the subscription's", () => {
  assertEquals(priceInCurrency(PRICE, "USD"), { amount: "3000", currency: "USD" });
  assertEquals(priceInCurrency(PRICE, "EUR"), { amount: "2700", currency: "EUR" });
  assertEquals(priceInCurrency(PRICE, "GBP"), { amount: "2400", currency: "GBP" });
  assertEquals(priceInCurrency(PRICE, null), { amount: "3000", currency: "USD" });
});

Deno.test("never converted: no amount when the currency has none, or two different ones", () => {
  assertEquals(priceInCurrency(PRICE, "JPY"), { amount: null, currency: "JPY" });
  assertEquals(priceInCurrency({ ...PRICE, overrides: null }, "EUR"), {
    amount: null,
    currency: "EUR",
  });
  const twoEuroPrices = [
    ...OVERRIDES,
    { country_codes: ["IE"], unit_price: { amount: "2900", currency_code: "EUR" } },
  ];
  assertEquals(priceInCurrency({ ...PRICE, overrides: twoEuroPrices }, "EUR").amount, null);
});

Deno.test("a euro subscription's card shows its euro amounts and total", () => {
  const sub = shapeSubscription({
    subscription_id: "sub_01jdemoeuro0000000000000000",
    status: "active",
    customer_id: "ctm_01jdemoeuro0000000000000000",
    price_id: "pri_01jdemopricepro00000000000",
    currency_code: "EUR",
    billing_cycle_interval: "month",
    billing_cycle_frequency: 1,
    current_period_starts_at: null,
    current_period_ends_at: null,
    next_billed_at: null,
    scheduled_change_action: null,
    scheduled_change_effective_at: null,
    started_at: null,
    created_at: null,
    subscription_items: [{
      price_id: "pri_01jdemopricepro00000000000",
      product_id: "pro_01jdemoproduct000000000000",
      quantity: 2,
      status: "active",
      recurring: true,
      prices: {
        name: "Pro monthly",
        description: null,
        amount: "3000",
        currency: "USD",
        billing_cycle_interval: "month",
        billing_cycle_frequency: 1,
        overrides: OVERRIDES,
        products: { name: "Pro plan" },
      },
    }],
  });
  assertEquals([sub.items[0].amount, sub.items[0].currency], ["2700", "EUR"]);
  assertEquals(sub.total, { amount: "5400", currency: "EUR" });
});
