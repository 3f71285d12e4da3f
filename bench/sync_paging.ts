/**
 * The baseline for `deno task bench:sync`: page through the same account with the Paddle SDK
 * exactly as the sync does (200 per page, id order, every status) and write nothing. Run as its
 * own process so its wall time and peak memory compare with the sync's one to one. Prints one
 * JSON line: {records, pages, seconds, peak_rss_bytes}.
 */
import { Environment, Paddle } from "@paddle/paddle-node-sdk";
import type { StackInfo } from "../local/stack.ts";

const info = JSON.parse(await Deno.readTextFile(Deno.args[0])) as StackInfo;
const paddle = new Paddle(info.paddle.apiKey, { environment: info.paddle.apiUrl as Environment });
const query = { perPage: 200, orderBy: "id[ASC]" };
const catalog = ["active", "archived"] as ("active" | "archived")[];
const started = performance.now();
let records = 0;
let pages = 0;
const collections = [
  () => paddle.products.list({ ...query, status: catalog }),
  () => paddle.prices.list({ ...query, status: catalog }),
  () => paddle.customers.list({ ...query, status: catalog }),
  () =>
    paddle.subscriptions.list({
      ...query,
      status: ["active", "canceled", "past_due", "paused", "trialing"],
    }),
];
for (const open of collections) {
  const collection = open();
  while (collection.hasMore) {
    records += (await collection.next()).length;
    pages++;
  }
}
const seconds = (performance.now() - started) / 1000;
const status = Deno.readTextFileSync("/proc/self/status");
const peak = Number(status.match(/^VmHWM:\s+(\d+)\s+kB/m)?.[1] ?? 0) * 1024;
console.log(JSON.stringify({ records, pages, seconds, peak_rss_bytes: peak }));
