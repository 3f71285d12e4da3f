/** The gateway: Kong's API-key check and CORS, function routing, the static page. */
import { assert, assertEquals } from "@std/assert";
import { control, stackInfo } from "./_stack.ts";

Deno.test("/rest/v1 wants an API key, as Kong does", async () => {
  const { apiUrl } = stackInfo();
  const missing = await fetch(`${apiUrl}/rest/v1/customers`);
  assertEquals(missing.status, 401);
  assertEquals(await missing.json(), { message: "No API key found in request" });
  const wrong = await fetch(`${apiUrl}/rest/v1/customers`, { headers: { apikey: "nope" } });
  assertEquals(wrong.status, 401);
  assertEquals(await wrong.json(), { message: "Invalid API key" });
});

Deno.test("/auth/v1 wants an API key but the JWKS is public", async () => {
  const { apiUrl } = stackInfo();
  const token = await fetch(`${apiUrl}/auth/v1/token?grant_type=password`, {
    method: "POST",
    body: "{}",
  });
  assertEquals(token.status, 401);
  await token.body?.cancel();
  const jwks = await fetch(`${apiUrl}/auth/v1/.well-known/jwks.json`);
  assertEquals(jwks.status, 200);
  await jwks.body?.cancel();
});

Deno.test("CORS preflight on /rest/v1 and /auth/v1 echoes the asked headers", async () => {
  const { apiUrl } = stackInfo();
  for (const path of ["/rest/v1/customers", "/auth/v1/token"]) {
    const res = await fetch(apiUrl + path, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:3000",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, apikey, x-client-info, content-type",
      },
    });
    await res.body?.cancel();
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("access-control-allow-origin"), "http://localhost:3000");
    assert(res.headers.get("access-control-allow-headers")?.includes("apikey"));
  }
});

Deno.test("an unknown function is a 404 in the platform's shape", async () => {
  const res = await fetch(`${stackInfo().apiUrl}/functions/v1/no-such-function`, {
    method: "POST",
  });
  assertEquals(res.status, 404);
  assertEquals(await res.json(), {
    code: "NOT_FOUND",
    message: "Requested function was not found",
  });
});

Deno.test("every function folder is served", () => {
  const { functions } = stackInfo();
  assert(functions.includes("customer-portal"), `functions: ${functions}`);
  assert(!functions.some((name) => name.startsWith("_")));
});

Deno.test("the page's config.js names this stack's URL and browser key only", async () => {
  const res = await fetch(`${stackInfo().apiUrl}/config.js`);
  assertEquals(res.status, 200);
  const text = await res.text();
  assert(text.includes(JSON.stringify(stackInfo().apiUrl)));
  assert(text.includes(stackInfo().anonKey));
  assert(!text.includes(stackInfo().serviceRoleKey));
});

Deno.test("static files never leave web/", async () => {
  const { apiUrl } = stackInfo();
  // import_map.json is at the project root only (web/ has a deno.json of its own).
  for (
    const path of [
      "/../import_map.json",
      "/%2e%2e/import_map.json",
      "/.env",
      "/..%2fimport_map.json",
    ]
  ) {
    const res = await fetch(apiUrl + path);
    await res.body?.cancel();
    assertEquals(res.status, 404, path);
  }
});

Deno.test("the control API counts requests per upstream", async () => {
  await control("DELETE", "/counters");
  const { apiUrl, anonKey } = stackInfo();
  const res = await fetch(`${apiUrl}/rest/v1/customers`, { headers: { apikey: anonKey } });
  await res.body?.cancel();
  const counters = await control("GET", "/counters") as { rest: number; auth: number };
  assertEquals(counters.rest, 1);
  assertEquals(counters.auth, 0);
});
