/**
 * Who may run a sync: only a holder of the project's service-role key or one of its `sb_secret_`
 * keys. The comparison is constant-time: both sides are hashed to 32 bytes first (so neither the
 * length nor a common prefix of a guess shows in the timing) and every configured key is compared
 * in full, without stopping at the first match.
 */
import { bearerToken } from "../_shared/request_frame.ts";

export type KeyCheck = (presented: readonly string[]) => Promise<boolean>;

export function createKeyCheck(acceptedKeys: readonly string[]): KeyCheck {
  // Hashed on the first check, once per isolate, and awaited there: a digest started at
  // construction and never awaited (a request refused before any check) is a leaked async
  // operation, which Deno 2.1.4's test sanitizer reports.
  let accepted: Promise<Uint8Array[]> | undefined;
  return async (presented) => {
    const keys = await (accepted ??= Promise.all(
      acceptedKeys.filter((k) => k !== "").map(digest),
    ));
    let match = 0;
    for (const candidate of presented) {
      if (candidate === "") continue;
      const d = await digest(candidate);
      for (const key of keys) match |= equal(d, key);
    }
    return match === 1;
  };
}

async function digest(value: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
}

/** 1 when equal, 0 otherwise, looking at every byte. */
function equal(a: Uint8Array, b: Uint8Array): number {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) diff |= a[i] ^ b[i];
  return diff === 0 ? 1 : 0;
}

/**
 * The credentials a request presents: `Authorization: Bearer <key>` (pg_net, curl) and `apikey`
 * (supabase-js sends both). Either one carrying an accepted key is enough.
 */
export function presentedKeys(headers: Headers): string[] {
  const keys: string[] = [];
  const bearer = bearerToken(headers.get("authorization"));
  if (bearer) keys.push(bearer);
  const apikey = headers.get("apikey")?.trim();
  if (apikey) keys.push(apikey);
  return keys;
}
