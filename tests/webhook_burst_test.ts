/**
 * The renewal-day burst benchmark (bench/webhook_burst.ts) against the test stack, small: it must
 * pass when everything is right, and its mirror check must be able to fail.
 */
// @ts-types="@types/pg"
import pg from "pg";
import { assert, assertEquals } from "@std/assert";
import {
  applyBefore,
  buildAccount,
  compareMirror,
  runWebhookBurst,
} from "../bench/webhook_burst.ts";
import { stackInfo } from "./_stack.ts";

Deno.test("a small burst: every answer 200, every renewal in the mirror", async () => {
  const result = await runWebhookBurst(stackInfo(), { customers: 20, concurrency: 10 });
  assertEquals(result.events, 40);
  assertEquals(result.byStatus, { "200": 40 });
  assertEquals(result.outcomes, { applied: 40 }, "renewal payments are mirrored too");
  assertEquals(result.mirror, { subscriptions: 20, equal: 20, differences: [] });
  assertEquals(result.latency.n, 39, "the warm-up event is not timed");
  assert(result.met);
});

Deno.test("the mirror check sees a renewal that did not arrive", async () => {
  const account = buildAccount({ customers: 3, concurrency: 1 }, Date.now());
  const db = new pg.Client({ connectionString: stackInfo().dbUrl });
  await db.connect();
  try {
    await applyBefore(db, account);
    const mirror = await compareMirror(db, account.renewals);
    assertEquals(mirror.subscriptions, 3);
    assertEquals(mirror.equal, 0);
    assert(mirror.differences[0].includes("period end"), mirror.differences[0]);
    assert(mirror.differences[0].includes("payment missing"), mirror.differences[0]);
  } finally {
    await db.end();
  }
});
