/** The stack's and the Paddle simulator's control APIs, as the bench uses them. */
import type { StackInfo } from "../local/stack.ts";

export interface Counters {
  rest: number;
  auth: number;
  functions: Record<string, number>;
  web: number;
  /** Paddle API requests since the simulator started; `DELETE /counters` leaves it alone. */
  paddle: number;
  /** Of those, answered 429 by the simulator's rate limit (off unless the stack turned it on). */
  paddle_rate_limited: number;
}

export class Control {
  constructor(readonly info: StackInfo) {}

  async #call(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${text}`);
    return text === "" ? null : JSON.parse(text);
  }

  counters(): Promise<Counters> {
    return this.#call(this.info.controlUrl, "GET", "/counters") as Promise<Counters>;
  }

  async resetCounters(): Promise<void> {
    await this.#call(this.info.controlUrl, "DELETE", "/counters");
  }

  /** Added to every /rest/v1 and /auth/v1 request at the gateway, and to every Paddle call. */
  async setUpstreamDelay(ms: number): Promise<void> {
    await this.#call(this.info.controlUrl, "POST", `/upstream-delay?ms=${ms}`);
    await this.#call(this.info.paddle.controlUrl, "DELETE", "/__faults");
    if (ms > 0) {
      await this.#call(this.info.paddle.controlUrl, "POST", "/__faults", {
        delayMs: ms,
        count: 1_000_000,
      });
    }
  }

  async functionLogs(name: string): Promise<string[]> {
    return await this.#call(this.info.controlUrl, "GET", `/functions/${name}/logs`) as string[];
  }

  async clearFunctionLogs(name: string): Promise<void> {
    await this.#call(this.info.controlUrl, "DELETE", `/functions/${name}/logs`);
  }

  /** Lets the Paddle simulator mint sessions for a customer created after the stack started. */
  async registerPaddleCustomer(customerId: string): Promise<void> {
    await this.#call(this.info.paddle.controlUrl, "POST", "/__customers", { customerId });
  }

  /** Portal sessions the simulator was asked for, per customer id, since the log was cleared. */
  async portalSessionsByCustomer(): Promise<Map<string, number>> {
    const log = await this.#call(this.info.paddle.controlUrl, "GET", "/__requests") as {
      method: string;
      path: string;
    }[];
    const out = new Map<string, number>();
    for (const r of log) {
      const m = r.method === "POST" ? /\/customers\/([^/]+)\/portal-sessions/.exec(r.path) : null;
      if (m) out.set(m[1], (out.get(m[1]) ?? 0) + 1);
    }
    return out;
  }

  /** The simulator keeps a log of every API call; long runs clear it so it never fills. */
  async clearPaddleRequests(): Promise<void> {
    await this.#call(this.info.paddle.controlUrl, "DELETE", "/__requests");
  }
}

/** Parses the JSON lines a function logged, skipping anything else it printed. */
export function jsonLines(lines: readonly string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line));
    } catch { /* not ours */ }
  }
  return out;
}
