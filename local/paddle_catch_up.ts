/**
 * `deno task paddle:sync --events`: the catch-up from Paddle's event log, call after call until
 * it has read the log to the end (a fallback full sync included), with one line per call on
 * stderr and, with `--json`, the last report on stdout. Exit 0 when caught up; 1 when
 * `--max-stalled` calls in a row fail.
 */
import {
  type CatchUpReport,
  runCatchUp,
} from "../supabase/functions/_shared/paddle_sync/catch_up.ts";
import type { SyncConfig } from "../supabase/functions/paddle-sync/config.ts";
import { createCatchUpDeps } from "../supabase/functions/paddle-sync/deps.ts";

export interface CatchUpCliOptions {
  maxStalled: number;
  json: boolean;
}

export async function catchUpCli(
  config: SyncConfig,
  options: CatchUpCliOptions,
  write: (text: string) => void,
): Promise<number> {
  const deps = createCatchUpDeps(config);
  const started = performance.now();
  const total = { pages: 0, events: 0, applied: 0, duplicate: 0 };
  let stalled = 0;
  while (true) {
    const report = await runCatchUp(deps, { sliceMs: config.sliceMs, maxPages: config.maxPages });
    total.pages += report.pages;
    total.events += report.events;
    total.applied += report.applied;
    total.duplicate += report.duplicate;
    write(`${callLine(report)}\n`);
    if (report.mode === "events" && report.status === "done") {
      const seconds = (performance.now() - started) / 1000;
      write(
        `paddle:sync --events: caught up: ${total.events.toLocaleString("en-US")} events in ` +
          `${total.pages} pages, ${total.applied} applied, ${total.duplicate} already stored, ` +
          `${seconds.toFixed(1)} s\n`,
      );
      if (options.json) console.log(JSON.stringify({ ...report, total, seconds }));
      return 0;
    }
    stalled = report.error ? stalled + 1 : 0;
    if (stalled >= options.maxStalled) {
      write(`paddle:sync --events: failed: ${stalled} calls in a row without progress\n`);
      return 1;
    }
    if (report.error) await sleep((report.error.retry_after_seconds ?? stalled) * 1000);
  }
}

function callLine(report: CatchUpReport): string {
  const error = report.error
    ? `; stopped: ${report.error.code}${report.error.detail ? ` (${report.error.detail})` : ""}`
    : "";
  if (report.mode === "full_sync") {
    const sync = report.sync?.run;
    return `paddle:sync --events: ${report.note} Full sync ${
      report.sync?.status ?? "not started"
    }` +
      `${sync ? `: ${sync.records.toLocaleString("en-US")} records in ${sync.pages} pages` : ""}` +
      error;
  }
  return `paddle:sync --events: ${report.events} events in ${report.pages} pages ` +
    `(${report.applied} applied, ${report.stale} older than the mirror, ${report.duplicate} ` +
    `already stored, ${report.ignored} not mirrored, ${report.refused + report.invalid} refused)` +
    error;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
