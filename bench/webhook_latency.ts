/**
 * `deno task bench:webhook [events]`: the paddle-webhook function's handling time over signed
 * events (default 1,000), sent one after another through the gateway as Paddle's notification
 * service would. Prints p50/p99 as the sender sees them and as the function logs them.
 *
 * The events are realistic, not replays: each of N/4 new customers gets customer.created,
 * subscription.created, subscription.activated and a plan change, so every event is applied
 * (none is a duplicate or stale) and runs the linking lookup.
 */
import { buildScenario } from "../local/paddle_webhooks/scenarios.ts";
import { deliverEvent } from "../local/paddle_webhooks/sign.ts";
import { startBenchStack } from "./stack.ts";
import { roundSummary, summarize } from "./stats.ts";

const total = Number(Deno.args[0] ?? 1000);
const stack = await startBenchStack({});
try {
  const { apiUrl, paddle, controlUrl } = stack.info;
  const url = `${apiUrl}/functions/v1/paddle-webhook`;
  // Warm the function (module graph, connection pool) so the figures are steady state.
  const warm = buildScenario("new-customer-subscribes", { email: "warm-up@example.com" });
  for (const event of warm.events) await deliverEvent(url, event, paddle.webhookSecret);
  await fetch(`${controlUrl}/functions/paddle-webhook/logs`, { method: "DELETE" });

  const events = [];
  const start = Date.now();
  for (let i = 0; events.length < total; i++) {
    const email = `bench-${i}@example.com`;
    const created = buildScenario("new-customer-subscribes", { email, startMs: start + i * 10 });
    const changed = buildScenario("plan-change", {
      email,
      customerId: created.customerId,
      subscriptionId: created.subscriptionId,
      startMs: start + i * 10 + 5,
    });
    events.push(...created.events, ...changed.events);
  }
  events.length = total;

  const client: number[] = [];
  const outcomes: Record<string, number> = {};
  for (const event of events) {
    const delivery = await deliverEvent(url, event, paddle.webhookSecret);
    if (delivery.status !== 200) {
      throw new Error(`event refused: ${delivery.status} ${delivery.body}`);
    }
    const outcome = JSON.parse(delivery.body).outcome as string;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    client.push(delivery.durationMs);
  }
  const logs = await (await fetch(`${controlUrl}/functions/paddle-webhook/logs`))
    .json() as string[];
  const inFunction = logs.flatMap((line) => {
    try {
      const entry = JSON.parse(line);
      return typeof entry.duration_ms === "number" ? [entry.duration_ms as number] : [];
    } catch {
      return [];
    }
  });
  console.log(`paddle-webhook, ${total} signed events, sequential, through the gateway`);
  console.log(`outcomes: ${JSON.stringify(outcomes)}`);
  console.table({
    "sender (end to end)": roundSummary(summarize(client)),
    "inside the function (log duration_ms)": roundSummary(summarize(inFunction)),
  });
} finally {
  await stack.stop();
}
