/** The invoice link through the real SDK against the Paddle simulator. */
import assert from "node:assert/strict";
import { startPaddleSimulator } from "../../../local/paddle_simulator/mod.ts";
import {
  CATALOG,
  catalogStore,
  paidTransaction,
  readyTransaction,
} from "../../../local/paddle_simulator/selling_fixtures.ts";
import { createPaddleInvoice } from "./paddle_invoice.ts";

const API_KEY = "pdl_sdbx_apikey_01jlocalsimulatortestkey000_testsecret";

function account() {
  const store = catalogStore();
  const customerId = "ctm_01jpaddleinvoicetest000000";
  return {
    ready: readyTransaction(store, customerId),
    completed: paidTransaction(store, customerId),
  };
}

Deno.test("a completed transaction's invoice: one call, an inline PDF link", async () => {
  const { ready, completed } = account();
  const simulator = await startPaddleSimulator({
    apiKey: API_KEY,
    entities: { ...CATALOG, transactions: [ready, completed] },
  });
  try {
    const getInvoiceUrl = createPaddleInvoice({
      apiKey: API_KEY,
      paddleEnv: "sandbox",
      apiUrl: simulator.url,
      timeoutMs: 3000,
    });
    const result = await getInvoiceUrl(completed.id);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.attempts, 1);
    const pdf = await fetch(result.url);
    assert.equal(pdf.headers.get("content-type"), "application/pdf");
    assert.match(pdf.headers.get("content-disposition") ?? "", /^inline;/);
    assert.equal(new TextDecoder().decode((await pdf.bytes()).slice(0, 5)), "%PDF-");
    const log = await (await fetch(`${simulator.url}/__requests`)).json();
    assert.deepEqual(
      log.map((r: { method: string; path: string }) => `${r.method} ${r.path}`),
      [`GET /transactions/${completed.id}/invoice?disposition=inline`],
    );

    // Paddle refusing (no invoice for a ready transaction) is a 4xx: not retried, unavailable.
    const refused = await getInvoiceUrl(ready.id);
    assert.ok(!refused.ok);
    assert.equal(refused.code, "paddle_unavailable");
    assert.equal(refused.paddleErrorCode, "bad_request");
    assert.equal(refused.attempts, 1);
  } finally {
    await simulator.stop();
  }
});
