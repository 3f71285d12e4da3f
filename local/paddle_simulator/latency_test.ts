import { assert, assertEquals, assertThrows } from "@std/assert";
import { parseLatencySetting, waitLatency } from "./latency.ts";
import { startPaddleSimulator } from "./mod.ts";
import { API_KEY, callApi, CUSTOMER } from "./test_support.ts";

Deno.test("latency: PADDLE_SIMULATOR_LATENCY_MS is a fixed time or a range", () => {
  assertEquals(parseLatencySetting(undefined), undefined);
  assertEquals(parseLatencySetting(" "), undefined);
  assertEquals(parseLatencySetting("120"), { minMs: 120, maxMs: 120 });
  assertEquals(parseLatencySetting("80-160"), { minMs: 80, maxMs: 160 });
  assertEquals(parseLatencySetting("80 - 160"), { minMs: 80, maxMs: 160 });
  for (const bad of ["fast", "160-80", "-5", "1.5", "99999999"]) {
    assertThrows(() => parseLatencySetting(bad), TypeError, "PADDLE_SIMULATOR_LATENCY_MS", bad);
  }
});

Deno.test("latency: each wait is drawn from the range", async () => {
  const signal = new AbortController().signal;
  const range = { minMs: 20, maxMs: 60 };
  for (const [random, expected] of [[0, 20], [1, 60], [0.5, 40]]) {
    const started = performance.now();
    await waitLatency(range, signal, () => random);
    const took = performance.now() - started;
    assert(took >= expected - 2 && took < expected + 40, `${took} ms for ${expected}`);
  }
});

Deno.test("latency: a simulator with latency answers API calls no sooner than its minimum", async () => {
  const simulator = await startPaddleSimulator({
    apiKey: API_KEY,
    customerIds: [CUSTOMER],
    latencyMs: { minMs: 80, maxMs: 100 },
  });
  try {
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const response = await callApi(simulator);
      await response.body?.cancel();
      assertEquals(response.status, 201);
      assert(performance.now() - started >= 79, "answered before the latency");
    }
    // Control calls are the test's own traffic: not slowed.
    const started = performance.now();
    await (await fetch(`${simulator.url}/__requests`)).body?.cancel();
    assert(performance.now() - started < 80, "control API slowed down");
  } finally {
    await simulator.stop();
  }
});
