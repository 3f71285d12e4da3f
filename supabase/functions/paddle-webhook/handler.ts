/**
 * Paddle → Supabase webhook. Order matters: size cap, then signature over the raw bytes, then
 * parsing, then one database call. Nothing is written before the signature is verified, and no
 * 2xx is sent for a mirrored event unless the database confirmed it is stored (applied, stale or
 * a duplicate); every other failure is a 4xx/5xx so Paddle keeps the delivery and retries.
 */
import { jsonResponse } from "../_shared/json_response.ts";
import { type ApplyEvent, ApplyEventError, createApplyEvent } from "./apply_event.ts";
import type { WebhookConfig } from "./config.ts";
import { parseNotification } from "./events.ts";
import { importWebhookSecrets, verifyPaddleSignature } from "./verify_signature.ts";

export const MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookDeps {
  /** HMAC keys for the configured secrets (see `importWebhookSecrets`). */
  keys: readonly CryptoKey[] | Promise<readonly CryptoKey[]>;
  toleranceSeconds: number;
  applyEvent: ApplyEvent;
  /** Milliseconds since the epoch; injectable so signature-age tests need no real clock. */
  now?: () => number;
  log?: (line: string) => void;
  maxBodyBytes?: number;
}

type Outcome =
  | "applied"
  | "stale"
  | "duplicate"
  | "ignored"
  | "method_not_allowed"
  | "payload_too_large"
  | "invalid_signature"
  | "invalid_payload"
  | "database_unavailable"
  | "internal_error";

interface LogFields {
  outcome: Outcome;
  status: number;
  event_id?: string;
  event_type?: string;
  signature_failure?: string;
  problems?: string[];
  entity_id?: string;
  customer_id?: string;
  customer_linked?: boolean;
  linked_now?: boolean;
  customer_stub_created?: boolean;
  custom_data_user_id?: string | null;
  db_error?: string;
  exception?: string;
}

const MESSAGES: Record<Outcome, string> = {
  applied: "Stored.",
  stale: "Stored; a newer event already applied.",
  duplicate: "Already stored.",
  ignored: "Event type not mirrored; ignored.",
  method_not_allowed: "Use POST.",
  payload_too_large: "The request body is too large.",
  invalid_signature: "Missing or invalid Paddle-Signature.",
  invalid_payload: "The event is not valid JSON of the expected shape.",
  database_unavailable: "The event could not be stored; retry later.",
  internal_error: "The event could not be processed; retry later.",
};

export async function handleWebhook(request: Request, deps: WebhookDeps): Promise<Response> {
  const now = deps.now ?? Date.now;
  const started = performance.now();
  const fields = await process(request, deps, now).catch((error): LogFields => ({
    outcome: "internal_error",
    status: 500,
    exception: error instanceof Error ? error.name : typeof error,
  }));
  const log = deps.log ?? console.log;
  const { outcome, status } = fields;
  log(JSON.stringify({
    ts: new Date(now()).toISOString(),
    level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
    fn: "paddle-webhook",
    ...fields,
    duration_ms: Math.round((performance.now() - started) * 10) / 10,
  }));

  const headers: HeadersInit = status === 405 ? { Allow: "POST" } : {};
  if (status < 300) {
    return jsonResponse({ ok: true, outcome, message: MESSAGES[outcome] }, status, headers);
  }
  return jsonResponse({ error: { code: outcome, message: MESSAGES[outcome] } }, status, headers);
}

async function process(
  request: Request,
  deps: WebhookDeps,
  now: () => number,
): Promise<LogFields> {
  if (request.method !== "POST") return { outcome: "method_not_allowed", status: 405 };

  const body = await readBody(request, deps.maxBodyBytes ?? MAX_BODY_BYTES);
  if (body === "too_large") return { outcome: "payload_too_large", status: 413 };

  const check = await verifyPaddleSignature(
    body,
    request.headers.get("paddle-signature"),
    await deps.keys,
    { nowMs: now(), toleranceSeconds: deps.toleranceSeconds },
  );
  if (!check.ok) {
    return { outcome: "invalid_signature", status: 401, signature_failure: check.reason };
  }

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    return { outcome: "invalid_payload", status: 400, problems: ["body: not UTF-8 JSON"] };
  }

  const notification = parseNotification(json);
  if (notification.kind === "ignored") {
    return {
      outcome: "ignored",
      status: 200,
      event_id: notification.eventId,
      event_type: notification.eventType,
    };
  }
  if (notification.kind === "invalid") {
    // Signed by Paddle yet not the shape we expect: refuse it, so it stays visible as failed in
    // Paddle's dashboard and can be replayed once the schema here is fixed.
    return {
      outcome: "invalid_payload",
      status: 400,
      event_id: notification.eventId,
      event_type: notification.eventType,
      problems: notification.problems,
    };
  }

  const event = notification.event;
  const ids = { event_id: event.event_id, event_type: event.event_type };
  try {
    const result = await deps.applyEvent(event);
    return {
      outcome: result.outcome,
      status: 200,
      ...ids,
      entity_id: result.entity_id,
      customer_id: result.customer_id,
      customer_linked: result.customer_linked,
      linked_now: result.linked_now,
      customer_stub_created: result.customer_stub_created,
      custom_data_user_id: result.custom_data_user_id,
    };
  } catch (error) {
    const dbError = error instanceof ApplyEventError
      ? `${error.kind}${error.code ? `:${error.code}` : ""}`
      : (error instanceof Error ? error.name : typeof error);
    return { outcome: "database_unavailable", status: 503, ...ids, db_error: dbError };
  }
}

/**
 * The raw bytes, read once: the signature covers exactly these, so the body is never decoded and
 * re-encoded before verification. `Content-Length` refuses an honest oversized body unread; the
 * running count catches chunked or lying ones.
 */
async function readBody(request: Request, max: number): Promise<Uint8Array | "too_large"> {
  const declared = request.headers.get("content-length");
  if (declared !== null && !(Number(declared) <= max)) return "too_large";
  if (request.body === null) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      return "too_large";
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Production wiring, kept here so `index.ts` stays one line. */
export function createWebhookHandler(
  config: WebhookConfig,
): (request: Request) => Promise<Response> {
  const keys = importWebhookSecrets(config.webhookSecrets);
  // Observed here so a failed import cannot crash the isolate; each request then answers 500.
  keys.catch(() => {});
  const deps: WebhookDeps = {
    keys,
    toleranceSeconds: config.toleranceSeconds,
    applyEvent: createApplyEvent({
      supabaseUrl: config.supabaseUrl,
      serviceRoleKey: config.serviceRoleKey,
    }),
  };
  return (request) => handleWebhook(request, deps);
}
