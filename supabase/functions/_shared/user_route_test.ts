import assert from "node:assert/strict";
import { type Caller, handleUserRequest, type UserRouteDeps } from "./user_route.ts";
import { jsonResponse } from "./json_response.ts";

function setup(overrides: Partial<UserRouteDeps> = {}) {
  const seen: { callers: Caller[]; verified: string[]; warmed: number } = {
    callers: [],
    verified: [],
    warmed: 0,
  };
  const deps: UserRouteDeps = {
    config: { allowedOrigins: "*" },
    verifyToken: (t) => {
      seen.verified.push(t);
      return Promise.resolve(
        t === "good" ? { ok: true, userId: "u1" } : { ok: false, reason: "expired" },
      );
    },
    warm: () => seen.warmed++,
    log: () => {},
    now: () => 0,
    requestId: () => "req-1",
    ...overrides,
  };
  const handle = (request: Request) =>
    handleUserRequest("fn", 100, request, deps, (_r, _d, caller) => {
      seen.callers.push(caller);
      return Promise.resolve({ response: jsonResponse({ ok: true }, 200), outcome: "ok" });
    });
  return { handle, seen };
}

const post = (headers: Record<string, string> = {}) =>
  new Request("http://x/", {
    method: "POST",
    headers: { authorization: "Bearer good", ...headers },
  });

Deno.test("the route runs last, with the verified caller", async () => {
  const { handle, seen } = setup();
  assert.equal((await handle(post())).status, 200);
  assert.deepEqual(seen.callers, [{ token: "good", userId: "u1" }]);
});

Deno.test("in order: preflight, method, startup error, declared size, token; the route never runs", async () => {
  const cases: [Request, Partial<UserRouteDeps>, number][] = [
    [new Request("http://x/", { method: "OPTIONS" }), {}, 204],
    [new Request("http://x/", { method: "GET" }), { startupError: "x" }, 405],
    [post({ "content-length": "1000" }), { startupError: "x" }, 500],
    [post({ "content-length": "1000", authorization: "" }), {}, 413],
    [post({ authorization: "" }), {}, 401],
    [post({ authorization: "Bearer bad" }), {}, 401],
  ];
  for (const [request, overrides, status] of cases) {
    const { handle, seen } = setup(overrides);
    const res = await handle(request);
    assert.equal(res.status, status, `${request.method} → ${status}`);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(seen.callers.length, 0);
    if (status !== 401) assert.deepEqual(seen.verified, []);
  }
});

Deno.test("a preflight warms after its answer, a POST when it arrives", async () => {
  const { handle, seen } = setup();
  await handle(new Request("http://x/", { method: "OPTIONS" }));
  assert.equal(seen.warmed, 1);
  await handle(post());
  assert.equal(seen.warmed, 2);
});
