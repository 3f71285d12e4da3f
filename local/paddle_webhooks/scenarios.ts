/**
 * Named event sequences, like Paddle's webhook simulations, built for one customer email.
 * Each event's occurred_at is a millisecond after the previous one, so the sequence has a
 * definite newest state however it is delivered.
 */
import {
  customerData,
  type JsonObject,
  type PaddleEvent,
  paddleEvent,
  paddleId,
  paddleTime,
  type PlanName,
  PLANS,
  subscriptionData,
  type SubscriptionStatus,
} from "./payloads.ts";

export const SCENARIO_NAMES = [
  "new-customer-subscribes",
  "plan-change",
  "payment-failure",
  "cancel",
] as const;
export type ScenarioName = typeof SCENARIO_NAMES[number];

export interface ScenarioInput {
  email: string;
  /** Existing customer; "new-customer-subscribes" mints one when absent. */
  customerId?: string;
  /** Existing subscription; required by every scenario but "new-customer-subscribes". */
  subscriptionId?: string;
  /** Plan to subscribe to / change to / keep (default: basic for a new subscription, pro for a change). */
  plan?: PlanName;
  /** Put in the subscription's custom_data as checkout's customData would. */
  userId?: string;
  /** occurred_at of the first event (default: now). */
  startMs?: number;
}

export interface Scenario {
  name: ScenarioName;
  customerId: string;
  subscriptionId: string;
  plan: PlanName;
  /** True when the Paddle simulator must learn the customer before its portal can be used. */
  newCustomer: boolean;
  events: PaddleEvent[];
}

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

export function buildScenario(name: ScenarioName, input: ScenarioInput): Scenario {
  const start = input.startMs ?? Date.now();
  let tick = 0;
  const at = () => start + tick++;
  const customData: JsonObject | null = input.userId ? { user_id: input.userId } : null;

  if (name === "new-customer-subscribes") {
    const customerId = input.customerId ?? paddleId("ctm", start);
    const subscriptionId = input.subscriptionId ?? paddleId("sub", start);
    const plan = input.plan ?? "basic";
    const createdAtMs = start;
    const sub = (status: SubscriptionStatus, updatedAtMs: number) =>
      subscriptionData({
        id: subscriptionId,
        customerId,
        status,
        plan: PLANS[plan],
        createdAtMs,
        updatedAtMs,
        customData,
      });
    const events: PaddleEvent[] = [];
    if (!input.customerId) {
      const t = at();
      events.push(
        paddleEvent(
          "customer.created",
          customerData({ id: customerId, email: input.email, createdAtMs: t }),
          t,
        ),
      );
    }
    const t1 = at();
    events.push(paddleEvent("subscription.created", sub("active", t1), t1));
    const t2 = at();
    events.push(paddleEvent("subscription.activated", sub("active", t2), t2));
    return { name, customerId, subscriptionId, plan, newCustomer: !input.customerId, events };
  }

  const { customerId, subscriptionId } = input;
  if (!customerId || !subscriptionId) {
    throw new Error(`scenario "${name}" needs an existing customer id and subscription id`);
  }
  const plan = input.plan ?? "pro";
  // The subscription's original creation time is unknown here; a month back is plausible.
  const createdAtMs = start - 30 * 24 * 60 * 60 * 1000;
  const base = { id: subscriptionId, customerId, plan: PLANS[plan], createdAtMs, customData };
  const events: PaddleEvent[] = [];

  if (name === "plan-change") {
    const t = at();
    events.push(
      paddleEvent(
        "subscription.updated",
        subscriptionData({ ...base, status: "active", updatedAtMs: t }),
        t,
      ),
    );
  } else if (name === "payment-failure") {
    // Paddle sends both for the same change; they carry the same state.
    const t1 = at();
    const pastDue = subscriptionData({ ...base, status: "past_due", updatedAtMs: t1 });
    events.push(paddleEvent("subscription.past_due", pastDue, t1));
    const t2 = at();
    events.push(paddleEvent("subscription.updated", pastDue, t2));
  } else {
    // A cancellation at period end first schedules it, then (here, compressed) takes effect.
    const t1 = at();
    const effective = start + 60 * 1000;
    events.push(
      paddleEvent(
        "subscription.updated",
        subscriptionData({
          ...base,
          status: "active",
          updatedAtMs: t1,
          scheduledChange: {
            action: "cancel",
            effective_at: paddleTime(effective),
            resume_at: null,
          },
        }),
        t1,
      ),
    );
    const t2 = at();
    events.push(
      paddleEvent(
        "subscription.canceled",
        subscriptionData({ ...base, status: "canceled", updatedAtMs: t2, canceledAtMs: t2 }),
        t2,
      ),
    );
  }
  return { name, customerId, subscriptionId, plan, newCustomer: false, events };
}
