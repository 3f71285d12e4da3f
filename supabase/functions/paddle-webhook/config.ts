/**
 * The function's environment, validated once at start. A bad value fails the boot, so Paddle's
 * deliveries get a 5xx and are retried once the configuration is fixed: failing closed loses
 * nothing, while a half-configured function could answer 200 without storing.
 */
import { z } from "zod";

/**
 * Paddle's documented tolerance, which its SDK enforces: a captured delivery replayed more than
 * 5 seconds later is refused. `PADDLE_WEBHOOK_TOLERANCE_SECONDS` widens it for a host whose clock
 * drifts.
 */
export const DEFAULT_TOLERANCE_SECONDS = 5;

const secretList = z
  .string()
  .transform((raw) => raw.split(",").map((s) => s.trim()).filter((s) => s !== ""))
  .pipe(
    // Two during rotation: the outgoing and the incoming destination secret. Paddle's are ~60
    // characters; a short one is a placeholder left in by mistake.
    z.array(z.string().min(16, "each secret must be at least 16 characters")).min(1).max(2),
  );

const ConfigSchema = z.object({
  SUPABASE_URL: z.url({ protocol: /^https?$/ }),
  SUPABASE_SERVICE_ROLE_KEY: z.string().trim().min(1),
  PADDLE_WEBHOOK_SECRETS: secretList,
  PADDLE_WEBHOOK_TOLERANCE_SECONDS: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === "" ? DEFAULT_TOLERANCE_SECONDS : Number(v)))
    .pipe(z.number().int().min(1).max(3600)),
});

export interface WebhookConfig {
  supabaseUrl: string;
  serviceRoleKey: string;
  webhookSecrets: string[];
  toleranceSeconds: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** `get` is `Deno.env.get` in production; tests pass a map. */
export function loadConfig(get: (name: string) => string | undefined): WebhookConfig {
  const names = [
    "SUPABASE_URL",
    "SUPABASE_SERVICE_ROLE_KEY",
    "PADDLE_WEBHOOK_SECRETS",
    "PADDLE_WEBHOOK_TOLERANCE_SECONDS",
  ] as const;
  const result = ConfigSchema.safeParse(Object.fromEntries(names.map((n) => [n, get(n)])));
  if (!result.success) {
    // Names and zod's messages only: the values are secrets.
    const problems = result.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new ConfigError(`paddle-webhook configuration invalid: ${problems.join("; ")}`);
  }
  const env = result.data;
  return {
    supabaseUrl: env.SUPABASE_URL,
    serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY,
    webhookSecrets: env.PADDLE_WEBHOOK_SECRETS,
    toleranceSeconds: env.PADDLE_WEBHOOK_TOLERANCE_SECONDS,
  };
}
