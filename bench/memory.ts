/**
 * Memory of a fresh customer-portal process over rounds of requests.
 *
 * Resident size is what a platform's memory limit sees, so it is the headline; but V8 lets its
 * heap fill up to several times the live data before a full collection (the more so on a machine
 * with plenty of RAM), so RSS after a round moves by tens of megabytes with the collector's
 * timing alone. Whether anything is *kept* shows in the heap after a forced full collection,
 * asked for through the inspector (`--inspect`, `HeapProfiler.collectGarbage`, then
 * `Runtime.getHeapUsage`) once each round's RSS has been read: that is the growth check.
 */
import { freePort } from "../local/ports.ts";
import { type Caller, portalRequest, runLoad, type Target } from "./load.ts";
import { readRss, spawnFunction, waitUntilListening } from "./process.ts";

export interface MemoryRound {
  requests: number;
  ok: number;
  /** Resident size right after the round, before anything else touches the process. */
  rssBytes: number;
  /** V8 heap in use after a forced full collection: what the process retains. */
  liveHeapBytes: number;
  /** Resident size after that collection. */
  rssAfterGcBytes: number;
  elapsedMs: number;
}

export interface MemoryResult {
  requestsPerRound: number;
  concurrency: number;
  afterFirstRequestBytes: number;
  rounds: MemoryRound[];
  rssGrowthBytes: number;
  rssGrowthPct: number;
  /** Last round's live heap minus the first round's. */
  heapGrowthBytes: number;
  heapGrowthPct: number;
}

/** Runs inspector methods in order on the process's first target and returns their results. */
export async function inspect(
  inspectPort: number,
  methods: string[],
): Promise<Record<string, unknown>[]> {
  const targets = await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json() as {
    webSocketDebuggerUrl: string;
  }[];
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("inspector connection failed"));
    });
    const results: Record<string, unknown>[] = [];
    for (const [i, method] of methods.entries()) {
      const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`inspector ${method}: no answer`)), 30_000);
        ws.onmessage = (event) => {
          const message = JSON.parse(event.data);
          if (message.id !== i + 1) return;
          clearTimeout(timer);
          if (message.error) reject(new Error(`inspector ${method}: ${message.error.message}`));
          else resolve(message.result);
        };
      });
      ws.send(JSON.stringify({ id: i + 1, method }));
      results.push(await answer);
    }
    return results;
  } finally {
    ws.close();
  }
}

export async function measureMemory(options: {
  entry: string;
  name: string;
  env: Record<string, string>;
  callers: Caller[];
  rounds: number;
  perRound: number;
  concurrency: number;
  /** Called between rounds (the bench clears the simulator's request log there). */
  betweenRounds?: () => Promise<void>;
  log?: (message: string) => void;
}): Promise<MemoryResult> {
  const port = freePort();
  const inspectPort = freePort();
  const fn = spawnFunction(options.entry, options.env, port, {
    extraArgs: [`--inspect=127.0.0.1:${inspectPort}`],
  });
  try {
    const t: Target = {
      name: options.name,
      url: `http://127.0.0.1:${port}/${options.name}`,
      apikey: "",
    };
    await waitUntilListening(port, performance.now() + 30_000);
    const first = await portalRequest(t, options.callers[0], 0);
    if (first.status !== 200) throw new Error(`memory: first request answered ${first.status}`);
    const afterFirstRequestBytes = await readRss(fn.child.pid);
    const rounds: MemoryRound[] = [];
    for (let i = 0; i < options.rounds; i++) {
      const r = await runLoad(t, options.callers, {
        concurrency: options.concurrency,
        maxRequests: options.perRound,
        maxMs: 180_000,
      });
      const rssBytes = await readRss(fn.child.pid);
      // Twice: objects freed by the first collection's finalizers go in the second.
      const [, , usage] = await inspect(inspectPort, [
        "HeapProfiler.collectGarbage",
        "HeapProfiler.collectGarbage",
        "Runtime.getHeapUsage",
      ]);
      rounds.push({
        requests: r.samples.length,
        ok: r.samples.filter((s) => s.status === 200 && s.url !== undefined).length,
        rssBytes,
        liveHeapBytes: usage.usedSize as number,
        rssAfterGcBytes: await readRss(fn.child.pid),
        elapsedMs: Math.round(r.elapsedMs),
      });
      await options.betweenRounds?.();
      const mb = (v: number) => `${(v / 1048576).toFixed(1)} MB`;
      options.log?.(
        `  round ${i + 1}: RSS ${mb(rssBytes)}, live heap ${mb(rounds[i].liveHeapBytes)}, ` +
          `RSS after GC ${mb(rounds[i].rssAfterGcBytes)}`,
      );
    }
    const firstRound = rounds[0], lastRound = rounds[rounds.length - 1];
    const rssGrowthBytes = lastRound.rssBytes - firstRound.rssBytes;
    const heapGrowthBytes = lastRound.liveHeapBytes - firstRound.liveHeapBytes;
    return {
      requestsPerRound: options.perRound,
      concurrency: options.concurrency,
      afterFirstRequestBytes,
      rounds,
      rssGrowthBytes,
      rssGrowthPct: rssGrowthBytes / firstRound.rssBytes,
      heapGrowthBytes,
      heapGrowthPct: heapGrowthBytes / firstRound.liveHeapBytes,
    };
  } finally {
    await fn.stop();
  }
}
