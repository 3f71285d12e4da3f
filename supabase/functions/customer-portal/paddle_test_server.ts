/**
 * A tiny stand-in for Paddle's API on 127.0.0.1, for driving the real SDK through the failures
 * the real API (or a proxy in front of it) produces. Test-only.
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
  | { slowMs: number };

export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | null;
  transactionId: string | null;
  body: unknown;
}

export function startFakePaddle(script: Behaviour[], fallback: Behaviour = "ok") {
  const seen: SeenRequest[] = [];
  const releases = new Set<() => void>();
  let sessions = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const body = await req.json().catch(() => null);
    seen.push({
      method: req.method,
      path,
      authorization: req.headers.get("authorization"),
      transactionId: req.headers.get("x-transaction-id"),
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
      return session(customerId, body, ++sessions, meta);
    }
    switch (behaviour) {
      case "ok":
        return session(customerId, body, ++sessions, meta);
      case "ok_other_customer":
        return session("ctm_01zzzzzzzzzzzzzzzzzzzzzzzz", body, ++sessions, meta);
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
): Response {
  return Response.json({
    error: {
      type,
      code,
      detail: `simulated ${code}`,
      documentation_url: `https://developer.paddle.com/errors/shared/${code}`,
    },
    meta,
  }, { status, headers });
}
