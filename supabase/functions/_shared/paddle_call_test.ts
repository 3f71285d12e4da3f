import assert from "node:assert/strict";
import { classifyFailure, createPaddleCall } from "./paddle_call.ts";
import { startFakePaddle } from "./paddle_test_server.ts";

const CUSTOMER = "ctm_01hv8x0000000000000000000a";

async function withCall(
  script: Parameters<typeof startFakePaddle>[0],
  run: (
    call: ReturnType<typeof createPaddleCall>,
    seen: { transactionId: string | null }[],
  ) => Promise<void>,
) {
  const fake = startFakePaddle(script);
  let n = 0;
  try {
    await run(
      createPaddleCall({
        apiKey: "pdl_sdbx_apikey_01hv_test",
        paddleEnv: "sandbox",
        apiUrl: fake.url,
        timeoutMs: 2000,
        retryBaseMs: 20,
        newTransactionId: () => `00000000-0000-4000-8000-00000000000${++n}`,
      }),
      fake.seen,
    );
  } finally {
    await fake.close();
  }
}

const session = (paddle: Parameters<Parameters<ReturnType<typeof createPaddleCall>>[0]>[0]) =>
  paddle.customerPortalSessions.create(CUSTOMER, []);

Deno.test("the check's value comes back with the X-Transaction-ID of each attempt", async () => {
  await withCall(["500"], async (call, seen) => {
    const result = await call(session, (s) => ({ ok: true, value: s.customerId }));
    assert.deepEqual(result, {
      ok: true,
      value: CUSTOMER,
      attempts: 2,
      transactionIds: [
        "00000000-0000-4000-8000-000000000001",
        "00000000-0000-4000-8000-000000000002",
      ],
    });
    assert.deepEqual(seen.map((s) => s.transactionId), result.transactionIds);
  });
});

Deno.test("an answer the check refuses is paddle_unavailable with its code, never retried", async () => {
  await withCall([], async (call, seen) => {
    const result = await call(session, () => ({ ok: false, paddleErrorCode: "bad_response" }));
    assert.ok(!result.ok);
    assert.equal(result.code, "paddle_unavailable");
    assert.equal(result.paddleErrorCode, "bad_response");
    assert.equal(seen.length, 1);
  });
});

Deno.test("classifyFailure: parse and network failures are retried, the unknown is not", () => {
  assert.equal(classifyFailure(new SyntaxError("x")).retryable, true);
  assert.equal(classifyFailure(new TypeError("x")).paddleErrorCode, "network");
  assert.equal(classifyFailure(new Error("x")).retryable, false);
});
