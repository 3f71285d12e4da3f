import { assertEquals, assertThrows } from "@std/assert";
import { describeMove, parseClockArgs } from "./paddle_clock.ts";

Deno.test("paddle:clock: exactly one of --advance and --to", () => {
  assertEquals(parseClockArgs(["--advance", "P1M"]), { body: { advance: "P1M" }, json: false });
  assertEquals(parseClockArgs(["--to", "2027-01-15", "--json"]), {
    body: { to: "2027-01-15" },
    json: true,
  });
  assertThrows(() => parseClockArgs([]), Error, "exactly one");
  assertThrows(() => parseClockArgs(["--advance", "P1M", "--to", "2027-01-15"]), Error);
  assertThrows(() => parseClockArgs(["P1M"]), Error, "unexpected argument");
  assertThrows(() => parseClockArgs(["--later"]), Error);
});

Deno.test("paddle:clock: one line per happening, with how many of its webhooks arrived", () => {
  const lines = describeMove({
    from: "2026-12-06T12:00:00Z",
    now: "2027-01-06T12:00:00Z",
    happened: [{
      kind: "payment_failed",
      at: "2026-12-12T10:00:00Z",
      subscription_id: "sub_1",
      customer_id: "ctm_1",
      transaction_id: "txn_1",
      events: [{ type: "transaction.created", event_id: "evt_1" }, {
        type: "transaction.payment_failed",
        event_id: "evt_2",
      }],
    }],
  }, new Map([["evt_1", "delivered"], ["evt_2", "failed"]]));
  assertEquals(lines, [
    "clock: 2026-12-06T12:00:00Z -> 2027-01-06T12:00:00Z",
    "  2026-12-12T10:00:00Z  sub_1  renewal payment FAILED (past due)  txn_1  (1/2 webhooks delivered)",
  ]);
  assertEquals(describeMove({ from: "a", now: "b", happened: [] }, new Map()), [
    "clock: a -> b",
    "  nothing was due",
  ]);
});
