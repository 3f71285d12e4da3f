import assert from "node:assert/strict";
import { createCustomerLink } from "./link_customer.ts";
import { fakePostgrest, type Reply } from "../_shared/postgrest_test_server.ts";

const SERVICE = "service-role-key";
const USER_ID = "6f1d2c3b-4a59-4e8f-9a7b-0c1d2e3f4a5b";
const CUSTOMER = "ctm_01hv8x0000000000000000000a";
const EARLIER = "ctm_01hv8x0000000000000000000e";
const PADDLE_CUSTOMER = { id: CUSTOMER, email: "carol@example.com", status: "active" };

async function linkWith(reply: Reply) {
  const pg = fakePostgrest(reply);
  try {
    const link = createCustomerLink({ supabaseUrl: pg.url, serviceKey: SERVICE, timeoutMs: 1000 });
    return { result: await link({ userId: USER_ID, customer: PADDLE_CUSTOMER }), seen: pg.seen };
  } finally {
    await pg.close();
  }
}

Deno.test("one POST to rpc/checkout_link_customer with the service key, the user and the customer", async () => {
  const { result, seen } = await linkWith({
    status: 200,
    body: { outcome: "linked", customer_id: CUSTOMER },
  });
  assert.deepEqual(result, { ok: true, outcome: "linked", customerId: CUSTOMER });
  assert.equal(seen.length, 1);
  assert.equal(seen[0].url.pathname, "/rest/v1/rpc/checkout_link_customer");
  assert.equal(seen[0].headers.get("authorization"), `Bearer ${SERVICE}`);
  assert.equal(seen[0].headers.get("apikey"), SERVICE);
  assert.deepEqual(JSON.parse(seen[0].body), { p_user_id: USER_ID, p_customer: PADDLE_CUSTOMER });
});

Deno.test("the customer linked earlier comes back, and a conflict is data", async () => {
  const earlier = await linkWith({
    status: 200,
    body: { outcome: "linked", customer_id: EARLIER },
  });
  assert.deepEqual(earlier.result, { ok: true, outcome: "linked", customerId: EARLIER });
  const conflict = await linkWith({ status: 200, body: { outcome: "conflict" } });
  assert.deepEqual(conflict.result, { ok: true, outcome: "conflict" });
});

Deno.test("a refused service key is misconfigured (never the caller's sign-in); outages are 503", async () => {
  const refused = await linkWith({ status: 401, body: { code: "PGRST301", message: "jwt" } });
  assert.deepEqual(refused.result, { ok: false, code: "misconfigured", dbErrorCode: "PGRST301" });
  const down = await linkWith({ status: 503, body: { code: "PGRST001", message: "down" } });
  assert.equal(down.result.ok === false && down.result.code, "database_unavailable");
  const shape = await linkWith({ status: 200, body: { outcome: "linked" } });
  assert.deepEqual(shape.result, {
    ok: false,
    code: "misconfigured",
    dbErrorCode: "unexpected_shape",
  });
});
