import assert from "node:assert/strict";
import { afterResponse, lazyFunction } from "./lazy.ts";

Deno.test("nothing loads until the first call or warm", async () => {
  let loads = 0;
  const fn = lazyFunction(() => {
    loads++;
    return Promise.resolve((x: number) => x * 2);
  });
  assert.equal(loads, 0);
  assert.equal(await fn.call(21), 42);
  assert.equal(await fn.call(2), 4);
  assert.equal(loads, 1);
});

Deno.test("warm starts the load once; a call during the load waits for it", async () => {
  let loads = 0;
  const { promise: gate, resolve: open } = Promise.withResolvers<void>();
  const fn = lazyFunction(async () => {
    loads++;
    await gate;
    return (s: string) => s.toUpperCase();
  });
  fn.warm();
  fn.warm();
  const pending = fn.call("a");
  assert.equal(loads, 1);
  open();
  assert.equal(await pending, "A");
  assert.equal(loads, 1);
});

Deno.test("a failed load surfaces on call, is not cached, and warm never throws", async () => {
  let loads = 0;
  const fn = lazyFunction(() => {
    loads++;
    return loads === 1 ? Promise.reject(new Error("boom")) : Promise.resolve(() => "ok");
  });
  fn.warm();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(await fn.call(), "ok");
  assert.equal(loads, 2);
  const failing = lazyFunction<[], string>(() => Promise.reject(new Error("always")));
  await assert.rejects(failing.call(), /always/);
});

Deno.test("afterResponse runs the task later, not before the caller returns", async () => {
  const order: string[] = [];
  afterResponse(() => order.push("task"));
  order.push("response");
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(order, ["response", "task"]);
});
