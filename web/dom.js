// @ts-check
/** Small DOM helpers the views share. */

/**
 * An element of index.html that must be there.
 *
 * @param {string} id
 */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element;
}

/**
 * @param {string} tag
 * @param {string | undefined} className
 * @param {(Node | string)[]} children
 */
export function el(tag, className, ...children) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  element.append(...children);
  return element;
}

/**
 * @param {string} label
 * @param {string} className
 */
export function button(label, className) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = className;
  element.textContent = label;
  return element;
}

/**
 * A `<time>` with a machine-readable date and the given words (or "—" when there is no date).
 *
 * @param {string | null | undefined} iso
 * @param {string | undefined} text
 */
export function timeElement(iso, text) {
  if (!iso || !text) return document.createTextNode("—");
  const time = document.createElement("time");
  time.dateTime = new Date(iso).toISOString();
  time.textContent = text;
  return time;
}
