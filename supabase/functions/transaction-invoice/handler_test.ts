import assert from "node:assert/strict";
import { createHandler, type InvoiceDeps } from "./handler.ts";
import type { PrepareInput, PrepareResult } from "./invoice_prepare.ts";
import type { InvoiceUrlResult } from "./paddle_invoice.ts";
import type { TokenVerification } from "../_shared/verify_user_token.ts";
import { assertCommonHeaders, expectError } from "../_shared/handler_test_support.ts";

const TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl";
const USER_ID = "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b";
const TXN = "txn_01hv8x0000000000000000000a";
const URL_SECRET = "https://invoices.example.com/inv_01hv8x.pdf?X-Amz-Signature=abc123";
const attempt = { transactionIds: ["00000000-0000-4000-8000-000000000001"], attempts: 1 };

function setup(overrides: Partial<InvoiceDeps> = {}) {
  const calls = { prepare: [] as PrepareInput[], paddle: [] as string[] };
  const lines: string[] = [];
  let ids = 0;
  const base: InvoiceDeps = {
    config: { allowedOrigins: "*" },
    verifyToken: (t) =>
      Promise.resolve<TokenVerification>(
        t === TOKEN ? { ok: true, userId: USER_ID } : { ok: false, reason: "bad_signature" },
      ),
    prepareInvoice: () =>
      Promise.resolve<PrepareResult>({ ok: true, outcome: "ready", mint: { taken: true } }),
    getInvoiceUrl: () =>
      Promise.resolve<InvoiceUrlResult>({ ok: true, url: URL_SECRET, ...attempt }),
    log: (line) => lines.push(line),
    now: () => 1000,
    requestId: () => `req-${++ids}`,
  };
  const m = { ...base, ...overrides };
  const deps: InvoiceDeps = {
    ...m,
    prepareInvoice: (i) => (calls.prepare.push(i), m.prepareInvoice(i)),
    getInvoiceUrl: (id) => (calls.paddle.push(id), m.getInvoiceUrl(id)),
  };
  return { handler: createHandler(deps), calls, lines };
}

function post(body?: unknown, token = TOKEN): Request {
  return new Request("http://localhost/functions/v1/transaction-invoice", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

Deno.test("the caller's invoiced transaction: 200 with only the URL, no-store, one RPC and one Paddle call", async () => {
  const { handler, calls, lines } = setup();
  const res = await handler(post({ transactionId: TXN }));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { url: URL_SECRET });
  assert.equal(res.headers.get("cache-control"), "no-store");
  assertCommonHeaders(res);
  assert.deepEqual(calls.prepare, [{ token: TOKEN, transactionId: TXN }]);
  assert.deepEqual(calls.paddle, [TXN]);
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]);
  assert.equal(line.outcome, "ok");
  assert.ok(!lines[0].includes(TXN), "the transaction id is not logged");
  // The URL is a secret: not in the log, whole or in part.
  assert.ok(!lines[0].includes("invoices.example.com"), lines[0]);
  assert.ok(!lines[0].includes("X-Amz-Signature"), lines[0]);
});

Deno.test("not the caller's, or unknown: 404 transaction_not_found, no Paddle call", async () => {
  const { handler, calls } = setup({
    prepareInvoice: () => Promise.resolve({ ok: true, outcome: "transaction_not_found" }),
  });
  await expectError(await handler(post({ transactionId: TXN })), 404, "transaction_not_found");
  assert.equal(calls.paddle.length, 0);
});

Deno.test("no invoice yet: 409 invoice_not_available with the status logged, no Paddle call", async () => {
  const { handler, calls, lines } = setup({
    prepareInvoice: () =>
      Promise.resolve({ ok: true, outcome: "invoice_not_available", status: "past_due" }),
  });
  await expectError(await handler(post({ transactionId: TXN })), 409, "invoice_not_available");
  assert.equal(calls.paddle.length, 0);
  assert.equal(JSON.parse(lines[0]).txn_status, "past_due");
});

Deno.test("over the shared per-user limit: 429 with Retry-After, no Paddle call", async () => {
  const { handler, calls } = setup({
    prepareInvoice: () =>
      Promise.resolve({
        ok: true,
        outcome: "ready",
        mint: { taken: false, retryAfterSeconds: 17 },
      }),
  });
  const res = await handler(post({ transactionId: TXN }));
  assert.equal(res.headers.get("retry-after"), "17");
  await expectError(res, 429, "too_many_requests");
  assert.equal(calls.paddle.length, 0);
});

Deno.test("bad bodies: 400 invalid_request before the database; a bad token 401 before the body", async () => {
  const { handler, calls } = setup();
  for (
    const body of [
      undefined,
      "not json",
      {},
      { transactionId: "txn_short" },
      { transactionId: TXN, customerId: "ctm_01hv8x0000000000000000000a" },
      [TXN],
    ]
  ) {
    await expectError(await handler(post(body)), 400, "invalid_request");
  }
  await expectError(await handler(post({ transactionId: TXN }, "nope")), 401, "not_authenticated");
  assert.equal(calls.prepare.length, 0);
  await expectError(
    await handler(post({ transactionId: TXN, pad: "x".repeat(2000) })),
    413,
    "payload_too_large",
  );
  const get = await handler(new Request("http://localhost/functions/v1/transaction-invoice"));
  assert.equal(get.headers.get("allow"), "POST, OPTIONS");
  await expectError(get, 405, "method_not_allowed");
});

Deno.test("Paddle faults map as elsewhere; Retry-After passes on for Paddle's 429", async () => {
  const cases: [InvoiceUrlResult, number, string][] = [
    [
      { ok: false, code: "paddle_unavailable", paddleErrorCode: "bad_request", ...attempt },
      502,
      "paddle_unavailable",
    ],
    [{ ok: false, code: "paddle_timeout", ...attempt }, 504, "paddle_timeout"],
    [
      { ok: false, code: "misconfigured", paddleErrorCode: "invalid_token", ...attempt },
      500,
      "misconfigured",
    ],
    [{ ok: false, code: "rate_limited", retryAfterSeconds: 9, ...attempt }, 503, "rate_limited"],
  ];
  for (const [result, status, code] of cases) {
    const { handler, lines } = setup({ getInvoiceUrl: () => Promise.resolve(result) });
    const res = await handler(post({ transactionId: TXN }));
    if (code === "rate_limited") assert.equal(res.headers.get("retry-after"), "9");
    await expectError(res, status, code);
    assert.equal(JSON.parse(lines[0]).paddle_attempts, 1);
  }
});

Deno.test("the database failing: 503 database_unavailable, no Paddle call", async () => {
  const { handler, calls } = setup({
    prepareInvoice: () =>
      Promise.resolve({ ok: false, code: "database_unavailable", dbErrorCode: "PGRST000" }),
  });
  await expectError(await handler(post({ transactionId: TXN })), 503, "database_unavailable");
  assert.equal(calls.paddle.length, 0);
});
