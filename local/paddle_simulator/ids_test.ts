import { assert, assertEquals, assertMatch, assertNotEquals } from "@std/assert";
import {
  CUSTOMER_ID,
  newPaddleId,
  newPortalToken,
  paddleTimestamp,
  PORTAL_ID,
  PORTAL_SESSION_ID,
  SUBSCRIPTION_ID,
} from "./ids.ts";

Deno.test("ids: every prefix produces Paddle's <prefix>_<26 lowercase alnum> shape", () => {
  assertMatch(newPaddleId("ctm"), CUSTOMER_ID);
  assertMatch(newPaddleId("sub"), SUBSCRIPTION_ID);
  assertMatch(newPaddleId("cpls"), PORTAL_SESSION_ID);
  assertMatch(newPaddleId("cpl"), PORTAL_ID);
  // Crockford base32 leaves out i, l, o and u, as Paddle's ULIDs do.
  for (let i = 0; i < 200; i++) assertMatch(newPaddleId("ctm"), /^ctm_[0-9a-hjkmnp-tv-z]{26}$/);
});

Deno.test("ids: unique, and ordered by creation time like ULIDs", () => {
  const ids = new Set(Array.from({ length: 1000 }, () => newPaddleId("cpls")));
  assertEquals(ids.size, 1000);
  const earlier = newPaddleId("sub", Date.UTC(2024, 0, 1));
  const later = newPaddleId("sub", Date.UTC(2025, 0, 1));
  assert(earlier < later, `${earlier} should sort before ${later}`);
  assertEquals(newPaddleId("sub", 0).slice(4, 14), "0000000000");
});

Deno.test("ids: portal tokens are pga_ prefixed, URL-safe and unguessable", () => {
  const token = newPortalToken();
  assertMatch(token, /^pga_[A-Za-z0-9_-]{43}$/);
  assertEquals(encodeURIComponent(token), token);
  assertNotEquals(newPortalToken(), token);
});

Deno.test("ids: timestamps are RFC 3339 UTC without fractional seconds", () => {
  assertEquals(paddleTimestamp(new Date("2024-10-25T06:53:58.123Z")), "2024-10-25T06:53:58Z");
  assertMatch(paddleTimestamp(new Date()), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
});
