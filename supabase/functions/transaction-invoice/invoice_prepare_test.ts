import assert from "node:assert/strict";
import { createInvoicePrepare } from "./invoice_prepare.ts";

const TXN = "txn_01hv8x0000000000000000000a";

function prepareWith(answer: unknown, status = 200) {
  const requests: { url: string; body: unknown; auth: string | null }[] = [];
  const prepare = createInvoicePrepare({
    supabaseUrl: "http://db.test",
    anonKey: "anon",
    timeoutMs: 1000,
    mintLimitPerMinute: 7,
    fetch: async (input, init) => {
      const request = new Request(input, init);
      requests.push({
        url: request.url,
        body: await request.json(),
        auth: request.headers.get("authorization"),
      });
      return new Response(JSON.stringify(answer), {
        status,
        headers: { "content-type": "application/json" },
      });
    },
  });
  return { prepare: (id = TXN) => prepare({ token: "tok", transactionId: id }), requests };
}

Deno.test("one RPC as the caller, with the id and the shared limit", async () => {
  const { prepare, requests } = prepareWith({
    outcome: "ready",
    transaction_id: TXN,
    mint: { taken: true, retry_after_seconds: null },
  });
  assert.deepEqual(await prepare(), { ok: true, outcome: "ready", mint: { taken: true } });
  assert.equal(requests.length, 1);
  assert.equal(requests[0].url, "http://db.test/rest/v1/rpc/transaction_invoice_prepare");
  assert.deepEqual(requests[0].body, { p_transaction_id: TXN, p_mint_limit: 7 });
  assert.equal(requests[0].auth, "Bearer tok");
});

Deno.test("refusals come back as outcomes; a row for another id or an odd shape is misconfigured", async () => {
  assert.deepEqual(await prepareWith({ outcome: "transaction_not_found" }).prepare(), {
    ok: true,
    outcome: "transaction_not_found",
  });
  assert.deepEqual(
    await prepareWith({ outcome: "invoice_not_available", status: "ready" }).prepare(),
    { ok: true, outcome: "invoice_not_available", status: "ready" },
  );
  const foreign = await prepareWith({
    outcome: "ready",
    transaction_id: "txn_01hv8x0000000000000000000b",
    mint: { taken: true, retry_after_seconds: null },
  }).prepare();
  assert.deepEqual(foreign, { ok: false, code: "misconfigured", dbErrorCode: "foreign_row" });
  const odd = await prepareWith({ outcome: "sure" }).prepare();
  assert.deepEqual(odd, { ok: false, code: "misconfigured", dbErrorCode: "unexpected_shape" });
});
