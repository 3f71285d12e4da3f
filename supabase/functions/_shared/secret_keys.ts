/**
 * The server-side keys a function may call PostgREST with as `service_role`: the legacy
 * `SUPABASE_SERVICE_ROLE_KEY` and the platform's newer `sb_secret_` keys. Messages name the
 * variable, never its value.
 */

export interface SecretKeyVariables {
  SUPABASE_SERVICE_ROLE_KEY?: string;
  SUPABASE_SECRET_KEYS?: string;
  SUPABASE_SECRET_KEY?: string;
}

/**
 * Every configured server key, the service-role key first; pushes a problem when there is none
 * or a variable is malformed.
 */
export function serverKeys(env: SecretKeyVariables, problems: string[]): string[] {
  const secretKeys = parseSecretKeys(
    blankToUndefined(env.SUPABASE_SECRET_KEYS),
    blankToUndefined(env.SUPABASE_SECRET_KEY),
  );
  if (!secretKeys.ok) problems.push(secretKeys.error);
  const serviceRoleKey = env.SUPABASE_SERVICE_ROLE_KEY?.trim();
  const keys = [
    ...(serviceRoleKey ? [serviceRoleKey] : []),
    ...(secretKeys.ok ? secretKeys.value : []),
  ];
  if (keys.length === 0) {
    problems.push("SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEYS) is required");
  }
  return keys;
}

function blankToUndefined(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === "" ? undefined : s;
}

/**
 * `SUPABASE_SECRET_KEYS` is the platform's JSON object of name → `sb_secret_...` key;
 * `SUPABASE_SECRET_KEY` a single one. Only `sb_secret_` keys count: a publishable key in there
 * must not turn into a key that runs as service_role.
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

/**
 * The first server key a function's environment holds (`SUPABASE_SERVICE_ROLE_KEY`, else the
 * first of `SUPABASE_SECRET_KEYS` / `SUPABASE_SECRET_KEY`), for its service-role write; a problem
 * is listed when there is none.
 */
export function firstServerKey(
  env: Record<string, string | undefined>,
  problems: string[],
): string {
  return serverKeys({
    SUPABASE_SERVICE_ROLE_KEY: blankToUndefined(env.SUPABASE_SERVICE_ROLE_KEY),
    SUPABASE_SECRET_KEYS: blankToUndefined(env.SUPABASE_SECRET_KEYS),
    SUPABASE_SECRET_KEY: blankToUndefined(env.SUPABASE_SECRET_KEY),
  }, problems)[0] ?? "";
}
