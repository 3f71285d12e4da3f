import { ApiError, Environment, Paddle } from "@paddle/paddle-node-sdk";
import { assert, assertEquals, assertThrows } from "@std/assert";
import { startPaddleSimulator } from "./mod.ts";
import {
  GENERAL_PER_MINUTE,
  parseRateLimitSetting,
  PREVIEW_PER_MINUTE,
  RateLimits,
} from "./rate_limits.ts";
import { API_KEY, callApi, CUSTOMER, paddleError } from "./test_support.ts";

const BASE = "http://paddle.test";

function request(method: string, path: string, key = API_KEY): [Request, URL] {
  const url = new URL(path, BASE);
  return [new Request(url, { method, headers: { authorization: `Bearer ${key}` } }), url];
}

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** Takes `n` requests of one kind; returns how many were refused. */
function spend(limits: RateLimits, n: number, method = "GET", path = "/customers") {
  let refused = 0;
  for (let i = 0; i < n; i++) {
    if (limits.take(...request(method, path), "127.0.0.1") !== null) refused++;
  }
  return refused;
}

Deno.test("rate limits: 240 a minute pass at once, the 241st is Paddle's 429 with Retry-After", async () => {
  const time = clock();
  const limits = new RateLimits(time.now);
  assertEquals(spend(limits, GENERAL_PER_MINUTE), 0);
  const refused = limits.take(
    ...request("POST", `/customers/${CUSTOMER}/portal-sessions`),
    "127.0.0.1",
  );
  if (refused === null) throw new Error("the 241st request passed");
  assertEquals(refused.status, 429);
  assertEquals(refused.headers.get("content-type"), "application/json");
  // One request comes back every 250 ms at 240 a minute: the next one is free within a second.
  assertEquals(refused.headers.get("retry-after"), "1");
  const body = await paddleError(refused);
  assertEquals(
    [body.error.type, body.error.code, body.error.documentation_url],
    [
      "api_error",
      "too_many_requests",
      "https://developer.paddle.com/errors/shared/too_many_requests",
    ],
  );
  assertEquals(limits.rejected, 1);

  // The budget refills continuously: 250 ms buys exactly one more request.
  time.advance(249);
  assertEquals(spend(limits, 1), 1);
  time.advance(1);
  assertEquals(spend(limits, 1), 0);
  assertEquals(spend(limits, 1), 1);
  // A full minute refills the whole burst, never more.
  time.advance(10 * 60_000);
  assertEquals(spend(limits, GENERAL_PER_MINUTE + 1), 1);
});

Deno.test("rate limits: a client at half the rate leaves a full burst to others on the same key", () => {
  const time = clock();
  const limits = new RateLimits(time.now);
  // Two minutes of a paced client (one request every 500 ms), then a burst of portal clicks.
  for (let i = 0; i < 240; i++) {
    assertEquals(spend(limits, 1), 0, `paced request ${i}`);
    time.advance(500);
  }
  assertEquals(spend(limits, 200, "POST", `/customers/${CUSTOMER}/portal-sessions`), 0);
});

Deno.test("rate limits: previews have their own 1,000 a minute; other routes share the 240", () => {
  const time = clock();
  const limits = new RateLimits(time.now);
  assertEquals(spend(limits, GENERAL_PER_MINUTE + 1), 1);
  // The general budget is spent, yet both preview operations still pass, up to their own limit.
  assertEquals(spend(limits, PREVIEW_PER_MINUTE / 2, "POST", "/pricing-preview"), 0);
  assertEquals(spend(limits, PREVIEW_PER_MINUTE / 2, "POST", "/transactions/preview"), 0);
  assertEquals(spend(limits, 1, "POST", "/pricing-preview"), 1);
  // A preview of a subscription change, or a GET on a preview path, is an ordinary operation.
  assertEquals(spend(limits, 1, "PATCH", "/subscriptions/sub_x/preview"), 1);
  assertEquals(spend(limits, 1, "GET", "/transactions/preview"), 1);
});

Deno.test("rate limits: counted per API key and per client address", () => {
  const limits = new RateLimits(clock().now);
  const take = (key: string, address: string) =>
    limits.take(...request("GET", "/prices", key), address);
  for (let i = 0; i < GENERAL_PER_MINUTE; i++) assertEquals(take(API_KEY, "10.0.0.1"), null);
  assert(take(API_KEY, "10.0.0.1"));
  assertEquals(take(API_KEY, "10.0.0.2"), null);
  assertEquals(take("pdl_sdbx_apikey_other", "10.0.0.1"), null);
  // The scheme's spelling does not make another key.
  const [lower, url] = request("GET", "/prices");
  lower.headers.set("authorization", `bearer  ${API_KEY}`);
  assert(limits.take(lower, url, "10.0.0.1"));
});

Deno.test("rate limits: a burst over the limit at a simulator gets 429s the SDK reads as Paddle's", async () => {
  const simulator = await startPaddleSimulator({ apiKey: API_KEY, customerIds: [CUSTOMER] });
  try {
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: 300 }, async () => {
        const response = await callApi(simulator);
        await response.body?.cancel();
        return response.status;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const created = statuses.filter((s) => s === 201).length;
    const refused = statuses.filter((s) => s === 429).length;
    assertEquals(created + refused, 300);
    // The burst passes, plus at most what refilled (4 a second) while it was being answered.
    assert(created >= GENERAL_PER_MINUTE, `${created} created`);
    assert(created <= GENERAL_PER_MINUTE + Math.ceil(seconds * 4) + 1, `${created} in ${seconds}s`);
    assertEquals(simulator.rateLimitedCount(), refused);

    const paddle = new Paddle(API_KEY, { environment: simulator.url as Environment });
    // What refilled since the burst is spent within a few calls; then the SDK sees the 429.
    let error: unknown;
    for (let i = 0; i < 10 && error === undefined; i++) {
      error = await paddle.customers.get(CUSTOMER).then(() => undefined, (e: unknown) => e);
    }
    if (!(error instanceof ApiError)) throw new Error(`not an ApiError: ${error}`);
    assertEquals(error.code, "too_many_requests");
    assertEquals(error.retryAfter, 1);
  } finally {
    await simulator.stop();
  }
});

Deno.test("rate limits: rateLimit false lets any burst through", async () => {
  const simulator = await startPaddleSimulator({
    apiKey: API_KEY,
    customerIds: [CUSTOMER],
    rateLimit: false,
  });
  try {
    const statuses = await Promise.all(
      Array.from({ length: 300 }, async () => {
        const response = await callApi(simulator);
        await response.body?.cancel();
        return response.status;
      }),
    );
    assertEquals(statuses.filter((s) => s === 201).length, 300);
    assertEquals(simulator.rateLimitedCount(), 0);
  } finally {
    await simulator.stop();
  }
});

Deno.test("rate limits: PADDLE_SIMULATOR_RATE_LIMIT is on unless it says off", () => {
  assertEquals(parseRateLimitSetting(undefined), true);
  assertEquals(parseRateLimitSetting(""), true);
  assertEquals(parseRateLimitSetting("on"), true);
  assertEquals(parseRateLimitSetting(" OFF "), false);
  assertThrows(() => parseRateLimitSetting("no"), TypeError, "must be on or off");
});
