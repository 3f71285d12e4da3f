// @ts-check
/**
 * Paddle.js for the site's pages: which client-side token and environment config.js names,
 * and loading the script (Paddle's CDN, or `PADDLE_JS_URL`). The billing page uses it for
 * pricing previews, the payment-link page (payment_link.js) for the checkout. Only the
 * client-side token ever reaches the browser: never the API key.
 */

export const DEFAULT_PADDLE_JS_URL = "https://cdn.paddle.com/paddle/v2/paddle.js";

/**
 * @typedef {{ token: string, environment: "sandbox" | "production", paddleJsUrl: string }}
 *   PaddleJsConfig
 */

/**
 * Checks config.js's Paddle exports; the message says what to fix. `PADDLE_ENVIRONMENT` is
 * sandbox unless production is asked for: a forgotten setting must not take live payments.
 *
 * @param {Record<string, unknown>} module
 * @param {string} pageUrl
 * @returns {{ config: PaddleJsConfig } | { error: string }}
 */
export function readPaddleJsConfig(module, pageUrl) {
  const token = module.PADDLE_CLIENT_TOKEN;
  const environment = module.PADDLE_ENVIRONMENT ?? "sandbox";
  if (environment !== "sandbox" && environment !== "production") {
    return { error: 'config.js: PADDLE_ENVIRONMENT must be "sandbox" or "production".' };
  }
  const prefix = environment === "sandbox" ? "test_" : "live_";
  if (typeof token !== "string" || !token.startsWith(prefix)) {
    return {
      error: `config.js: PADDLE_CLIENT_TOKEN must be your Paddle client-side token ` +
        `(for ${environment} it starts with ${prefix}).`,
    };
  }
  const paddleJsUrl = absoluteUrl(module.PADDLE_JS_URL ?? DEFAULT_PADDLE_JS_URL, pageUrl);
  if (!paddleJsUrl) return { error: "config.js: PADDLE_JS_URL must be an http(s) URL." };
  return { config: { token, environment, paddleJsUrl } };
}

/**
 * @param {unknown} value
 * @param {string} base
 * @returns {string | null}
 */
export function absoluteUrl(value, base) {
  if (typeof value !== "string" || value === "") return null;
  try {
    const url = new URL(value, base);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Adds Paddle.js (a classic script) to the page once it is wanted; resolves when it ran.
 *
 * @param {string} url
 * @returns {Promise<void>}
 */
export function loadClassicScript(url) {
  const doc = /** @type {{ createElement(tag: "script"): { src: string,
     *   onload: (() => void) | null, onerror: (() => void) | null },
     *   head: { append(node: unknown): void } }} */
    (
      /** @type {Record<string, unknown>} */ (globalThis).document
    );
  return new Promise((resolve, reject) => {
    const script = doc.createElement("script");
    script.src = url;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`could not load ${url}`));
    doc.head.append(script);
  });
}
