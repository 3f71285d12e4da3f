/**
 * Paddle's currency table (web/currencies.js) drives every amount the page formats: each listed
 * currency shows Paddle's minor unit, whatever the runtime's own Intl data says.
 */
import { assertEquals } from "@std/assert";
import { PADDLE_CURRENCY_DIGITS, paddleCurrencyDigits } from "../../web/currencies.js";
import { decimalAmount, formatMoney } from "../../web/format.js";
import { expectedNumber, numbersShown, SAMPLE_AMOUNT, SAMPLE_LOCALES } from "./currency_digits.ts";

Deno.test("every Paddle currency formats with Paddle's digits in Deno, in three locales", () => {
  const currencies = Object.keys(PADDLE_CURRENCY_DIGITS);
  assertEquals(currencies.length, 33);
  const shown = numbersShown(formatMoney, currencies, SAMPLE_AMOUNT, SAMPLE_LOCALES);
  for (const locale of SAMPLE_LOCALES) {
    for (const currency of currencies) {
      assertEquals(
        shown[`${locale} ${currency}`],
        expectedNumber(SAMPLE_AMOUNT, PADDLE_CURRENCY_DIGITS[currency]),
        `${locale} ${currency}`,
      );
    }
  }
});

Deno.test("the currencies runtimes disagree on follow Paddle, not Intl", () => {
  // Node's ICU gives COP and HUF no decimals; Paddle bills them in hundredths.
  assertEquals(paddleCurrencyDigits("COP"), 2);
  assertEquals(paddleCurrencyDigits("HUF"), 2);
  assertEquals(decimalAmount("150000", "COP"), "1500.00");
  assertEquals(
    formatMoney("150000", "HUF", { locale: "en-US" })?.replace(/[^\d.,]/g, ""),
    "1,500.00",
  );
  assertEquals(paddleCurrencyDigits("KRW"), 0);
  assertEquals(formatMoney("15000", "KRW", { locale: "en-US" }), "₩15,000");
  assertEquals(formatMoney("15000", "CLP", { locale: "en-US" })?.replace(/[^\d.,]/g, ""), "15,000");
});

Deno.test("a currency Paddle does not bill in has no digits and no amount", () => {
  for (const code of ["IDR", "XXX", "usd", "", "toString", "__proto__"]) {
    assertEquals(paddleCurrencyDigits(code), undefined, code);
    assertEquals(formatMoney("100", code), undefined, code);
  }
});
