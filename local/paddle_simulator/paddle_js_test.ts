import { assertEquals, assertStringIncludes } from "@std/assert";
import { API_KEY } from "./test_support.ts";
import { startPaddleSimulator } from "./mod.ts";

Deno.test("paddle.js: served as JavaScript with CORS, naming the simulator as the checkout origin", async () => {
  const simulator = await startPaddleSimulator({ apiKey: API_KEY });
  try {
    const response = await fetch(`${simulator.url}/paddle.js`, {
      headers: { origin: "http://127.0.0.1:1" },
    });
    assertEquals(response.status, 200);
    assertEquals(response.headers.get("content-type"), "text/javascript; charset=utf-8");
    assertEquals(response.headers.get("access-control-allow-origin"), "*");
    assertEquals(response.headers.get("x-content-type-options"), "nosniff");
    const source = await response.text();
    assertStringIncludes(source, `var CHECKOUT_ORIGIN = ${JSON.stringify(simulator.url)};`);
    // It parses as a classic script (a syntax error would throw here).
    new Function(source);
    const post = await fetch(`${simulator.url}/paddle.js`, { method: "POST" });
    assertEquals(post.status, 405);
    await post.body?.cancel();
    // Script traffic is the buyer's, not an API call.
    assertEquals(simulator.apiRequestCount(), 0);
  } finally {
    await simulator.stop();
  }
});
