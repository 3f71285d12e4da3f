import assert from "node:assert/strict";
import { createDeadline, jitteredBackoff, raceWithTimeout, sleep } from "./deadline.ts";

Deno.test("a deadline counts down and never goes negative", () => {
  let t = 0;
  const d = createDeadline(100, () => t);
  assert.equal(d.remaining(), 100);
  t = 60;
  assert.equal(d.remaining(), 40);
  assert.equal(d.expired(), false);
  t = 150;
  assert.equal(d.remaining(), 0);
  assert.equal(d.expired(), true);
});

Deno.test("raceWithTimeout: value, error, timeout", async () => {
  assert.deepEqual(await raceWithTimeout(Promise.resolve(1), 100), { kind: "value", value: 1 });
  const err = new Error("x");
  assert.deepEqual(await raceWithTimeout(Promise.reject(err), 100), { kind: "error", error: err });
  const slow = sleep(200).then(() => 2);
  assert.deepEqual(await raceWithTimeout(slow, 10), { kind: "timeout" });
  await slow;
});

Deno.test("a late rejection after a timeout is observed, not unhandled", async () => {
  const late = sleep(30).then(() => {
    throw new Error("late");
  });
  assert.deepEqual(await raceWithTimeout(late, 5), { kind: "timeout" });
  await sleep(50);
});

Deno.test("jitteredBackoff stays within [base/2, base]", () => {
  assert.equal(jitteredBackoff(200, () => 0), 100);
  assert.equal(jitteredBackoff(200, () => 1), 200);
  for (let i = 0; i < 100; i++) {
    const d = jitteredBackoff(300);
    assert.ok(d >= 150 && d <= 300);
  }
});
