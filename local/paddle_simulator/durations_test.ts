import { assertEquals } from "@std/assert";
import { addIsoDuration, parseIsoDuration } from "./durations.ts";

Deno.test("durations: ISO-8601 forms parse; anything else is null", () => {
  assertEquals(parseIsoDuration("P1M"), { years: 0, months: 1, days: 0, timeMs: 0 });
  assertEquals(parseIsoDuration("P1Y2M3DT4H5M6.5S"), {
    years: 1,
    months: 2,
    days: 3,
    timeMs: ((4 * 60 + 5) * 60 + 6.5) * 1000,
  });
  assertEquals(parseIsoDuration("P2W"), { years: 0, months: 0, days: 14, timeMs: 0 });
  assertEquals(parseIsoDuration("PT36H")?.timeMs, 36 * 3600 * 1000);
  for (const bad of ["", "P", "PT", "1M", "P1", "P-1M", "P1MT", "p1m", "P1.5M", "month"]) {
    assertEquals(parseIsoDuration(bad), null, bad);
  }
});

Deno.test("durations: months move the calendar, days and time move exactly", () => {
  const at = (iso: string) => new Date(iso);
  const add = (from: string, text: string) =>
    addIsoDuration(at(from), parseIsoDuration(text)!).toISOString();
  assertEquals(add("2026-01-31T10:00:00Z", "P1M"), "2026-02-28T10:00:00.000Z");
  assertEquals(add("2026-12-06T12:00:00Z", "P1M"), "2027-01-06T12:00:00.000Z");
  assertEquals(add("2024-02-29T00:00:00Z", "P1Y"), "2025-02-28T00:00:00.000Z");
  assertEquals(add("2026-03-28T23:00:00Z", "P1DT2H"), "2026-03-30T01:00:00.000Z");
});
