/**
 * What both currency tests compute, in Deno and (serialized into the page) in Chromium: an
 * amount formatted by web/format.js in every currency of web/currencies.js, reduced to its
 * number as `digits.fraction` (grouping dropped, the decimal separator read from Intl's own
 * parts for the locale), so two engines whose symbols differ still must agree on the amount.
 */
export const SAMPLE_AMOUNT = "123456789";
export const SAMPLE_LOCALES = ["en-US", "de-DE", "ja-JP"];

/** Runs inside either engine; it may use only its arguments (it is sent to the page as text). */
export function numbersShown(
  formatMoney: (
    amount: string,
    currency: string,
    options: { locale: string },
  ) => string | undefined,
  currencies: string[],
  amount: string,
  locales: string[],
): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const locale of locales) {
    const decimal = new Intl.NumberFormat(locale).formatToParts(1.5)
      .find((part) => part.type === "decimal")?.value ?? ".";
    const group = new Intl.NumberFormat(locale).formatToParts(10000000)
      .find((part) => part.type === "group")?.value ?? ",";
    for (const currency of currencies) {
      const text = formatMoney(amount, currency, { locale }) ?? "(none)";
      const number = text.split(group).join("").split(decimal).join(".").replace(/[^\d.]/g, "");
      shown[`${locale} ${currency}`] = number;
    }
  }
  return shown;
}

/** What Paddle means by the amount: its digits with the table's minor unit. */
export function expectedNumber(amount: string, digits: number): string {
  return digits === 0 ? amount : `${amount.slice(0, -digits)}.${amount.slice(-digits)}`;
}
