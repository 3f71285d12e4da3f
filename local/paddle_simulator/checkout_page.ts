/**
 * The simulator's stand-in for Paddle's checkout: `GET /checkout?_ptxn=txn_…` shows what the
 * transaction sells (price, product, quantity, amount) and its total with a "Pay now" button,
 * and `POST /checkout/txn_…/pay` pays it (payment.ts) and then notifies, in Paddle's order:
 * `transaction.completed`, `subscription.created`, `subscription.activated`.
 *
 * The page works without script: the form posts and the buyer is sent to the return URL. When
 * the Paddle.js stand-in frames it (`parent_origin` in the query), checkout.js pays with fetch
 * and posts the outcome to that origin instead, so Paddle.js can fire `checkout.completed` and
 * go to the app's success URL, as the real overlay does.
 */

import { formatMoney } from "../../web/format.js";
import { escapeHtml, htmlDocument } from "./html.ts";
import { TRANSACTION_ID } from "./ids.ts";
import { payTransaction } from "./payment.ts";
import type { Notify } from "./selling_api.ts";
import type { EntityStore } from "./store.ts";
import type { PaddleTransaction } from "./transactions.ts";

export interface CheckoutContext {
  store: EntityStore;
  notify: Notify;
  /** Where a standalone checkout sends the buyer after paying; default: the paid page. */
  returnUrl?: string;
}

/** The message the framed page posts to the Paddle.js stand-in. */
export const COMPLETED_MESSAGE = "paddle-simulator:checkout.completed";

const PAY_PATH = /^\/checkout\/([^/]+)\/pay$/;

export function isCheckoutPath(pathname: string): boolean {
  return pathname === "/checkout" || pathname === "/checkout.js" || PAY_PATH.test(pathname);
}

export function handleCheckoutRequest(
  request: Request,
  url: URL,
  context: CheckoutContext,
): Response {
  if (url.pathname === "/checkout.js") {
    if (request.method !== "GET") return methodNotAllowed("GET");
    return new Response(CHECKOUT_SCRIPT, {
      headers: {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
      },
    });
  }
  const pay = PAY_PATH.exec(url.pathname);
  if (pay) {
    if (request.method !== "POST") return methodNotAllowed("POST");
    return payAndNotify(request, pay[1], context);
  }
  if (request.method !== "GET") return methodNotAllowed("GET");
  const transactionId = url.searchParams.get("_ptxn") ?? "";
  if (!TRANSACTION_ID.test(transactionId)) {
    return page(400, message("invalid", "This checkout link has no valid _ptxn transaction id."));
  }
  const transaction = context.store.transactions.get(transactionId);
  if (!transaction) return page(404, message("not_found", "There is no such transaction."));
  return page(200, checkoutMarkup(transaction, context.store));
}

function payAndNotify(request: Request, transactionId: string, context: CheckoutContext) {
  const wantsJson = (request.headers.get("accept") ?? "").includes("application/json");
  const paid = payTransaction(context.store, transactionId);
  if (paid.outcome !== "paid") {
    const [status, code, text] = paid.outcome === "not_found"
      ? [404, "not_found", "There is no such transaction."]
      : [409, paid.status === "completed" ? "already_paid" : "not_payable", paid.reason];
    return wantsJson
      ? Response.json({ error: { code, message: text } }, { status })
      : page(status, message(code, text));
  }
  const { transaction, subscription } = paid;
  context.notify("transaction.completed", transaction);
  if (subscription) {
    context.notify("subscription.created", subscription);
    context.notify("subscription.activated", subscription);
  }
  if (wantsJson) {
    return Response.json({
      transaction_id: transaction.id,
      status: transaction.status,
      customer_id: transaction.customer_id,
      subscription_id: transaction.subscription_id,
    });
  }
  const next = context.returnUrl ?? `/checkout?_ptxn=${encodeURIComponent(transaction.id)}`;
  return new Response(null, { status: 303, headers: { location: next } });
}

function checkoutMarkup(transaction: PaddleTransaction, store: EntityStore): string {
  const currency = transaction.currency_code;
  const rows = transaction.details.line_items.map((line) => {
    const price = store.prices.get(line.price_id) ??
      transaction.items.find((item) => item.price_id === line.price_id)?.price;
    return `<tr data-price-id="${escapeHtml(line.price_id)}">
        <td data-field="price-name">${escapeHtml(price?.name ?? price?.description ?? "")}</td>
        <td data-field="product-name">${escapeHtml(line.product.name)}</td>
        <td data-field="quantity">${line.quantity}</td>
        <td data-field="amount">${formatAmount(line.totals.total, currency)}</td>
      </tr>`;
  }).join("\n      ");
  const paid = transaction.status === "completed";
  const action = paid
    ? `<p data-field="paid">Paid. Thank you!</p>`
    : `<form method="post" action="/checkout/${escapeHtml(transaction.id)}/pay">
      <button type="submit" id="pay">Pay now</button>
    </form>`;
  return `<main id="checkout" data-transaction-id="${escapeHtml(transaction.id)}" data-status="${
    escapeHtml(transaction.status)
  }">
    <h1>Checkout</h1>
    <table>
      <thead><tr><th>Plan</th><th>Product</th><th>Quantity</th><th>Amount</th></tr></thead>
      <tbody>
      ${rows}
      </tbody>
    </table>
    <p>Total: <strong data-field="total">${
    formatAmount(transaction.details.totals.grand_total, currency)
  }</strong></p>
    ${action}
    <p role="status" id="checkout-status"></p>
  </main>`;
}

/**
 * Paddle's amounts are strings in the currency's lowest denomination ("3000" is $30.00), shown
 * with the page's own formatter and Paddle's currency table (web/currencies.js), never a float.
 */
export function formatAmount(amount: string, currency: string): string {
  return formatMoney(amount, currency, { locale: "en" }) ?? `${amount} ${currency}`;
}

function message(reason: string, text: string): string {
  return `<main id="checkout-error" data-reason="${escapeHtml(reason)}">
    <h1>Checkout</h1>
    <p>${escapeHtml(text)}</p>
  </main>`;
}

function page(status: number, main: string): Response {
  const html = htmlDocument(
    "Paddle checkout (simulator)",
    `<style>
    body { font-family: system-ui, sans-serif; margin: 1.5rem; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #ddd; }
    button { font-size: 1.1rem; padding: 0.5rem 1.5rem; }
  </style>
  <script src="/checkout.js" defer></script>`,
    main,
  );
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy":
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; " +
        "connect-src 'self'; form-action 'self'; base-uri 'none'",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
    },
  });
}

function methodNotAllowed(allow: string): Response {
  return new Response("Method not allowed", { status: 405, headers: { allow } });
}

/**
 * Runs inside the checkout page. Framed by the Paddle.js stand-in it pays with fetch and tells
 * the parent (only the origin the stand-in named); standalone it leaves the form alone.
 */
const CHECKOUT_SCRIPT = `"use strict";
(function () {
  var parentOrigin = new URLSearchParams(location.search).get("parent_origin");
  if (window.parent === window || !parentOrigin) return;
  var form = document.querySelector("#checkout form");
  var status = document.getElementById("checkout-status");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    status.textContent = "Processing payment…";
    fetch(form.action, { method: "POST", headers: { accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) {
          status.textContent = result.body.error ? result.body.error.message : "Payment failed.";
          button.disabled = false;
          return;
        }
        status.textContent = "Paid. Thank you!";
        window.parent.postMessage({ type: ${JSON.stringify(COMPLETED_MESSAGE)}, data: result.body },
          parentOrigin);
      })
      .catch(function () {
        status.textContent = "Payment failed: the checkout could not be reached.";
        button.disabled = false;
      });
  });
})();
`;
