/**
 * The reference Server Action, step for step, as an Edge Function handler: an Auth `getUser`
 * round trip, then the customer row, then its subscriptions (both with the service-role client,
 * as the reference's `createServerInternalClient` does), then Paddle: four round trips, one after
 * another. The only adaptation is our schema: the customer is found by `customers.user_id` where
 * the reference matches on email. Clients are built per call, as the reference's helpers do.
 */
import { createClient } from "@supabase/supabase-js";
import { Environment, Paddle } from "@paddle/paddle-node-sdk";

export interface ReferenceEnv {
  supabaseUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  paddleApiKey: string;
  paddleEnvironment: Environment;
}

export function readReferenceEnv(env: Record<string, string | undefined>): ReferenceEnv {
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`reference-portal: ${name} is required`);
    return value;
  };
  return {
    supabaseUrl: need("SUPABASE_URL"),
    anonKey: need("SUPABASE_ANON_KEY"),
    serviceRoleKey: need("SUPABASE_SERVICE_ROLE_KEY"),
    paddleApiKey: need("PADDLE_API_KEY"),
    // As in our function: the simulator's URL stands in for Paddle's base URL when set.
    paddleEnvironment: (env.PADDLE_API_URL ??
      (env.PADDLE_ENV === "production"
        ? Environment.production
        : Environment.sandbox)) as Environment,
  };
}

const NO_SESSION = { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false };

export function createReferenceHandler(env: ReferenceEnv): (req: Request) => Promise<Response> {
  return async (req) => {
    const token = req.headers.get("authorization")?.replace(/^bearer\s+/i, "") ?? "";

    // 1. Authenticate: the reference's `supabase.auth.getUser()`, an Auth server round trip.
    const supabase = createClient(env.supabaseUrl, env.anonKey, {
      auth: NO_SESSION,
      global: { headers: { Authorization: `Bearer ${token}` } },
    });
    const { data: { user } } = await supabase.auth.getUser(token);
    if (!user || !user.email) return Response.json({ error: "Not authenticated" }, { status: 401 });

    // 2. The customer row, with the service-role client.
    const internal = createClient(env.supabaseUrl, env.serviceRoleKey, { auth: NO_SESSION });
    const { data: customerRow } = await internal
      .from("customers")
      .select("customer_id")
      .eq("user_id", user.id)
      .single();
    if (!customerRow?.customer_id) {
      return Response.json({ error: "No Paddle customer" }, { status: 404 });
    }

    // 3. Its subscriptions, a second query.
    const { data: subRows } = await internal
      .from("subscriptions")
      .select("subscription_id")
      .eq("customer_id", customerRow.customer_id);
    const subscriptionIds = (subRows ?? []).map((r) => r.subscription_id as string);

    // 4. Paddle, through a fresh instance as the reference's `getPaddleInstance()` builds.
    const paddle = new Paddle(env.paddleApiKey, { environment: env.paddleEnvironment });
    try {
      const session = await paddle.customerPortalSessions.create(
        customerRow.customer_id,
        subscriptionIds,
      );
      return Response.json({ url: session.urls.general.overview });
    } catch {
      return Response.json({ error: "Paddle failed" }, { status: 502 });
    }
  };
}
