/**
 * How long Paddle takes to answer: a fixed time or a uniform spread per API request
 * (`PADDLE_SIMULATOR_LATENCY_MS=120` or `80-160`). Without it the simulator answers as fast as
 * the machine allows, which no client of Paddle ever sees; benchmarks that compare against
 * Paddle's pace set it.
 */

import { sleep } from "./waits.ts";

export interface LatencyRange {
  minMs: number;
  maxMs: number;
}

const MAX_LATENCY_MS = 60_000;

/** Parses `120` or `80-160` (milliseconds); unset or empty means none. Throws on anything else. */
export function parseLatencySetting(value: string | undefined): LatencyRange | undefined {
  const text = (value ?? "").trim();
  if (text === "") return undefined;
  const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(text);
  const minMs = Number(match?.[1]);
  const maxMs = Number(match?.[2] ?? match?.[1]);
  if (!match || minMs > maxMs || maxMs > MAX_LATENCY_MS) {
    throw new TypeError(
      `PADDLE_SIMULATOR_LATENCY_MS must be milliseconds (120) or a range (80-160) up to ${MAX_LATENCY_MS}, not ${value}`,
    );
  }
  return { minMs, maxMs };
}

/** Waits one request's latency (none without a range); ends early when `signal` aborts. */
export function waitLatency(
  range: LatencyRange | undefined,
  signal: AbortSignal,
  random: () => number = Math.random,
): Promise<void> {
  if (!range || range.maxMs === 0) return Promise.resolve();
  return sleep(range.minMs + random() * (range.maxMs - range.minMs), signal);
}
