/**
 * Unit tests of the plan change's pure parts: web/plan_change_words.js (Paddle's preview in words,
 * the yearly saving), web/catalog.js (catalog_prices grouped for the dialog) and the words of
 * subscription-update's codes (web/messages.js).
 */
import { assertEquals, assertMatch } from "@std/assert";
import { featureWords, previewWords, yearlySaving } from "../../web/plan_change_words.js";
import { type CatalogRow, shapeCatalog } from "../../web/catalog.js";
import { describeChangeFailure } from "../../web/messages.js";

const month = { interval: "month", frequency: 1 };
const year = { interval: "year", frequency: 1 };

Deno.test("a charge today, then the new recurring price from the next billing date", () => {
  assertEquals(
    previewWords({
      currencyCode: "USD",
      dueNow: "1234",
      credit: "500",
      nextBilledAt: "2027-01-06T10:00:00Z",
      nextTotal: "30000",
      billingCycle: year,
    }, "en-US"),
    "You pay $12.34 today. From Jan 6, 2027: $300.00 per year.",
  );
});

Deno.test("nothing today: the next billing date, the recurring price, and Paddle's credit", () => {
  const preview = {
    currencyCode: "USD",
    dueNow: "0",
    credit: "0",
    nextBilledAt: "2027-01-06T10:00:00Z",
    nextTotal: "1000",
    billingCycle: month,
  };
  assertEquals(
    previewWords(preview, "en-US"),
    "No charge today; from Jan 6, 2027 you pay $10.00 per month.",
  );
  assertEquals(
    previewWords({ ...preview, credit: "667" }, "en-US"),
    "No charge today; from Jan 6, 2027 you pay $10.00 per month. Paddle credits $6.67 for the unused time.",
  );
});

Deno.test("amounts beyond 2^53 stay exact", () => {
  assertMatch(
    previewWords({
      currencyCode: "USD",
      dueNow: "900719925474099312",
      credit: "0",
      nextBilledAt: null,
      nextTotal: "100",
      billingCycle: month,
    }, "en-US"),
    /^You pay \$9,007,199,254,740,993\.12 today\. Then \$1\.00 per month\.$/,
  );
});

Deno.test("the yearly saving: exact, rounded down, never claimed when there is none", () => {
  assertEquals(yearlySaving("3000", "30000"), 16); // 16.67%
  assertEquals(yearlySaving("1000", "10000"), 16);
  assertEquals(yearlySaving("1000", "6000"), 50);
  assertEquals(yearlySaving("1000", "12000"), undefined);
  assertEquals(yearlySaving("1000", "13000"), undefined);
  assertEquals(yearlySaving("1000", "11999"), undefined, "0.008% is not a saving worth a word");
  assertEquals(yearlySaving(null, "10000"), undefined);
  assertEquals(yearlySaving("0", "0"), undefined);
});

Deno.test("the catalog: plans with their monthly and yearly price, features, add-ons apart", () => {
  const row = (over: Record<string, unknown>): CatalogRow =>
    ({
      product_name: "Pro plan",
      price_name: null,
      billing_cycle_interval: "month",
      billing_cycle_frequency: 1,
      amount: "3000",
      currency: "USD",
      quantity_minimum: 1,
      quantity_maximum: 1,
      features: null,
      suggested_addons: null,
      ...over,
    }) as CatalogRow;
  const catalog = shapeCatalog([
    row({
      price_id: "pri_pro_y",
      product_id: "pro_pro",
      role: "plan",
      billing_cycle_interval: "year",
      amount: "30000",
      features: { Projects: "Unlimited", "Priority support": true },
      suggested_addons: ["pro_seats"],
    }),
    row({
      price_id: "pri_pro_m",
      product_id: "pro_pro",
      role: "plan",
      features: { Projects: "Unlimited", "Priority support": true },
      suggested_addons: ["pro_seats"],
    }),
    row({
      price_id: "pri_starter_m",
      product_id: "pro_starter",
      role: "plan",
      product_name: "Starter plan",
      amount: "1000",
      features: { Projects: "3", "Priority support": false },
      suggested_addons: ["pro_seats"],
    }),
    row({
      price_id: "pri_weekly",
      product_id: "pro_starter",
      role: "plan",
      billing_cycle_interval: "week",
      amount: "100",
    }),
    row({
      price_id: "pri_seats_m",
      product_id: "pro_seats",
      role: "addon",
      product_name: "Extra seats",
      amount: "500",
      quantity_maximum: 100,
    }),
  ]);
  assertEquals(catalog.plans.map((p) => p.name), ["Starter plan", "Pro plan"], "cheapest first");
  const pro = catalog.plans[1];
  assertEquals(pro.prices.month?.priceId, "pri_pro_m");
  assertEquals(pro.prices.year?.priceId, "pri_pro_y");
  assertEquals(pro.features, [["Projects", "Unlimited"], ["Priority support", true]]);
  assertEquals(pro.suggestedAddons, ["pro_seats"]);
  assertEquals(catalog.plans[0].prices.year, undefined);
  assertEquals(catalog.addons.get("pro_seats")?.prices.month?.maximum, 100);
  assertEquals(featureWords("Priority support", true), "Priority support");
  assertEquals(featureWords("Priority support", false), "Priority support: no");
  assertEquals(featureWords("Projects", "3"), "Projects: 3");
});

Deno.test("every subscription-update code in words, with what the page offers next", () => {
  const expected: Record<string, string> = {
    payment_declined: "none",
    no_change: "none",
    invalid_items: "none",
    invalid_quantity: "none",
    price_not_found: "reload-list",
    subscription_not_found: "reload-list",
    subscription_not_changeable: "reload-list",
    renewal_too_close: "retry-later",
    nothing_to_keep: "reload-list",
    too_many_requests: "retry-later",
    not_authenticated: "sign-in",
    paddle_unavailable: "retry",
  };
  for (const [code, action] of Object.entries(expected)) {
    const outcome = describeChangeFailure({ kind: "http", code });
    assertEquals(outcome.action, action, code);
    assertMatch(outcome.message, /\w+.*\./, code);
  }
  assertMatch(
    describeChangeFailure({ kind: "http", code: "payment_declined" }).message,
    /card was declined.*not changed/,
  );
  assertEquals(
    describeChangeFailure({ kind: "http", code: "renewal_too_close", retryAfterSeconds: 600 })
      .retryAfterSeconds,
    600,
  );
});
