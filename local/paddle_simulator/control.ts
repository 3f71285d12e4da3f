/**
 * The test-control API under `/__`: what tests use to inspect and steer the simulator. It is
 * not part of Paddle's contract, so its answers are plain JSON rather than Paddle envelopes.
 */

import { z } from "zod";
import { advanceClock } from "./billing_clock.ts";
import { parseIsoDuration } from "./durations.ts";
import { parseEntityBatch } from "./entities.ts";
import { customerEntity } from "./entity_builders.ts";
import { type FaultQueue, faultSpecSchema } from "./faults.ts";
import { CUSTOMER_ID, paddleTimestamp } from "./ids.ts";
import type { RequestRecorder } from "./recorder.ts";
import { batchCounts, type EntityStore } from "./store.ts";
import type { WebhookDeliveries } from "./webhook_delivery.ts";

export interface ControlContext {
  recorder: RequestRecorder;
  faults: FaultQueue;
  store: EntityStore;
  webhooks: WebhookDeliveries;
}

const cardSchema = z.strictObject({
  customerId: z.string().regex(CUSTOMER_ID),
  declines: z.boolean(),
});

const clockSchema = z
  .strictObject({
    advance: z.string().refine((text) => parseIsoDuration(text) !== null, {
      message: "must be an ISO-8601 duration like P1M, P14D or PT36H",
    }).optional(),
    to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  })
  .refine((body) => (body.advance === undefined) !== (body.to === undefined), {
    message: 'give exactly one of "advance" and "to"',
  });

const customerSchema = z.strictObject({
  customerId: z.string().regex(CUSTOMER_ID),
  email: z.string().regex(/^[^@\s]+@[^@\s]+$/).optional(),
});

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
      if (method === "GET") return json(200, context.store.customers.sortedIds());
      if (method === "POST") {
        const parsed = parseJson(bodyText, customerSchema);
        if (!parsed.success) return json(400, { error: parsed.error });
        addCustomer(context.store, parsed.data.customerId, parsed.data.email);
        return json(201, { customerId: parsed.data.customerId });
      }
      return methodNotAllowed("GET, POST");

    case "/__cards":
      if (method === "GET") return json(200, { declining: context.store.cards.declining() });
      if (method === "POST") {
        const parsed = parseJson(bodyText, cardSchema);
        if (!parsed.success) return json(400, { error: parsed.error });
        context.store.cards.set(parsed.data.customerId, parsed.data.declines);
        return json(200, { declining: context.store.cards.declining() });
      }
      return methodNotAllowed("GET, POST");

    case "/__clock":
      if (method === "GET") {
        const clock = context.store.clock;
        return json(200, { now: paddleTimestamp(clock.now()), offsetMs: clock.offsetMs });
      }
      if (method === "POST") return moveClock(bodyText, context);
      return methodNotAllowed("GET, POST");

    case "/__webhooks":
      if (method === "GET") {
        return json(200, { held: context.webhooks.held, deliveries: context.webhooks.list() });
      }
      return methodNotAllowed("GET");

    case "/__webhooks/hold":
    case "/__webhooks/release":
      if (method !== "POST") return methodNotAllowed("POST");
      if (url.pathname === "/__webhooks/hold") context.webhooks.hold();
      else context.webhooks.release();
      return json(200, { held: context.webhooks.held });

    case "/__entities":
      if (method === "GET") return json(200, { stored: context.store.counts() });
      if (method === "POST") return loadEntities(bodyText, context.store);
      if (method === "DELETE") {
        context.store.clear();
        return new Response(null, { status: 204 });
      }
      return methodNotAllowed("GET, POST, DELETE");
  }
  return json(404, { error: `no control endpoint ${url.pathname}` });
}

/**
 * A customer known only by id (the shortcut `POST /__customers` and `addCustomer` offer): a
 * complete entity with a stand-in email. An existing customer is left as it is.
 */
export function addCustomer(store: EntityStore, customerId: string, email?: string): void {
  if (store.customers.has(customerId)) return;
  store.customers.upsert(customerEntity({
    id: customerId,
    email: email ?? `${customerId.slice(4)}@customers.example.com`,
    createdAt: paddleTimestamp(store.clock.now()),
  }));
}

/**
 * `POST /__clock {"advance": "P1M"}` or `{"to": "<ISO date>"}`: runs everything due on the way
 * (billing_clock.ts), sends its webhooks, and answers with what happened and each event's id.
 */
function moveClock(bodyText: string, context: ControlContext): Response {
  const parsed = parseJson(bodyText, clockSchema);
  if (!parsed.success) return json(400, { error: parsed.error });
  const target = parsed.data.advance !== undefined
    ? { advance: parseIsoDuration(parsed.data.advance)! }
    : { to: new Date(parsed.data.to!) };
  const ids: string[] = [];
  let moved;
  try {
    moved = advanceClock(
      context.store,
      target,
      (event) => ids.push(context.webhooks.emit(event.type, event.data).event_id),
    );
  } catch (error) {
    if (error instanceof RangeError) return json(409, { error: error.message });
    throw error;
  }
  let next = 0;
  return json(200, {
    from: moved.from,
    now: moved.to,
    offsetMs: context.store.clock.offsetMs,
    happened: moved.happened.map(({ events, ...happening }) => ({
      ...happening,
      events: events.map((event) => ({ type: event.type, event_id: ids[next++] })),
    })),
  });
}

/** Validates the whole batch before storing any of it: a bad entity leaves the account as it was. */
function loadEntities(bodyText: string, store: EntityStore): Response {
  let value: unknown;
  try {
    value = JSON.parse(bodyText);
  } catch {
    return json(400, { error: "body is not JSON" });
  }
  const parsed = parseEntityBatch(value);
  if (!parsed.success) return json(400, { error: parsed.error });
  const inserted = store.load(parsed.data);
  return json(201, { upserted: batchCounts(parsed.data), inserted, stored: store.counts() });
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
