import { assertEquals } from "@std/assert";
import { entityBatchSchema } from "../paddle_simulator/entities.ts";
import { startPaddleSimulator } from "../paddle_simulator/mod.ts";
import { PLANS } from "./payloads.ts";
import { buildScenario } from "./scenarios.ts";
import { newestEntities } from "./send.ts";

Deno.test("send: the simulator gets each entity's newest state from a scenario, as valid Paddle entities", async () => {
  const scenario = buildScenario("new-customer-subscribes", {
    email: "carol@example.com",
    plan: "pro",
  });
  const entities = newestEntities(scenario.events);
  assertEquals(entities.customers.map((c) => (c as { id: string }).id), [scenario.customerId]);
  // created, then activated: the activated state is the one Paddle now holds.
  assertEquals(entities.subscriptions, [scenario.events.at(-1)?.data]);
  assertEquals(entityBatchSchema.safeParse(entities).success, true);

  const apiKey = "pdl_sdbx_apikey_01jsendtestkey0000000000000_sendtest";
  const simulator = await startPaddleSimulator({ apiKey });
  try {
    const loaded = await fetch(`${simulator.url}/__entities`, {
      method: "POST",
      body: JSON.stringify(entities),
    });
    assertEquals(loaded.status, 201);
    await loaded.body?.cancel();
    const response = await fetch(`${simulator.url}/subscriptions/${scenario.subscriptionId}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const { data } = await response.json();
    assertEquals(data.status, "active");
    // The embedded catalog is the seeded demo catalog, not a "newer" copy of it.
    assertEquals(data.items[0].price, PLANS.pro.price);
    assertEquals(data.items[0].product.name, "Pro plan");
  } finally {
    await simulator.stop();
  }
});
