/**
 * Bench-only: "the limit of this design". The very HTTP requests our customer-portal function
 * sends (the same lookup RPC under the caller's token, the same Paddle call), and nothing
 * else: no token verification (PostgREST still verifies it and RLS applies), no body or response validation, no deadline, retry, CORS or logging,
 * and plain `fetch` instead of supabase-js and the Paddle SDK. Whatever ours costs beyond this
 * is the price of its checks and libraries. Never deploy it: it trusts whatever token it gets.
 */

const env = Deno.env.toObject();
const SUPABASE_URL = env.SUPABASE_URL;
const ANON_KEY = env.SUPABASE_ANON_KEY;
const PADDLE_API_URL = env.PADDLE_API_URL;
const PADDLE_AUTH = `bearer ${env.PADDLE_API_KEY}`;
const MINT_LIMIT = Number(env.MINT_RATE_LIMIT_PER_MINUTE ?? "10");

Deno.serve(async (req) => {
  const token = (req.headers.get("authorization") ?? "").slice("Bearer ".length);
  // The same RPC as ours, under the caller's token: lookup and mint slot in one round trip.
  const db = await fetch(`${SUPABASE_URL}/rest/v1/rpc/customer_portal_lookup`, {
    method: "POST",
    headers: {
      apikey: ANON_KEY,
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      "content-profile": "public",
    },
    body: JSON.stringify({ p_subscription_id: null, p_mint_limit: MINT_LIMIT }),
  });
  const found = await db.json() as {
    customer: { customer_id: string; subscription_ids: string[] } | null;
    mint: { taken: boolean } | null;
  };
  const customer = found.customer;
  if (!customer) return Response.json({ error: "no customer" }, { status: 404 });
  if (!found.mint?.taken) return Response.json({ error: "too many" }, { status: 429 });
  const paddle = await fetch(
    `${PADDLE_API_URL}/customers/${customer.customer_id}/portal-sessions`,
    {
      method: "POST",
      headers: {
        authorization: PADDLE_AUTH,
        "content-type": "application/json",
        "x-transaction-id": crypto.randomUUID(),
      },
      body: JSON.stringify({ subscription_ids: customer.subscription_ids }),
    },
  );
  const session = await paddle.json();
  return Response.json({ url: session.data.urls.general.overview });
});
