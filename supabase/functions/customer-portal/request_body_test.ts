import assert from "node:assert/strict";
import { MAX_BODY_BYTES, parsePortalRequest, readPortalRequest } from "./request_body.ts";

const SUB = "sub_01hv8y0000000000000000000a";

Deno.test("valid bodies", () => {
  assert.deepEqual(parsePortalRequest(""), { ok: true, value: { target: "overview" } });
  assert.deepEqual(parsePortalRequest("{}"), { ok: true, value: { target: "overview" } });
  assert.deepEqual(parsePortalRequest('{"target":"overview"}'), {
    ok: true,
    value: { target: "overview" },
  });
  assert.deepEqual(
    parsePortalRequest(JSON.stringify({ target: "cancel_subscription", subscriptionId: SUB })),
    { ok: true, value: { target: "cancel_subscription", subscriptionId: SUB } },
  );
  assert.deepEqual(
    parsePortalRequest(JSON.stringify({ subscriptionId: SUB, target: "update_payment_method" })),
    { ok: true, value: { target: "update_payment_method", subscriptionId: SUB } },
  );
});

Deno.test("invalid bodies", () => {
  for (
    const body of [
      "{",
      "null",
      "[]",
      "1",
      '{"target":null}',
      '{"target":"OVERVIEW"}',
      '{"customerId":"ctm_x"}',
      '{"__proto__":{"x":1}}',
      JSON.stringify({ target: "cancel_subscription" }),
      JSON.stringify({ target: "cancel_subscription", subscriptionId: `${SUB}x` }),
      JSON.stringify({ target: "cancel_subscription", subscriptionId: ` ${SUB}` }),
      JSON.stringify({ target: "cancel_subscription", subscriptionId: "sub_" + "A".repeat(26) }),
      JSON.stringify({ subscriptionId: SUB }),
    ]
  ) {
    assert.deepEqual(parsePortalRequest(body), { ok: false, code: "invalid_request" }, body);
  }
});

Deno.test("the 16 KiB cap", async () => {
  const req = (body: string) => new Request("http://x/", { method: "POST", body });
  const exact = "{}" + " ".repeat(MAX_BODY_BYTES - 2);
  assert.equal((await readPortalRequest(req(exact))).ok, true);
  assert.deepEqual(await readPortalRequest(req(exact + " ")), {
    ok: false,
    code: "payload_too_large",
  });
});
