/** Access to the stack `deno task test` started for this run (see local/run_tests.ts). */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { StackInfo } from "../local/stack.ts";
import type { DemoUser } from "../local/database.ts";

let cached: StackInfo | undefined;

export function stackInfo(): StackInfo {
  if (cached) return cached;
  const file = Deno.env.get("LOCAL_STACK_FILE");
  if (!file) {
    throw new Error("no LOCAL_STACK_FILE: run integration tests through `deno task test`");
  }
  cached = JSON.parse(Deno.readTextFileSync(file)) as StackInfo;
  return cached;
}

export function demoUser(email: string): DemoUser {
  const user = stackInfo().demoUsers.find((u) => u.email === email);
  if (!user) throw new Error(`no demo user ${email}`);
  return user;
}

/** A browser-like client: anon key, no persisted session. */
export function anonClient(): SupabaseClient {
  const { apiUrl, anonKey } = stackInfo();
  return createClient(apiUrl, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
}

/** A client signed in as `email` through the auth stand-in, and its access token. */
export async function signedInClient(
  email: string,
): Promise<{ client: SupabaseClient; accessToken: string; user: DemoUser }> {
  const user = demoUser(email);
  const client = anonClient();
  const { data, error } = await client.auth.signInWithPassword({
    email,
    password: user.password,
  });
  if (error || !data.session) throw new Error(`sign-in failed for ${email}: ${error?.message}`);
  return { client, accessToken: data.session.access_token, user };
}

/** Calls the stack's control API (PostgREST stop/start, counters, function logs). */
export async function control(method: string, path: string): Promise<unknown> {
  const res = await fetch(stackInfo().controlUrl + path, { method });
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status}`);
  return res.status === 204 ? null : await res.json();
}

/** A function's answer, as `callFunction` reads it. */
export interface FunctionAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { error?: { code: string; message: string }; url?: string };
}

/**
 * POSTs to `/functions/v1/<name>` as supabase-js does from a browser page (anon key, the
 * user's token, an Origin); a string body is sent as it is, anything else as JSON.
 */
export async function callFunction(
  name: string,
  token: string,
  body: unknown = {},
): Promise<FunctionAnswer> {
  const res = await fetch(`${stackInfo().apiUrl}/functions/v1/${name}`, {
    method: "POST",
    headers: {
      apikey: stackInfo().anonKey,
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      origin: "http://app.example.test",
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}
