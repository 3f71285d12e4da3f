/**
 * `deno task paddle:sync` run in this process with V8's `gc()` exposed, sampling the live heap
 * after a full collection every second: resident memory only says how much V8 chose to keep,
 * the live heap says whether the sync holds on to what it has paged through. Prints one JSON line
 * {code, heap_used_bytes: [...], rss_bytes: [...]} after the command's own output.
 * Run with `--v8-flags=--expose-gc` and the paddle:sync arguments.
 */
import { main } from "../local/paddle_sync.ts";

const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
const heap: number[] = [];
const rss: number[] = [];
const timer = setInterval(() => {
  gc();
  const m = Deno.memoryUsage();
  heap.push(m.heapUsed);
  rss.push(m.rss);
}, 1000);
const code = await main(Deno.args);
clearInterval(timer);
console.log(JSON.stringify({ code, heap_used_bytes: heap, rss_bytes: rss }));
Deno.exit(code);
