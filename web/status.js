// @ts-check
/**
 * The polite live region (`role="status"` in index.html): progress and the outcome of every
 * action are announced from here, with the buttons that come with them.
 */
import { button, byId } from "./dom.js";

const region = byId("status");
const text = byId("status-text");
const actions = byId("status-actions");

/** @type {ReturnType<typeof setTimeout> | undefined} */
let enableTimer;

/**
 * @param {string} message
 * @param {"" | "info" | "progress" | "success" | "error"} [tone]
 * @param {string} [code] the function's error code, kept as `data-code` for support and tests
 */
export function setStatus(message, tone = "info", code = undefined) {
  clearTimeout(enableTimer);
  if (code) region.dataset.code = code;
  else delete region.dataset.code;
  text.textContent = message;
  actions.replaceChildren();
  if (message) region.dataset.tone = tone;
  else delete region.dataset.tone;
}

/**
 * A button under the message; with `enableAfterSeconds` it stays disabled until then.
 *
 * @param {string} label
 * @param {() => void} onClick
 * @param {{ enableAfterSeconds?: number }} [options]
 */
export function addStatusButton(label, onClick, options = {}) {
  const element = button(label, "button-secondary");
  element.addEventListener("click", onClick);
  if (options.enableAfterSeconds !== undefined) {
    element.disabled = true;
    element.setAttribute("aria-describedby", "status-text");
    enableTimer = setTimeout(() => {
      element.disabled = false;
    }, options.enableAfterSeconds * 1000);
  }
  actions.append(element);
  return element;
}
