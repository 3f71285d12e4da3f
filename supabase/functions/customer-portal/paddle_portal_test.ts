import assert from "node:assert/strict";
import { classifyFailure, createPaddlePortal, paddleEnvironment } from "./paddle_portal.ts";
import { type Behaviour, startFakePaddle } from "../_shared/paddle_test_server.ts";

const KEY = "pdl_sdbx_apikey_01hv0000000000000000000000_test";
const CUSTOMER = "ctm_01hv8x0000000000000000000a";
const SUB_A = "sub_01hv8y0000000000000000000a";
const SUB_B = "sub_01hv8y0000000000000000000b";

async function withPaddle(
  script: Behaviour[],
  run: (
    portal: ReturnType<typeof createPaddlePortal>,
    seen: ReturnType<typeof startFakePaddle>["seen"],
  ) => Promise<void>,
  timeoutMs = 2000,
) {
  const fake = startFakePaddle(script);
  try {
    const portal = createPaddlePortal({
      apiKey: KEY,
      paddleEnv: "sandbox",
      apiUrl: fake.url,
      timeoutMs,
      retryBaseMs: 40,
      random: () => 0.5,
    });
    await run(portal, fake.seen);
  } finally {
    await fake.close();
  }
}

Deno.test("the real SDK sends the customer in the path, the ids, our key and our transaction id", async () => {
  await withPaddle(["ok"], async (portal, seen) => {
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [SUB_A, SUB_B] });
    assert.ok(result.ok);
    assert.equal(result.attempts, 1);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].method, "POST");
    assert.equal(seen[0].path, `/customers/${CUSTOMER}/portal-sessions`);
    assert.deepEqual(seen[0].body, { subscription_ids: [SUB_A, SUB_B] });
    assert.equal(seen[0].authorization, `bearer ${KEY}`);
    assert.equal(seen[0].transactionId, result.transactionIds[0]);
    assert.match(result.session.overviewUrl, /action=overview/);
    assert.deepEqual(result.session.subscriptions.map((s) => s.id), [SUB_A, SUB_B]);
    assert.match(result.session.subscriptions[1].cancelUrl, new RegExp(`subscription_id=${SUB_B}`));
  });
});

Deno.test("two calls give two different sessions", async () => {
  await withPaddle([], async (portal) => {
    const a = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    const b = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    assert.ok(a.ok && b.ok);
    assert.notEqual(a.session.overviewUrl, b.session.overviewUrl);
  });
});

Deno.test("Paddle 5xx: one retry with a new transaction id, then success", async () => {
  await withPaddle(["500", "ok"], async (portal, seen) => {
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [SUB_A] });
    assert.ok(result.ok);
    assert.equal(result.attempts, 2);
    assert.equal(seen.length, 2);
    assert.notEqual(seen[0].transactionId, seen[1].transactionId);
    assert.deepEqual(result.transactionIds, seen.map((s) => s.transactionId));
  });
});

Deno.test("Paddle 5xx twice: at most one retry, then paddle_unavailable", async () => {
  await withPaddle(["500", "500", "ok"], async (portal, seen) => {
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    assert.deepEqual(
      { ok: result.ok, code: !result.ok && result.code, attempts: result.attempts },
      { ok: false, code: "paddle_unavailable", attempts: 2 },
    );
    assert.equal(seen.length, 2);
  });
});

Deno.test("an HTML 502 from a proxy is retried once and reported as not_json", async () => {
  await withPaddle(["502_html", "ok"], async (portal) => {
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    assert.ok(result.ok);
    assert.equal(result.attempts, 2);
  });
  await withPaddle(["502_html", "502_html"], async (portal) => {
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    assert.ok(!result.ok);
    assert.equal(result.code, "paddle_unavailable");
    assert.equal(result.paddleErrorCode, "not_json");
  });
});

Deno.test("429: rate_limited with Paddle's Retry-After, never retried", async () => {
  await withPaddle(["429", "ok"], async (portal, seen) => {
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    assert.ok(!result.ok);
    assert.equal(result.code, "rate_limited");
    assert.equal(result.retryAfterSeconds, 17);
    assert.equal(result.attempts, 1);
    assert.equal(seen.length, 1);
  });
});

Deno.test("403 invalid_token (our key): misconfigured, never retried", async () => {
  await withPaddle(["403", "ok"], async (portal, seen) => {
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    assert.ok(!result.ok);
    assert.equal(result.code, "misconfigured");
    assert.equal(result.paddleErrorCode, "invalid_token");
    assert.equal(seen.length, 1);
  });
});

for (const status of ["400", "404"] as const) {
  Deno.test(`Paddle ${status}: paddle_unavailable, never retried`, async () => {
    await withPaddle([status, "ok"], async (portal, seen) => {
      const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
      assert.ok(!result.ok);
      assert.equal(result.code, "paddle_unavailable");
      assert.equal(seen.length, 1);
    });
  });
}

Deno.test("no answer within the deadline: paddle_timeout, on time", async () => {
  await withPaddle([{ slowMs: 3000 }], async (portal, seen) => {
    const started = performance.now();
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    const elapsed = performance.now() - started;
    assert.ok(!result.ok);
    assert.equal(result.code, "paddle_timeout");
    assert.equal(result.attempts, 1);
    assert.ok(elapsed >= 190 && elapsed < 600, `took ${elapsed} ms`);
    assert.equal(seen.length, 1);
  }, 200);
});

Deno.test("the retry stays inside the deadline", async () => {
  await withPaddle(["500", { slowMs: 3000 }], async (portal, seen) => {
    const started = performance.now();
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    const elapsed = performance.now() - started;
    assert.ok(!result.ok);
    assert.equal(result.code, "paddle_timeout");
    assert.equal(result.attempts, 2);
    assert.equal(seen.length, 2);
    assert.ok(elapsed < 700, `took ${elapsed} ms for a 400 ms deadline`);
  }, 400);
});

Deno.test("a slow answer inside the deadline is used", async () => {
  await withPaddle([{ slowMs: 150 }], async (portal, seen) => {
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    assert.ok(result.ok);
    assert.equal(seen.length, 1);
  }, 300);
});

Deno.test("no retry when the deadline leaves no room for one", async () => {
  await withPaddle(["500"], async (portal) => {
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    assert.ok(!result.ok);
    assert.equal(result.attempts, 1, "250 ms budget minus a pause leaves no room");
  }, 260);
});

Deno.test("connection refused: retried once, then paddle_unavailable (network)", async () => {
  const fake = startFakePaddle([]);
  const url = fake.url;
  await fake.close();
  const portal = createPaddlePortal({
    apiKey: KEY,
    paddleEnv: "sandbox",
    apiUrl: url,
    timeoutMs: 2000,
    retryBaseMs: 20,
  });
  const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
  assert.ok(!result.ok);
  assert.equal(result.code, "paddle_unavailable");
  assert.equal(result.paddleErrorCode, "network");
  assert.equal(result.attempts, 2);
});

Deno.test("a dropped connection, then success", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const served = (async () => {
    let n = 0;
    for await (const conn of listener) {
      n++;
      const buf = new Uint8Array(64 * 1024);
      await conn.read(buf);
      if (n === 1) {
        conn.close();
        continue;
      }
      const body = JSON.stringify({
        data: {
          id: "cpls_01hv0000000000000000000000",
          customer_id: CUSTOMER,
          urls: {
            general: { overview: "https://customer-portal.paddle.com/cpl_1?action=overview" },
          },
        },
        meta: { request_id: "r" },
      });
      await conn.write(new TextEncoder().encode(
        `HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      ));
      conn.close();
      break;
    }
  })();
  try {
    const portal = createPaddlePortal({
      apiKey: KEY,
      paddleEnv: "sandbox",
      apiUrl: `http://127.0.0.1:${port}`,
      timeoutMs: 2000,
      retryBaseMs: 20,
    });
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.attempts, 2);
  } finally {
    // Leaving the accept loop already closed the listener on success.
    try {
      listener.close();
    } catch { /* already closed */ }
    await served.catch(() => {});
  }
});

Deno.test("a session for another customer is never returned", async () => {
  await withPaddle(["ok_other_customer"], async (portal) => {
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    assert.ok(!result.ok);
    assert.equal(result.code, "paddle_unavailable");
    assert.equal(result.paddleErrorCode, "bad_response");
  });
});

Deno.test("a 2xx that is not a portal session is paddle_unavailable", async () => {
  await withPaddle(["ok_wrong_shape"], async (portal) => {
    const result = await portal({ customerId: CUSTOMER, subscriptionIds: [] });
    assert.ok(!result.ok);
    assert.equal(result.code, "paddle_unavailable");
  });
});

Deno.test("environment: PADDLE_API_URL wins, else sandbox or production", () => {
  assert.equal(paddleEnvironment({ paddleEnv: "sandbox" }), "sandbox");
  assert.equal(paddleEnvironment({ paddleEnv: "production" }), "production");
  assert.equal(
    paddleEnvironment({ paddleEnv: "sandbox", apiUrl: "http://127.0.0.1:9" }),
    "http://127.0.0.1:9",
  );
});

Deno.test("classifyFailure: unknown exceptions are not retried", () => {
  assert.deepEqual(classifyFailure(new Error("x")), {
    kind: "fail",
    code: "paddle_unavailable",
    retryable: false,
    paddleErrorCode: "unknown",
  });
});
