import { assertEquals, assertThrows } from "@std/assert";
import { SimulatedClock } from "./clock.ts";

Deno.test("clock: follows the wall clock until moved, then stays ahead by what it was moved", () => {
  let wall = Date.UTC(2027, 0, 6, 12);
  const clock = new SimulatedClock(() => wall);
  assertEquals(clock.now().toISOString(), "2027-01-06T12:00:00.000Z");
  clock.advanceBy(60_000);
  assertEquals(clock.now().toISOString(), "2027-01-06T12:01:00.000Z");
  wall += 1_000;
  assertEquals(clock.now().toISOString(), "2027-01-06T12:01:01.000Z");
  assertEquals(clock.offsetMs, 60_000);
  clock.advanceTo(new Date("2027-02-06T12:01:01Z"));
  assertEquals(clock.nowMs(), Date.UTC(2027, 1, 6, 12, 1, 1));
});

Deno.test("clock: never moves back, nor by a fraction or a non-number", () => {
  const clock = new SimulatedClock(() => Date.UTC(2027, 0, 6));
  assertThrows(() => clock.advanceTo(new Date("2027-01-05T00:00:00Z")), RangeError);
  assertThrows(() => clock.advanceBy(-1), RangeError);
  assertThrows(() => clock.advanceBy(0.5), RangeError);
  assertThrows(() => clock.advanceTo(new Date("not a date")), RangeError);
  assertEquals(clock.offsetMs, 0, "a refused move changes nothing");
});
