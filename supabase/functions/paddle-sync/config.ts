/**
 * Configuration, read once at start. The Paddle variables are the portal's (`PADDLE_ENV`,
 * `PADDLE_API_KEY`, `PADDLE_API_URL`) so one set of secrets serves every function; the Supabase
 * keys are the ones the platform injects. Messages name the variable, never its value.
 */
import { z } from "zod";
import { type AllowedOrigins, parseAllowedOrigins } from "../_shared/cors.ts";
import { type PaddleEnv, paddleKeyProblem } from "../_shared/paddle_key.ts";

export type Env = Record<string, string | undefined>;

export const DEFAULT_SLICE_SECONDS = 25;
/** ~10 ms of CPU per page (bench:sync): 100 pages stay well inside the hosted 2 s CPU limit. */
export const DEFAULT_MAX_PAGES = 100;

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

  const secretKeys = parseSecretKeys(c.SUPABASE_SECRET_KEYS, c.SUPABASE_SECRET_KEY);
  if (!secretKeys.ok) problems.push(secretKeys.error);
  const serviceRoleKey = c.SUPABASE_SERVICE_ROLE_KEY?.trim();
  const callerKeys = [
    ...(serviceRoleKey ? [serviceRoleKey] : []),
    ...(secretKeys.ok ? secretKeys.value : []),
  ];
  if (callerKeys.length === 0) {
    problems.push("SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEYS) is required");
  }

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
    allowedOrigins: origins.value,
  };
}

/**
 * `SUPABASE_SECRET_KEYS` is the platform's JSON object of name → `sb_secret_...` key;
 * `SUPABASE_SECRET_KEY` a single one. Only `sb_secret_` keys count: a publishable key in there
 * must not turn into a key that runs the sync.
 */
export function parseSecretKeys(
  plural: string | undefined,
  singular: string | undefined,
): { ok: true; value: string[] } | { ok: false; error: string } {
  const keys: string[] = [];
  if (plural !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(plural);
    } catch {
      return { ok: false, error: "SUPABASE_SECRET_KEYS is not valid JSON" };
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      return {
        ok: false,
        error: 'SUPABASE_SECRET_KEYS must be a JSON object {"name": "sb_secret_..."}',
      };
    }
    // Skipped rather than fatal: the platform owns this variable, and one odd entry must not
    // take the function down.
    for (const value of Object.values(parsed)) {
      if (typeof value === "string" && value.startsWith("sb_secret_")) keys.push(value.trim());
    }
  }
  if (singular !== undefined) {
    if (!singular.startsWith("sb_secret_")) {
      return { ok: false, error: "SUPABASE_SECRET_KEY must be an sb_secret_ key" };
    }
    keys.push(singular.trim());
  }
  return { ok: true, value: keys };
}

function configError(problems: string[]): ConfigError {
  return new ConfigError(`paddle-sync configuration is invalid:\n- ${problems.join("\n- ")}`);
}
