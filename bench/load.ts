/**
 * A bounded load generator for the portal functions: `concurrency` workers share one request
 * budget and one deadline, so no setting can run away with the machine, and it only talks to
 * loopback addresses, so a mistyped URL cannot turn it on someone else's server.
 */

export interface Caller {
  email: string;
  token: string;
  /** The Paddle customer this caller's portal URLs must open. */
  customerId: string;
}

export interface Target {
  name: string;
  /** `<gateway>/functions/v1/<name>` or a function process's own address. */
  url: string;
  apikey: string;
}

export interface Sample {
  caller: number;
  status: number;
  ms: number;
  /** The portal URL of a well-formed 200 body (`{"url": ...}` and nothing else). */
  url?: string;
  /** A 200 whose body was not exactly `{"url": "<string>"}`. */
  badBody?: boolean;
  requestId?: string;
  /** `Retry-After` of a 429 or 503, as sent. */
  retryAfter?: string;
  /** Network failure or our own timeout. */
  error?: string;
}

export interface LoadResult {
  target: string;
  concurrency: number;
  samples: Sample[];
  elapsedMs: number;
  /**
   * The window throughput is counted in: `maxMs` when the deadline ended the run, else the whole
   * run. Requests still in flight at the deadline are checked but not counted, so the ramp-down
   * of a closed loop (the last slow requests, with fewer and fewer workers) does not dilute it.
   */
  windowMs: number;
  /** Responses that arrived within the window. */
  inWindow: Sample[];
}

export interface LoadOptions {
  concurrency: number;
  maxRequests: number;
  maxMs: number;
  /** Per-request timeout; a hung request must not hold the bench past its budget. */
  timeoutMs?: number;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function assertLoopback(url: string): void {
  const { hostname } = new URL(url);
  if (!LOOPBACK.has(hostname)) throw new Error(`refusing to load a non-loopback host: ${hostname}`);
}

/** What `supabase.functions.invoke('customer-portal')` sends, minus the client library. */
export async function portalRequest(
  target: Target,
  caller: Caller,
  callerIndex: number,
  timeoutMs = 30_000,
): Promise<Sample> {
  const started = performance.now();
  try {
    const res = await fetch(target.url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${caller.token}`,
        apikey: target.apikey,
        "content-type": "application/json",
        "x-client-info": "supabase-js/2.119.1",
      },
      body: "{}",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    const sample: Sample = {
      caller: callerIndex,
      status: res.status,
      ms,
      requestId: res.headers.get("x-request-id") ?? undefined,
    };
    const retryAfter = res.headers.get("retry-after");
    if (retryAfter !== null) sample.retryAfter = retryAfter;
    if (res.status === 200) {
      const url = portalUrl(text);
      if (url === undefined) sample.badBody = true;
      else sample.url = url;
    }
    return sample;
  } catch (error) {
    return {
      caller: callerIndex,
      status: 0,
      ms: performance.now() - started,
      error: error instanceof Error ? error.name : String(error),
    };
  }
}

/** The contract's 200 body is `{"url": "..."}` with no other key; anything else is a failure. */
export function portalUrl(text: string): string | undefined {
  try {
    const body = JSON.parse(text);
    if (
      body !== null && typeof body === "object" && !Array.isArray(body) &&
      Object.keys(body).length === 1 && typeof body.url === "string"
    ) {
      return body.url;
    }
  } catch { /* not JSON */ }
  return undefined;
}

export async function runLoad(
  target: Target,
  callers: readonly Caller[],
  options: LoadOptions,
): Promise<LoadResult> {
  assertLoopback(target.url);
  if (callers.length === 0) throw new Error("no callers");
  const samples: Sample[] = [];
  const inWindow: Sample[] = [];
  let next = 0;
  let budgetSpent = false;
  const started = performance.now();
  const deadline = started + options.maxMs;
  const worker = async () => {
    while (true) {
      const i = next++;
      if (i >= options.maxRequests) {
        budgetSpent = true;
        return;
      }
      if (performance.now() >= deadline) return;
      const c = i % callers.length;
      const sample = await portalRequest(target, callers[c], c, options.timeoutMs);
      samples.push(sample);
      if (performance.now() <= deadline) inWindow.push(sample);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  return {
    target: target.name,
    concurrency: options.concurrency,
    samples,
    elapsedMs,
    windowMs: budgetSpent ? elapsedMs : options.maxMs,
    inWindow: budgetSpent ? samples : inWindow,
  };
}

/**
 * Sequential calls alternating between targets, one request each in turn, so a slow minute on a
 * shared machine lands on every target alike and their ratio stays honest.
 */
export async function runInterleaved(
  targets: readonly Target[],
  callers: readonly Caller[],
  perTarget: number,
  maxMs: number,
): Promise<Map<string, Sample[]>> {
  for (const t of targets) assertLoopback(t.url);
  const out = new Map(targets.map((t) => [t.name, [] as Sample[]]));
  const deadline = performance.now() + maxMs;
  for (let i = 0; i < perTarget && performance.now() < deadline; i++) {
    const c = i % callers.length;
    for (const t of targets) out.get(t.name)!.push(await portalRequest(t, callers[c], c));
  }
  return out;
}

export function okLatencies(samples: readonly Sample[]): number[] {
  return samples.filter((s) => s.status === 200 && s.url !== undefined).map((s) => s.ms);
}
