/**
 * Unit tests of the plan change's pure parts: web/plan_change_words.js (Paddle's preview in words)
 * and the words of subscription-update's codes (web/messages.js).
 */
import { assertEquals, assertMatch } from "@std/assert";
import { previewWords } from "../../web/plan_change_words.js";
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
