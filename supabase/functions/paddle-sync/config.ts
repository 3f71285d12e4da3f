/**
 * Configuration, read once at start. The Paddle variables are the portal's (`PADDLE_ENV`,
 * `PADDLE_API_KEY`, `PADDLE_API_URL`) so one set of secrets serves every function; the Supabase
 * keys are the ones the platform injects. Messages name the variable, never its value.
 */
import { z } from "zod";
import { type AllowedOrigins, parseAllowedOrigins } from "../_shared/cors.ts";
import { type PaddleEnv, paddleKeyProblem } from "../_shared/paddle_key.ts";
import { DEFAULT_SYNC_REQUESTS_PER_MINUTE } from "../_shared/paddle_sync/request_pacer.ts";
import { parseSecretKeys, serverKeys } from "../_shared/secret_keys.ts";

export { parseSecretKeys };

export type Env = Record<string, string | undefined>;

export const DEFAULT_SLICE_SECONDS = 25;
/** ~10 ms of CPU per page (bench:sync): 100 pages stay well inside the hosted 2 s CPU limit. */
export const DEFAULT_MAX_PAGES = 100;
/**
 * Above Paddle's 240 only makes sense against the local simulator with its limit off (the test
 * suite); against Paddle it would cause the 429s the pace exists to prevent.
 */
export const MAX_REQUESTS_PER_MINUTE = 60_000;

export interface SyncConfig {
  supabaseUrl: string;
  /** The key the sync writes with: the service-role key, else the first `sb_secret_` key. */
  databaseKey: string;
  /** Every key a caller may present to run a slice. */
  callerKeys: string[];
  paddleApiKey: string;
  paddleEnv: PaddleEnv;
  paddleApiUrl?: string;
  sliceMs: number;
  maxPages: number;
  /** Paddle requests the sync sends per minute at most, evenly spaced (request_pacer.ts). */
  requestsPerMinute: number;
  allowedOrigins: AllowedOrigins;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const optional = (s: string | undefined) => (s === undefined || s.trim() === "" ? undefined : s);

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

const wholeNumber = (fallback: number, max: number, unit: string) =>
  z.preprocess(
    (v) => optional(v as string | undefined) ?? String(fallback),
    z.string().regex(/^\d+$/, `must be a whole number of ${unit}`).transform(Number).pipe(
      z.number().int().min(1, "must be at least 1").max(max, `must be at most ${max}`),
    ),
  );

const schema = z.object({
  SUPABASE_URL: httpUrl,
  SUPABASE_SERVICE_ROLE_KEY: z.string().optional(),
  SUPABASE_SECRET_KEYS: z.string().optional(),
  SUPABASE_SECRET_KEY: z.string().optional(),
  PADDLE_API_KEY: z.string().min(1, "is required"),
  PADDLE_ENV: z.enum(["sandbox", "production"], { error: "must be sandbox or production" }),
  PADDLE_API_URL: httpUrl.optional(),
  PADDLE_SYNC_SLICE_SECONDS: wholeNumber(DEFAULT_SLICE_SECONDS, 300, "seconds"),
  PADDLE_SYNC_MAX_PAGES: wholeNumber(DEFAULT_MAX_PAGES, 100_000, "pages"),
  PADDLE_SYNC_REQUESTS_PER_MINUTE: wholeNumber(
    DEFAULT_SYNC_REQUESTS_PER_MINUTE,
    MAX_REQUESTS_PER_MINUTE,
    "requests",
  ),
  ALLOWED_ORIGINS: z.string().optional(),
});

/** Throws `ConfigError` listing every bad variable. */
export function loadConfig(env: Env): SyncConfig {
  const raw = Object.fromEntries(
    Object.keys(schema.shape).map((k) => [k, optional(env[k])]),
  ) as Record<string, string | undefined>;
  const parsed = schema.safeParse(raw);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "configuration");
    const missing = raw[name] === undefined && issue.code === "invalid_type";
    return `${name} ${missing ? "is required" : issue.message}`;
  });
  if (!parsed.success) throw configError(problems);
  const c = parsed.data;

  const keyProblem = paddleKeyProblem(c.PADDLE_API_KEY, c.PADDLE_ENV);
  if (keyProblem) problems.push(keyProblem);

  const callerKeys = serverKeys(c, problems);

  const origins = parseAllowedOrigins(c.ALLOWED_ORIGINS);
  if (!origins.ok) problems.push(`ALLOWED_ORIGINS: ${origins.error}`);

  if (problems.length > 0 || !origins.ok) throw configError(problems);
  return {
    supabaseUrl: c.SUPABASE_URL.replace(/\/+$/, ""),
    databaseKey: callerKeys[0],
    callerKeys,
    paddleApiKey: c.PADDLE_API_KEY,
    paddleEnv: c.PADDLE_ENV,
    paddleApiUrl: c.PADDLE_API_URL?.replace(/\/+$/, ""),
    sliceMs: c.PADDLE_SYNC_SLICE_SECONDS * 1000,
    maxPages: c.PADDLE_SYNC_MAX_PAGES,
    requestsPerMinute: c.PADDLE_SYNC_REQUESTS_PER_MINUTE,
    allowedOrigins: origins.value,
  };
}

function configError(problems: string[]): ConfigError {
  return new ConfigError(`paddle-sync configuration is invalid:\n- ${problems.join("\n- ")}`);
}
