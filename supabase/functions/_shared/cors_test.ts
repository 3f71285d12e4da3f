import assert from "node:assert/strict";
import { corsHeaders, parseAllowedOrigins, SUPABASE_CLIENT_HEADERS, withCors } from "./cors.ts";

Deno.test("default: any origin, the headers supabase-js sends, Retry-After readable", () => {
  const h = corsHeaders({ allowedOrigins: "*" }, "https://app.example.com");
  assert.equal(h.get("access-control-allow-origin"), "*");
  assert.equal(h.get("vary"), null);
  for (
    const name of ["authorization", "x-client-info", "apikey", "content-type", "x-retry-count"]
  ) {
    assert.ok(h.get("access-control-allow-headers")!.split(", ").includes(name), name);
  }
  assert.equal(h.get("access-control-allow-methods"), "POST, OPTIONS");
  assert.equal(h.get("access-control-expose-headers"), "Retry-After, X-Request-Id");
});

Deno.test("a list echoes a listed origin and varies on Origin", () => {
  const opts = { allowedOrigins: ["https://a.example", "http://localhost:3000"] };
  const h = corsHeaders(opts, "http://localhost:3000");
  assert.equal(h.get("access-control-allow-origin"), "http://localhost:3000");
  assert.equal(h.get("vary"), "Origin");
});

Deno.test("a list gives an unlisted or missing origin no Allow-Origin at all", () => {
  const opts = { allowedOrigins: ["https://a.example"] };
  assert.equal(corsHeaders(opts, "https://evil.example").get("access-control-allow-origin"), null);
  assert.equal(corsHeaders(opts, null).get("access-control-allow-origin"), null);
  assert.equal(corsHeaders(opts, "null").get("access-control-allow-origin"), null);
  assert.equal(corsHeaders(opts, "https://evil.example").get("vary"), "Origin");
});

Deno.test("parseAllowedOrigins", () => {
  assert.deepEqual(parseAllowedOrigins(undefined), { ok: true, value: "*" });
  assert.deepEqual(parseAllowedOrigins(" * "), { ok: true, value: "*" });
  assert.deepEqual(parseAllowedOrigins("https://a.example, http://localhost:3000/"), {
    ok: true,
    value: ["https://a.example", "http://localhost:3000"],
  });
  assert.equal(parseAllowedOrigins("https://a.example/app").ok, false);
  assert.equal(parseAllowedOrigins("a.example").ok, false);
  assert.equal(parseAllowedOrigins("*,https://a.example").ok, false);
});

Deno.test("withCors keeps status, body and headers, and merges Vary", async () => {
  const res = withCors(
    new Response("hi", { status: 418, headers: { Vary: "Accept", "X-A": "1" } }),
    corsHeaders({ allowedOrigins: ["https://a.example"] }, "https://a.example"),
  );
  assert.equal(res.status, 418);
  assert.equal(await res.text(), "hi");
  assert.equal(res.headers.get("x-a"), "1");
  assert.equal(res.headers.get("vary"), "Accept, Origin");
  assert.ok(SUPABASE_CLIENT_HEADERS.includes("authorization"));
});

Deno.test("withCors works on immutable (fetched) responses", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("x"),
  );
  try {
    const fetched = await fetch(`http://127.0.0.1:${server.addr.port}/`);
    const res = withCors(fetched, corsHeaders({ allowedOrigins: "*" }, null));
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(await res.text(), "x");
  } finally {
    await server.shutdown();
  }
});
