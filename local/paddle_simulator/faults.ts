/**
 * Queued faults for `POST /__faults`: the failures a caller of Paddle must survive (rate
 * limits, 5xx, HTML from a proxy, slow or silent upstreams) on demand and in a known order.
 */

import { z } from "zod";
import { errorCodeForStatus, paddleError } from "./errors.ts";

const MAX_DELAY_MS = 10 * 60 * 1000;

export const faultSpecSchema = z
  .object({
    // The Fetch API cannot build responses outside 200..599, so neither can a fault.
    status: z.number().int().min(200).max(599).optional(),
    body: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    delayMs: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
    // A hung request answers nothing until the simulator stops, whatever else the fault says.
    hang: z.boolean().optional(),
    count: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict()
  .refine((spec) => spec.body === undefined || spec.status !== undefined, {
    message: "a fault with a body needs a status",
    path: ["status"],
  })
  .refine((spec) => spec.headers === undefined || headersAreValid(spec.headers), {
    message: "headers must be valid HTTP header names and values",
    path: ["headers"],
  });

export type FaultSpec = z.infer<typeof faultSpecSchema>;

function headersAreValid(headers: Record<string, string>): boolean {
  try {
    new Headers(headers);
    return true;
  } catch {
    return false;
  }
}

interface QueuedFault {
  spec: FaultSpec;
  remaining: number;
}

export class FaultQueue {
  readonly #queue: QueuedFault[] = [];

  push(spec: FaultSpec): void {
    this.#queue.push({ spec, remaining: spec.count ?? 1 });
  }

  /** The fault for the next API request, if any; each request uses up one of its count. */
  take(): FaultSpec | undefined {
    const head = this.#queue[0];
    if (!head) return undefined;
    head.remaining--;
    if (head.remaining === 0) this.#queue.shift();
    return head.spec;
  }

  list(): { spec: FaultSpec; remaining: number }[] {
    return this.#queue.map(({ spec, remaining }) => ({ spec: { ...spec }, remaining }));
  }

  clear(): void {
    this.#queue.length = 0;
  }
}

const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * The answer for a fault that names a status. Without a body it is Paddle's own envelope for
 * that status, so the SDK raises the ApiError it would raise against Paddle.
 */
export function faultResponse(spec: FaultSpec & { status: number }): Response {
  const headers = new Headers(spec.headers);
  if (spec.body !== undefined) {
    if (!headers.has("content-type")) {
      headers.set("content-type", looksLikeJson(spec.body) ? "application/json" : "text/plain");
    }
    const body = NULL_BODY_STATUSES.has(spec.status) ? null : spec.body;
    return new Response(body, { status: spec.status, headers });
  }
  const code = errorCodeForStatus(spec.status);
  if (code === null) return new Response(null, { status: spec.status, headers });
  return paddleError(code, { status: spec.status, headers });
}

/** Headers named by a fault that lets the request through are laid over the real answer. */
export function withFaultHeaders(response: Response, headers: Record<string, string>): Response {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
