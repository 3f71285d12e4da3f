// @ts-check
/**
 * Reads the deployment's settings from `./config.js` (see config.example.js; the local stack
 * generates it) and says exactly what is wrong when they are missing or incomplete.
 */

/** Pinned to the version in import_map.json; config.js may point elsewhere (SUPABASE_JS_URL). */
export const DEFAULT_SUPABASE_JS_URL =
  "https://cdn.jsdelivr.net/npm/@supabase/supabase-js@2.119.1/+esm";

/**
 * @typedef {object} PageConfig
 * @property {string} supabaseUrl
 * @property {string} supabaseKey
 * @property {string} supabaseJsUrl
 */

/** @returns {Promise<PageConfig>} */
export async function loadConfig() {
  /** @type {Record<string, unknown>} */
  let module;
  try {
    // A computed specifier: config.js is per deployment and absent from the repository.
    module = await import(new URL("./config.js", import.meta.url).href);
  } catch {
    throw new Error(
      "config.js could not be loaded. Copy web/config.example.js to web/config.js and set your " +
        "Supabase project URL and browser key.",
    );
  }
  return readConfig(module);
}

/**
 * @param {Record<string, unknown>} module the exports of config.js
 * @returns {PageConfig}
 */
export function readConfig(module) {
  const supabaseUrl = module.SUPABASE_URL;
  const supabaseKey = module.SUPABASE_PUBLISHABLE_KEY ?? module.SUPABASE_ANON_KEY;
  if (typeof supabaseUrl !== "string" || !/^https?:\/\/[^/]/.test(supabaseUrl)) {
    throw new Error(
      "config.js: SUPABASE_URL must be your project's URL (https://<ref>.supabase.co).",
    );
  }
  if (typeof supabaseKey !== "string" || supabaseKey.length < 20) {
    throw new Error(
      "config.js: SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY) must be the project's browser key.",
    );
  }
  const supabaseJsUrl = typeof module.SUPABASE_JS_URL === "string" && module.SUPABASE_JS_URL
    ? module.SUPABASE_JS_URL
    : DEFAULT_SUPABASE_JS_URL;
  // Gone with issue 17: what is for sale is the catalog (public.catalog_prices), read by the
  // page and the checkout function alike. Named, so a deployment that set it hears why.
  if (module.CHECKOUT_PRICE_IDS !== undefined) {
    throw new Error(
      'config.js: CHECKOUT_PRICE_IDS is no longer read; remove it. The catalog says what is for sale (README, "The catalog").',
    );
  }
  return {
    supabaseUrl: supabaseUrl.replace(/\/+$/, ""),
    supabaseKey,
    supabaseJsUrl,
  };
}
