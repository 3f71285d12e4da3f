/** Serves a folder read-only: no listings, no dot files, nothing outside it. */
import { extname, join, normalize } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

export async function serveStatic(root: string, pathname: string): Promise<Response> {
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(pathname)).replace(/^(\.\.(\/|$))+/, "");
  } catch {
    return new Response("Bad request", { status: 400 });
  }
  if (relative.split("/").some((part) => part.startsWith("."))) {
    return new Response("Not found", { status: 404 });
  }
  let path = join(root, relative);
  try {
    if ((await Deno.stat(path)).isDirectory) path = join(path, "index.html");
    const body = await Deno.readFile(path);
    return new Response(body, {
      headers: {
        "content-type": TYPES[extname(path)] ?? "application/octet-stream",
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
      },
    });
  } catch {
    return new Response("Not found", { status: 404 });
  }
}
