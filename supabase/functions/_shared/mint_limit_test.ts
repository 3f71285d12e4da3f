import assert from "node:assert/strict";
import {
  DEFAULT_MINT_RATE_LIMIT_PER_MINUTE,
  mintRateLimitSetting,
  mintSlotSchema,
} from "./mint_limit.ts";

Deno.test("the setting: default 10, 0 is off, whole numbers only", () => {
  assert.equal(DEFAULT_MINT_RATE_LIMIT_PER_MINUTE, 10);
  assert.equal(mintRateLimitSetting.parse(undefined), 10);
  assert.equal(mintRateLimitSetting.parse(""), 10);
  assert.equal(mintRateLimitSetting.parse("0"), 0);
  assert.equal(mintRateLimitSetting.parse(" 25 "), 25);
  for (const bad of ["-1", "2.5", "1e3", "x", "100001"]) {
    assert.equal(mintRateLimitSetting.safeParse(bad).success, false, bad);
  }
});

Deno.test("the RPC's slot: taken, or refused with the seconds until one frees", () => {
  assert.deepEqual(mintSlotSchema.parse({ taken: true, retry_after_seconds: null }), {
    taken: true,
  });
  assert.deepEqual(mintSlotSchema.parse({ taken: false, retry_after_seconds: 60 }), {
    taken: false,
    retryAfterSeconds: 60,
  });
  for (
    const bad of [
      { taken: false, retry_after_seconds: null },
      { taken: false, retry_after_seconds: 0 },
      { taken: false, retry_after_seconds: 61 },
      { taken: "yes", retry_after_seconds: null },
    ]
  ) {
    assert.equal(mintSlotSchema.safeParse(bad).success, false, JSON.stringify(bad));
  }
});
