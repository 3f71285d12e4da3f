import { assert, assertEquals } from "@std/assert";
import { newPaddleId } from "./ids.ts";
import type { RecordedRequest } from "./recorder.ts";
import {
  API_KEY,
  callApi,
  control,
  CUSTOMER,
  session,
  SUBSCRIPTIONS,
  withSimulator,
} from "./test_support.ts";

Deno.test("requests: the log holds method, path, lower-case headers and parsed body, oldest first", async () => {
  await withSimulator(async (simulator) => {
    await (await callApi(simulator)).body?.cancel();
    await (await callApi(simulator, { body: "not json", path: "/elsewhere?x=1" })).body?.cancel();
    await (await callApi(simulator, { body: "", authorization: null })).body?.cancel();

    const { status, body: log } = await control<RecordedRequest[]>(simulator, "GET", "/__requests");
    assertEquals(status, 200);
    assertEquals(log.length, 3);
    assertEquals(log[0].method, "POST");
    assertEquals(log[0].path, `/customers/${CUSTOMER}/portal-sessions`);
    assertEquals(log[0].headers.authorization, `Bearer ${API_KEY}`);
    assertEquals(log[0].headers["content-type"], "application/json");
    assertEquals(log[0].body, { subscription_ids: SUBSCRIPTIONS });
    assertEquals(log[1].path, "/elsewhere?x=1");
    assertEquals(log[1].body, "not json", "a body that is not JSON is kept as text");
    assertEquals(log[2].body, null, "an empty body is null");
    assertEquals(log[2].headers.authorization, undefined);
    for (const entry of log) {
      for (const name of Object.keys(entry.headers)) assertEquals(name, name.toLowerCase());
    }
  });
});

Deno.test("requests: DELETE clears the log; the request count keeps counting", async () => {
  await withSimulator(async (simulator) => {
    assertEquals(simulator.apiRequestCount(), 0);
    await (await callApi(simulator)).body?.cancel();
    await (await callApi(simulator)).body?.cancel();
    assertEquals(simulator.apiRequestCount(), 2);
    assertEquals((await control(simulator, "DELETE", "/__requests")).status, 204);
    assertEquals((await control(simulator, "GET", "/__requests")).body, []);
    await (await callApi(simulator)).body?.cancel();
    assertEquals(simulator.apiRequestCount(), 3);
    assertEquals((await control<unknown[]>(simulator, "GET", "/__requests")).body.length, 1);
  });
});

Deno.test("requests: portal visits and control calls are not API requests", async () => {
  await withSimulator(async (simulator) => {
    const { data } = await session(await callApi(simulator));
    await (await fetch(data.urls.general.overview)).body?.cancel();
    await control(simulator, "GET", "/__customers");
    await control(simulator, "GET", "/__requests");
    assertEquals(simulator.apiRequestCount(), 1);
    assertEquals((await control<unknown[]>(simulator, "GET", "/__requests")).body.length, 1);
  });
});

Deno.test("customers: the control API lists and registers customers", async () => {
  await withSimulator(async (simulator) => {
    assertEquals((await control(simulator, "GET", "/__customers")).body, [CUSTOMER]);
    const added = newPaddleId("ctm");
    const created = await control(simulator, "POST", "/__customers", { customerId: added });
    assertEquals(created.status, 201);
    assertEquals((await control(simulator, "GET", "/__customers")).body, [CUSTOMER, added]);
    const response = await callApi(simulator, { customerId: added });
    assertEquals(response.status, 201);
    await response.body?.cancel();

    for (const bad of [{ customerId: "ctm_nope" }, {}, "nope", { customerId: added, x: 1 }]) {
      const answer = await control<{ error: string }>(simulator, "POST", "/__customers", bad);
      assertEquals(answer.status, 400, JSON.stringify(bad));
      assert(answer.body.error.length > 0);
    }
  });
});

Deno.test("control: unknown endpoints answer 404 and wrong methods 405", async () => {
  await withSimulator(async (simulator) => {
    assertEquals((await control(simulator, "GET", "/__nope")).status, 404);
    const wrong = await fetch(`${simulator.url}/__requests`, { method: "PUT" });
    assertEquals(wrong.status, 405);
    assertEquals(wrong.headers.get("allow"), "GET, DELETE");
    await wrong.body?.cancel();
    assertEquals(simulator.apiRequestCount(), 0);
  });
});
