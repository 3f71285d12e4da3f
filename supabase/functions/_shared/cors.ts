/**
 * CORS for functions that browsers call through `supabase.functions.invoke`.
 *
 * The allowed request headers mirror `corsHeaders` from `@supabase/supabase-js/cors` (2.119):
 * every header the SDK may send must be listed or the browser fails the preflight. That module is
 * not reachable through our import map, hence the copy.
 */
export const SUPABASE_CLIENT_HEADERS = [
  "authorization",
  "x-client-info",
  "apikey",
  "content-type",
  "x-retry-count",
  "traceparent",
  "tracestate",
  "baggage",
].join(", ");

/** `"*"` lets any origin read responses; a list echoes the caller's origin only when listed. */
export type AllowedOrigins = "*" | readonly string[];

export interface CorsOptions {
  allowedOrigins: AllowedOrigins;
  methods?: readonly string[];
}

/**
 * Parses `ALLOWED_ORIGINS`: `*`, empty, or a comma list of origins such as
 * `https://app.example.com,http://localhost:3000`. Returns an error string naming the bad entry.
 */
export function parseAllowedOrigins(
  raw: string | undefined,
): { ok: true; value: AllowedOrigins } | { ok: false; error: string } {
  const trimmed = raw?.trim() ?? "";
  if (trimmed === "" || trimmed === "*") return { ok: true, value: "*" };
  const origins: string[] = [];
  for (const entry of trimmed.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (entry === "*") {
      return { ok: false, error: "`*` cannot be combined with a list of origins" };
    }
    let origin: string;
    try {
      origin = new URL(entry).origin;
    } catch {
      return { ok: false, error: `"${entry}" is not an origin (scheme://host[:port])` };
    }
    // An origin has no path: "https://a.com/app" would never match a browser's Origin header.
    if (origin === "null" || origin !== entry.replace(/\/$/, "")) {
      return { ok: false, error: `"${entry}" is not an origin (scheme://host[:port])` };
    }
    origins.push(origin);
  }
  return origins.length === 0 ? { ok: true, value: "*" } : { ok: true, value: origins };
}

/**
 * Headers for one response. With a list, an unlisted origin gets no `Access-Control-Allow-Origin`
 * at all, so the browser withholds the response from that page; `Vary: Origin` keeps shared
 * caches from serving one origin's answer to another.
 */
export function corsHeaders(options: CorsOptions, requestOrigin: string | null): Headers {
  const h = new Headers();
  if (options.allowedOrigins === "*") {
    h.set("Access-Control-Allow-Origin", "*");
  } else {
    h.set("Vary", "Origin");
    if (requestOrigin !== null && options.allowedOrigins.includes(requestOrigin)) {
      h.set("Access-Control-Allow-Origin", requestOrigin);
    }
  }
  h.set("Access-Control-Allow-Headers", SUPABASE_CLIENT_HEADERS);
  h.set("Access-Control-Allow-Methods", (options.methods ?? ["POST", "OPTIONS"]).join(", "));
  // Without this, browser code cannot read Retry-After or the id to quote to support.
  h.set("Access-Control-Expose-Headers", "Retry-After, X-Request-Id");
  h.set("Access-Control-Max-Age", "600");
  return h;
}

/** Merges CORS headers into a response; used on every exit path, thrown errors included. */
export function withCors(response: Response, cors: Headers): Response {
  // A copy, because headers of some responses (e.g. from fetch) are immutable.
  const headers = new Headers(response.headers);
  for (const [name, value] of cors) {
    const existing = name === "vary" ? headers.get("vary") : null;
    headers.set(name, existing ? `${existing}, ${value}` : value);
  }
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
