/** web/local_prices.js: Paddle's pricing preview as the plan list shows it. */
import { assertEquals, assertRejects } from "@std/assert";
import {
  fetchLocalPrices,
  localPricesFromPreview,
  localPriceWords,
  type PricePreview,
} from "../../web/local_prices.js";

const month = { interval: "month", frequency: 1 };

// deno-lint-ignore no-explicit-any
function answer(country: string | null, currency: string, lines: [string, string, string][]): any {
  return {
    data: {
      currencyCode: currency,
      address: country ? { countryCode: country } : null,
      details: {
        lineItems: lines.map(([id, subtotal, tax]) => ({
          price: { id },
          unitTotals: { subtotal, tax, total: String(BigInt(subtotal) + BigInt(tax)) },
        })),
      },
    },
  };
}

Deno.test("with tax known: the total and incl. VAT (incl. tax for sales tax); else + tax", () => {
  const de = localPricesFromPreview(answer("DE", "EUR", [["pri_a", "2269", "431"]]));
  assertEquals(de.country, "DE");
  assertEquals(de.prices.get("pri_a"), { amount: "2700", currency: "EUR", taxWords: "incl. VAT" });
  assertEquals(
    localPriceWords(de.prices.get("pri_a")!, month, "en-US"),
    "€27.00 per month incl. VAT",
  );
  const us = localPricesFromPreview(answer("US", "USD", [["pri_a", "3000", "0"]]));
  assertEquals(localPriceWords(us.prices.get("pri_a")!, month, "en-US"), "$30.00 per month + tax");
  const ny = localPricesFromPreview(answer("US", "USD", [["pri_a", "3000", "266"]]));
  assertEquals(ny.prices.get("pri_a")?.taxWords, "incl. tax");
  assertEquals(localPricesFromPreview(answer(null, "USD", [])).country, undefined);
});

Deno.test("a refused batch is asked again in halves; the prices Paddle knows still show", async () => {
  const asked: string[][] = [];
  const preview: PricePreview = (request) => {
    const ids = request.items.map((item) => item.priceId);
    asked.push(ids);
    if (ids.includes("pri_gone")) return Promise.reject(new Error("not_found"));
    return Promise.resolve(answer("DE", "EUR", ids.map((id) => [id, "1000", "190"])));
  };
  const local = await fetchLocalPrices(preview, ["pri_a", "pri_gone", "pri_b"], "DE");
  assertEquals(asked, [["pri_a", "pri_gone", "pri_b"], ["pri_a", "pri_gone"], ["pri_a"], [
    "pri_gone",
  ], ["pri_b"]]);
  assertEquals([...local.prices.keys()].sort(), ["pri_a", "pri_b"]);
  assertEquals(local.country, "DE");
  const none: PricePreview = () => Promise.reject(new Error("offline"));
  await assertRejects(() => fetchLocalPrices(none, ["pri_a", "pri_b"], "DE"), Error, "offline");
});

Deno.test("hundreds of prices: batches of 100, and a bounded number of previews when refused", async () => {
  const ids = Array.from({ length: 250 }, (_, i) => `pri_${String(i).padStart(3, "0")}`);
  const sizes: number[] = [];
  const fine: PricePreview = (request) => {
    sizes.push(request.items.length);
    const lines = request.items.map((item) =>
      [item.priceId, "100", "19"] as [string, string, string]
    );
    return Promise.resolve(answer("DE", "EUR", lines));
  };
  assertEquals((await fetchLocalPrices(fine, ids, "DE")).prices.size, 250);
  assertEquals(sizes, [100, 100, 50]);
  let calls = 0;
  const refusing: PricePreview = () => {
    calls++;
    return Promise.reject(new Error("not_found"));
  };
  await assertRejects(() => fetchLocalPrices(refusing, ids, "DE"), Error, "not_found");
  assertEquals(calls, 16);
});
