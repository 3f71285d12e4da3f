/** The demo users who have a Paddle customer, signed in once through the auth stand-in. */
import { createClient } from "@supabase/supabase-js";
import type { Caller } from "./load.ts";
import type { BenchStack } from "./stack.ts";

export async function signIn(stack: BenchStack): Promise<Caller[]> {
  const callers: Caller[] = [];
  for (const user of stack.info.demoUsers.filter((u) => u.customerId !== null)) {
    const client = createClient(stack.info.apiUrl, stack.info.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });
    const { data, error } = await client.auth.signInWithPassword({
      email: user.email,
      password: user.password,
    });
    if (error || !data.session) throw new Error(`sign-in failed for ${user.email}`);
    callers.push({
      email: user.email,
      token: data.session.access_token,
      customerId: user.customerId!,
    });
  }
  if (callers.length < 3) {
    throw new Error(`expected 3 demo users with customers, ${callers.length}`);
  }
  return callers;
}
