/**
 * The Paddle notifications this function mirrors, as zod schemas over Paddle's snake_case payloads.
 *
 * Objects strip unknown keys, so what reaches the database is the small subset of Paddle's event
 * that `public.apply_paddle_event` reads, still in Paddle's shape. Only the fields the tables need
 * are required: Paddle adds fields over time and an optional field we do not store must not turn
 * a delivery into a permanent failure.
 */
import { z } from "zod";

export const CUSTOMER_EVENT_TYPES = ["customer.created", "customer.updated"] as const;
export const SUBSCRIPTION_EVENT_TYPES = [
  "subscription.created",
  "subscription.updated",
  "subscription.activated",
  "subscription.trialing",
  "subscription.past_due",
  "subscription.paused",
  "subscription.resumed",
  "subscription.canceled",
] as const;
export const MIRRORED_EVENT_TYPES: readonly string[] = [
  ...CUSTOMER_EVENT_TYPES,
  ...SUBSCRIPTION_EVENT_TYPES,
];

const paddleId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[a-z\\d]{26}$`));
// RFC 3339 with an explicit offset: a zone-less time would be read in the database's zone.
const timestamp = z.iso.datetime({ offset: true });

/** The part of every notification that is read before knowing whether it is mirrored. */
export const EnvelopeSchema = z.object({
  event_id: z.string().min(1).max(64),
  event_type: z.string().min(1).max(64),
});

const customData = z.record(z.string(), z.unknown()).nullable().optional();

export const CustomerSchema = z.object({
  id: paddleId("ctm"),
  // Paddle validates the address; we only compare it, so a cap is all the check we need.
  email: z.string().min(3).max(320),
  status: z.enum(["active", "archived"]).optional(),
  custom_data: customData,
  created_at: timestamp.optional(),
  updated_at: timestamp.optional(),
});

const SubscriptionItemSchema = z.object({
  price: z.object({ id: paddleId("pri"), product_id: paddleId("pro") }),
});

const ScheduledChangeSchema = z.object({
  action: z.enum(["cancel", "pause", "resume"]),
  effective_at: timestamp,
  resume_at: timestamp.nullable().optional(),
});

export const SubscriptionSchema = z.object({
  id: paddleId("sub"),
  customer_id: paddleId("ctm"),
  status: z.enum(["active", "trialing", "past_due", "paused", "canceled"]),
  items: z.array(SubscriptionItemSchema).min(1),
  scheduled_change: ScheduledChangeSchema.nullable().optional(),
  custom_data: customData,
  created_at: timestamp.optional(),
  updated_at: timestamp.optional(),
});

const base = {
  event_id: paddleId("evt"),
  notification_id: paddleId("ntf").optional(),
  occurred_at: timestamp,
};

export const CustomerEventSchema = z.object({
  ...base,
  event_type: z.enum(CUSTOMER_EVENT_TYPES),
  data: CustomerSchema,
});

export const SubscriptionEventSchema = z.object({
  ...base,
  event_type: z.enum(SUBSCRIPTION_EVENT_TYPES),
  data: SubscriptionSchema,
});

export const MirroredEventSchema = z.union([CustomerEventSchema, SubscriptionEventSchema]);

export type CustomerEvent = z.infer<typeof CustomerEventSchema>;
export type SubscriptionEvent = z.infer<typeof SubscriptionEventSchema>;
export type MirroredEvent = z.infer<typeof MirroredEventSchema>;

export type ParsedNotification =
  | { kind: "mirrored"; event: MirroredEvent }
  | { kind: "ignored"; eventId: string; eventType: string }
  | { kind: "invalid"; eventId?: string; eventType?: string; problems: string[] };

/**
 * Classifies a verified notification. `problems` lists paths and zod messages, never values:
 * the payload holds customer emails.
 */
export function parseNotification(json: unknown): ParsedNotification {
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    return { kind: "invalid", problems: describe(envelope.error) };
  }
  const { event_id: eventId, event_type: eventType } = envelope.data;
  if (!MIRRORED_EVENT_TYPES.includes(eventType)) {
    return { kind: "ignored", eventId, eventType };
  }
  const schema = eventType.startsWith("customer.") ? CustomerEventSchema : SubscriptionEventSchema;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return { kind: "invalid", eventId, eventType, problems: describe(parsed.error) };
  }
  return { kind: "mirrored", event: parsed.data };
}

function describe(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((i) => `${i.path.join(".") || "(root)"}: ${i.code}`);
}
