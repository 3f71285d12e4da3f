import { assert, assertEquals, assertMatch, assertRejects } from "@std/assert";
import { FaultQueue, faultSpecSchema } from "./faults.ts";
import type { RecordedRequest } from "./recorder.ts";
import {
  apiGet,
  callApi,
  control,
  CUSTOMER,
  paddleError,
  session,
  withSimulator,
} from "./test_support.ts";

Deno.test("faults: a status alone answers Paddle's envelope for it, then the next request is normal", async () => {
  await withSimulator(async (simulator) => {
    const expected: [number, string, string][] = [
      [429, "too_many_requests", "api_error"],
      [500, "internal_error", "api_error"],
      [502, "internal_error", "api_error"],
      [503, "service_unavailable", "api_error"],
      [401, "invalid_token", "request_error"],
      [403, "forbidden", "request_error"],
      [400, "bad_request", "request_error"],
    ];
    for (const [status, code, type] of expected) {
      assertEquals((await control(simulator, "POST", "/__faults", { status })).status, 201);
      const response = await callApi(simulator);
      assertEquals(response.status, status);
      assertEquals(response.headers.get("content-type"), "application/json");
      const body = await paddleError(response);
      assertEquals([body.error.code, body.error.type], [code, type], `status ${status}`);
      assertEquals(response.headers.get("retry-after"), status === 429 ? "60" : null);
    }
    const normal = await callApi(simulator);
    assertEquals(normal.status, 201);
    await normal.body?.cancel();
  });
});

Deno.test("faults: status, body and headers are answered exactly", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", {
      status: 502,
      body: "<html><body>Bad gateway</body></html>",
      headers: { "content-type": "text/html", "x-proxy": "edge-1" },
    });
    const html = await callApi(simulator);
    assertEquals(html.status, 502);
    assertEquals(html.headers.get("content-type"), "text/html");
    assertEquals(html.headers.get("x-proxy"), "edge-1");
    assertEquals(await html.text(), "<html><body>Bad gateway</body></html>");

    // Without a content-type, JSON bodies are labelled JSON and anything else plain text.
    await control(simulator, "POST", "/__faults", { status: 500, body: "oops" });
    const text = await callApi(simulator);
    assertEquals(text.headers.get("content-type"), "text/plain");
    assertEquals(await text.text(), "oops");

    await control(simulator, "POST", "/__faults", {
      status: 429,
      body: '{"error":{"code":"custom"}}',
      headers: { "Retry-After": "3" },
    });
    const limited = await callApi(simulator);
    assertEquals(limited.headers.get("content-type"), "application/json");
    assertEquals(limited.headers.get("retry-after"), "3");
    assertEquals(await limited.json(), { error: { code: "custom" } });

    await control(simulator, "POST", "/__faults", { status: 429, headers: { "Retry-After": "2" } });
    const envelope = await callApi(simulator);
    assertEquals(envelope.headers.get("retry-after"), "2", "a given Retry-After wins");
    assertEquals((await paddleError(envelope)).error.code, "too_many_requests");
  });
});

Deno.test("faults: a success status without a body answers an empty body", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", { status: 201 });
    const response = await callApi(simulator);
    assertEquals(response.status, 201);
    assertEquals(await response.text(), "");
  });
});

Deno.test("faults: headers alone are laid over the normal answer", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", { headers: { "x-extra": "yes" } });
    const response = await callApi(simulator);
    assertEquals(response.status, 201);
    assertEquals(response.headers.get("x-extra"), "yes");
    assertMatch((await session(response)).data.id, /^cpls_/);
  });
});

Deno.test("faults: delayMs alone delays, then answers normally", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", { delayMs: 250 });
    const started = performance.now();
    const response = await callApi(simulator);
    const elapsed = performance.now() - started;
    assertEquals(response.status, 201);
    await response.body?.cancel();
    assert(elapsed >= 240, `answered after ${elapsed}ms`);

    const quick = performance.now();
    await (await callApi(simulator)).body?.cancel();
    assert(performance.now() - quick < 200, "the delay applied once only");
  });
});

Deno.test("faults: delayMs with a status delays, then answers the fault", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", { delayMs: 150, status: 503 });
    const started = performance.now();
    const response = await callApi(simulator);
    assertEquals(response.status, 503);
    await response.body?.cancel();
    assert(performance.now() - started >= 140);
  });
});

Deno.test("faults: hang never answers; the client gives up and the request is still recorded", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", { hang: true });
    const started = performance.now();
    await assertRejects(() => callApi(simulator, { signal: AbortSignal.timeout(300) }));
    assert(performance.now() - started >= 290);
    const log = await control<RecordedRequest[]>(simulator, "GET", "/__requests");
    assertEquals(log.body.length, 1);
    assertEquals(log.body[0].method, "POST");
    const next = await callApi(simulator);
    assertEquals(next.status, 201, "the hang applied to one request only");
    await next.body?.cancel();
  });
});

Deno.test("faults: stop() ends a hung request and resolves", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", { hang: true });
    const pending = callApi(simulator).then(
      async (response) => {
        await response.body?.cancel();
        return response.status;
      },
      () => "rejected",
    );
    // Let the request reach the simulator before stopping it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assertEquals(simulator.apiRequestCount(), 1);
    await simulator.stop();
    const outcome = await pending;
    assert(outcome === 503 || outcome === "rejected", `hung request ended with ${outcome}`);
    await assertRejects(() => fetch(`${simulator.url}/__requests`), TypeError);
  });
});

Deno.test("faults: count applies a fault to that many requests", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", { status: 500, count: 3 });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const response = await callApi(simulator);
      statuses.push(response.status);
      await response.body?.cancel();
    }
    assertEquals(statuses, [500, 500, 500, 201]);
  });
});

Deno.test("faults: several faults apply in the order they were queued", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", { status: 429 });
    await control(simulator, "POST", "/__faults", { status: 500, count: 2 });
    const queued = await control<{ remaining: number }[]>(simulator, "GET", "/__faults");
    assertEquals(queued.body.map((f) => f.remaining), [1, 2]);
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const response = await callApi(simulator);
      statuses.push(response.status);
      await response.body?.cancel();
    }
    assertEquals(statuses, [429, 500, 500, 201]);
  });
});

Deno.test("faults: DELETE /__faults clears the queue", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", { status: 500, count: 5 });
    assertEquals((await control(simulator, "DELETE", "/__faults")).status, 204);
    assertEquals((await control(simulator, "GET", "/__faults")).body, []);
    const response = await callApi(simulator);
    assertEquals(response.status, 201);
    await response.body?.cancel();
  });
});

Deno.test("faults: portal pages and the control API are never faulted", async () => {
  await withSimulator(async (simulator) => {
    const { data } = await session(await callApi(simulator));
    await control(simulator, "POST", "/__faults", { status: 500 });
    assertEquals((await control(simulator, "GET", "/__requests")).status, 200);
    const page = await fetch(data.urls.general.overview);
    assertEquals(page.status, 200);
    await page.body?.cancel();
    const response = await callApi(simulator);
    assertEquals(response.status, 500, "the fault waited for the next API request");
    await response.body?.cancel();
  });
});

Deno.test("faults: a bad fault spec answers 400 and queues nothing", async () => {
  await withSimulator(async (simulator) => {
    const bad = [
      "not json",
      "[]",
      { status: "500" },
      { status: 99 },
      { status: 600 },
      { count: 0 },
      { count: 1.5 },
      { delayMs: -1 },
      { hang: "yes" },
      { body: "no status" },
      { headers: { "bad header": "x" } },
      { headers: { "x-ok": 1 } },
      { status: 500, unknown: true },
    ];
    for (const spec of bad) {
      const answer = await control<{ error: string }>(simulator, "POST", "/__faults", spec);
      assertEquals(answer.status, 400, JSON.stringify(spec));
      assert(answer.body.error.length > 0);
    }
    assertEquals((await control(simulator, "GET", "/__faults")).body, []);
  });
});

Deno.test("faults: the queue hands out each fault count times, oldest first", () => {
  const queue = new FaultQueue();
  queue.push(faultSpecSchema.parse({ status: 500, count: 2 }));
  queue.push(faultSpecSchema.parse({ delayMs: 10 }));
  assertEquals(queue.take()?.status, 500);
  assertEquals(queue.take()?.status, 500);
  assertEquals(queue.take()?.delayMs, 10);
  assertEquals(queue.take(), undefined);
});

Deno.test("faults: list and get calls are faulted and recorded like every API call", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", { status: 429, headers: { "Retry-After": "3" } });
    await control(simulator, "POST", "/__faults", { status: 503 });
    await control(simulator, "POST", "/__faults", {
      status: 502,
      body: "<html>Bad gateway</html>",
      headers: { "content-type": "text/html" },
    });
    await control(simulator, "POST", "/__faults", { delayMs: 200 });

    const limited = await apiGet(simulator, "/customers?per_page=200&order_by=id[ASC]");
    assertEquals(limited.status, 429);
    assertEquals(limited.headers.get("retry-after"), "3");
    assertEquals((await paddleError(limited)).error.code, "too_many_requests");

    const unavailable = await apiGet(simulator, `/customers/${CUSTOMER}`);
    assertEquals(unavailable.status, 503);
    assertEquals((await paddleError(unavailable)).error.code, "service_unavailable");

    const html = await apiGet(simulator, "/subscriptions");
    assertEquals(html.status, 502);
    assertEquals(await html.text(), "<html>Bad gateway</html>");

    const started = performance.now();
    const slow = await apiGet(simulator, "/customers");
    assertEquals(slow.status, 200);
    assert(performance.now() - started >= 190, "the delay applied");
    assertEquals((await slow.json()).data.map((c: { id: string }) => c.id), [CUSTOMER]);

    const log = await control<RecordedRequest[]>(simulator, "GET", "/__requests");
    assertEquals(log.body.map((r) => `${r.method} ${r.path}`), [
      "GET /customers?per_page=200&order_by=id[ASC]",
      `GET /customers/${CUSTOMER}`,
      "GET /subscriptions",
      "GET /customers",
    ]);
  });
});

Deno.test("faults: a hung list call never answers until the client gives up", async () => {
  await withSimulator(async (simulator) => {
    await control(simulator, "POST", "/__faults", { hang: true });
    await assertRejects(() =>
      fetch(`${simulator.url}/products`, {
        headers: { authorization: "Bearer x" },
        signal: AbortSignal.timeout(200),
      })
    );
    assertEquals(simulator.apiRequestCount(), 1);
  });
});
