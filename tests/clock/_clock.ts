/** What the clock tests share: the paddle:clock CLI against this run's stack, and the card switch. */
import { assertEquals } from "@std/assert";
import { stackInfo } from "../_stack.ts";
import type { ClockMove } from "../../local/paddle_clock.ts";

export type ClockAnswer = ClockMove;

/** Runs `local/paddle_clock.ts` (what `deno task paddle:clock` runs); it returns once delivered. */
export async function paddleClock(...args: string[]): Promise<ClockAnswer> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "local/paddle_clock.ts", ...args, "--json"],
    env: { LOCAL_STACK_FILE: Deno.env.get("LOCAL_STACK_FILE")! },
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 0, stderr);
  return JSON.parse(new TextDecoder().decode(output.stdout)) as ClockAnswer;
}

/** Makes the customer's card decline (or work again) for charges without the buyer present. */
export async function setCard(customerId: string, declines: boolean): Promise<void> {
  const res = await fetch(`${stackInfo().paddle.controlUrl}/__cards`, {
    method: "POST",
    body: JSON.stringify({ customerId, declines }),
  });
  assertEquals(res.status, 200);
  await res.body?.cancel();
}

/** The one happening of a subscription in a move. */
export function happeningOf(answer: ClockAnswer, subscriptionId: string) {
  const found = answer.happened.filter((h) => h.subscription_id === subscriptionId);
  assertEquals(found.length, 1, `one happening for ${subscriptionId}: ${JSON.stringify(answer)}`);
  return found[0];
}
