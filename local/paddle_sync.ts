/**
 * `deno task paddle:sync [--restart] [--slice-seconds N] [--max-stalled N] [--json]`: runs the
 * Paddle → mirror sync slice after slice until the run is done, with a progress bar on stderr.
 * It continues an unfinished run (one the function's schedule started, or one that failed), and
 * starts a new run when the last one had finished; `--restart` always starts a new one.
 *
 * Configuration is the functions' own (`paddle-sync/config.ts` validates it): the environment,
 * then `.env` and `supabase/functions/.env`, and for whatever they leave out the running local
 * stack's `.local/stack.json` (or `LOCAL_STACK_FILE`): its API URL and service-role key, and the
 * Paddle simulator. A `PADDLE_API_KEY` in `.env` without `PADDLE_API_URL` means Paddle itself
 * (`PADDLE_ENV`, e.g. sandbox), as it does for `deno task dev`.
 *
 * It keeps the functions' pace with Paddle (`PADDLE_SYNC_REQUESTS_PER_MINUTE`, turns taken from the
 * database), so running it beside the scheduled function does not spend more of Paddle's limit.
 *
 * Exit 0 when the run is done; 2 with one line on bad configuration; 1 with one line when
 * `--max-stalled` slices in a row (default 3) commit no page (Paddle or the database failing).
 *
 * `--events` catches up from Paddle's event log instead (paddle_catch_up.ts), as the function's
 * `{"events": true}` does.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { PROJECT_ROOT } from "./database.ts";
import { readEnvFile } from "./env_file.ts";
import type { StackInfo } from "./stack.ts";
import { type Env, loadConfig, type SyncConfig } from "../supabase/functions/paddle-sync/config.ts";
import { createSliceDeps } from "../supabase/functions/paddle-sync/deps.ts";
import {
  type PageProgress,
  runSlice,
} from "../supabase/functions/_shared/paddle_sync/run_slice.ts";
import type { EntityStatus } from "../supabase/functions/_shared/paddle_sync/sync_store.ts";
import { catchUpCli } from "./paddle_catch_up.ts";

const USAGE =
  "usage: deno task paddle:sync [--restart | --events] [--slice-seconds N] [--max-stalled N] [--json]";

/** Builds the functions' environment for this machine; `undefined` values are unset. */
export async function syncEnv(processEnv: Env, root = PROJECT_ROOT): Promise<Env> {
  const fromFiles = Object.fromEntries(
    Object.entries({
      ...await readEnvFile(join(root, ".env")),
      ...await readEnvFile(join(root, "supabase", "functions", ".env")),
    }).filter(([name, value]) => value !== "" && !name.startsWith("LOCAL_")),
  );
  const env: Env = { ...fromFiles, ...dropEmpty(processEnv) };
  const stackFile = env.LOCAL_STACK_FILE ?? join(root, ".local", "stack.json");
  let stack: StackInfo | undefined;
  try {
    stack = JSON.parse(await Deno.readTextFile(stackFile)) as StackInfo;
  } catch {
    stack = undefined; // no local stack: everything must come from the environment
  }
  if (stack) {
    // The stack's URL and key go together: a project URL of one's own keeps one's own key.
    if (!env.SUPABASE_URL) {
      env.SUPABASE_URL = stack.apiUrl;
      env.SUPABASE_SERVICE_ROLE_KEY = stack.serviceRoleKey;
      delete env.SUPABASE_SECRET_KEYS;
      delete env.SUPABASE_SECRET_KEY;
    }
    // A Paddle key of one's own (the sandbox) wins over the simulator, as for the functions.
    if (!env.PADDLE_API_KEY) {
      env.PADDLE_ENV = "sandbox";
      env.PADDLE_API_KEY = stack.paddle.apiKey;
      env.PADDLE_API_URL ??= stack.paddle.apiUrl;
    }
  }
  return env;
}

function dropEmpty(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
}

export interface SyncCliOptions {
  restart: boolean;
  maxStalled: number;
  json: boolean;
  /** Catch up from the event log; present only when asked for. */
  events?: true;
}

export function parseCliArgs(args: string[]): { options: SyncCliOptions; sliceSeconds?: string } {
  const { values, positionals } = parseArgs({
    args,
    options: {
      restart: { type: "boolean", default: false },
      events: { type: "boolean", default: false },
      "slice-seconds": { type: "string" },
      "max-stalled": { type: "string", default: "3" },
      json: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
  if (values.events && values.restart) {
    throw new Error("--events reads the log; it has no --restart");
  }
  const maxStalled = Number(values["max-stalled"]);
  if (!Number.isInteger(maxStalled) || maxStalled < 1 || maxStalled > 1000) {
    throw new Error("--max-stalled must be a whole number from 1 to 1000");
  }
  return {
    options: {
      restart: values.restart,
      maxStalled,
      json: values.json,
      ...(values.events ? { events: true as const } : {}),
    },
    sliceSeconds: values["slice-seconds"],
  };
}

/** The progress bar: redrawn in place on a terminal, one line per finished step otherwise. */
export function createProgress(write: (text: string) => void, tty: boolean) {
  let lastEntity = "";
  return {
    page(p: PageProgress) {
      const e = p.run.entities.find((x) => x.entity_type === p.entityType)!;
      const line = progressLine(e);
      if (tty) write(`\r\x1b[K${line}${e.done ? "\n" : ""}`);
      else if (e.done || lastEntity !== p.entityType) write(`${line}\n`);
      lastEntity = p.entityType;
    },
    note(text: string) {
      write(`${tty ? "\r\x1b[K" : ""}${text}\n`);
    },
  };
}

export function progressLine(e: EntityStatus): string {
  const total = e.estimated_total && e.estimated_total > 0 ? e.estimated_total : undefined;
  const width = 24;
  const ratio = e.done ? 1 : total ? Math.min(1, e.records / total) : 0;
  const filled = Math.round(ratio * width);
  const bar = "#".repeat(filled) + "-".repeat(width - filled);
  const n = (x: number) => x.toLocaleString("en-US");
  return `${e.entity_type.padEnd(12)} [${bar}] ${n(e.pages)} pages, ${n(e.records)}` +
    `${total !== undefined ? `/${n(total)}` : ""} records (estimated_total ${
      total !== undefined ? n(total) : "?"
    }), ${n(e.written + e.items_written + e.catalog_written)} written${e.done ? ", done" : ""}`;
}

export async function main(args: string[]): Promise<number> {
  const err = (line: string) => Deno.stderr.writeSync(new TextEncoder().encode(line));
  let parsed;
  try {
    parsed = parseCliArgs(args);
  } catch (error) {
    err(`paddle:sync: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const env = await syncEnv(Deno.env.toObject());
  if (parsed.sliceSeconds !== undefined) env.PADDLE_SYNC_SLICE_SECONDS = parsed.sliceSeconds;
  let config: SyncConfig;
  try {
    config = loadConfig(env);
  } catch (error) {
    // One line: the problems joined, names only (the values are secrets).
    const problems = (error as Error).message.split("\n- ").slice(1).join("; ");
    err(
      `paddle:sync: bad configuration: ${problems}` +
        `${env.SUPABASE_URL ? "" : " (is `deno task dev` running?)"}\n`,
    );
    return 2;
  }

  const { options } = parsed;
  if (options.events) return await catchUpCli(config, options, err);
  const sliceDeps = createSliceDeps(config);
  const progress = createProgress(err, Deno.stderr.isTerminal());
  const started = performance.now();
  let stalled = 0;
  let slices = 0;
  let restart = options.restart;
  let written = 0;
  let paddleWaitMs = 0;
  let databaseMs = 0;
  while (true) {
    const report = await runSlice(
      { ...sliceDeps, onPage: (p) => progress.page(p) },
      { restart, sliceMs: config.sliceMs, maxPages: config.maxPages },
    );
    restart = false;
    slices++;
    if (slices === 1 && !options.restart && report.status === "done" && report.slice.pages === 0) {
      // The last run had finished before this command: a person asking to sync wants Paddle
      // read again, not "already done" (that cheap answer is for the scheduled function).
      restart = true;
      continue;
    }
    written += report.slice.written;
    paddleWaitMs += report.slice.paddle_wait_ms;
    databaseMs += report.slice.database_ms;
    if (report.status === "done" && report.run) {
      const run = report.run;
      const seconds = (performance.now() - started) / 1000;
      progress.note(
        `paddle:sync: done: ${
          run.records.toLocaleString("en-US")
        } records in ${run.pages} pages, ` +
          `${written.toLocaleString("en-US")} rows written by this command, ${slices} slice(s), ` +
          `${seconds.toFixed(1)} s`,
      );
      if (options.json) {
        console.log(JSON.stringify({
          ...run,
          slices,
          written_now: written,
          seconds,
          paddle_wait_seconds: paddleWaitMs / 1000,
          database_seconds: databaseMs / 1000,
          ...memory(),
        }));
      }
      return 0;
    }
    stalled = report.slice.pages > 0 ? 0 : stalled + 1;
    if (report.error) {
      const e = report.error;
      const what = `${e.code}${e.detail ? ` (${e.detail})` : ""}${
        e.entity_type ? ` on ${e.entity_type}s` : ""
      }`;
      if (stalled >= options.maxStalled) {
        progress.note(`paddle:sync: failed: ${what}, ${stalled} slices in a row without progress`);
        return 1;
      }
      progress.note(`paddle:sync: slice stopped: ${what}; resuming after the last committed page`);
      await sleep((e.retry_after_seconds ?? stalled) * 1000);
    } else if (stalled >= options.maxStalled) {
      progress.note(`paddle:sync: failed: ${stalled} slices in a row without progress`);
      return 1;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Peak resident memory and CPU time of this process (Linux), for the benchmark: the hosted edge
 * runtime limits CPU time per request, so CPU per page says how much a slice can hold.
 */
function memory(): { peak_rss_bytes?: number; cpu_seconds?: number } {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = Number(status.match(/^VmHWM:\s+(\d+)\s+kB/m)?.[1]);
    // utime and stime, fields 14 and 15, in clock ticks (100 per second on Linux).
    const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return {
      ...(Number.isFinite(kb) ? { peak_rss_bytes: kb * 1024 } : {}),
      ...(Number.isFinite(ticks) ? { cpu_seconds: ticks / 100 } : {}),
    };
  } catch {
    return {};
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
