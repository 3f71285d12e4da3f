/**
 * The configuration every browser-called function that verifies a user and calls Paddle shares
 * (customer-portal, checkout), read once at start and validated with zod. Every message names the
 * variable at fault and never echoes a secret's value, because start-up errors end up in logs.
 * A function adds its own variables through `extra`, whose problems are listed with these.
 */
import { z } from "zod";
import type { JSONWebKeySet } from "jose";
import { type AllowedOrigins, parseAllowedOrigins } from "./cors.ts";
import { mintRateLimitSetting } from "./mint_limit.ts";
import { paddleKeyProblem } from "./paddle_key.ts";

export type Env = Record<string, string | undefined>;

export interface UserFunctionConfig {
  supabaseUrl: string;
  /** Anon / publishable key: the `apikey` PostgREST expects next to the caller's token. */
  supabaseAnonKey: string;
  /** `SUPABASE_JWKS` inline, else `SUPABASE_JWKS_URL`, else `<SUPABASE_URL>/auth/v1/.well-known/jwks.json`. */
  jwks: JSONWebKeySet | URL;
  jwtSecret?: string;
  jwtIssuer?: string;
  paddleApiKey: string;
  paddleEnv: "sandbox" | "production";
  /** Base URL override (the local Paddle simulator); the SDK then ignores `paddleEnv`. */
  paddleApiUrl?: string;
  paddleTimeoutMs: number;
  dbTimeoutMs: number;
  /** Portal sessions a user may mint per minute (`MINT_RATE_LIMIT_PER_MINUTE`); 0 = no limit. */
  mintLimitPerMinute: number;
  allowedOrigins: AllowedOrigins;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export const optional = (
  s: string | undefined,
) => (s === undefined || s.trim() === "" ? undefined : s);

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

const millis = (fallback: number) =>
  z.preprocess(
    (v) => optional(v as string | undefined) ?? String(fallback),
    z.string().regex(/^\d+$/, "must be a whole number of milliseconds").transform(Number).pipe(
      z.number().int().min(1, "must be at least 1").max(120_000, "must be at most 120000"),
    ),
  );

const jwkSet = z.object({ keys: z.array(z.looseObject({ kty: z.string() })).min(1) });

const schema = z.object({
  SUPABASE_URL: httpUrl,
  SUPABASE_ANON_KEY: z.string().min(1),
  SUPABASE_JWKS: z.string().optional(),
  SUPABASE_JWKS_URL: httpUrl.optional(),
  SUPABASE_JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  SUPABASE_JWT_ISSUER: httpUrl.optional(),
  PADDLE_API_KEY: z.string().min(1, "is required"),
  PADDLE_ENV: z.enum(["sandbox", "production"], { error: "must be sandbox or production" }),
  PADDLE_API_URL: httpUrl.optional(),
  PADDLE_TIMEOUT_MS: millis(10_000),
  SUPABASE_DB_TIMEOUT_MS: millis(5_000),
  MINT_RATE_LIMIT_PER_MINUTE: mintRateLimitSetting,
  ALLOWED_ORIGINS: z.string().optional(),
});

/**
 * Throws `ConfigError` listing every bad variable, one per line. `extra` reads the function's own
 * variables, pushing a line per problem onto `problems`.
 */
export function loadUserFunctionConfig<X extends object = Record<never, never>>(
  env: Env,
  functionName: string,
  extra?: (env: Env, problems: string[]) => X,
): UserFunctionConfig & X {
  const raw = Object.fromEntries(
    Object.keys(schema.shape).map((k) => [k, optional(env[k])]),
  ) as Record<string, string | undefined>;
  raw.SUPABASE_ANON_KEY ??= optional(env.SUPABASE_PUBLISHABLE_KEY);

  const parsed = schema.safeParse(raw);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "configuration");
    const missing = raw[name] === undefined && issue.code === "invalid_type";
    const label = name === "SUPABASE_ANON_KEY"
      ? "SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY)"
      : name;
    return `${label} ${missing ? "is required" : issue.message}`;
  });
  const extras = extra?.(env, problems);
  if (!parsed.success) throw configError(functionName, problems);
  const c = parsed.data;

  const keyProblem = paddleKeyProblem(c.PADDLE_API_KEY, c.PADDLE_ENV);
  if (keyProblem) problems.push(keyProblem);

  const origins = parseAllowedOrigins(c.ALLOWED_ORIGINS);
  if (!origins.ok) problems.push(`ALLOWED_ORIGINS: ${origins.error}`);

  let jwks: JSONWebKeySet | URL | undefined;
  if (c.SUPABASE_JWKS !== undefined) {
    try {
      const value: unknown = JSON.parse(c.SUPABASE_JWKS);
      const set = jwkSet.safeParse(Array.isArray(value) ? { keys: value } : value);
      if (set.success) jwks = set.data as JSONWebKeySet;
      else problems.push('SUPABASE_JWKS must be a JWK set: {"keys": [...]} with at least one key');
    } catch {
      problems.push("SUPABASE_JWKS is not valid JSON");
    }
  } else {
    const name = c.SUPABASE_JWKS_URL ? "SUPABASE_JWKS_URL" : "SUPABASE_URL";
    const url = new URL(
      c.SUPABASE_JWKS_URL ?? `${c.SUPABASE_URL.replace(/\/+$/, "")}/auth/v1/.well-known/jwks.json`,
    );
    // Keys fetched over plain http from a non-local host could be swapped by anyone on the path,
    // letting them mint tokens we would accept (the same rule @supabase/server applies).
    if (url.protocol === "https:" || isLoopback(url.hostname) || isCliGateway(url)) jwks = url;
    else {
      problems.push(
        `${name}: the JWKS must be fetched over https (or http on a loopback host); ` +
          "set SUPABASE_JWKS_URL to an https URL or SUPABASE_JWKS inline",
      );
    }
  }

  if (problems.length > 0 || !origins.ok || jwks === undefined) {
    throw configError(functionName, problems);
  }

  return {
    ...(extras as X),
    supabaseUrl: c.SUPABASE_URL.replace(/\/+$/, ""),
    supabaseAnonKey: c.SUPABASE_ANON_KEY,
    jwks,
    jwtSecret: c.SUPABASE_JWT_SECRET,
    jwtIssuer: c.SUPABASE_JWT_ISSUER?.replace(/\/+$/, ""),
    paddleApiKey: c.PADDLE_API_KEY,
    paddleEnv: c.PADDLE_ENV,
    paddleApiUrl: c.PADDLE_API_URL?.replace(/\/+$/, ""),
    paddleTimeoutMs: c.PADDLE_TIMEOUT_MS,
    dbTimeoutMs: c.SUPABASE_DB_TIMEOUT_MS,
    mintLimitPerMinute: c.MINT_RATE_LIMIT_PER_MINUTE,
    allowedOrigins: origins.value,
  };
}

function configError(functionName: string, problems: string[]): ConfigError {
  return new ConfigError(`${functionName} configuration is invalid:\n- ${problems.join("\n- ")}`);
}

/**
 * `supabase functions serve` (Docker) hands functions `SUPABASE_URL=http://kong:8000`, the
 * CLI's gateway on the containers' private network; only that exact address is let through.
 */
function isCliGateway(url: URL): boolean {
  return url.protocol === "http:" && url.hostname === "kong" && url.port === "8000";
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || hostname === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
