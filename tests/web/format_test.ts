/** Unit tests of web/format.js: money, intervals, dates and statuses as people read them. */
import { assertEquals } from "@std/assert";
import {
  decimalAmount,
  featureWords,
  formatDate,
  formatMoney,
  formatPeriod,
  formatPrice,
  intervalWords,
  minorUnitDigits,
  scheduledChangeWords,
  statusWords,
  yearlySavingPercent,
} from "../../web/format.js";

const month = { interval: "month", frequency: 1 };

Deno.test("amounts are Paddle's lowest denomination, per currency", () => {
  assertEquals(minorUnitDigits("USD"), 2);
  assertEquals(minorUnitDigits("JPY"), 0);
  assertEquals(minorUnitDigits("KRW"), 0);
  assertEquals(decimalAmount("3000", "USD"), "30.00");
  assertEquals(decimalAmount("5", "USD"), "0.05");
  assertEquals(decimalAmount("0", "EUR"), "0.00");
  assertEquals(decimalAmount("3000", "JPY"), "3000");
  assertEquals(decimalAmount(500, "USD", 3), "15.00");
  assertEquals(decimalAmount("12.5", "USD"), undefined);
  assertEquals(decimalAmount("abc", "USD"), undefined);
  // No float on the way: a sum past 2^53 cents stays exact.
  assertEquals(decimalAmount("9007199254740993", "USD"), "90071992547409.93");
});

Deno.test("formatMoney: the currency's symbol and digits, by locale", () => {
  assertEquals(formatMoney("3000", "USD", { locale: "en-US" }), "$30.00");
  assertEquals(formatMoney("3000", "JPY", { locale: "en-US" }), "¥3,000");
  assertEquals(formatMoney("123456", "EUR", { locale: "de-DE" }), "1.234,56\u00a0€");
  assertEquals(formatMoney("500", "USD", { locale: "en-US", quantity: 3 }), "$15.00");
  assertEquals(formatMoney(null, "USD"), undefined);
  assertEquals(formatMoney("100", null), undefined);
  assertEquals(formatMoney("100", "NOT A CURRENCY"), undefined);
});

Deno.test("formatPrice: per interval, every N intervals, once", () => {
  assertEquals(formatPrice("3000", "USD", month, { locale: "en-US" }), "$30.00 per month");
  assertEquals(
    formatPrice("9000", "USD", { interval: "month", frequency: 3 }, { locale: "en-US" }),
    "$90.00 every 3 months",
  );
  assertEquals(
    formatPrice("120000", "JPY", { interval: "year", frequency: 1 }, { locale: "en-US" }),
    "¥120,000 per year",
  );
  assertEquals(
    formatPrice("9900", "USD", { interval: null, frequency: null }, { locale: "en-US" }),
    "$99.00 once",
  );
  assertEquals(intervalWords({ interval: "week", frequency: 2 }), "2 weeks");
});

// 10:00 UTC is the same calendar day in every time zone from UTC-10 to UTC+13.
Deno.test("dates, periods and scheduled changes", () => {
  assertEquals(formatDate("2026-12-12T10:00:00Z", "en-US"), "Dec 12, 2026");
  assertEquals(formatDate(null), undefined);
  assertEquals(formatDate("not a date"), undefined);
  assertEquals(
    formatPeriod("2026-11-12T10:00:00Z", "2026-12-12T10:00:00Z", "en-US"),
    "Nov 12 – Dec 12, 2026",
  );
  assertEquals(formatPeriod(null, "2026-12-12T10:00:00Z"), undefined);
  assertEquals(
    scheduledChangeWords("cancel", "2026-12-12T10:00:00Z", "en-US"),
    "Cancels on Dec 12, 2026",
  );
  assertEquals(
    scheduledChangeWords("pause", "2026-12-12T10:00:00Z", "en-GB"),
    "Pauses on 12 Dec 2026",
  );
  assertEquals(scheduledChangeWords("cancel", null), "Cancels soon");
  assertEquals(scheduledChangeWords(null, "2026-12-12T10:00:00Z"), undefined);
});

Deno.test("statuses in words", () => {
  assertEquals(statusWords("active"), "Active");
  assertEquals(statusWords("trialing"), "Trial");
  assertEquals(statusWords("past_due"), "Payment overdue");
  assertEquals(statusWords("paused"), "Paused");
  assertEquals(statusWords("canceled"), "Canceled");
  assertEquals(statusWords("something_new"), "something new");
});

Deno.test("yearly saving: whole percent against twelve months, rounded down, exact", () => {
  const usd = (amount: string | number) => ({ amount, currency: "USD" });
  assertEquals(yearlySavingPercent(usd("1000"), usd("10000")), 16, "16.67% is never overstated");
  assertEquals(yearlySavingPercent(usd("3000"), usd("30000")), 16);
  assertEquals(yearlySavingPercent(usd(1000), usd(9600)), 20);
  assertEquals(yearlySavingPercent(usd("999"), usd("9990")), 16);
  // Beyond what a float holds exactly: 12 × 900719925474099 = 10808639105689188.
  assertEquals(yearlySavingPercent(usd("900719925474099"), usd("10808639105689187")), undefined);
  assertEquals(yearlySavingPercent(usd("900719925474099"), usd("9727775194120269")), 10);
  for (
    const [m, y] of [
      [usd("1000"), usd("12000")],
      [usd("1000"), usd("13000")],
      [usd("0"), usd("0")],
      [usd("x"), usd("100")],
      [usd("1000"), { amount: "10000", currency: "EUR" }],
      [undefined, usd("100")],
    ] as const
  ) {
    assertEquals(yearlySavingPercent(m, y), undefined, JSON.stringify([m, y]));
  }
});

Deno.test("features in words", () => {
  assertEquals(featureWords("Priority support", true), "Priority support");
  assertEquals(featureWords("Priority support", false), "Priority support: not included");
  assertEquals(featureWords("Projects", "Unlimited"), "Projects: Unlimited");
  assertEquals(featureWords("Seats", 5), "Seats: 5");
});
