/** The Paddle simulator's test-control API, for integration tests. */
import { stackInfo } from "./_stack.ts";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(stackInfo().paddle.controlUrl + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

export async function paddleRequests(): Promise<RecordedRequest[]> {
  return await (await call("GET", "/__requests")).json();
}

export async function clearRequests(): Promise<void> {
  await (await call("DELETE", "/__requests")).body?.cancel();
}

export async function clearFaults(): Promise<void> {
  await (await call("DELETE", "/__faults")).body?.cancel();
}

/** Clears the request log and any queued faults: call at the start of every test. */
export async function resetPaddle(): Promise<void> {
  await clearRequests();
  await clearFaults();
}

/** Requests that minted a portal session (what every click costs). */
export async function portalSessionRequests(): Promise<RecordedRequest[]> {
  return (await paddleRequests()).filter((r) =>
    r.method === "POST" && /\/portal-sessions$/.test(r.path.split("?")[0])
  );
}

export interface Fault {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  hang?: boolean;
  count?: number;
}

export async function queueFault(fault: Fault): Promise<void> {
  await (await call("POST", "/__faults", fault)).body?.cancel();
}

export async function registerCustomer(customerId: string): Promise<void> {
  await (await call("POST", "/__customers", { customerId })).body?.cancel();
}

/** What the simulator's portal page says a URL was minted for (visiting it uses the URL up). */
export async function portalPage(
  url: string,
): Promise<{ status: number; customerId?: string; action?: string; subscriptionId?: string }> {
  const res = await fetch(url);
  const html = await res.text();
  const attr = (name: string) => html.match(new RegExp(`${name}="([^"]*)"`))?.[1];
  return {
    status: res.status,
    customerId: attr("data-customer-id"),
    action: attr("data-action"),
    subscriptionId: attr("data-subscription-id"),
  };
}

/** The same calls grouped, as the browser tests use them. */
export const paddle = {
  requests: paddleRequests,
  clearRequests,
  fault: queueFault,
  clearFaults,
  portalSessionRequests,
};
