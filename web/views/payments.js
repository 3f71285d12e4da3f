// @ts-check
/**
 * The "Payments" section: the user's payments newest first, ten at a time with "Show more"
 * (web/payments_data.js pages by keyset), each with its date, what was bought, the amount with
 * tax in the payment's currency (web/format.js), its status in words and, where Paddle has one,
 * an "Invoice" button (`data-invoice-for`, handled with the other action buttons in
 * web/actions.js). A failed payment that was not paid since comes first, as "Your payment on …
 * failed" with "Update payment method" (a portal deep link, `data-portal-target`).
 */
import { actionInFlight, setButtonsDisabled } from "../actions.js";
import { button, byId, el, timeElement } from "../dom.js";
import { formatDate, formatMoney } from "../format.js";
import { failedPayment, fetchPayments, paymentWords } from "../payments_data.js";

const section = byId("payments-section");
const list = byId("payments");
const message = byId("payments-message");
const alert = byId("payment-alert");
const more = /** @type {HTMLButtonElement} */ (byId("payments-more"));

/** @type {import("../payments_data.js").Payment[]} */
let shown = [];
/** @type {import("../payments_data.js").Cursor | undefined} */
let next;
/** Bumped on every first-page load and clear, so a late page never lands on a newer list. */
let generation = 0;
/** @type {any} */
let client;
/**
 * While Paddle is still collecting a charge (a plan change or checkout just made), the list is
 * read again after these waits, so "Awaiting payment" turns into "Paid" or "Payment failed"
 * without a reload; the webhooks usually land within the first.
 */
const SETTLE_WAITS_MS = [1_000, 2_000, 4_000, 8_000];
/**
 * The payments listed when a charge was announced (a plan change charged today): until one not
 * among them is listed, the list is read again like a settling one.
 * @type {Set<string> | undefined}
 */
let expectedAfter;

/** A charge was just made: read the list again until it shows a payment it did not have. */
export function expectNewPayment() {
  expectedAfter = new Set(shown.map((payment) => payment.id));
}

more.addEventListener("click", () => void showMore());

/**
 * Reads the first page again (after sign-in, a checkout, a plan change or a reload).
 *
 * @param {any} supabase
 * @param {string} [locale]
 * @param {number} [settleRound] how many settling re-reads came before this one
 */
export async function showPayments(supabase, locale = undefined, settleRound = 0) {
  client = supabase;
  const mine = ++generation;
  section.hidden = false;
  section.setAttribute("aria-busy", "true");
  try {
    const page = await fetchPayments(supabase);
    if (mine !== generation) return;
    shown = page.payments;
    next = page.next;
    list.replaceChildren(...shown.map((payment) => renderPayment(payment, locale)));
    message.textContent = shown.length ? "" : "No payments yet.";
    renderAlert(locale);
    more.hidden = next === undefined;
    const known = expectedAfter;
    if (known && shown.some((payment) => !known.has(payment.id))) expectedAfter = undefined;
    const wait = SETTLE_WAITS_MS[settleRound];
    if (wait === undefined) expectedAfter = undefined;
    else if (expectedAfter || shown.some((payment) => payment.settling)) {
      setTimeout(() => {
        if (mine === generation) void showPayments(supabase, locale, settleRound + 1);
      }, wait);
    }
  } catch {
    if (mine !== generation) return;
    message.textContent = "Your payments could not be loaded. Reload the page to try again.";
  } finally {
    if (mine === generation) section.removeAttribute("aria-busy");
  }
  if (actionInFlight()) setButtonsDisabled(true);
}

export function clearPayments() {
  generation++;
  expectedAfter = undefined;
  shown = [];
  next = undefined;
  list.replaceChildren();
  alert.replaceChildren();
  alert.hidden = true;
  message.textContent = "";
  more.hidden = true;
  section.hidden = true;
}

/** @param {string} [locale] */
async function showMore(locale = undefined) {
  if (!next) return;
  const mine = generation;
  more.disabled = true;
  more.setAttribute("aria-busy", "true");
  try {
    const page = await fetchPayments(client, next);
    if (mine !== generation) return;
    const rows = page.payments.map((payment) => renderPayment(payment, locale));
    list.append(...rows);
    shown = [...shown, ...page.payments];
    next = page.next;
    more.hidden = next === undefined;
    renderAlert(locale);
    // Keyboard and screen-reader users continue where the new rows start.
    const first = rows[0]?.querySelector("[tabindex]");
    if (first instanceof HTMLElement) first.focus();
  } catch {
    if (mine === generation) message.textContent = "More payments could not be loaded. Try again.";
  } finally {
    more.disabled = false;
    more.removeAttribute("aria-busy");
  }
}

/** @param {string | undefined} locale */
function renderAlert(locale) {
  const failed = failedPayment(shown);
  alert.replaceChildren();
  alert.hidden = !failed;
  if (!failed) return;
  const when = formatDate(failed.date, locale);
  alert.append(el("p", undefined, `Your payment on ${when ?? "your last billing date"} failed.`));
  if (failed.subscriptionId) {
    const update = button("Update payment method", "button-primary");
    update.dataset.portalTarget = "update_payment_method";
    update.dataset.subscriptionId = failed.subscriptionId;
    alert.append(update);
  }
}

/**
 * @param {import("../payments_data.js").Payment} payment
 * @param {string | undefined} locale
 */
export function renderPayment(payment, locale = undefined) {
  const words = paymentWords(payment);
  const refund = payment.refund;
  const badgeKind = refund ? refund.state.replaceAll("_", "-") : payment.outcome;
  const date = el("span", "payment-date");
  date.append(timeElement(payment.date, formatDate(payment.date, locale)));
  date.tabIndex = -1;
  const row = el(
    "div",
    "payment",
    date,
    el("span", "payment-what", payment.description),
    el("span", "payment-amount", formatMoney(payment.amount, payment.currency, { locale }) ?? "—"),
    el("span", `badge payment-${badgeKind}`, words),
  );
  // A partial refund says how much came back, exactly as Paddle computed it.
  if (refund?.state === "partly_refunded" && refund.amount !== null) {
    const refunded = formatMoney(refund.amount, payment.currency, { locale });
    if (refunded) row.append(el("span", "payment-refund", `${refunded} refunded`));
  }
  if (payment.hasInvoice) {
    const invoice = button("Invoice", "button-secondary");
    invoice.dataset.invoiceFor = payment.id;
    invoice.setAttribute(
      "aria-label",
      `Invoice for the payment on ${formatDate(payment.date, locale)}`,
    );
    row.append(invoice);
  }
  const item = el("li", undefined, row);
  item.dataset.transactionId = payment.id;
  item.dataset.outcome = payment.outcome;
  if (refund) item.dataset.refund = refund.state;
  return item;
}
