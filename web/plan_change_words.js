// @ts-check
/**
 * The words of a plan change: Paddle's preview as a sentence.
 * Pure functions without DOM access (unit-tested in Deno, tests/web/plan_change_words_test.ts).
 * Every amount is Paddle's, in minor units, and every sum exact (BigInt).
 */
import { formatDate, formatMoney, formatPrice } from "./format.js";

/**
 * @typedef {object} Preview subscription-update's `preview`
 * @property {string} currencyCode
 * @property {string} dueNow minor units
 * @property {string} credit minor units
 * @property {string | null} nextBilledAt
 * @property {string} nextTotal minor units, per billing period
 * @property {{ interval: string, frequency: number }} billingCycle
 */

/**
 * "You pay $12.34 today. From 6 Jan 2027: $300.00 per year." or
 * "No charge today; from 6 Jan 2027 you pay $10.00 per month." (with the credit, when Paddle
 * gives one and nothing is due today).
 *
 * @param {Preview} preview
 * @param {string} [locale]
 */
export function previewWords(preview, locale = undefined) {
  const currency = preview.currencyCode;
  const recurring = formatPrice(preview.nextTotal, currency, preview.billingCycle, { locale }) ??
    "";
  const from = formatDate(preview.nextBilledAt, locale);
  const due = /^\d+$/.test(preview.dueNow) ? BigInt(preview.dueNow) : 0n;
  if (due > 0n) {
    const today = formatMoney(preview.dueNow, currency, { locale });
    return from
      ? `You pay ${today} today. From ${from}: ${recurring}.`
      : `You pay ${today} today. Then ${recurring}.`;
  }
  const credit = /^\d+$/.test(preview.credit) && BigInt(preview.credit) > 0n
    ? ` Paddle credits ${formatMoney(preview.credit, currency, { locale })} for the unused time.`
    : "";
  return from
    ? `No charge today; from ${from} you pay ${recurring}.${credit}`
    : `No charge today; then you pay ${recurring}.${credit}`;
}
