// @ts-check
/**
 * Words and numbers as a person reads them: money per billing interval, dates, periods and
 * statuses. Pure functions without DOM access (unit-tested in Deno, tests/web/format_test.ts);
 * the locale is a parameter so tests are exact, and the page passes the browser's.
 */
import { paddleCurrencyDigits } from "./currencies.js";

/**
 * @typedef {object} Cycle
 * @property {string | null} interval `day` | `week` | `month` | `year`, null for one-time prices
 * @property {number | null} frequency
 */

const STATUS_WORDS = /** @type {Record<string, string>} */ ({
  active: "Active",
  trialing: "Trial",
  past_due: "Payment overdue",
  paused: "Paused",
  canceled: "Canceled",
});

const SCHEDULED_WORDS = /** @type {Record<string, string>} */ ({
  cancel: "Cancels on",
  pause: "Pauses on",
  resume: "Resumes on",
});

/** @param {string} status */
export function statusWords(status) {
  return STATUS_WORDS[status] ?? status.replaceAll("_", " ");
}

/**
 * "Cancels on Dec 12, 2026": a scheduled change and its date, or undefined when there is none.
 *
 * @param {string | null} action
 * @param {string | null} effectiveAt ISO time
 * @param {string} [locale]
 */
export function scheduledChangeWords(action, effectiveAt, locale = undefined) {
  if (!action) return undefined;
  const what = SCHEDULED_WORDS[action] ?? `Scheduled to ${action} on`;
  const when = formatDate(effectiveAt, locale);
  return when ? `${what} ${when}` : what.replace(/ on$/, " soon");
}

/**
 * Digits after the decimal point in a currency's lowest denomination, from Paddle's own table
 * (currencies.js), never from Intl: runtimes disagree about COP and HUF.
 *
 * @param {string} currency
 * @returns {number | undefined} undefined for a currency Paddle does not bill in
 */
export function minorUnitDigits(currency) {
  return paddleCurrencyDigits(currency);
}

/**
 * Paddle's lowest-denomination amount (a string of digits, or a number from a numeric column)
 * times a quantity, as a decimal string ("4500", 2 digits → "45.00"). Integer arithmetic
 * throughout: no float ever holds money.
 *
 * @param {string | number} amount
 * @param {string} currency
 * @param {number} [quantity]
 * @returns {string | undefined} undefined when the amount is not an integer or the currency
 *   is not one Paddle bills in
 */
export function decimalAmount(amount, currency, quantity = 1) {
  const text = String(amount).trim();
  if (!/^-?\d+$/.test(text) || !Number.isInteger(quantity)) return undefined;
  const digits = minorUnitDigits(currency);
  if (digits === undefined) return undefined;
  const total = BigInt(text) * BigInt(quantity);
  const negative = total < 0n;
  const units = (negative ? -total : total).toString().padStart(digits + 1, "0");
  const whole = units.slice(0, units.length - digits);
  const fraction = digits ? `.${units.slice(units.length - digits)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/**
 * "$45.00", "¥3,000", "45,00 €" (by locale). The amount is formatted from its exact decimal
 * string, as Intl.NumberFormat v3 allows, with exactly Paddle's digits: Intl supplies only the
 * symbol, the separators and their order.
 *
 * @param {string | number | null} amount lowest denomination
 * @param {string | null} currency ISO 4217 code
 * @param {{ quantity?: number, locale?: string }} [options]
 * @returns {string | undefined}
 */
export function formatMoney(amount, currency, options = {}) {
  if (amount === null || amount === undefined || !currency) return undefined;
  const decimal = decimalAmount(amount, currency, options.quantity ?? 1);
  const digits = minorUnitDigits(currency);
  if (decimal === undefined || digits === undefined) return undefined;
  const format = new Intl.NumberFormat(options.locale, {
    style: "currency",
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  // format() takes a decimal string exactly (Intl.NumberFormat v3); the DOM lib types it as number.
  return format.format(/** @type {number} */ (/** @type {unknown} */ (decimal)));
}

/**
 * "month", "3 months", "year": the billing interval in words.
 *
 * @param {Cycle} cycle
 */
export function intervalWords(cycle) {
  if (!cycle.interval) return undefined;
  const n = cycle.frequency ?? 1;
  return n === 1 ? cycle.interval : `${n} ${cycle.interval}s`;
}

/**
 * "$30.00 per month", "$90.00 every 3 months", "$99.00 once".
 *
 * @param {string | number | null} amount
 * @param {string | null} currency
 * @param {Cycle} cycle
 * @param {{ quantity?: number, locale?: string }} [options]
 */
export function formatPrice(amount, currency, cycle, options = {}) {
  const money = formatMoney(amount, currency, options);
  if (!money) return undefined;
  const interval = intervalWords(cycle);
  if (!interval) return `${money} once`;
  return (cycle.frequency ?? 1) === 1 ? `${money} per ${interval}` : `${money} every ${interval}`;
}

/**
 * @param {string | null | undefined} iso
 * @param {string} [locale]
 * @returns {string | undefined}
 */
export function formatDate(iso, locale = undefined) {
  const date = parseDate(iso);
  return date ? dateFormat(locale).format(date) : undefined;
}

/**
 * "Nov 12 – Dec 12, 2026": a billing period.
 *
 * @param {string | null | undefined} startsAt
 * @param {string | null | undefined} endsAt
 * @param {string} [locale]
 */
export function formatPeriod(startsAt, endsAt, locale = undefined) {
  const start = parseDate(startsAt);
  const end = parseDate(endsAt);
  if (!start || !end) return undefined;
  return dateFormat(locale).formatRange(start, end);
}

/** @param {string | null | undefined} iso */
export function parseDate(iso) {
  if (!iso) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** @param {string | undefined} locale */
function dateFormat(locale) {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
}

/**
 * The whole percent a yearly price saves against twelve months of the monthly one, rounded down
 * so it is never overstated ("save 16%" for $10.00 a month or $100.00 a year: 16.67% saved).
 * Integer arithmetic on Paddle's lowest-denomination amounts; undefined unless both are whole
 * amounts in one currency and the yearly price is the cheaper.
 *
 * @param {{ amount: string | number | null, currency: string | null } | undefined} monthly
 * @param {{ amount: string | number | null, currency: string | null } | undefined} yearly
 * @returns {number | undefined}
 */
export function yearlySavingPercent(monthly, yearly) {
  if (!monthly || !yearly || !monthly.currency || monthly.currency !== yearly.currency) {
    return undefined;
  }
  const m = String(monthly.amount ?? "").trim();
  const y = String(yearly.amount ?? "").trim();
  if (!/^\d+$/.test(m) || !/^\d+$/.test(y)) return undefined;
  const twelve = BigInt(m) * 12n;
  const yearlyAmount = BigInt(y);
  if (twelve === 0n || yearlyAmount >= twelve) return undefined;
  const percent = Number(((twelve - yearlyAmount) * 100n) / twelve);
  return percent > 0 ? percent : undefined;
}

/**
 * A plan feature as words: the name alone when it is simply included, "not included" when it
 * is not, otherwise "name: value" (custom_data.features as a seller writes it).
 *
 * @param {string} name
 * @param {unknown} value
 */
export function featureWords(name, value) {
  if (value === true) return name;
  if (value === false || value === null) return `${name}: not included`;
  if (typeof value === "string" || typeof value === "number") return `${name}: ${value}`;
  return name;
}
