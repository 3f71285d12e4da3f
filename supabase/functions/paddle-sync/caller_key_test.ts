import assert from "node:assert/strict";
import { createKeyCheck, presentedKeys } from "./caller_key.ts";

const SERVICE = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.sig";
const SECRET = "sb_secret_0123456789abcdef";

Deno.test("accepts exactly the configured keys", async () => {
  const check = createKeyCheck([SERVICE, SECRET]);
  assert.equal(await check([SERVICE]), true);
  assert.equal(await check([SECRET]), true);
  assert.equal(await check([SECRET.slice(0, -1)]), false, "a prefix is not the key");
  assert.equal(await check([`${SECRET}x`]), false, "nor a longer string");
  assert.equal(await check(["sb_publishable_0123456789abcdef"]), false);
  assert.equal(await check([]), false);
  assert.equal(await check([""]), false);
});

Deno.test("one matching credential among several is enough", async () => {
  const check = createKeyCheck([SERVICE]);
  assert.equal(await check(["user-token", SERVICE]), true);
});

Deno.test("an empty configured key never matches an empty presented one", async () => {
  const check = createKeyCheck(["", SERVICE]);
  assert.equal(await check([""]), false);
});

Deno.test("presentedKeys reads Authorization: Bearer and apikey", () => {
  assert.deepEqual(
    presentedKeys(new Headers({ authorization: `Bearer ${SERVICE}`, apikey: SECRET })),
    [SERVICE, SECRET],
  );
  assert.deepEqual(presentedKeys(new Headers({ authorization: `bearer ${SECRET}` })), [SECRET]);
  assert.deepEqual(presentedKeys(new Headers({ authorization: `Basic ${SECRET}` })), []);
  assert.deepEqual(presentedKeys(new Headers()), []);
});
