/**
 * Signs a notification body the way Paddle does: `Paddle-Signature: ts=<unix s>;h1=<hex>` with
 * h1 = HMAC-SHA256(secret, `<ts>:<raw body>`). One h1 per secret, as Paddle sends during a secret
 * rotation. Local tooling and tests only.
 */
export async function paddleSignature(
  rawBody: string | Uint8Array,
  secrets: string | readonly string[],
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  const encoder = new TextEncoder();
  const body = typeof rawBody === "string" ? encoder.encode(rawBody) : rawBody;
  const prefix = encoder.encode(`${timestampSeconds}:`);
  const signed = new Uint8Array(prefix.byteLength + body.byteLength);
  signed.set(prefix, 0);
  signed.set(body, prefix.byteLength);
  const parts = [`ts=${timestampSeconds}`];
  for (const secret of typeof secrets === "string" ? [secrets] : secrets) {
    const key = await crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, signed));
    parts.push(`h1=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`);
  }
  return parts.join(";");
}

export interface Delivery {
  status: number;
  body: string;
  durationMs: number;
}

/**
 * POSTs one event, signed at send time, as Paddle's notification service would: it gives up after
 * 5 s. A benchmark that reports answers slower than that, rather than losing them, waits longer.
 */
export async function deliverEvent(
  url: string,
  event: unknown,
  secret: string,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 5000,
): Promise<Delivery> {
  const body = JSON.stringify(event);
  const started = performance.now();
  const response = await fetchImpl(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "paddle-signature": await paddleSignature(body, secret),
      "user-agent": "Paddle (local simulator)",
    },
    body,
    redirect: "manual",
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, body: text, durationMs: performance.now() - started };
}
