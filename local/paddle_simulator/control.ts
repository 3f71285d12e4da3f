/**
 * The test-control API under `/__`: what tests use to inspect and steer the simulator. It is
 * not part of Paddle's contract, so its answers are plain JSON rather than Paddle envelopes.
 */

import { z } from "zod";
import type { CustomerRegistry } from "./customers.ts";
import { type FaultQueue, faultSpecSchema } from "./faults.ts";
import { CUSTOMER_ID } from "./ids.ts";
import type { RequestRecorder } from "./recorder.ts";

export interface ControlContext {
  recorder: RequestRecorder;
  faults: FaultQueue;
  customers: CustomerRegistry;
}

const customerSchema = z.object({ customerId: z.string().regex(CUSTOMER_ID) }).strict();

export function isControlPath(pathname: string): boolean {
  return pathname.startsWith("/__");
}

export function handleControlRequest(
  request: Request,
  url: URL,
  bodyText: string,
  context: ControlContext,
): Response {
  const method = request.method;
  switch (url.pathname) {
    case "/__requests":
      if (method === "GET") return json(200, context.recorder.list());
      if (method === "DELETE") {
        context.recorder.clear();
        return new Response(null, { status: 204 });
      }
      return methodNotAllowed("GET, DELETE");

    case "/__faults":
      if (method === "GET") return json(200, context.faults.list());
      if (method === "POST") {
        const parsed = parseJson(bodyText, faultSpecSchema);
        if (!parsed.success) return json(400, { error: parsed.error });
        context.faults.push(parsed.data);
        return json(201, { queued: parsed.data, pending: context.faults.list().length });
      }
      if (method === "DELETE") {
        context.faults.clear();
        return new Response(null, { status: 204 });
      }
      return methodNotAllowed("GET, POST, DELETE");

    case "/__customers":
      if (method === "GET") return json(200, context.customers.list());
      if (method === "POST") {
        const parsed = parseJson(bodyText, customerSchema);
        if (!parsed.success) return json(400, { error: parsed.error });
        context.customers.add(parsed.data.customerId);
        return json(201, { customerId: parsed.data.customerId });
      }
      return methodNotAllowed("GET, POST");
  }
  return json(404, { error: `no control endpoint ${url.pathname}` });
}

function parseJson<T>(
  text: string,
  schema: z.ZodType<T>,
): { success: true; data: T } | { success: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { success: false, error: "body is not JSON" };
  }
  const result = schema.safeParse(value);
  if (!result.success) return { success: false, error: z.prettifyError(result.error) };
  return { success: true, data: result.data };
}

function methodNotAllowed(allow: string): Response {
  return json(405, { error: "method not allowed" }, { allow });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
