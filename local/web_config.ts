/**
 * What the gateway serves the page beyond `web/`:
 *
 * - `/config.js` with this stack's URL and browser key, written to the stack's own state folder
 *   (so a dev stack and a test stack never share a file), replacing the deployment's own
 *   `web/config.js`, and pointing the page at the locally built supabase-js instead of the CDN;
 * - `/vendor/supabase-js.mjs`: a browser ES module bundle of the npm `@supabase/supabase-js`
 *   pinned in import_map.json, so local runs and tests never need the internet;
 * - `/checkout.html` and the billing page (`/`, `/index.html`): as they ship, with the Paddle
 *   simulator's origin added to their script-src, because the generated config points
 *   `PADDLE_JS_URL` at the simulator's Paddle.js stand-in (a deployment loads Paddle.js from
 *   cdn.paddle.com, which the pages' own policies already allow).
 *
 * The bundle is built with `deno bundle --platform=browser` on its first request (not at stack
 * start, which must stay fast) and cached in `.local/vendor/` keyed by version, so every later
 * stack, dev or test, serves the cached file at once.
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "./database.ts";
import type { StackInfo } from "./stack.ts";

export const SUPABASE_JS_PATH = "/vendor/supabase-js.mjs";

const VENDOR_DIR = join(PROJECT_ROOT, ".local", "vendor");

/** The exact version pinned in import_map.json, e.g. `2.119.1`. */
export async function pinnedSupabaseJsVersion(): Promise<string> {
  const map = JSON.parse(await Deno.readTextFile(join(PROJECT_ROOT, "import_map.json")));
  const specifier: unknown = map.imports?.["@supabase/supabase-js"];
  const version = typeof specifier === "string"
    ? specifier.match(/^npm:@supabase\/supabase-js@(\d+\.\d+\.\d+[^/]*)$/)?.[1]
    : undefined;
  if (!version) {
    throw new Error("import_map.json must pin @supabase/supabase-js to an exact npm version");
  }
  return version;
}

/**
 * Builds (once per version) and returns the path of the browser bundle. Concurrent stacks may
 * race on the first build: each writes its own temporary file and renames it into place, so a
 * reader never sees half a file.
 */
export async function buildSupabaseJsBundle(vendorDir = VENDOR_DIR): Promise<string> {
  const version = await pinnedSupabaseJsVersion();
  const target = join(vendorDir, `supabase-js-${version}.mjs`);
  try {
    if ((await Deno.stat(target)).size > 0) return target;
  } catch { /* not built yet */ }
  await Deno.mkdir(vendorDir, { recursive: true });
  const unique = `${Deno.pid}-${crypto.randomUUID()}`;
  const entry = join(vendorDir, `entry-${unique}.ts`);
  const temporary = join(vendorDir, `supabase-js-${version}.${unique}.mjs`);
  await Deno.writeTextFile(entry, `export * from "@supabase/supabase-js";\n`);
  try {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform=browser",
        "--format=esm",
        "--minify",
        "--config",
        join(PROJECT_ROOT, "deno.json"),
        "--output",
        temporary,
        entry,
      ],
      cwd: PROJECT_ROOT,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(
        `deno bundle of @supabase/supabase-js@${version} failed:\n${
          new TextDecoder().decode(stderr)
        }`,
      );
    }
    await Deno.rename(temporary, target);
    return target;
  } finally {
    await Deno.remove(entry).catch(() => {});
    await Deno.remove(temporary).catch(() => {});
  }
}

function javascript(body: string | Uint8Array, status = 200, cache = "no-cache"): Response {
  return new Response(body as BodyInit, {
    status,
    headers: {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": cache,
      "x-content-type-options": "nosniff",
    },
  });
}

/** A sandbox client-side token for the Paddle.js stand-in (it checks only the `test_` prefix). */
export const LOCAL_PADDLE_CLIENT_TOKEN = "test_localsimulator0000000000";

/** The generated `/config.js`: the same exports a deployment's `web/config.js` has. */
export function configModule(
  info: Pick<StackInfo, "apiUrl" | "anonKey"> & { paddle: Pick<StackInfo["paddle"], "apiUrl"> },
): string {
  return [
    "// Written by the local stack for this run only (see local/web_config.ts).",
    `export const SUPABASE_URL = ${JSON.stringify(info.apiUrl)};`,
    `export const SUPABASE_ANON_KEY = ${JSON.stringify(info.anonKey)};`,
    `export const SUPABASE_JS_URL = ${JSON.stringify(SUPABASE_JS_PATH)};`,
    `export const PADDLE_CLIENT_TOKEN = ${JSON.stringify(LOCAL_PADDLE_CLIENT_TOKEN)};`,
    `export const PADDLE_ENVIRONMENT = "sandbox";`,
    `export const PADDLE_JS_URL = ${JSON.stringify(`${info.paddle.apiUrl}/paddle.js`)};`,
    "",
  ].join("\n");
}

/** The script-src web/checkout.html ships with; the local copy adds the simulator to it. */
export const CHECKOUT_SCRIPT_SRC = "script-src 'self' https://cdn.paddle.com";
/** The same for web/index.html (supabase-js's CDN and Paddle.js, for local prices). */
export const INDEX_SCRIPT_SRC = "script-src 'self' https://cdn.jsdelivr.net https://cdn.paddle.com";

/** web/checkout.html with `origin` allowed to serve scripts; throws if the policy has moved. */
export function checkoutPageFor(html: string, origin: string): string {
  return withScriptOrigin(html, "web/checkout.html", CHECKOUT_SCRIPT_SRC, origin);
}

function withScriptOrigin(html: string, file: string, scriptSrc: string, origin: string) {
  const count = html.split(scriptSrc).length - 1;
  if (count !== 1) {
    throw new Error(`${file} must hold "${scriptSrc}" exactly once (found ${count})`);
  }
  return html.replace(scriptSrc, `${scriptSrc} ${origin}`);
}

function htmlPage(body: string): Response {
  return new Response(body, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    },
  });
}

export function webRoutes(
  info: StackInfo,
  stateDir: string,
): Record<string, () => Promise<Response> | Response> {
  // The stack writes its page config as a file in its own state folder (`.local/config.js` for
  // `deno task dev`), where a developer can read it, and serves that file as /config.js.
  const configFile = join(stateDir, "config.js");
  Deno.writeTextFileSync(configFile, configModule(info));
  const paddleOrigin = new URL(info.paddle.apiUrl).origin;
  const billingPage = async () => {
    const html = await Deno.readTextFile(join(PROJECT_ROOT, "web", "index.html"));
    return htmlPage(withScriptOrigin(html, "web/index.html", INDEX_SCRIPT_SRC, paddleOrigin));
  };
  // One build per stack process at most; a failed build is retried on the next request.
  let bundle: Promise<Uint8Array> | undefined;
  return {
    "/config.js": async () => javascript(await Deno.readFile(configFile), 200, "no-store"),
    // Read per request, so `deno task dev` shows edits to the page at once.
    "/checkout.html": async () => {
      const html = await Deno.readTextFile(join(PROJECT_ROOT, "web", "checkout.html"));
      return htmlPage(checkoutPageFor(html, paddleOrigin));
    },
    "/": billingPage,
    "/index.html": billingPage,
    [SUPABASE_JS_PATH]: async () => {
      bundle ??= buildSupabaseJsBundle().then((path) => Deno.readFile(path));
      try {
        return javascript(await bundle);
      } catch (error) {
        bundle = undefined;
        console.error(error);
        const message = error instanceof Error ? error.message : String(error);
        return javascript(`throw new Error(${JSON.stringify(message)});\n`, 500, "no-store");
      }
    },
  };
}
