/**
 * The request body: nothing, `{}`, or `{"restart": true|false}`. Strict, like the portal's: an
 * unknown field is refused rather than ignored, so a caller who believes it can steer the sync
 * some other way learns at once that it cannot.
 */
import { z } from "zod";
import { readBodyWithLimit } from "../_shared/bounded_body.ts";

export const MAX_BODY_BYTES = 1024;

export interface SyncRequest {
  restart: boolean;
}

const schema = z.strictObject({ restart: z.boolean().optional() });

export type BodyResult =
  | { ok: true; value: SyncRequest }
  | { ok: false; code: "invalid_request" | "payload_too_large" };

/** An empty body continues the current run: pg_cron's call and `functions.invoke` send none. */
export function parseSyncRequest(text: string): BodyResult {
  if (text.trim() === "") return { ok: true, value: { restart: false } };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: "invalid_request" };
  }
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { ok: true, value: { restart: parsed.data.restart ?? false } }
    : { ok: false, code: "invalid_request" };
}

export async function readSyncRequest(request: Request): Promise<BodyResult> {
  const body = await readBodyWithLimit(request, MAX_BODY_BYTES);
  if (!body.ok) {
    return {
      ok: false,
      code: body.reason === "too_large" ? "payload_too_large" : "invalid_request",
    };
  }
  return parseSyncRequest(body.text);
}
