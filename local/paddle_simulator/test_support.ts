/** Shared fixtures for the simulator's tests. */

import type { FieldError } from "./errors.ts";
import { newPaddleId } from "./ids.ts";
import type { PortalSessionUrls } from "./portal_links.ts";
import { type EntityBatch, type PaddleSimulator, startPaddleSimulator } from "./mod.ts";

export const API_KEY = "pdl_sdbx_apikey_01jlocalsimulatortestkey000_testsecret";
export const CUSTOMER = newPaddleId("ctm");
export const SUBSCRIPTIONS = [newPaddleId("sub"), newPaddleId("sub")];

export async function withSimulator(
  test: (simulator: PaddleSimulator) => Promise<void>,
  customerIds: Iterable<string> = [CUSTOMER],
): Promise<void> {
  const simulator = await startPaddleSimulator({ apiKey: API_KEY, customerIds });
  try {
    await test(simulator);
  } finally {
    await simulator.stop();
  }
}

/** A simulator holding `entities` (a catalog, a fake account) for the length of `test`. */
export async function withEntities(
  entities: EntityBatch,
  test: (simulator: PaddleSimulator) => Promise<void>,
): Promise<void> {
  const simulator = await startPaddleSimulator({ apiKey: API_KEY, entities });
  try {
    await test(simulator);
  } finally {
    await simulator.stop();
  }
}

export interface ApiCall {
  customerId?: string;
  /** A value to JSON-encode, or a string sent as is. */
  body?: unknown;
  authorization?: string | null;
  method?: string;
  path?: string;
  signal?: AbortSignal;
}

/** Calls the portal-sessions endpoint the way a server-side caller would. */
export function callApi(simulator: PaddleSimulator, call: ApiCall = {}): Promise<Response> {
  const headers = new Headers({ "content-type": "application/json" });
  const authorization = call.authorization === undefined ? `Bearer ${API_KEY}` : call.authorization;
  if (authorization !== null) headers.set("authorization", authorization);
  const body = call.body === undefined
    ? JSON.stringify({ subscription_ids: SUBSCRIPTIONS })
    : typeof call.body === "string"
    ? call.body
    : JSON.stringify(call.body);
  const method = call.method ?? "POST";
  const path = call.path ?? `/customers/${call.customerId ?? CUSTOMER}/portal-sessions`;
  return fetch(`${simulator.url}${path}`, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : body,
    signal: call.signal,
  });
}

export interface SessionBody {
  data: { id: string; customer_id: string; urls: PortalSessionUrls; created_at: string };
  meta: { request_id: string };
}

export interface ErrorBody {
  error: {
    type: string;
    code: string;
    detail: string;
    documentation_url: string;
    errors?: FieldError[];
  };
  meta: { request_id: string };
}

export async function session(response: Response): Promise<SessionBody> {
  return await response.json() as SessionBody;
}

export async function paddleError(response: Response): Promise<ErrorBody> {
  return await response.json() as ErrorBody;
}

/** Calls the control API; the caller names the JSON shape it expects back. */
export async function control<T = unknown>(
  simulator: PaddleSimulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${simulator.url}${path}`, {
    method,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? null : JSON.parse(text) };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ListBody<T = { id: string } & Record<string, unknown>> {
  data: T[];
  meta: {
    request_id: string;
    pagination: { per_page: number; next: string; has_more: boolean; estimated_total: number };
  };
}

/** A GET as a server-side caller sends it (path and query relative to the simulator, or a URL). */
export function apiGet(
  simulator: PaddleSimulator,
  pathOrUrl: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${simulator.url}${pathOrUrl}`;
  return fetch(url, { headers: { authorization: `Bearer ${API_KEY}`, ...headers } });
}

/** Follows `next` from `path` until `has_more` is false; returns every page's body. */
export async function walkPages(simulator: PaddleSimulator, path: string): Promise<ListBody[]> {
  const pages: ListBody[] = [];
  let next: string | null = path;
  while (next !== null) {
    const response: Response = await apiGet(simulator, next);
    if (response.status !== 200) {
      throw new Error(`${next}: ${response.status} ${await response.text()}`);
    }
    const body: ListBody = await response.json();
    pages.push(body);
    if (pages.length > 10_000) throw new Error("pagination did not end");
    next = body.meta.pagination.has_more ? body.meta.pagination.next : null;
  }
  return pages;
}
