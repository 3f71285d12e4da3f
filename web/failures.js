// @ts-check
/**
 * Shows a failed portal or checkout request in the live region and does what its outcome
 * offers (web/messages.js decides the words and the offer).
 */
import { describeFailure } from "./messages.js";
import { addStatusButton, setStatus } from "./status.js";

/**
 * @typedef {object} FailureHandlers
 * @property {() => void} retry sends the same request again
 * @property {(message: string) => void} signIn ends the local session, then says why
 * @property {() => void} reload reads the subscriptions and plans again
 * @property {() => void} showPlans moves the user to the plans
 * @property {HTMLElement} focus where focus goes when nothing else takes it
 */

/**
 * @param {import("./messages.js").Failure} failure
 * @param {import("./messages.js").FailureContext} context
 * @param {FailureHandlers} handlers
 */
export function presentFailure(failure, context, handlers) {
  const outcome = describeFailure(failure, context);
  const tone = outcome.action === "plans" || outcome.action === "reload-list" ? "info" : "error";
  switch (outcome.action) {
    case "sign-in":
      handlers.signIn(outcome.message);
      return;
    case "plans":
      setStatus(outcome.message, tone, failure.code);
      handlers.showPlans();
      return;
    case "reload-list":
      setStatus(outcome.message, tone, failure.code);
      handlers.reload();
      return;
    case "retry":
      setStatus(outcome.message, tone, failure.code);
      addStatusButton("Try again", handlers.retry).focus();
      return;
    case "retry-later":
      setStatus(outcome.message, tone, failure.code);
      addStatusButton("Try again", handlers.retry, {
        enableAfterSeconds: outcome.retryAfterSeconds ?? 60,
      });
      handlers.focus.focus();
      return;
    default:
      setStatus(outcome.message, tone, failure.code);
      handlers.focus.focus();
  }
}
