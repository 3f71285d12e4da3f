import assert from "node:assert/strict";
import { coldRatios, type ColdResult, firstClickFor } from "./cold_start.ts";
import { renderColdStart } from "./report.ts";

function result(
  label: string,
  variant: ColdResult["variant"],
  mode: ColdResult["mode"],
  firstClick: number,
): ColdResult {
  return {
    label,
    fn: variant === "hello" ? "hello" : "customer-portal",
    variant,
    mode,
    runs: [],
    medianListenMs: firstClick / 4,
    medianPreflightMs: firstClick / 3,
    medianFirstClickMs: firstClick,
    medianRssBytes: 1,
  };
}

const results = [
  result("customer-portal", "current", "unbundled", 80),
  result("customer-portal (eager)", "eager", "unbundled", 100),
  result("hello", "hello", "unbundled", 10),
  result("customer-portal", "current", "bundle", 90),
  result("customer-portal (eager)", "eager", "bundle", 100),
];

Deno.test("each function is compared with its eager copy in the same mode", () => {
  const ratios = coldRatios(results);
  assert.deepEqual(
    ratios.map((r) => [r.fn, r.mode, r.firstClick]),
    [["customer-portal", "unbundled", 0.8], ["customer-portal", "bundle", 0.9]],
  );
});

Deno.test("the report states the ratios and both modes", () => {
  const text = renderColdStart({
    runs: 3,
    clientRoundTripMs: 30,
    results,
    ratios: coldRatios(results),
    graphs: {},
  }).join("\n");
  assert.match(text, /\| customer-portal \| unbundled \| \*\*0\.8×\*\* \|/);
  assert.match(text, /\| customer-portal \| bundle \| \*\*0\.9×\*\* \|/);
  assert.match(text, /\*\*bundle\*\*/);
  assert.match(text, /30 ms between the preflight's answer and the POST/);
});

Deno.test("a function is cold-started only with a first click of its own", () => {
  const ctx = { caller: { email: "a@b", token: "t", customerId: "ctm_x" }, anonKey: "k" };
  const click = firstClickFor("customer-portal", ctx);
  assert.equal(click.headers.authorization, "Bearer t");
  assert.equal(click.accept('{"url":"https://x.example/p"}'), true);
  assert.throws(() => firstClickFor("paddle-sync", ctx), /no first click defined/);
});
