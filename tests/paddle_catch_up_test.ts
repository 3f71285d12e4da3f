/**
 * Catch-up from Paddle's event log on the real stack: the paddle-sync function (`{"events":
 * true}`) through the gateway, the real SDK reading the simulator's `GET /events`, the webhook
 * parser and `apply_paddle_event` in real Postgres. Webhooks are held back while events happen,
 * as when the endpoint is down; the catch-up alone must bring the mirror to Paddle's state.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT } from "../local/database.ts";
import { stackInfo } from "./_stack.ts";
import { clearRequests, paddleRequests, resetPaddle } from "./_paddle.ts";
import { sql } from "./_paddle_sync.ts";
import {
  ensureDemoCatalog,
  holdWebhooks,
  newBuyer,
  releaseWebhooks,
  webhookLog,
} from "./_sales.ts";
import { mirrorDifferences } from "../local/mirror_compare.ts";
import { simulatedSale, simulatedSales } from "../local/simulated_sales.ts";
import type { CatchUpReport } from "../supabase/functions/_shared/paddle_sync/catch_up.ts";

type Answer = { status: number; body: CatchUpReport & { error?: { code: string } } };

async function catchUp(): Promise<Answer> {
  const { apiUrl, serviceRoleKey } = stackInfo();
  const res = await fetch(`${apiUrl}/functions/v1/paddle-sync`, {
    method: "POST",
    headers: { authorization: `Bearer ${serviceRoleKey}`, "content-type": "application/json" },
    body: JSON.stringify({ events: true }),
  });
  return { status: res.status, body: await res.json() };
}

/** Calls until the catch-up says done (a fallback full sync takes a few calls). */
async function catchUpToEnd(max = 30): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < max; i++) {
    const answer = await catchUp();
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    answers.push(answer);
    if (answer.body.mode === "events" && answer.body.status === "done") return answers;
  }
  throw new Error(`catch-up not done after ${max} calls: ${JSON.stringify(answers.at(-1))}`);
}

async function waitForDeliveries(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const { deliveries } = await webhookLog();
    if (deliveries.every((d) => d.state === "delivered" || d.state === "no_destination")) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("webhook deliveries did not finish");
}

/** One checkout by a confirmed user (so the mirror links the customer to them). */
async function sale(): Promise<{ userId: string; customerId: string }> {
  const buyer = await newBuyer();
  const { customerId } = await simulatedSale(stackInfo().paddle, buyer);
  return { userId: buyer.userId, customerId };
}

const sales = (count: number) => simulatedSales(count, sale);

/** What Paddle holds for these customers and their subscriptions equals what the mirror holds. */
async function assertMirrorEqualsPaddle(buyers: { userId: string; customerId: string }[]) {
  const customerIds = buyers.map((b) => b.customerId);
  assert.deepEqual(await mirrorDifferences(stackInfo().dbUrl, stackInfo().paddle, customerIds), []);
  const linked = await sql<{ customer_id: string; user_id: string }>(
    "select customer_id, user_id::text from public.customers where customer_id = any($1)",
    [customerIds],
  );
  const userOf = new Map(linked.map((c) => [c.customer_id, c.user_id]));
  for (const b of buyers) {
    assert.equal(userOf.get(b.customerId), b.userId, `${b.customerId} linked`);
  }
}

Deno.test("without a cursor the catch-up falls back to a full sync, says so, then reads only the log", async () => {
  await resetPaddle();
  await ensureDemoCatalog();
  await sql("delete from public.paddle_event_cursor");
  const newest = (await webhookLog()).deliveries.at(-1)?.event_id ?? null;

  const answers = await catchUpToEnd();
  const first = answers[0].body;
  assert.equal(first.mode, "full_sync");
  assert.equal(first.fallback_reason, "no_cursor");
  assert.match(first.note ?? "", /full sync/);
  assert.ok(first.sync, "the sync slice's report is in the answer");
  const requests = await paddleRequests();
  assert.match(requests[0].path, /^\/events\?/);
  const newestQuery = new URL(requests[0].path, "http://x").searchParams;
  assert.equal(newestQuery.get("order_by"), "id[DESC]");
  assert.equal(newestQuery.get("per_page"), "1");
  assert.ok(requests.some((r) => r.path.startsWith("/customers?")), "the full sync ran");

  const last = answers.at(-1)!.body;
  assert.equal(last.cursor?.event_id, newest, "the cursor is the newest event when the sync began");

  // With a fresh cursor and nothing new, a catch-up is one request.
  await clearRequests();
  const again = await catchUp();
  assert.equal(again.status, 200);
  assert.equal(again.body.mode, "events");
  assert.equal(again.body.status, "done");
  assert.equal(again.body.events, 0);
  assert.equal((await paddleRequests()).length, 1);
});

Deno.test("webhooks held back, 1,000 events happen: one catch-up leaves the mirror equal to Paddle in at most 6 requests", async () => {
  await resetPaddle();
  await ensureDemoCatalog();
  await catchUpToEnd();
  const before = await sql<{ cursor_event_id: string | null }>(
    "select cursor_event_id from public.paddle_event_cursor",
  );

  // Five sales whose webhooks arrive: the catch-up reads them again and the ledger dedupes them.
  const delivered = await sales(5);
  await waitForDeliveries();

  await holdWebhooks();
  let held;
  try {
    held = await sales(250);
    const log = await webhookLog();
    assert.equal(log.deliveries.filter((d) => d.state === "held").length, 1000, "1,000 events");

    await clearRequests();
    const answer = await catchUp();
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const report = answer.body;
    assert.equal(report.mode, "events");
    assert.equal(report.status, "done");
    assert.equal(report.events, 1020);
    // Every event of a sale is mirrored (transaction.* included), as the webhook mirrors it.
    assert.equal(report.ignored, 0);
    assert.equal(report.duplicate, 20, "what the webhooks brought is a ledger duplicate");
    assert.equal(report.applied + report.stale, 1000);
    assert.ok(report.applied >= 500, JSON.stringify(report));
    assert.equal(report.refused, 0);
    assert.equal(report.invalid, 0);

    const requests = await paddleRequests();
    assert.ok(requests.length <= 6, `${requests.length} Paddle requests`);
    assert.equal(requests.length, report.pages);
    const first = new URL(requests[0].path, "http://x").searchParams;
    assert.equal(first.get("after"), before[0].cursor_event_id);
    for (const r of requests) {
      const q = new URL(r.path, "http://x").searchParams;
      assert.equal(r.path.split("?")[0], "/events");
      assert.equal(q.get("per_page"), "200");
      assert.equal(q.get("order_by"), "id[ASC]");
    }
    console.log(`catch-up of 1,020 events: ${requests.length} requests, ${report.duration_ms} ms`);

    await assertMirrorEqualsPaddle([...delivered, ...held]);
    const cursor = await sql<{ cursor_event_id: string }>(
      "select cursor_event_id from public.paddle_event_cursor",
    );
    assert.equal(cursor[0].cursor_event_id, log.deliveries.at(-1)!.event_id);
  } finally {
    await releaseWebhooks();
  }
  // The late webhooks change nothing: each one is a duplicate now.
  await waitForDeliveries();
  await assertMirrorEqualsPaddle([...delivered, ...held]);
});

Deno.test("a cursor older than Paddle keeps events (90 days) falls back to a full sync and says so", async () => {
  await resetPaddle();
  await ensureDemoCatalog();
  await catchUpToEnd();
  await sql("update public.paddle_event_cursor set cursor_at = now() - interval '91 days'");
  const newest = (await webhookLog()).deliveries.at(-1)?.event_id ?? null;

  const answers = await catchUpToEnd();
  assert.equal(answers[0].body.mode, "full_sync");
  assert.equal(answers[0].body.fallback_reason, "cursor_expired");
  assert.match(answers[0].body.note ?? "", /90 days/);
  const state = await sql<{ cursor_event_id: string | null; fresh: boolean }>(
    `select cursor_event_id, cursor_at > now() - interval '1 hour' as fresh
       from public.paddle_event_cursor`,
  );
  assert.equal(state[0].cursor_event_id, newest);
  assert.equal(state[0].fresh, true);
  const run = await sql<{ done: boolean }>(
    "select bool_and(done) as done from public.paddle_sync_state",
  );
  assert.equal(run[0].done, true);
});

Deno.test("a page with an event the dispatcher refuses: rolled back whole, or applied around it when isolated", async () => {
  await resetPaddle();
  await catchUpToEnd();
  const [{ cursor_event_id: after }] = await sql<{ cursor_event_id: string | null }>(
    "select cursor_event_id from public.paddle_event_cursor",
  );
  const id = (prefix: string) =>
    `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 26)}`;
  const good = {
    event_id: id("evt"),
    event_type: "customer.created",
    occurred_at: new Date().toISOString(),
    data: { id: id("ctm"), email: `${crypto.randomUUID()}@example.com`, status: "active" },
  };
  const bad = {
    event_id: id("evt"),
    event_type: "customer.updated",
    occurred_at: "not a time",
    data: { id: id("ctm"), email: "x@example.com" },
  };
  const next = id("evt");
  const apply = (isolate: boolean) =>
    sql<{ result: Record<string, unknown> }>(
      `select public.paddle_catch_up_apply_page($1, $2::jsonb, $3, now(), $4) as result`,
      [after, JSON.stringify([good, bad]), next, isolate],
    );
  await assert.rejects(apply(false), (e: { code?: string }) => e.code === "22023");
  const untouched = await sql("select 1 from public.customers where customer_id = $1", [
    good.data.id,
  ]);
  assert.equal(untouched.length, 0, "nothing of the page stayed");

  const [{ result }] = await apply(true);
  assert.equal(result.applied, true);
  assert.deepEqual(result.counts, { applied: 1, stale: 0, duplicate: 0, refused: 1 });
  assert.deepEqual(result.refused_event_ids, [bad.event_id]);
  const stored = await sql("select 1 from public.customers where customer_id = $1", [good.data.id]);
  assert.equal(stored.length, 1);
  const [cursor] = await sql<{ cursor_event_id: string }>(
    "select cursor_event_id from public.paddle_event_cursor",
  );
  assert.equal(cursor.cursor_event_id, next);
  // Put the cursor back on Paddle's log for the tests that follow.
  await sql("update public.paddle_event_cursor set cursor_event_id = $1", [after]);
});

Deno.test("deno task paddle:sync --events catches up from the log and exits 0", async () => {
  await resetPaddle();
  await ensureDemoCatalog();
  await catchUpToEnd();
  await holdWebhooks();
  try {
    const made = await sales(2);
    const stack = JSON.parse(await Deno.readTextFile(Deno.env.get("LOCAL_STACK_FILE")!));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        join(PROJECT_ROOT, "local", "paddle_sync.ts"),
        "--events",
        "--json",
      ],
      cwd: PROJECT_ROOT,
      env: {
        LOCAL_STACK_FILE: Deno.env.get("LOCAL_STACK_FILE")!,
        SUPABASE_URL: stack.apiUrl,
        SUPABASE_SERVICE_ROLE_KEY: stack.serviceRoleKey,
        PADDLE_ENV: "sandbox",
        PADDLE_API_KEY: stack.paddle.apiKey,
        PADDLE_API_URL: stack.paddle.apiUrl,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.match(stderr, /paddle:sync --events: caught up: 8 events in 1 pages, 8 applied/);
    const report = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(report.mode, "events");
    assert.equal(report.events, 8);
    await assertMirrorEqualsPaddle(made);
  } finally {
    await releaseWebhooks();
  }
  await waitForDeliveries();
});
