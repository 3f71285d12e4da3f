/**
 * ISO-8601 durations (`P1M`, `P1Y2M10DT2H30M`, `P2W`) as `POST /__clock {"advance": …}` takes
 * them. Years and months move the calendar (a month from Jan 31 is the last day of February, as
 * Paddle bills), days move whole UTC days, and the time part moves exact hours, minutes and
 * seconds, so "P1M" lands where a monthly renewal falls.
 */

export interface IsoDuration {
  years: number;
  months: number;
  days: number;
  /** Hours, minutes and (possibly fractional) seconds, in milliseconds. */
  timeMs: number;
}

const PATTERN =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;

/** Parses a duration; null when it is not one (or is empty, like "P" or "PT"). */
export function parseIsoDuration(text: string): IsoDuration | null {
  const match = PATTERN.exec(text);
  if (!match || text === "P" || text.endsWith("T")) return null;
  const [, y, mo, w, d, h, mi, s] = match.map((part) => part === undefined ? 0 : Number(part));
  const duration = {
    years: y,
    months: mo,
    days: 7 * w + d,
    timeMs: Math.round(((h * 60 + mi) * 60 + s) * 1000),
  };
  const numbers = Object.values(duration);
  return numbers.every(Number.isSafeInteger) ? duration : null;
}

/** `from` moved forward by the duration, in UTC. */
export function addIsoDuration(from: Date, duration: IsoDuration): Date {
  const date = addMonths(from, 12 * duration.years + duration.months);
  date.setUTCDate(date.getUTCDate() + duration.days);
  return new Date(date.getTime() + duration.timeMs);
}

/** Calendar months later in UTC; a day past the target month's end becomes its last day. */
export function addMonths(from: Date, months: number): Date {
  const date = new Date(from.getTime());
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0))
    .getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date;
}
