// @ts-check
/**
 * The currencies Paddle bills in and the digits of each one's lowest denomination, the unit of
 * every amount Paddle sends ("3000" USD is $30.00, "3000" JPY is ¥3,000).
 *
 * Source: Paddle's supported currencies (https://developer.paddle.com/concepts/sell/supported-currencies)
 * and its currency entity's `decimal_places` (https://developer.paddle.com/api-reference/currencies),
 * the list as typed by @paddle/paddle-node-sdk 3.10.0 (`CurrencyCode`), CLP and PEN added in
 * March 2026 (https://developer.paddle.com/changelog/2026/clp-pen-currencies). Paddle follows
 * ISO 4217 minor units: two digits except JPY, KRW, CLP and VND.
 *
 * Why a table and not Intl: browsers and runtimes take the digits from their own CLDR data,
 * which gives COP and HUF (and IDR) no decimals in some builds and two in others, so the same
 * Paddle amount would read 100× apart. Intl is used only for symbols and separators.
 */

/** @type {Readonly<Record<string, number>>} */
export const PADDLE_CURRENCY_DIGITS = Object.freeze({
  ARS: 2,
  AUD: 2,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CLP: 0,
  CNY: 2,
  COP: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  HUF: 2,
  ILS: 2,
  INR: 2,
  JPY: 0,
  KRW: 0,
  MXN: 2,
  NOK: 2,
  NZD: 2,
  PEN: 2,
  PLN: 2,
  RUB: 2,
  SEK: 2,
  SGD: 2,
  THB: 2,
  TRY: 2,
  TWD: 2,
  UAH: 2,
  USD: 2,
  VND: 0,
  ZAR: 2,
});

/**
 * Digits after the decimal point in a Paddle amount of this currency, or undefined for a
 * currency Paddle does not bill in (the caller shows no amount rather than a guessed one).
 *
 * @param {string} currency ISO 4217 code
 * @returns {number | undefined}
 */
export function paddleCurrencyDigits(currency) {
  return Object.hasOwn(PADDLE_CURRENCY_DIGITS, currency)
    ? PADDLE_CURRENCY_DIGITS[currency]
    : undefined;
}
