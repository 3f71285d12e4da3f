/**
 * Paddle's `Retry-After` is capped at 60 s before it reaches a client, on every function that
 * calls Paddle: passed through as given, a 99999 told browsers (and pg_cron's operator) to wait
 * more than a day. Paddle's limits are per minute, so a minute is always enough.
 */
import { assertEquals } from "@std/assert";
import { createUser, uniqueEmail, withClient } from "./_db.ts";
import { queueFault, resetPaddle } from "./_paddle.ts";
import { callFunction, signedInClient, stackInfo } from "./_stack.ts";
import { userToken } from "./_tokens.ts";

const PRO = "pri_01jdemopricepro00000000000";
const UPSTREAM = { status: 429, headers: { "Retry-After": "99999" } };

Deno.test("customer-portal: Paddle's Retry-After 99999 reaches the browser as 60", async () => {
  const { accessToken } = await signedInClient("alice@example.com");
  await resetPaddle();
  await queueFault(UPSTREAM);
  const answer = await callFunction("customer-portal", accessToken, {});
  assertEquals(answer.status, 503, JSON.stringify(answer.body));
  assertEquals(answer.body.error?.code, "rate_limited");
  assertEquals(answer.headers.get("retry-after"), "60");
});

Deno.test("checkout: Paddle's Retry-After 99999 reaches the browser as 60", async () => {
  const userId = await withClient((db) => createUser(db, uniqueEmail("retry-cap"), true));
  await resetPaddle();
  await queueFault(UPSTREAM);
  const answer = await callFunction("checkout", await userToken(userId), { priceId: PRO });
  assertEquals(answer.status, 503, JSON.stringify(answer.body));
  assertEquals(answer.body.error?.code, "rate_limited");
  assertEquals(answer.headers.get("retry-after"), "60");
});

Deno.test("paddle-sync: Paddle's Retry-After 99999 reaches the operator as 60", async () => {
  await resetPaddle();
  await queueFault(UPSTREAM);
  const res = await fetch(`${stackInfo().apiUrl}/functions/v1/paddle-sync`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${stackInfo().serviceRoleKey}`,
      "content-type": "application/json",
    },
    body: '{"restart":true}',
  });
  const body = await res.json();
  assertEquals(res.status, 503, JSON.stringify(body));
  assertEquals(body.error.code, "rate_limited");
  assertEquals(res.headers.get("retry-after"), "60");
  await resetPaddle();
});
