/**
 * A tiny stand-in for Paddle's API on 127.0.0.1, for driving the real SDK through the failures
 * the real API (or a proxy in front of it) produces. Test-only. "ok" answers what the path asks
 * for: a portal session, a customer created or listed by email, a customer's addresses listed or
 * created, a transaction.
 */
export type Behaviour =
  | "ok"
  | "ok_other_customer"
  | "ok_wrong_shape"
  | "500"
  | "502_html"
  | "429"
  | "403"
  | "404"
  | "400"
  /** `POST /customers` for an email Paddle already holds. */
  | "409_customer_exists"
  /** `PATCH /transactions/{id}` canceling one that is no longer draft, ready or billed. */
  | "400_status_change"
  | { slowMs: number };

export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | null;
  transactionId: string | null;
  query: string;
  body: unknown;
}

export interface FakeCustomer {
  id: string;
  email: string;
}

export interface FakeAddress {
  id: string;
  customerId: string;
  countryCode: string;
  status: "active" | "archived";
}

export function startFakePaddle(
  script: Behaviour[],
  fallback: Behaviour = "ok",
  /** Customers the account already holds (listed by `GET /customers?email=`). */
  customers: FakeCustomer[] = [],
  /** Transactions the account holds, by id: their status (`GET`/`PATCH /transactions/{id}`). */
  transactionStatus: Map<string, string> = new Map(),
  /** The customer those transactions belong to. */
  owner: string | null = null,
  /** Addresses the account holds (`GET`/`POST /customers/{id}/addresses`). */
  addresses: FakeAddress[] = [],
) {
  const seen: SeenRequest[] = [];
  const held = [...customers];
  const heldAddresses = [...addresses];
  const releases = new Set<() => void>();
  let sessions = 0;
  let created = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const requestUrl = new URL(req.url);
    const path = requestUrl.pathname;
    const body = await req.json().catch(() => null);
    seen.push({
      method: req.method,
      path,
      authorization: req.headers.get("authorization"),
      transactionId: req.headers.get("x-transaction-id"),
      query: requestUrl.search,
      body,
    });
    const behaviour = script.shift() ?? fallback;
    const meta = { request_id: crypto.randomUUID() };
    const customerId = path.split("/")[2];
    if (typeof behaviour === "object") {
      // Held until the delay passes or the test releases it, so no request outlives a test.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, behaviour.slowMs);
        function done() {
          clearTimeout(timer);
          releases.delete(done);
          resolve();
        }
        releases.add(done);
      });
      return ok(customerId);
    }
    switch (behaviour) {
      case "ok":
        return ok(customerId);
      case "ok_other_customer":
        return ok(OTHER_CUSTOMER);
      case "ok_wrong_shape":
        return Response.json({
          data: { id: "cpls_x", customer_id: customerId, urls: { general: {} } },
          meta,
        }, {
          status: 201,
        });
      case "500":
        return apiError(500, "api_error", "internal_error", meta);
      case "502_html":
        return new Response("<html><body><h1>502 Bad Gateway</h1></body></html>", {
          status: 502,
          headers: { "content-type": "text/html" },
        });
      case "429":
        return apiError(429, "request_error", "too_many_requests", meta, { "Retry-After": "17" });
      case "403":
        return apiError(403, "request_error", "invalid_token", meta);
      case "404":
        return apiError(404, "request_error", "not_found", meta);
      case "400":
        return apiError(400, "request_error", "invalid_field", meta);
      case "400_status_change":
        return apiError(400, "request_error", "transaction_invalid_status_change", meta);
      case "409_customer_exists": {
        const email = String((body as { email?: unknown } | null)?.email ?? "").toLowerCase();
        const id = held.find((c) => c.email.toLowerCase() === email)?.id ?? OTHER_CUSTOMER;
        return apiError(409, "request_error", "customer_already_exists", meta, {}, id);
      }
    }

    function ok(portalCustomerId: string): Response {
      if (/^\/customers\/[^/]+\/addresses$/.test(path)) {
        const owner = portalCustomerId === OTHER_CUSTOMER ? OTHER_CUSTOMER : customerId;
        if (req.method === "POST") {
          const country = String((body as { country_code?: unknown } | null)?.country_code ?? "");
          const address: FakeAddress = {
            id: fakeId("add", ++created),
            customerId: owner,
            countryCode: country,
            status: "active",
          };
          heldAddresses.push(address);
          return Response.json({ data: addressJson(address), meta }, { status: 201 });
        }
        const statuses = requestUrl.searchParams.get("status")?.split(",");
        const data = heldAddresses.filter((a) =>
          a.customerId === customerId && (!statuses || statuses.includes(a.status))
        ).map((a) => addressJson({ ...a, customerId: owner }));
        return Response.json({
          data,
          meta: {
            ...meta,
            pagination: {
              per_page: 200,
              next: null,
              has_more: false,
              estimated_total: data.length,
            },
          },
        });
      }
      if (req.method === "POST" && path === "/customers") {
        const email = String((body as { email?: unknown } | null)?.email ?? "");
        const customer = { id: fakeId("ctm", ++created), email };
        held.push(customer);
        return Response.json({ data: customerJson(customer), meta }, { status: 201 });
      }
      if (req.method === "GET" && path === "/customers") {
        const emails = (requestUrl.searchParams.get("email") ?? "").toLowerCase().split(",");
        const data = held.filter((c) => emails.includes(c.email.toLowerCase())).map(customerJson);
        return Response.json({
          data,
          meta: {
            ...meta,
            pagination: { per_page: 50, next: null, has_more: false, estimated_total: data.length },
          },
        });
      }
      if (req.method === "POST" && path === "/transactions") {
        const b = body as Record<string, unknown>;
        const txn = fakeId("txn", ++created);
        const forCustomer = portalCustomerId === OTHER_CUSTOMER ? OTHER_CUSTOMER : b.customer_id;
        const base = (b.checkout as { url?: string } | undefined)?.url ??
          "https://pay.example.test/";
        return Response.json({
          data: {
            id: txn,
            status: "ready",
            customer_id: forCustomer,
            items: b.items,
            // The SDK maps these unconditionally: a transaction without them throws a TypeError.
            payments: [],
            details: null,
            created_at: "2026-01-01T00:00:00.000000Z",
            updated_at: "2026-01-01T00:00:00.000000Z",
            custom_data: b.custom_data ?? null,
            collection_mode: b.collection_mode ?? "automatic",
            currency_code: "USD",
            checkout: { url: `${base}?_ptxn=${txn}` },
          },
          meta,
        }, { status: 201 });
      }
      const transactionPath = /^\/transactions\/(txn_[a-z\d]+)$/.exec(path);
      if (transactionPath && (req.method === "PATCH" || req.method === "GET")) {
        // The transaction as `transactionStatus` says it is now (canceled by a PATCH).
        const id = transactionPath[1];
        if (req.method === "PATCH") transactionStatus.set(id, "canceled");
        return Response.json({
          data: {
            ...transactionJson(id, portalCustomerId === OTHER_CUSTOMER ? OTHER_CUSTOMER : owner),
            status: transactionStatus.get(id) ?? "ready",
          },
          meta,
        });
      }
      return session(portalCustomerId, body, ++sessions, meta);
    }
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    async close() {
      for (const release of [...releases]) release();
      await server.shutdown();
    },
  };
}

export const OTHER_CUSTOMER = "ctm_01zzzzzzzzzzzzzzzzzzzzzzzz";

/** Just what the SDK maps unconditionally, and what checkout reads. */
function transactionJson(id: string, customerId: string | null) {
  return {
    id,
    status: "ready",
    customer_id: customerId,
    items: [],
    payments: [],
    details: null,
    created_at: "2026-01-01T00:00:00.000000Z",
    updated_at: "2026-01-01T00:00:00.000000Z",
    custom_data: null,
    collection_mode: "automatic",
    currency_code: "USD",
    checkout: { url: `https://pay.example.test/?_ptxn=${id}` },
  };
}

function fakeId(prefix: string, n: number): string {
  return `${prefix}_01fake${String(n).padStart(20, "0")}`;
}

function customerJson(c: FakeCustomer) {
  return {
    id: c.id,
    email: c.email,
    name: null,
    status: "active",
    custom_data: null,
    locale: "en",
    marketing_consent: false,
    created_at: "2026-01-01T00:00:00.000000Z",
    updated_at: "2026-01-01T00:00:00.000000Z",
    import_meta: null,
  };
}

function session(customerId: string, body: unknown, n: number, meta: unknown): Response {
  const ids = (body as { subscription_ids?: string[] } | null)?.subscription_ids ?? [];
  const base = `https://customer-portal.paddle.com/cpl_01hv${n}`;
  const token = `pga_${crypto.randomUUID()}`;
  return Response.json({
    data: {
      id: `cpls_${String(n).padStart(26, "0")}`,
      customer_id: customerId,
      urls: {
        general: { overview: `${base}?action=overview&token=${token}` },
        subscriptions: ids.map((id) => ({
          id,
          cancel_subscription:
            `${base}?action=cancel_subscription&subscription_id=${id}&token=${token}`,
          update_subscription_payment_method:
            `${base}?action=update_subscription_payment_method&subscription_id=${id}&token=${token}`,
        })),
      },
      created_at: new Date().toISOString(),
    },
    meta,
  }, { status: 201 });
}

function apiError(
  status: number,
  type: string,
  code: string,
  meta: unknown,
  headers: Record<string, string> = {},
  conflictingId?: string,
): Response {
  return Response.json({
    error: {
      type,
      code,
      detail: conflictingId
        ? `customer email conflicts with customer of id ${conflictingId}`
        : `simulated ${code}`,
      documentation_url: `https://developer.paddle.com/errors/shared/${code}`,
    },
    meta,
  }, { status, headers });
}

function addressJson(a: FakeAddress) {
  return {
    id: a.id,
    customer_id: a.customerId,
    description: null,
    first_line: null,
    second_line: null,
    city: null,
    postal_code: null,
    region: null,
    country_code: a.countryCode,
    custom_data: null,
    status: a.status,
    created_at: "2026-01-01T00:00:00.000000Z",
    updated_at: "2026-01-01T00:00:00.000000Z",
    import_meta: null,
  };
}
