/**
 * `GET /paddle.js`: a stand-in for https://cdn.paddle.com/paddle/v2/paddle.js with the part of
 * its documented surface the payment-link page uses, so the page under test is the page that
 * ships:
 *
 * - `Paddle.Environment.set("sandbox")`;
 * - `Paddle.Initialize({ token, eventCallback, checkout: { settings: { successUrl } } })`, once
 *   per page; a sandbox token starts `test_`, a live one `live_` (the wrong kind is refused, as
 *   Paddle.js refuses it); like Paddle.js, it opens the checkout by itself when the page URL has
 *   `_ptxn` (a payment link);
 * - `Paddle.Checkout.open({ transactionId, settings, customer: { address: { countryCode } } })`
 *   and `Paddle.Checkout.close()`; `settings.allowLogout: false` keeps the buyer on the
 *   transaction's customer (the framed checkout then offers no "use another email");
 * - `Paddle.PricePreview({ items: [{ priceId, quantity }], address?, customerIpAddress?,
 *   currencyCode? })`: the simulator's `POST /pricing-preview` with the client-side token, the
 *   request and the answer in camelCase, as Paddle.js does; it rejects with Paddle's error;
 * - events to `eventCallback`: `checkout.loaded`, `checkout.completed` (then the success URL
 *   opens, when one is set), `checkout.closed`, `checkout.payment.failed`, `checkout.error`.
 *
 * The checkout is an overlay iframe of the simulator's own checkout page (checkout_page.ts),
 * which reports the payment with postMessage; messages from any other origin are ignored.
 */

import { COMPLETED_MESSAGE, ERROR_MESSAGE, PAYMENT_FAILED_MESSAGE } from "./checkout_page.ts";

export function handlePaddleJs(request: Request, baseUrl: string): Response {
  const cors = {
    "access-control-allow-origin": "*",
    "cross-origin-resource-policy": "cross-origin",
  };
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("Method not allowed", { status: 405, headers: { allow: "GET", ...cors } });
  }
  return new Response(request.method === "HEAD" ? null : paddleJsSource(baseUrl), {
    headers: {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      ...cors,
    },
  });
}

export function paddleJsSource(checkoutOrigin: string): string {
  return `/* Paddle.js stand-in served by the local Paddle simulator (local/paddle_simulator/paddle_js.ts). */
(function () {
  "use strict";
  var CHECKOUT_ORIGIN = ${JSON.stringify(checkoutOrigin)};
  var COMPLETED = ${JSON.stringify(COMPLETED_MESSAGE)};
  var PAYMENT_FAILED = ${JSON.stringify(PAYMENT_FAILED_MESSAGE)};
  var CHECKOUT_ERROR = ${JSON.stringify(ERROR_MESSAGE)};
  var TRANSACTION_ID = /^txn_[a-z\\d]{26}$/;
  var state = { environment: "production", initialized: false, token: null,
    eventCallback: null, settings: {} };
  var current = null;

  function emit(name, data) {
    if (typeof state.eventCallback !== "function") return;
    try {
      state.eventCallback({ name: name, data: data });
    } catch (error) {
      console.error("[Paddle] eventCallback threw", error);
    }
  }

  function fail(message) {
    console.error("[Paddle] " + message);
    throw new Error("[Paddle] " + message);
  }

  function close() {
    if (!current) return;
    var closing = current;
    current = null;
    closing.overlay.remove();
    emit("checkout.closed", { transaction_id: closing.transactionId, status: closing.status });
  }

  function open(options) {
    if (!state.initialized) fail("call Paddle.Initialize() before Paddle.Checkout.open()");
    var transactionId = options && options.transactionId;
    if (typeof transactionId !== "string" || !TRANSACTION_ID.test(transactionId)) {
      fail("Checkout.open needs a transactionId like txn_...");
    }
    if (current) close();
    var settings = Object.assign({}, state.settings, (options && options.settings) || {});
    var overlay = document.createElement("div");
    overlay.setAttribute("data-paddle-overlay", "");
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;display:flex;" +
      "align-items:center;justify-content:center;background:rgba(0,0,0,0.55)";
    var frame = document.createElement("iframe");
    frame.title = "Paddle checkout";
    frame.name = "paddle_frame";
    frame.style.cssText = "width:min(36rem,96vw);height:min(32rem,90vh);border:0;" +
      "border-radius:8px;background:#fff";
    var query = new URLSearchParams({ _ptxn: transactionId, parent_origin: location.origin });
    if (settings.allowLogout === false) query.set("allow_logout", "false");
    var address = options && options.customer && options.customer.address;
    if (address && typeof address.countryCode === "string") query.set("country", address.countryCode);
    frame.src = CHECKOUT_ORIGIN + "/checkout?" + query.toString();
    var closeButton = document.createElement("button");
    closeButton.type = "button";
    closeButton.textContent = "Close checkout";
    closeButton.style.cssText = "position:absolute;top:1rem;right:1rem";
    closeButton.addEventListener("click", close);
    overlay.append(frame, closeButton);
    document.body.append(overlay);
    current = { transactionId: transactionId, settings: settings, overlay: overlay,
      frame: frame, status: "ready" };
    frame.addEventListener("load", function () {
      if (current && current.frame === frame && !current.failed) {
        emit("checkout.loaded", { transaction_id: transactionId, status: "ready" });
      }
    }, { once: true });
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== CHECKOUT_ORIGIN || !current) return;
    if (event.source !== current.frame.contentWindow) return;
    var message = event.data;
    if (!message) return;
    if (message.type === CHECKOUT_ERROR) {
      current.failed = true;
      emit("checkout.error", { transaction_id: current.transactionId,
        error: (message.data && message.data.error) || null });
      return;
    }
    if (message.type === PAYMENT_FAILED) {
      emit("checkout.payment.failed", { transaction_id: current.transactionId, status: "ready",
        error: (message.data && message.data.error) || null });
      return;
    }
    if (message.type !== COMPLETED) return;
    var paid = message.data || {};
    if (paid.transaction_id !== current.transactionId) return;
    current.status = "completed";
    emit("checkout.completed", {
      transaction_id: paid.transaction_id,
      status: "completed",
      customer: { id: paid.customer_id },
      subscription_id: paid.subscription_id,
    });
    var successUrl = current.settings.successUrl;
    if (successUrl) {
      location.assign(new URL(successUrl, location.href).href);
    } else {
      close();
    }
  });

  // Paddle.js speaks camelCase and the API snake_case; custom data is the seller's own JSON.
  function convertKeys(value, rename) {
    if (Array.isArray(value)) return value.map(function (v) { return convertKeys(v, rename); });
    if (value === null || typeof value !== "object") return value;
    var out = {};
    Object.keys(value).forEach(function (key) {
      var name = rename(key);
      out[name] = key === "custom_data" || key === "customData" ? value[key]
        : convertKeys(value[key], rename);
    });
    return out;
  }
  function toSnake(key) { return key.replace(/[A-Z]/g, function (c) { return "_" + c.toLowerCase(); }); }
  function toCamel(key) { return key.replace(/_([a-z])/g, function (_, c) { return c.toUpperCase(); }); }

  function pricePreview(request) {
    if (!state.initialized) {
      return Promise.reject(new Error("[Paddle] call Paddle.Initialize() before Paddle.PricePreview()"));
    }
    return fetch(CHECKOUT_ORIGIN + "/pricing-preview", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer " + state.token },
      body: JSON.stringify(convertKeys(request || {}, toSnake)),
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          var error = new Error("[Paddle] " + ((body.error && body.error.detail) || response.status));
          error.error = convertKeys(body.error || {}, toCamel);
          throw error;
        }
        return convertKeys(body, toCamel);
      });
    });
  }

  window.Paddle = {
    Environment: {
      set: function (environment) {
        if (environment !== "sandbox" && environment !== "production") {
          fail("Environment.set takes \\"sandbox\\" or \\"production\\"");
        }
        state.environment = environment;
      },
    },
    Initialize: function (options) {
      if (state.initialized) fail("Paddle.Initialize() may be called once per page");
      var token = options && options.token;
      var prefix = state.environment === "sandbox" ? "test_" : "live_";
      if (typeof token !== "string" || token.indexOf(prefix) !== 0) {
        fail("a " + state.environment + " client-side token starts with " + prefix);
      }
      state.token = token;
      state.eventCallback = options.eventCallback || null;
      state.settings = (options.checkout && options.checkout.settings) || {};
      state.initialized = true;
      window.Paddle.Initialized = true;
      // Paddle.js opens the checkout for a payment link by itself.
      var ptxn = new URLSearchParams(location.search).get("_ptxn");
      if (ptxn) open({ transactionId: ptxn });
    },
    Initialized: false,
    Checkout: { open: open, close: close },
    PricePreview: pricePreview,
  };
})();
`;
}
