/**
 * The simulator's stand-in for Paddle's checkout: `GET /checkout?_ptxn=txn_…` shows what the
 * transaction sells (price, product, quantity, amount) and its total with a "Pay now" button,
 * and `POST /checkout/txn_…/pay` pays it (payment.ts) and then notifies, in Paddle's order:
 * `transaction.completed`, `subscription.created`, `subscription.activated`.
 *
 * The page works without script: the form posts and the buyer is sent to the return URL. When
 * the Paddle.js stand-in frames it (`parent_origin` in the query), checkout.js pays with fetch
 * and posts the outcome to that origin instead, so Paddle.js can fire `checkout.completed` and
 * go to the app's success URL, as the real overlay does; a failed payment and a checkout that
 * cannot open are posted too (`checkout.payment.failed`, `checkout.error`).
 *
 * The buyer's country (`country` in the query, as Paddle.js passes a prefilled address, else
 * the transaction's own address, else the page visitor's IP through the simulator's IP table) prices the checkout as Paddle does:
 * local currency and tax, the figures `POST /pricing-preview` gives (checkout_prices.ts); paying
 * revises the transaction to them first. The page shows who pays; unless it was opened with
 * `allowLogout: false` (`allow_logout=false`), the buyer may switch to another email, which moves
 * the transaction to that email's customer, as Paddle's checkout does.
 */

import { formatMoney } from "../../web/format.js";
import { addressCountry } from "./addresses_api.ts";
import { localizeTransaction } from "./checkout_prices.ts";
import { customerEntity } from "./entity_builders.ts";
import { escapeHtml, htmlDocument } from "./html.ts";
import { newPaddleId, paddleTimestamp, TRANSACTION_ID } from "./ids.ts";
import { payTransaction } from "./payment.ts";
import type { AccountTaxMode } from "./pricing_preview.ts";
import { findCustomerByEmail, type Notify } from "./selling_api.ts";
import type { EntityStore } from "./store.ts";
import type { PaddleTransaction } from "./transactions.ts";

export interface CheckoutContext {
  store: EntityStore;
  notify: Notify;
  /** Where a standalone checkout sends the buyer after paying; default: the paid page. */
  returnUrl?: string;
  /** IP address → country, as for pricing previews. */
  ipCountries?: Readonly<Record<string, string>>;
  remoteIp?: string;
  accountTaxMode?: AccountTaxMode;
}

/** The messages the framed page posts to the Paddle.js stand-in. */
export const COMPLETED_MESSAGE = "paddle-simulator:checkout.completed";
export const PAYMENT_FAILED_MESSAGE = "paddle-simulator:checkout.payment.failed";
export const ERROR_MESSAGE = "paddle-simulator:checkout.error";

const PAY_PATH = /^\/checkout\/([^/]+)\/pay$/;
const CUSTOMER_PATH = /^\/checkout\/([^/]+)\/customer$/;
const COUNTRY = /^[A-Z]{2}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function isCheckoutPath(pathname: string): boolean {
  return pathname === "/checkout" || pathname === "/checkout.js" || PAY_PATH.test(pathname) ||
    CUSTOMER_PATH.test(pathname);
}

export function handleCheckoutRequest(
  request: Request,
  url: URL,
  context: CheckoutContext,
): Response | Promise<Response> {
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
  const switchTo = CUSTOMER_PATH.exec(url.pathname);
  if (switchTo) {
    if (request.method !== "POST") return methodNotAllowed("POST");
    return switchCustomer(request, switchTo[1], context);
  }
  if (request.method !== "GET") return methodNotAllowed("GET");
  const transactionId = url.searchParams.get("_ptxn") ?? "";
  if (!TRANSACTION_ID.test(transactionId)) {
    return page(400, message("invalid", "This checkout link has no valid _ptxn transaction id."));
  }
  const transaction = context.store.transactions.get(transactionId);
  if (!transaction) return page(404, message("not_found", "There is no such transaction."));
  const asked = url.searchParams.get("country") ?? "";
  // Paddle's checkout starts from the transaction's own address (the country it was priced for).
  const country = COUNTRY.test(asked)
    ? asked
    : (transaction.address_id
      ? addressCountry(context.store, transaction.customer_id, transaction.address_id)
      : undefined) ??
      context.ipCountries?.[context.remoteIp ?? ""] ?? undefined;
  const shown = country && transaction.status === "ready"
    ? localizeTransaction(context.store, transaction, country, context.accountTaxMode)
    : undefined;
  return page(
    200,
    checkoutMarkup(shown ?? transaction, context.store, {
      country: shown ? country : undefined,
      allowLogout: url.searchParams.get("allow_logout") !== "false",
      query: url.search,
    }),
  );
}

async function formField(request: Request, name: string): Promise<string> {
  try {
    const value = (await request.formData()).get(name);
    return typeof value === "string" ? value : "";
  } catch {
    return "";
  }
}

async function payAndNotify(request: Request, transactionId: string, context: CheckoutContext) {
  const wantsJson = (request.headers.get("accept") ?? "").includes("application/json");
  const country = await formField(request, "country");
  const open = context.store.transactions.get(transactionId);
  if (open?.status === "ready" && COUNTRY.test(country)) {
    // Paddle revises the transaction to the buyer's country before taking the payment.
    const local = localizeTransaction(context.store, open, country, context.accountTaxMode);
    if (local) context.store.transactions.upsert(local);
  }
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

/**
 * The buyer logged out of the prefilled customer and entered another email: the transaction
 * moves to that email's customer (created when Paddle has none), then the checkout reloads.
 */
async function switchCustomer(request: Request, transactionId: string, context: CheckoutContext) {
  const form = await request.formData().catch(() => undefined);
  const email = String(form?.get("email") ?? "").trim().toLowerCase();
  const query = String(form?.get("query") ?? "");
  const transaction = context.store.transactions.get(transactionId);
  if (!transaction) return page(404, message("not_found", "There is no such transaction."));
  if (transaction.status !== "ready" && transaction.status !== "draft") {
    return page(409, message("not_payable", "This transaction can no longer be changed."));
  }
  if (!EMAIL.test(email)) return page(400, message("invalid", "Enter a valid email address."));
  let customerId = findCustomerByEmail(context.store, email);
  if (!customerId) {
    const customer = customerEntity({
      id: newPaddleId("ctm"),
      email,
      createdAt: paddleTimestamp(context.store.clock.now()),
    });
    context.store.customers.upsert(customer);
    context.notify("customer.created", customer);
    customerId = customer.id;
  }
  context.store.transactions.upsert({
    ...transaction,
    customer_id: customerId,
    status: "ready",
    updated_at: paddleTimestamp(context.store.clock.now()),
  });
  const back = query.startsWith("?_ptxn=") ? query : `?_ptxn=${encodeURIComponent(transactionId)}`;
  return new Response(null, { status: 303, headers: { location: `/checkout${back}` } });
}

function checkoutMarkup(
  transaction: PaddleTransaction,
  store: EntityStore,
  view: { country?: string; allowLogout: boolean; query: string },
): string {
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
  const id = escapeHtml(transaction.id);
  const country = view.country ? escapeHtml(view.country) : "";
  const action = paid
    ? `<p data-field="paid">Paid. Thank you!</p>`
    : `<form method="post" action="/checkout/${id}/pay">
      <input type="hidden" name="country" value="${country}">
      <button type="submit" id="pay">Pay now</button>
    </form>`;
  const email = transaction.customer_id
    ? store.customers.get(transaction.customer_id)?.email ?? ""
    : "";
  const who = email
    ? `<p>Paying as <strong data-field="customer-email">${escapeHtml(email)}</strong></p>`
    : "";
  const logout = !paid && view.allowLogout
    ? `<form method="post" action="/checkout/${id}/customer" id="change-customer">
      <input type="hidden" name="query" value="${escapeHtml(view.query)}">
      <label>Not you? Use another email <input type="email" name="email" required></label>
      <button type="submit">Change</button>
    </form>`
    : "";
  const totals = transaction.details.totals;
  const tax = BigInt(totals.tax) > 0n
    ? `<p>Tax (${escapeHtml(country)}): <span data-field="tax">${
      formatAmount(totals.tax, currency)
    }</span></p>`
    : "";
  return `<main id="checkout" data-transaction-id="${id}" data-status="${
    escapeHtml(transaction.status)
  }" data-country="${country}" data-currency="${escapeHtml(currency)}">
    <h1>Checkout</h1>
    ${who}
    ${logout}
    <table>
      <thead><tr><th>Plan</th><th>Product</th><th>Quantity</th><th>Amount</th></tr></thead>
      <tbody>
      ${rows}
      </tbody>
    </table>
    <p>Total: <strong data-field="total">${
    formatAmount(transaction.details.totals.grand_total, currency)
  }</strong></p>
    ${tax}
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
  function tell(type, data) {
    window.parent.postMessage({ type: type, data: data }, parentOrigin);
  }
  var failed = document.getElementById("checkout-error");
  if (failed) {
    tell(${JSON.stringify(ERROR_MESSAGE)}, {
      transaction_id: new URLSearchParams(location.search).get("_ptxn"),
      error: { code: failed.getAttribute("data-reason"), detail: failed.textContent.trim() }
    });
    return;
  }
  var form = document.querySelector("#checkout form[action$='/pay']");
  var status = document.getElementById("checkout-status");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    status.textContent = "Processing payment…";
    fetch(form.action, {
      method: "POST", headers: { accept: "application/json" }, body: new FormData(form)
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) {
          status.textContent = result.body.error ? result.body.error.message : "Payment failed.";
          button.disabled = false;
          tell(${JSON.stringify(PAYMENT_FAILED_MESSAGE)}, {
            transaction_id: new URLSearchParams(location.search).get("_ptxn"),
            error: result.body.error || null
          });
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
