import assert from "node:assert/strict";
import { chooseProration } from "./proration.ts";

const same = { intervalChanges: false, scheduledChange: null };

Deno.test("an upgrade on the same interval is billed now; a downgrade or the same total at the next period", () => {
  assert.equal(
    chooseProration({ ...same, currentTotal: "1000", newTotal: "3000" }),
    "prorated_immediately",
  );
  assert.equal(
    chooseProration({ ...same, currentTotal: "3000", newTotal: "1000" }),
    "prorated_next_billing_period",
  );
  assert.equal(
    chooseProration({ ...same, currentTotal: "3000", newTotal: "3000" }),
    "prorated_next_billing_period",
  );
});

Deno.test("any interval change is billed now, as Paddle requires, even when it costs less per period", () => {
  for (const [currentTotal, newTotal] of [["3000", "30000"], ["30000", "3000"]]) {
    assert.equal(
      chooseProration({ intervalChanges: true, scheduledChange: null, currentTotal, newTotal }),
      "prorated_immediately",
    );
  }
});

Deno.test("with a cancellation scheduled Paddle refuses next-period modes, so a downgrade is prorated now", () => {
  assert.equal(
    chooseProration({
      intervalChanges: false,
      scheduledChange: "cancel",
      currentTotal: "3000",
      newTotal: "1000",
    }),
    "prorated_immediately",
  );
});

Deno.test("totals compare exactly beyond 2^53", () => {
  assert.equal(
    chooseProration({ ...same, currentTotal: "9007199254740993", newTotal: "9007199254740992" }),
    "prorated_next_billing_period",
  );
  assert.equal(
    chooseProration({ ...same, currentTotal: "9007199254740992", newTotal: "9007199254740993" }),
    "prorated_immediately",
  );
});
