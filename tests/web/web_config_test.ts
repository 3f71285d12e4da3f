/**
 * What the local stack serves the page beyond web/ (local/web_config.ts): the generated
 * /config.js and the locally built supabase-js bundle, so tests never reach a CDN.
 */
import { assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { stackInfo } from "../_stack.ts";
import { configModule, pinnedSupabaseJsVersion, SUPABASE_JS_PATH } from "../../local/web_config.ts";

Deno.test("/config.js: this stack's URL and key, and the local supabase-js", async () => {
  const { apiUrl, anonKey, paddle } = stackInfo();
  const res = await fetch(`${apiUrl}/config.js`);
  assertEquals(res.status, 200);
  assertMatch(res.headers.get("content-type") ?? "", /^text\/javascript/);
  assertEquals(res.headers.get("cache-control"), "no-store");
  const text = await res.text();
  assertEquals(text, configModule({ apiUrl, anonKey, paddle }));
  assertStringIncludes(text, `export const SUPABASE_URL = ${JSON.stringify(apiUrl)};`);
  assertStringIncludes(text, `export const SUPABASE_ANON_KEY = ${JSON.stringify(anonKey)};`);
  assertStringIncludes(text, `export const SUPABASE_JS_URL = "${SUPABASE_JS_PATH}";`);
});

Deno.test("/vendor/supabase-js.mjs: a browser ES module of the pinned supabase-js", async () => {
  const res = await fetch(`${stackInfo().apiUrl}${SUPABASE_JS_PATH}`);
  assertEquals(res.status, 200);
  assertMatch(res.headers.get("content-type") ?? "", /^text\/javascript/);
  const text = await res.text();
  // An ES module exporting createClient, with no bare imports left for the browser to resolve.
  assertMatch(text, /export\s*\{[^}]*\bas createClient\b/);
  assertEquals(text.match(/(?:^|[;}])\s*import\s*[\w*{"']/gm), null, "no static imports left");
  assertMatch(await pinnedSupabaseJsVersion(), /^\d+\.\d+\.\d+$/);
});

Deno.test("the web page's default CDN URL pins the same supabase-js version", async () => {
  const app = await Deno.readTextFile(new URL("../../web/page_config.js", import.meta.url));
  const version = await pinnedSupabaseJsVersion();
  assertStringIncludes(
    app,
    `"https://cdn.jsdelivr.net/npm/@supabase/supabase-js@${version}/+esm"`,
  );
  const example = await Deno.readTextFile(new URL("../../web/config.example.js", import.meta.url));
  assertStringIncludes(example, `@supabase/supabase-js@${version}/+esm`);
});
