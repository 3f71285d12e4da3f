// @ts-check
/**
 * Calls the functions: one that answers `{url}` (customer-portal, checkout) hands back the URL
 * to go to; any other its JSON; a failure is a {@link import("./messages.js").Failure}.
 */
import { readInvokeError } from "./messages.js";

/** The functions answer within their own Paddle deadline (10 s, one retry); this is a backstop. */
const INVOKE_TIMEOUT_MS = 30_000;

/**
 * @param {any} supabase the supabase-js client
 * @param {string} name
 * @param {Record<string, unknown>} body
 * @returns {Promise<{ url: string } | { failure: import("./messages.js").Failure }>}
 */
export async function invokeForUrl(supabase, name, body) {
  const result = await invokeFunction(supabase, name, body);
  if ("failure" in result) return result;
  const url = result.data?.url;
  if (typeof url === "string" && isWebUrl(url)) return { url };
  return { failure: { kind: "unexpected", code: "unexpected_response" } };
}

/**
 * Calls a function and hands back its JSON answer or a {@link import("./messages.js").Failure}.
 *
 * @param {any} supabase the supabase-js client
 * @param {string} name
 * @param {Record<string, unknown>} body
 * @returns {Promise<{ data: any } | { failure: import("./messages.js").Failure }>}
 */
export async function invokeFunction(supabase, name, body) {
  /** @type {{ data: any, error: any }} */
  let result;
  try {
    result = await supabase.functions.invoke(name, { body, timeout: INVOKE_TIMEOUT_MS });
  } catch (error) {
    result = { data: null, error };
  }
  if (!result.error) return { data: result.data };
  return { failure: await readInvokeError(result.error) };
}

/** @param {string} url */
export function isWebUrl(url) {
  try {
    const { protocol } = new URL(url);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
}
