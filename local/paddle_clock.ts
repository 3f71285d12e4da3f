/**
 * `deno task paddle:clock --advance P1M` (or `--to 2027-01-15`): moves the running local stack's
 * Paddle simulator forward in time (`POST /__clock`), waits until the webhooks it sent have been
 * delivered to the stack's paddle-webhook function, and prints what happened: each renewal,
 * failed payment and scheduled change, with its subscription, customer and transaction. The
 * simulator is the one in `.local/stack.json` (or `LOCAL_STACK_FILE`). `--json` prints the
 * simulator's answer instead.
 *
 * Exit 0 once every event was delivered; 1 when the simulator refused the move or a delivery
 * failed; 2 with one line on bad arguments or no running stack.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { PROJECT_ROOT } from "./database.ts";
import type { StackInfo } from "./stack.ts";

const USAGE = "usage: deno task paddle:clock (--advance <ISO duration, e.g. P1M> | --to <date>) " +
  "[--json]";

export interface ClockMove {
  from: string;
  now: string;
  happened: {
    kind: string;
    at: string;
    subscription_id: string;
    customer_id: string;
    transaction_id: string | null;
    events: { type: string; event_id: string }[];
  }[];
}

interface Delivery {
  event_id: string;
  state: string;
}

export function parseClockArgs(args: string[]): { body: Record<string, string>; json: boolean } {
  const { values, positionals } = parseArgs({
    args,
    options: {
      advance: { type: "string" },
      to: { type: "string" },
      json: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
  if ((values.advance === undefined) === (values.to === undefined)) {
    throw new Error("give exactly one of --advance and --to");
  }
  const body: Record<string, string> = values.advance !== undefined
    ? { advance: values.advance }
    : { to: values.to! };
  return { body, json: values.json };
}

const WORDS: Record<string, string> = {
  renewed: "renewed, paid",
  payment_failed: "renewal payment FAILED (past due)",
  billed: "renewed, invoice sent (manual collection)",
  canceled: "canceled",
  paused: "paused",
  resumed: "resumed, paid",
  recovered: "past-due payment collected",
};

/** The lines a person reads: the move, then one line per thing that happened. */
export function describeMove(move: ClockMove, deliveries: Map<string, string>): string[] {
  const lines = [`clock: ${move.from} -> ${move.now}`];
  if (move.happened.length === 0) lines.push("  nothing was due");
  for (const h of move.happened) {
    const states = h.events.map((e) => deliveries.get(e.event_id) ?? "unknown");
    const delivered = states.filter((s) => s === "delivered").length;
    lines.push(
      `  ${h.at}  ${h.subscription_id}  ${WORDS[h.kind] ?? h.kind}` +
        `${h.transaction_id ? `  ${h.transaction_id}` : ""}  ` +
        `(${delivered}/${states.length} webhooks delivered)`,
    );
  }
  return lines;
}

async function stackInfo(): Promise<StackInfo> {
  const file = Deno.env.get("LOCAL_STACK_FILE") ?? join(PROJECT_ROOT, ".local", "stack.json");
  return JSON.parse(await Deno.readTextFile(file)) as StackInfo;
}

/** Waits (up to `timeoutMs`) until none of the events is held or pending; returns their states. */
async function settledDeliveries(
  controlUrl: string,
  eventIds: Set<string>,
  timeoutMs = 60_000,
): Promise<Map<string, string>> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const res = await fetch(`${controlUrl}/__webhooks`);
    const { deliveries } = await res.json() as { deliveries: Delivery[] };
    const states = new Map(
      deliveries.filter((d) => eventIds.has(d.event_id)).map((d) => [d.event_id, d.state]),
    );
    const waiting = [...states.values()].some((s) => s === "pending" || s === "held");
    if (!waiting || Date.now() > deadline) return states;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function main(args: string[]): Promise<number> {
  const err = (line: string) => console.error(`paddle:clock: ${line}`);
  let parsed;
  try {
    parsed = parseClockArgs(args);
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  let controlUrl: string;
  try {
    controlUrl = (await stackInfo()).paddle.controlUrl;
  } catch {
    err("no local stack: start it with `deno task dev`");
    return 2;
  }
  let res: Response;
  try {
    res = await fetch(`${controlUrl}/__clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(parsed.body),
    });
  } catch {
    err("the Paddle simulator does not answer: is `deno task dev` running?");
    return 2;
  }
  const answer = await res.json();
  if (!res.ok) {
    err(`the simulator refused: ${answer.error}`);
    return 1;
  }
  const move = answer as ClockMove;
  const ids = new Set(move.happened.flatMap((h) => h.events.map((e) => e.event_id)));
  const states = ids.size === 0 ? new Map() : await settledDeliveries(controlUrl, ids);
  if (parsed.json) console.log(JSON.stringify(move));
  else for (const line of describeMove(move, states)) console.log(line);
  const failed = [...states.values()].filter((s) => s !== "delivered" && s !== "no_destination");
  if (failed.length > 0) {
    err(`${failed.length} webhook(s) not delivered: see GET ${controlUrl}/__webhooks`);
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
