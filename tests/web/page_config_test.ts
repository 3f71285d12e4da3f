/** Unit tests of web/page_config.js: what config.js must hold, and what each mistake says. */
import { assertEquals, assertThrows } from "@std/assert";
import { DEFAULT_SUPABASE_JS_URL, readConfig } from "../../web/page_config.js";

const KEY = "sb_publishable_0123456789abcdef";

Deno.test("the minimum: URL and browser key; supabase-js from the pinned CDN", () => {
  assertEquals(readConfig({ SUPABASE_URL: "https://ref.supabase.co/", SUPABASE_ANON_KEY: KEY }), {
    supabaseUrl: "https://ref.supabase.co",
    supabaseKey: KEY,
    supabaseJsUrl: DEFAULT_SUPABASE_JS_URL,
  });
});

Deno.test("CHECKOUT_PRICE_IDS is gone: the catalog says what is for sale, and the page says so", () => {
  for (const ids of [["pri_01jdemopricebasic000000000"], [], "pri_x"]) {
    assertThrows(
      () =>
        readConfig({
          SUPABASE_URL: "https://ref.supabase.co",
          SUPABASE_PUBLISHABLE_KEY: KEY,
          CHECKOUT_PRICE_IDS: ids,
        }),
      Error,
      "CHECKOUT_PRICE_IDS is no longer read",
    );
  }
});

Deno.test("a missing URL or key is named", () => {
  assertThrows(() => readConfig({ SUPABASE_ANON_KEY: KEY }), Error, "SUPABASE_URL");
  assertThrows(() => readConfig({ SUPABASE_URL: "https://x.co" }), Error, "SUPABASE_ANON_KEY");
});
