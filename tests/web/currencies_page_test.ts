/**
 * The page's money formatting in Chromium gives the same numbers as in Deno for every currency
 * Paddle bills in: both read the digits from web/currencies.js, never from the engine's Intl data
 * (which disagree about COP and HUF between engines and builds).
 */
import { assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { PADDLE_CURRENCY_DIGITS } from "../../web/currencies.js";
import { formatMoney } from "../../web/format.js";
import { browserStep, launchChromium, pageOrigin } from "./_browser.ts";
import { expectedNumber, numbersShown, SAMPLE_AMOUNT, SAMPLE_LOCALES } from "./currency_digits.ts";

Deno.test({
  name: "currency formatting in Chromium",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const browser: Browser = await launchChromium();
    try {
      await browserStep(
        t,
        browser,
        "every currency in the table shows the same number in Chromium as in Deno",
        async ({ page }) => {
          // A page of the site without its app, so nothing else runs.
          await page.goto(`${pageOrigin()}/favicon.svg`);
          const currencies = Object.keys(PADDLE_CURRENCY_DIGITS);
          const inChromium = await page.evaluate(`(async () => {
            const { formatMoney } = await import(${JSON.stringify(`${pageOrigin()}/format.js`)});
            const numbersShown = ${numbersShown.toString()};
            return numbersShown(formatMoney, ${JSON.stringify(currencies)},
              ${JSON.stringify(SAMPLE_AMOUNT)}, ${JSON.stringify(SAMPLE_LOCALES)});
          })()`) as Record<string, string>;
          const inDeno = numbersShown(formatMoney, currencies, SAMPLE_AMOUNT, SAMPLE_LOCALES);
          assertEquals(Object.keys(inChromium).length, currencies.length * SAMPLE_LOCALES.length);
          assertEquals(inChromium, inDeno);
          for (const currency of currencies) {
            assertEquals(
              inChromium[`en-US ${currency}`],
              expectedNumber(SAMPLE_AMOUNT, PADDLE_CURRENCY_DIGITS[currency]),
              currency,
            );
          }
        },
      );
    } finally {
      await browser.close();
    }
  },
});
