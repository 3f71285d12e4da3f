/**
 * The local API gateway, standing where Supabase's (Kong) does on
 * http://127.0.0.1:54321: `/rest/v1` to PostgREST, `/auth/v1` to the auth
 * stand-in, `/functions/v1/<name>` to the function processes, and `/` to the
 * static `web/` folder. Like Kong it asks for an API key on `/rest/v1` and
 * `/auth/v1` and adds CORS there; functions answer CORS themselves, as on the
 * platform.
 */
import type { AuthServer } from "./auth_server.ts";
import { serveStatic } from "./static_files.ts";

export interface GatewayRoutes {
  postgrestUrl: () => string;
  auth: AuthServer;
  /** Port of the named function's process, or undefined when there is no such function. */
  functionPort: (name: string) => number | undefined;
  webRoot: string;
  /** Extra exact-path routes for the web page (generated config, vendored modules). */
  webRoutes?: Record<string, () => Promise<Response> | Response>;
  /** The API keys Kong accepts in the `apikey` header. */
  apiKeys: string[];
}

export interface GatewayCounters {
  rest: number;
  auth: number;
  functions: Record<string, number>;
  web: number;
}

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "upgrade", "host"];

function kongCors(request: Request, headers: Headers): void {
  headers.set("access-control-allow-origin", request.headers.get("origin") ?? "*");
  headers.set("access-control-allow-credentials", "true");
  headers.set("access-control-allow-methods", "GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS");
  headers.set(
    "access-control-allow-headers",
    request.headers.get("access-control-request-headers") ??
      "authorization, x-client-info, apikey, content-type, prefer, range, x-supabase-api-version",
  );
  headers.set(
    "access-control-expose-headers",
    "content-range, content-location, x-supabase-api-version",
  );
  headers.append("vary", "origin");
}

function json(status: number, body: unknown): Response {
  return Response.json(body, { status });
}

async function forward(request: Request, target: string): Promise<Response> {
  const headers = new Headers(request.headers);
  for (const name of HOP_BY_HOP) headers.delete(name);
  // Deno's fetch would decompress silently and leave the header claiming gzip.
  headers.set("accept-encoding", "identity");
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  const upstream = await fetch(target, {
    method: request.method,
    headers,
    body: hasBody ? await request.arrayBuffer() : undefined,
    redirect: "manual",
  });
  const out = new Headers(upstream.headers);
  for (const name of HOP_BY_HOP) out.delete(name);
  return new Response(upstream.body, { status: upstream.status, headers: out });
}

export function createGateway(routes: GatewayRoutes) {
  const counters: GatewayCounters = { rest: 0, auth: 0, functions: {}, web: 0 };
  // Benchmarks add latency to every database and auth call to model a network.
  let upstreamDelayMs = 0;
  const delay = () =>
    upstreamDelayMs > 0
      ? new Promise((resolve) => setTimeout(resolve, upstreamDelayMs))
      : undefined;

  function checkApiKey(request: Request): Response | undefined {
    const key = request.headers.get("apikey") ?? new URL(request.url).searchParams.get("apikey");
    if (!key) return json(401, { message: "No API key found in request" });
    if (!routes.apiKeys.includes(key)) return json(401, { message: "Invalid API key" });
  }

  async function kongRoute(request: Request, handle: () => Promise<Response>) {
    await delay();
    let response: Response;
    if (request.method === "OPTIONS") {
      response = new Response(null, { status: 200 });
    } else {
      response = checkApiKey(request) ??
        await handle().catch(() =>
          json(502, { message: "An invalid response was received from the upstream server" })
        );
    }
    const headers = new Headers(response.headers);
    kongCors(request, headers);
    return new Response(response.body, { status: response.status, headers });
  }

  async function handler(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path.startsWith("/rest/v1/") || path === "/rest/v1") {
      counters.rest++;
      return await kongRoute(
        request,
        () => forward(request, routes.postgrestUrl() + path.slice("/rest/v1".length) + url.search),
      );
    }
    if (path.startsWith("/auth/v1/")) {
      counters.auth++;
      const rest = path.slice("/auth/v1".length);
      if (rest === "/.well-known/jwks.json" && request.method === "GET") {
        // Public on the platform too: verifiers fetch it without an API key.
        const response = await routes.auth.handle(request, rest);
        const headers = new Headers(response.headers);
        kongCors(request, headers);
        return new Response(response.body, { status: response.status, headers });
      }
      return await kongRoute(request, () => routes.auth.handle(request, rest));
    }
    const fn = path.match(/^\/functions\/v1\/([^/]+)(\/.*)?$/);
    if (fn) {
      const [, name, rest = ""] = fn;
      counters.functions[name] = (counters.functions[name] ?? 0) + 1;
      const port = routes.functionPort(name);
      if (port === undefined) {
        return json(404, { code: "NOT_FOUND", message: "Requested function was not found" });
      }
      try {
        return await forward(request, `http://127.0.0.1:${port}/${name}${rest}${url.search}`);
      } catch {
        return json(503, {
          code: "BOOT_ERROR",
          message: "Function failed to start (please check logs)",
        });
      }
    }
    counters.web++;
    const route = routes.webRoutes?.[path];
    if (route && (request.method === "GET" || request.method === "HEAD")) return await route();
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method not allowed", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    return await serveStatic(routes.webRoot, path);
  }

  return {
    handler,
    counters: () => structuredClone(counters),
    setUpstreamDelay(ms: number) {
      upstreamDelayMs = Number.isFinite(ms) && ms > 0 ? ms : 0;
    },
    resetCounters() {
      counters.rest = 0;
      counters.auth = 0;
      counters.functions = {};
      counters.web = 0;
    },
  };
}
