/**
 * Reads a request body up to a byte cap. `Content-Length` is checked first so an honest oversized
 * request is refused without reading it; the bytes are counted too, because a chunked body has no
 * length and a lying one must not get further than the cap.
 */
import type { z } from "zod";

export type BodyRead =
  | { ok: true; text: string }
  | { ok: false; reason: "too_large" | "unreadable" };

export function declaredTooLarge(request: Request, maxBytes: number): boolean {
  const declared = request.headers.get("content-length");
  if (declared === null) return false;
  const n = Number(declared);
  return !Number.isFinite(n) || n > maxBytes;
}

export async function readBodyWithLimit(request: Request, maxBytes: number): Promise<BodyRead> {
  if (declaredTooLarge(request, maxBytes)) return { ok: false, reason: "too_large" };
  if (request.body === null) return { ok: true, text: "" };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        return { ok: false, reason: "too_large" };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, reason: "unreadable" };
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, reason: "unreadable" };
  }
}

export type ParsedBody<T> =
  | { ok: true; value: T }
  | { ok: false; code: "invalid_request" | "payload_too_large" };

/**
 * A small JSON request body under a byte cap: `empty` for no body at all (what
 * `functions.invoke` and pg_net send when there is nothing to say), the schema's value for JSON it
 * accepts, `invalid_request` for anything else.
 */
export async function readJsonBody<T>(
  request: Request,
  maxBytes: number,
  schema: z.ZodType<T>,
  empty: T,
): Promise<ParsedBody<T>> {
  const body = await readBodyWithLimit(request, maxBytes);
  if (!body.ok) {
    return {
      ok: false,
      code: body.reason === "too_large" ? "payload_too_large" : "invalid_request",
    };
  }
  return parseJsonBody(body.text, schema, empty);
}

export function parseJsonBody<T>(text: string, schema: z.ZodType<T>, empty: T): ParsedBody<T> {
  if (text.trim() === "") return { ok: true, value: empty };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: "invalid_request" };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, code: "invalid_request" };
}
