/**
 * Paddle-Signature verification: `ts=<unix seconds>;h1=<hex HMAC-SHA256>`, signed over
 * `<ts>:<raw body>` with the notification destination's secret key.
 *
 * Unlike the Paddle SDK's `unmarshal`, this accepts any `h1` (Paddle sends several during secret
 * rotation) against any configured secret (ours: the old and the new one while rotating), compares
 * through `crypto.subtle.verify` (constant time) rather than `===`, and allows a configurable clock
 * skew instead of 5 seconds. The HMAC covers the raw bytes, never a re-serialised body.
 */

export type SignatureFailure = "missing" | "malformed" | "stale" | "mismatch";

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: SignatureFailure };

/** Imported once at start: key import is async and the same for every request. */
export function importWebhookSecrets(secrets: readonly string[]): Promise<CryptoKey[]> {
  const encoder = new TextEncoder();
  return Promise.all(
    secrets.map((secret) =>
      crypto.subtle.importKey(
        "raw",
        encoder.encode(secret),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["verify"],
      )
    ),
  );
}

// Bounds the work an unauthenticated caller can make us do: each h1 costs one HMAC per secret.
const MAX_HEADER_LENGTH = 1024;
const MAX_SIGNATURES = 4;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^\d{1,12}$/;

/**
 * Bytes over a plain ArrayBuffer, which WebCrypto takes. Spelled by inference rather than as
 * `Uint8Array<ArrayBuffer>`: the Edge Runtime's TypeScript (5.6) has no typed-array generics,
 * newer ones need the narrower type for `crypto.subtle`.
 */
type Bytes = ReturnType<typeof allocateBytes>;

function allocateBytes(length: number) {
  return new Uint8Array(length);
}

interface ParsedHeader {
  timestamp: string;
  signatures: Bytes[];
}

export function parseSignatureHeader(header: string): ParsedHeader | null {
  if (header.length > MAX_HEADER_LENGTH) return null;
  let timestamp: string | undefined;
  const signatures: Bytes[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "ts") {
      // Two timestamps would make "which one was signed" ambiguous.
      if (timestamp !== undefined || !UNIX_SECONDS.test(value)) return null;
      timestamp = value;
    } else if (key === "h1") {
      if (!HEX_SHA256.test(value)) return null;
      signatures.push(hexToBytes(value));
    }
    // Other schemes (a future h2) are ignored rather than refused, as Paddle's SDK does.
  }
  if (timestamp === undefined || signatures.length === 0 || signatures.length > MAX_SIGNATURES) {
    return null;
  }
  return { timestamp, signatures };
}

export async function verifyPaddleSignature(
  rawBody: Uint8Array,
  header: string | null,
  keys: readonly CryptoKey[],
  options: { nowMs: number; toleranceSeconds: number },
): Promise<SignatureCheck> {
  if (header === null || header.trim() === "") return { ok: false, reason: "missing" };
  const parsed = parseSignatureHeader(header);
  if (parsed === null) return { ok: false, reason: "malformed" };

  const timestamp = Number(parsed.timestamp);
  // Both directions: a timestamp from the future is as replayable as an old one.
  if (Math.abs(options.nowMs / 1000 - timestamp) > options.toleranceSeconds) {
    return { ok: false, reason: "stale" };
  }

  const signed = concatBytes(new TextEncoder().encode(`${parsed.timestamp}:`), rawBody);
  for (const key of keys) {
    for (const signature of parsed.signatures) {
      if (await crypto.subtle.verify("HMAC", key, signature, signed)) {
        return { ok: true, timestamp };
      }
    }
  }
  return { ok: false, reason: "mismatch" };
}

function hexToBytes(hex: string): Bytes {
  const bytes = allocateBytes(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  return bytes;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Bytes {
  const out = allocateBytes(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
