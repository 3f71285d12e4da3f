import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { median, percentile, summarize } from "./stats.ts";
import { assertLoopback, portalUrl } from "./load.ts";
import { allCorrect, emptyCorrectness, mergeCorrectness } from "./correctness.ts";
import {
  chartFor,
  escapeXml,
  niceCeiling,
  renderMarkdown,
  renderSvg,
  renderTable,
  type Report,
} from "./report.ts";
import { frameGroup } from "./profile.ts";

Deno.test("percentile is nearest-rank: always an observed value", () => {
  const sorted = Array.from({ length: 1000 }, (_, i) => i + 1);
  assertEquals(percentile(sorted, 50), 500);
  assertEquals(percentile(sorted, 95), 950);
  assertEquals(percentile(sorted, 99), 990);
  assertEquals(percentile(sorted, 100), 1000);
  assertEquals(percentile(sorted, 0), 1);
  assertEquals(percentile([7], 99), 7);
  assert(Number.isNaN(percentile([], 50)));
});

Deno.test("percentile of a small sample rounds the rank up", () => {
  // 4 samples: p50 is the 2nd, p95 and p99 the 4th.
  assertEquals(percentile([1, 2, 3, 4], 50), 2);
  assertEquals(percentile([1, 2, 3, 4], 95), 4);
  assertEquals(percentile([1, 2, 3, 4], 26), 2);
});

Deno.test("summarize does not depend on input order and leaves the input alone", () => {
  const input = [5, 1, 4, 2, 3];
  const s = summarize(input);
  assertEquals(input, [5, 1, 4, 2, 3]);
  assertEquals(s, { n: 5, min: 1, mean: 3, p50: 3, p95: 5, p99: 5, max: 5 });
  assertEquals(median([3, 1, 2]), 2);
});

Deno.test("portalUrl accepts exactly {url: string}", () => {
  assertEquals(portalUrl('{"url":"http://127.0.0.1/x"}'), "http://127.0.0.1/x");
  assertEquals(portalUrl('{"url":"http://x","customerId":"ctm_1"}'), undefined);
  assertEquals(portalUrl('{"url":1}'), undefined);
  assertEquals(portalUrl("[]"), undefined);
  assertEquals(portalUrl("null"), undefined);
  assertEquals(portalUrl("not json"), undefined);
});

Deno.test("the load generator only targets loopback", () => {
  assertLoopback("http://127.0.0.1:1234/functions/v1/x");
  assertLoopback("http://localhost:1/");
  assertThrows(() => assertLoopback("https://example.com/"));
  assertThrows(() => assertLoopback("http://10.0.0.1/"));
});

Deno.test("correctness needs every response verified and nothing else", () => {
  const good = { ...emptyCorrectness(), responses: 2, ok: 2, verified: 2, byStatus: { 200: 2 } };
  assert(allCorrect(good));
  assert(!allCorrect(emptyCorrectness()), "no responses proves nothing");
  assert(!allCorrect({ ...good, verified: 1, wrongCustomer: 1 }));
  assert(!allCorrect({ ...good, responses: 3, serverErrors: 1 }));
  const merged = mergeCorrectness(good, { ...good, byStatus: { 200: 2, 503: 1 }, responses: 3 });
  assertEquals(merged.byStatus, { 200: 4, 503: 1 });
  assertEquals(merged.responses, 5);
});

Deno.test("axis ceilings are 1, 2 or 5 times a power of ten", () => {
  assertEquals(niceCeiling(0.7), 1);
  assertEquals(niceCeiling(3), 5);
  assertEquals(niceCeiling(101), 200);
  assertEquals(niceCeiling(5000), 5000);
  assertEquals(niceCeiling(0), 1);
});

Deno.test("the SVG is well-formed enough and escapes text", () => {
  assertEquals(escapeXml(`<a & "b">`), "&lt;a &amp; &quot;b&quot;&gt;");
  const svg = renderSvg([{
    title: "A <title>",
    unit: "ms",
    groups: ["x", "y"],
    series: [{ name: "s", color: "#000", values: [1, NaN] }],
    notes: ["2×", ""],
  }], "caption & more");
  assert(svg.startsWith("<svg"));
  assertStringIncludes(svg, "A &lt;title&gt;");
  assertStringIncludes(svg, "caption &amp; more");
  assertEquals((svg.match(/fill="#000"><title>/g) ?? []).length, 1, "NaN draws no bar");
  assertEquals(svg.match(/<svg/g)?.length, svg.match(/<\/svg>/g)?.length);
});

Deno.test("profile frames are grouped by package, runtime part and our files", () => {
  assertEquals(
    frameGroup(
      "file:///w/node_modules/.deno/@supabase+postgrest-js@2.119.1/node_modules/x.mjs",
      "f",
    ),
    "npm:@supabase/postgrest-js",
  );
  assertEquals(
    frameGroup("file:///w/node_modules/.deno/jose@6.2.18/node_modules/x.js", "f"),
    "npm:jose",
  );
  assertEquals(frameGroup("ext:deno_fetch/26_fetch.js", "f"), "deno:deno_fetch");
  assertEquals(
    frameGroup("file:///w/supabase/functions/_shared/cors.ts", "withCors"),
    "ours:_shared/cors.ts",
  );
  assertEquals(frameGroup("", "(garbage collector)"), "(garbage collector)");
});

function fixtureReport(): Report {
  const s = summarize([1, 2, 3, 4, 5]);
  const tp = {
    requests: 10,
    ok: 10,
    windowMs: 1000,
    rps: 10,
    latency: s,
    functionCpuMsPerRequest: 1,
  };
  const correct = {
    ...emptyCorrectness(),
    responses: 10,
    ok: 10,
    verified: 10,
    byStatus: { 200: 10 },
  };
  return {
    meta: {
      startedAt: "2026-01-01T00:00:00.000Z",
      mode: "short",
      commit: "abc1234",
      durationS: 9,
      machine: {
        cpuModel: "CPU <x>",
        cores: 2,
        memoryBytes: 2 ** 33,
        os: "linux",
        deno: "2.9.6",
        v8: "15",
        loadAverage: [1, 1, 1],
      },
      loadAverageAfter: [1, 1, 1],
    },
    latency: { requests: 5, e2e: s, loggedDuration: null, inFunction: null },
    roundTrips: {
      perFunction: { "customer-portal": { requests: 5, rest: 1, auth: 0, paddle: 1, allOk: true } },
      firstRequest: { rest: 1, auth: 1, paddle: 1 },
      secondRequest: { rest: 1, auth: 0, paddle: 1 },
    },
    delays: [{ delayMs: 20, requests: 5, ours: s, reference: s, ratioP50: 1.9, ratioMean: 1.9 }],
    throughput: [{
      concurrency: 8,
      ours: tp,
      bare: tp,
      ratio: 1,
      sliceRatios: [0.9, 1.1],
      loadAverage: 1,
    }],
    coldStart: null,
    memory: null,
    correctness: { ours: correct, bare: correct },
    goals: [{ id: "2", goal: "g", value: "1, 0, 1", met: true, timing: false }],
  };
}

Deno.test("the report renders every section it has data for", () => {
  const r = fixtureReport();
  const md = renderMarkdown(r, "chart.svg");
  assertStringIncludes(md, "![Latency and throughput](chart.svg)");
  assertStringIncludes(md, "| 20 ms | 5 |");
  assertStringIncludes(md, "90%–110%");
  assertStringIncludes(md, "8 GB RAM");
  assert(!md.includes("## 5. Cold start"), "no cold-start data, no section");
  assertStringIncludes(renderTable(r), "goal 2");
  const svg = chartFor(r);
  assertStringIncludes(svg, "CPU &lt;x&gt;");
  assertStringIncludes(svg, "1.9×");
});

Deno.test("the report renders the webhook burst when it has one", () => {
  const r = fixtureReport();
  assert(!renderMarkdown(r, "chart.svg").includes("Webhook burst"), "no data, no section");
  const latency = { n: 1999, min: 20, mean: 150, p50: 136.5, p95: 400.2, p99: 687.5, max: 716 };
  const md = renderMarkdown({
    ...r,
    webhookBurst: {
      plan: { customers: 1000, concurrency: 50 },
      events: 2000,
      elapsedMs: 6698,
      eventsPerSecond: 298,
      byStatus: { "200": 2000 },
      outcomes: { applied: 1000, ignored: 1000 },
      latency,
      overPaddleDeadline: 0,
      mirror: { subscriptions: 1000, equal: 1000, differences: [] },
      met: true,
    },
  }, "chart.svg");
  assertStringIncludes(md, "## 9. Webhook burst (renewal day)");
  assertStringIncludes(md, "136.5 ms / 400.2 ms / 687.5 ms / 716 ms");
  assertStringIncludes(md, "1000 of 1000 equal to the final state");
});
