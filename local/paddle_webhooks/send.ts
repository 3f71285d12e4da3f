/**
 * Delivers a named scenario of signed Paddle events to the local paddle-webhook function.
 *
 *   deno run -A local/paddle_webhooks/send.ts --scenario new-customer-subscribes --email carol@example.com
 *   deno run -A local/paddle_webhooks/send.ts --scenario plan-change --email carol@example.com --plan pro
 *   deno run -A local/paddle_webhooks/send.ts --scenario payment-failure --email alice@example.com
 *   deno run -A local/paddle_webhooks/send.ts --scenario cancel --email carol@example.com
 *
 * Reads `.local/stack.json` (written by `deno task dev`): `apiUrl`, `paddle.webhookSecret`,
 * `paddle.controlUrl`, `demoUsers`. The customer and subscription an email last used are kept in
 * `.local/paddle_webhooks.json`, so "cancel" after "new-customer-subscribes" needs no ids.
 * Flags: --customer-id, --subscription-id, --plan basic|pro, --user-id (custom_data.user_id),
 * --stack <path>, --dry-run (print the events, send nothing).
 */
import { parseArgs } from "node:util";
import { type PaddleEvent, type PlanName, PLANS } from "./payloads.ts";
import { buildScenario, isScenarioName, SCENARIO_NAMES } from "./scenarios.ts";
import { deliverEvent } from "./sign.ts";

interface StackInfo {
  apiUrl: string;
  paddle: { webhookSecret: string; controlUrl?: string };
  demoUsers?: {
    email: string;
    userId: string;
    customerId: string | null;
    subscriptionIds?: string[];
  }[];
}

interface Remembered {
  customerId: string;
  subscriptionId: string;
  plan: PlanName;
}

const STATE_PATH = ".local/paddle_webhooks.json";

function usage(message: string): never {
  console.error(
    `${message}\n\nusage: send.ts --scenario <${SCENARIO_NAMES.join("|")}> --email <email>
  [--plan basic|pro] [--customer-id ctm_...] [--subscription-id sub_...] [--user-id <uuid>]
  [--stack .local/stack.json] [--dry-run]`,
  );
  Deno.exit(2);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** A plan change moves to the other plan; every other scenario keeps the one last used. */
function defaultPlan(scenario: string, last: PlanName | undefined): PlanName | undefined {
  if (scenario === "new-customer-subscribes") return undefined;
  if (scenario === "plan-change") return last === "pro" ? "basic" : "pro";
  return last;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      scenario: { type: "string" },
      email: { type: "string" },
      plan: { type: "string" },
      "customer-id": { type: "string" },
      "subscription-id": { type: "string" },
      "user-id": { type: "string" },
      stack: { type: "string", default: ".local/stack.json" },
      "dry-run": { type: "boolean", default: false },
    },
  });
  const scenarioName = values.scenario?.trim().replaceAll(" ", "-").toLowerCase();
  if (!scenarioName || !isScenarioName(scenarioName)) usage("--scenario is missing or unknown");
  const email = values.email?.trim();
  if (!email) usage("--email is required");
  if (values.plan !== undefined && !(values.plan in PLANS)) usage("--plan must be basic or pro");

  const stack = await readJson<StackInfo>(values.stack!);
  if (!stack && !values["dry-run"]) {
    usage(`${values.stack} not found: start the stack with \`deno task dev\` first`);
  }
  const state = (await readJson<Record<string, Remembered>>(STATE_PATH)) ?? {};
  const key = email.toLowerCase();
  const demo = stack?.demoUsers?.find((u) => u.email.toLowerCase() === key);
  const remembered = state[key];
  const isNew = scenarioName === "new-customer-subscribes";

  const scenario = buildScenario(scenarioName, {
    email,
    customerId: values["customer-id"] ??
      (isNew ? undefined : remembered?.customerId ?? demo?.customerId ?? undefined),
    subscriptionId: values["subscription-id"] ??
      (isNew ? undefined : remembered?.subscriptionId ?? demo?.subscriptionIds?.[0]),
    plan: (values.plan as PlanName | undefined) ?? defaultPlan(scenarioName, remembered?.plan),
    userId: values["user-id"] ?? demo?.userId,
  });

  if (values["dry-run"] || !stack) {
    console.log(JSON.stringify(scenario.events, null, 2));
    return 0;
  }

  if (stack.paddle.controlUrl) {
    // Paddle holds what the events announce: give the simulator the newest state of each entity,
    // so its portal knows a new customer and a later sync reads what the webhooks wrote.
    const res = await fetch(new URL("/__entities", stack.paddle.controlUrl), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(newestEntities(scenario.events)),
    });
    if (!res.ok) {
      console.error(`Paddle simulator refused the scenario's entities: HTTP ${res.status}`);
      console.error(await res.text());
      return 1;
    }
    await res.body?.cancel();
  }

  const url = new URL("/functions/v1/paddle-webhook", stack.apiUrl).toString();
  let failed = false;
  for (const event of scenario.events) {
    const delivery = await deliverEvent(url, event, stack.paddle.webhookSecret);
    const ok = delivery.status >= 200 && delivery.status < 300;
    failed ||= !ok;
    console.log(
      `${ok ? "ok  " : "FAIL"} ${delivery.status} ${
        event.event_type.padEnd(24)
      } ${event.event_id} ` +
        `${delivery.durationMs.toFixed(0)} ms  ${delivery.body}`,
    );
    if (!ok) break;
  }

  if (failed) return 1;
  state[key] = {
    customerId: scenario.customerId,
    subscriptionId: scenario.subscriptionId,
    plan: scenario.plan,
  };
  await Deno.mkdir(".local", { recursive: true });
  await Deno.writeTextFile(STATE_PATH, JSON.stringify(state, null, 2) + "\n");
  console.log(
    `${scenario.name}: customer ${scenario.customerId}, subscription ${scenario.subscriptionId}`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main());

/** The last state each event sequence gives every customer and subscription, by entity id. */
export function newestEntities(
  events: readonly PaddleEvent[],
): { customers: unknown[]; subscriptions: unknown[] } {
  const newest = {
    customers: new Map<unknown, unknown>(),
    subscriptions: new Map<unknown, unknown>(),
  };
  for (const event of events) {
    const kind = event.event_type.startsWith("customer.")
      ? "customers"
      : event.event_type.startsWith("subscription.")
      ? "subscriptions"
      : null;
    if (kind) newest[kind].set(event.data.id, event.data);
  }
  return {
    customers: [...newest.customers.values()],
    subscriptions: [...newest.subscriptions.values()],
  };
}
