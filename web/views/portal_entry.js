// @ts-check
/**
 * "Manage subscription" and the sentence about Paddle's portal that goes with it: only for a user
 * who has (or may have) a Paddle customer. Someone who never bought anything has no portal to
 * open, so for them the plans are the first thing to act on.
 */
import { byId } from "../dom.js";

const entry = byId("portal-entry");
const manage = byId("manage");
const heading = byId("account-heading");

/** @param {boolean} shown */
export function showPortalEntry(shown) {
  // Focus never stays on a button that disappears.
  if (!shown && entry.contains(document.activeElement)) heading.focus();
  entry.hidden = !shown;
}

/** Where focus goes when nothing else takes it: "Manage subscription", or the heading without it. */
export function portalEntryFocus() {
  return entry.hidden ? heading : manage;
}
