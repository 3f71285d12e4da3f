/**
 * A local stand-in for the Paddle Billing API, for development and tests without network
 * access or a sandbox account. One port serves the API (`POST /customers/{id}/portal-sessions`,
 * `POST /customers`, `POST /transactions`, `GET /transactions/{id}`,
 * `PATCH /subscriptions/{id}` and its `/preview` (subscription_updates.ts),
 * `GET /products|prices|customers|subscriptions|transactions[/{id}]`,
 * `GET /transactions/{id}/invoice` over the account in an EntityStore, `GET /events`: every event
 * emitted, events_api.ts), `POST /pricing-preview` (pricing_preview.ts), the one-time portal
 * pages its links point to, the invoice PDFs (`/invoices/<token>.pdf`), the checkout page
 * (`/checkout?_ptxn=`), the Paddle.js stand-in (`/paddle.js`), and the `/__` test-control API.
 * Events (a customer created, a checkout paid) are delivered as signed webhooks to `webhook.url`.
 *
 * Only API requests are recorded, counted, rate-limited, slowed and faulted: portal visits,
 * checkouts, Paddle.js's pricing previews (client-side token) and control calls are the buyer's
 * or the test's own traffic, and faulting them would make tests fail for the wrong reason.
 */

import { handleApiRequest } from "./api.ts";
import { handleCheckoutRequest, isCheckoutPath } from "./checkout_page.ts";
import { updatePaymentMethod } from "./dunning.ts";
import { addCustomer, handleControlRequest, isControlPath } from "./control.ts";
import { type EntityBatch, parseEntityBatch } from "./entities.ts";
import { EventLog } from "./events_api.ts";
import { paddleError } from "./errors.ts";
import { FaultQueue, faultResponse, withFaultHeaders } from "./faults.ts";
import { CUSTOMER_ID } from "./ids.ts";
import { PortalLinks } from "./portal_links.ts";
import { handlePortalPage, isPortalPath } from "./portal_page.ts";
import { handleInvoicePdf, InvoiceLinks, isInvoicePdfPath } from "./transaction_invoices.ts";
import { handlePaddleJs } from "./paddle_js.ts";
import { type LatencyRange, waitLatency } from "./latency.ts";
import {
  type AccountTaxMode,
  handlePricingPreview,
  PRICING_PREVIEW_PATH,
} from "./pricing_preview.ts";
import { RateLimits } from "./rate_limits.ts";
import { RequestRecorder } from "./recorder.ts";
import { type EntityCounts, EntityStore } from "./store.ts";
import { sleep, untilAborted } from "./waits.ts";
import { type DeliveryRecord, WebhookDeliveries, type WebhookTarget } from "./webhook_delivery.ts";

export type { RecordedRequest } from "./recorder.ts";
export type { FaultSpec } from "./faults.ts";
export type { EntityBatch } from "./entities.ts";
export type { EntityCounts } from "./store.ts";
export type { DeliveryRecord, WebhookTarget } from "./webhook_delivery.ts";
export type { LatencyRange } from "./latency.ts";

export interface PaddleSimulatorOptions {
  /** Default "127.0.0.1". */
  hostname?: string;
  /** 0 or undefined picks a free port. */
  port?: number;
  /** The only API key the simulator accepts; any other gets 403 `invalid_token`. */
  apiKey: string;
  /** The account to start with (e.g. built from the seeded database), as Paddle's API JSON. */
  entities?: EntityBatch;
  /** Customers known only by id, each stored with a stand-in email. */
  customerIds?: Iterable<string>;
  /** Where to deliver signed notifications; without it events are only listed in `/__webhooks`. */
  webhook?: WebhookTarget;
  /** Waits before each webhook retry (default DEFAULT_RETRY_DELAYS_MS). */
  webhookRetryDelaysMs?: readonly number[];
  /**
   * Paddle's rate limits (rate_limits.ts), per API key and client address. Default on, as
   * Paddle; off for callers that need bursts Paddle would refuse (the test suite).
   */
  rateLimit?: boolean;
  /** Time each API answer takes (latency.ts); default none. */
  latencyMs?: LatencyRange;
  /** Where a standalone checkout page sends the buyer after paying (the app). */
  checkoutReturnUrl?: string;
  /** The client-side token Paddle.js sends to `POST /pricing-preview` (besides the API key). */
  clientToken?: string;
  /** IP address → country code for pricing previews (a local run can play a German visitor). */
  ipCountries?: Readonly<Record<string, string>>;
  /** What a price's `tax_mode: account_setting` means here (default `location`). */
  accountTaxMode?: AccountTaxMode;
  /** The simulator prints nothing; callers decide what to print. */
  onListen?: never;
}

export interface PaddleSimulator {
  /** API base, control API and portal pages, e.g. "http://127.0.0.1:54329". */
  url: string;
  /** Stores a customer known only by id (stand-in email); throws on a malformed id. */
  addCustomer(customerId: string): void;
  /** Validates and upserts entities as `POST /__entities` does; throws with the problems. */
  loadEntities(batch: EntityBatch): EntityCounts;
  /** Every event so far and how its delivery went (what `GET /__webhooks` lists). */
  webhookDeliveries(): DeliveryRecord[];
  /** Resolves once no released delivery is waiting or being retried. */
  webhooksIdle(): Promise<void>;
  /** API requests received since start (not reset by `DELETE /__requests`). */
  apiRequestCount(): number;
  /** API requests answered 429 by the rate limit since start (faults not included). */
  rateLimitedCount(): number;
  /** Closes the listener, ends hung and delayed requests, resolves once fully closed. */
  stop(): Promise<void>;
}

export function startPaddleSimulator(options: PaddleSimulatorOptions): Promise<PaddleSimulator> {
  try {
    return Promise.resolve(start(options));
  } catch (error) {
    return Promise.reject(error);
  }
}

function start(options: PaddleSimulatorOptions): PaddleSimulator {
  if (typeof options.apiKey !== "string" || options.apiKey === "") {
    throw new TypeError("startPaddleSimulator: apiKey is required");
  }
  const hostname = options.hostname ?? "127.0.0.1";
  const store = new EntityStore();
  const load = (batch: EntityBatch): EntityCounts => {
    const parsed = parseEntityBatch(batch);
    if (!parsed.success) throw new TypeError(`not Paddle entities:\n${parsed.error}`);
    return store.load(parsed.data);
  };
  const add = (customerId: string) => {
    if (typeof customerId !== "string" || !CUSTOMER_ID.test(customerId)) {
      throw new TypeError(`not a Paddle customer id (^ctm_[a-z\\d]{26}$): ${customerId}`);
    }
    addCustomer(store, customerId);
  };
  if (options.entities) load(options.entities);
  for (const customerId of options.customerIds ?? []) add(customerId);
  const recorder = new RequestRecorder();
  const faults = new FaultQueue();
  const links = new PortalLinks();
  const limits = options.rateLimit === false ? undefined : new RateLimits();
  const invoices = new InvoiceLinks();
  const stopping = new AbortController();
  let baseUrl = "";
  // Retention is measured on the account's clock, so moving it forward ages events as Paddle would.
  const events = new EventLog({ now: () => store.clock.nowMs() });
  const webhooks = new WebhookDeliveries({
    target: options.webhook,
    retryDelaysMs: options.webhookRetryDelaysMs,
    onEvent: (event) => events.append(event),
    now: () => store.clock.nowMs(),
  });
  const notify = (eventType: string, data: unknown) => void webhooks.emit(eventType, data);

  const handle = async (request: Request, clientAddress: string): Promise<Response> => {
    const url = new URL(request.url);
    if (isPortalPath(url.pathname)) {
      return handlePortalPage(request, url, links, (customerId, subscriptionId) => {
        const recovered = updatePaymentMethod(store, customerId, subscriptionId);
        for (const event of recovered?.events ?? []) notify(event.type, event.data);
        return recovered !== null;
      });
    }
    if (url.pathname === "/paddle.js") return handlePaddleJs(request, baseUrl);
    if (isInvoicePdfPath(url.pathname)) return handleInvoicePdf(request, url, { store, invoices });
    if (isCheckoutPath(url.pathname)) {
      return handleCheckoutRequest(request, url, {
        store,
        notify,
        returnUrl: options.checkoutReturnUrl,
        ipCountries: options.ipCountries,
        remoteIp: clientAddress,
        accountTaxMode: options.accountTaxMode,
      });
    }

    const bodyText = await readBody(request);
    if (isControlPath(url.pathname)) {
      return handleControlRequest(request, url, bodyText, { recorder, faults, store, webhooks });
    }

    // Paddle.js's pricing previews (the client-side token, from the buyer's browser, and their
    // preflights) are the buyer's own traffic, like checkouts: not recorded, never faulted.
    if (
      url.pathname === PRICING_PREVIEW_PATH &&
      request.headers.get("authorization")?.trim().slice(7) !== options.apiKey
    ) {
      return handlePricingPreview(request, bodyText, {
        store,
        apiKey: options.apiKey,
        clientToken: options.clientToken,
        ipCountries: options.ipCountries,
        remoteIp: clientAddress,
        accountTaxMode: options.accountTaxMode,
      });
    }

    // Recorded before any fault applies, so hung and faulted requests show up in the log.
    recorder.record(request, url, bodyText);
    // Paddle counts a request when it arrives; its answer, a 429 included, takes the latency.
    const limited = limits?.take(request, url, clientAddress);
    await waitLatency(options.latencyMs, stopping.signal);
    if (limited) return limited;
    const fault = faults.take();
    if (fault?.hang || fault?.delayMs) {
      await (fault.hang
        ? untilAborted(stopping.signal)
        : sleep(fault.delayMs ?? 0, stopping.signal));
      // A stopping simulator tells a client that is still waiting why it gave up.
      if (stopping.signal.aborted) return paddleError("service_unavailable");
    }
    if (fault?.status !== undefined) return faultResponse({ ...fault, status: fault.status });
    const response = handleApiRequest(request, url, bodyText, {
      apiKey: options.apiKey,
      store,
      links,
      invoices,
      baseUrl,
      checkoutPageUrl: `${baseUrl}/checkout`,
      notify,
      events,
      clientToken: options.clientToken,
      ipCountries: options.ipCountries,
      remoteIp: clientAddress,
      accountTaxMode: options.accountTaxMode,
    });
    return fault?.headers ? withFaultHeaders(response, fault.headers) : response;
  };

  const server = Deno.serve({
    hostname,
    port: options.port ?? 0,
    onListen: () => {},
    // Never let one bad request crash the simulator or print a stack trace into test output.
    onError: () => paddleError("internal_error"),
  }, async (request, info) => {
    try {
      return await handle(request, info.remoteAddr.hostname);
    } catch {
      return paddleError("internal_error");
    }
  });

  baseUrl = `http://${urlHost(hostname)}:${server.addr.port}`;
  let stopped: Promise<void> | undefined;

  return {
    url: baseUrl,
    addCustomer: add,
    loadEntities: load,
    webhookDeliveries: () => webhooks.list(),
    webhooksIdle: () => webhooks.idle(),
    apiRequestCount: () => recorder.total,
    rateLimitedCount: () => limits?.rejected ?? 0,
    stop: () => {
      stopped ??= (async () => {
        stopping.abort();
        await webhooks.stop();
        await server.shutdown();
      })();
      return stopped;
    },
  };
}

async function readBody(request: Request): Promise<string> {
  try {
    return await request.text();
  } catch {
    // A client that disconnects mid-body leaves nothing useful to read.
    return "";
  }
}

/** The address clients should use: wildcard binds are reached through loopback. */
function urlHost(hostname: string): string {
  if (hostname === "0.0.0.0") return "127.0.0.1";
  if (hostname === "::") return "[::1]";
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}
