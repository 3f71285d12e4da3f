/** Unit tests of web/checkout_return.js: the parameter, the backoff, the bounded wait. */
import { assert, assertEquals } from "@std/assert";
import {
  pollDelays,
  takeCheckoutReturn,
  WAIT_LIMIT_MS,
  waitForSubscription,
} from "../../web/checkout_return.js";

function fakeHistory() {
  const calls: string[] = [];
  return {
    calls,
    state: { kept: true },
    replaceState(state: unknown, _unused: string, url?: string | URL | null) {
      assertEquals(state, { kept: true });
      calls.push(String(url));
    },
  };
}

Deno.test("?checkout=complete is taken once and removed from the address", () => {
  const history = fakeHistory();
  assert(takeCheckoutReturn({ href: "https://app.example/billing/?checkout=complete#x" }, history));
  assertEquals(history.calls, ["/billing/#x"]);
  assert(takeCheckoutReturn({ href: "https://app.example/?a=1&checkout=complete" }, history));
  assertEquals(history.calls[1], "/?a=1");

  const untouched = fakeHistory();
  assertEquals(
    takeCheckoutReturn({ href: "https://app.example/?checkout=other" }, untouched),
    false,
  );
  assertEquals(takeCheckoutReturn({ href: "https://app.example/" }, untouched), false);
  assertEquals(untouched.calls, []);
});

Deno.test("the delays grow, are capped, and add up to exactly 30 s", () => {
  const delays = pollDelays();
  assertEquals(delays.reduce((a, b) => a + b, 0), WAIT_LIMIT_MS);
  assertEquals(delays[0], 1_000);
  for (let i = 1; i < delays.length - 1; i++) {
    assert(delays[i] >= delays[i - 1], "never shrinking, except the last");
    assert(delays[i] <= 8_000);
  }
  assert(delays.length <= 10, `few requests: ${delays.length}`);
  assertEquals(pollDelays({ totalMs: 2_500, firstMs: 1_000, factor: 2 }), [1_000, 1_500]);
});

Deno.test("the wait ends when the check says yes, and counts a failed check as not yet", async () => {
  const slept: number[] = [];
  let calls = 0;
  const outcome = await waitForSubscription(
    () => {
      calls++;
      if (calls === 2) return Promise.reject(new Error("network blip"));
      return Promise.resolve(calls === 3);
    },
    { delays: [10, 20, 30], sleep: (ms) => Promise.resolve(void slept.push(ms)) },
  );
  assertEquals(outcome, "found");
  assertEquals(calls, 3);
  assertEquals(slept, [10, 20]);
});

Deno.test("the wait gives up after the last delay, with one check after it", async () => {
  const slept: number[] = [];
  let calls = 0;
  const outcome = await waitForSubscription(() => Promise.resolve(++calls < 0), {
    delays: [10, 20],
    sleep: (ms) => Promise.resolve(void slept.push(ms)),
  });
  assertEquals(outcome, "timeout");
  assertEquals(calls, 3, "now, after 10, after 20");
  assertEquals(slept, [10, 20]);
});

Deno.test("the wait stops when aborted (signed out meanwhile)", async () => {
  const controller = new AbortController();
  let calls = 0;
  const outcome = await waitForSubscription(() => {
    calls++;
    controller.abort();
    return Promise.resolve(true);
  }, { delays: [10], sleep: () => Promise.resolve(), signal: controller.signal });
  assertEquals(outcome, "aborted");
  assertEquals(calls, 1);
});
