/**
 * Row-level security through the real PostgREST with real tokens: the second
 * wall behind the portal function's own checks.
 */
import { assert, assertEquals } from "@std/assert";
// @ts-types="@types/pg"
import pg from "pg";
import { SignJWT } from "jose";
import { anonClient, demoUser, signedInClient, stackInfo } from "./_stack.ts";
import { userClaims as claimsFor, userToken } from "./_tokens.ts";

async function restAs(token: string, path: string) {
  const { apiUrl, anonKey } = stackInfo();
  const res = await fetch(`${apiUrl}/rest/v1/${path}`, {
    headers: { apikey: anonKey, authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: await res.json() };
}

async function countRows(): Promise<{ customers: number; subscriptions: number }> {
  const client = new pg.Client({ connectionString: stackInfo().dbUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select (select count(*) from public.customers)::int as customers,
              (select count(*) from public.subscriptions)::int as subscriptions`,
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

Deno.test("anon sees no customers and no subscriptions", async () => {
  const client = anonClient();
  for (const table of ["customers", "subscriptions"]) {
    const { data, error } = await client.from(table).select("*");
    // Anon has no grant at all: PostgREST refuses rather than filtering.
    assert(error !== null || (data ?? []).length === 0, `anon read ${table}`);
    assertEquals(data?.length ?? 0, 0);
  }
});

for (
  const email of ["alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"]
) {
  Deno.test(`${email} sees exactly their own customer and subscriptions`, async () => {
    const { client, user } = await signedInClient(email);
    const customers = await client.from("customers").select("customer_id, user_id");
    assertEquals(customers.error, null);
    assertEquals(
      customers.data,
      user.customerId ? [{ customer_id: user.customerId, user_id: user.userId }] : [],
    );
    const subscriptions = await client.from("subscriptions").select("subscription_id")
      .order("created_at", { ascending: false });
    assertEquals(subscriptions.error, null);
    assertEquals(subscriptions.data?.map((s) => s.subscription_id), user.subscriptionIds);
  });
}

Deno.test("every demo user's rows are invisible to every other user", async () => {
  const alice = demoUser("alice@example.com");
  const { client } = await signedInClient("dave@example.com");
  const byId = await client.from("customers").select("*").eq("customer_id", alice.customerId!);
  assertEquals(byId.data, []);
  const subs = await client.from("subscriptions").select("*").in(
    "subscription_id",
    alice.subscriptionIds,
  );
  assertEquals(subs.data, []);
});

Deno.test("signed-in users cannot insert, update or delete billing rows", async () => {
  const before = await countRows();
  const { client, user } = await signedInClient("alice@example.com");
  const attempts = [
    client.from("customers").insert({
      customer_id: "ctm_01jattacker0000000000000000",
      user_id: user.userId,
    }),
    client.from("customers").update({ email: "x@example.com" }).eq("customer_id", user.customerId!),
    client.from("customers").delete().eq("customer_id", user.customerId!),
    client.from("subscriptions").insert({
      subscription_id: "sub_01jattacker0000000000000000",
      customer_id: user.customerId!,
      status: "active",
    }),
    client.from("subscriptions").update({ status: "canceled" }).eq("customer_id", user.customerId!),
    client.from("subscriptions").delete().eq("customer_id", user.customerId!),
  ];
  for (const attempt of attempts) {
    const { error, status } = await attempt;
    assert(error, "write was accepted");
    assertEquals(error!.code, "42501", error!.message); // insufficient_privilege
    assert(status === 401 || status === 403, `status ${status}`);
  }
  assertEquals(await countRows(), before);
  const { data } = await client.from("subscriptions").select("status");
  assert(data?.every((s) => s.status === "active"));
});

Deno.test("PostgREST refuses a token with a bad signature", async () => {
  const alice = demoUser("alice@example.com");
  const { privateKey } = await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    true,
    ["sign", "verify"],
  );
  const forged = await new SignJWT(claimsFor(alice.userId))
    .setProtectedHeader({ alg: "ES256", kid: String(stackInfo().signingKey.kid) })
    .sign(privateKey);
  const res = await restAs(forged, "customers?select=customer_id");
  assertEquals(res.status, 401);
  assertEquals(res.body.code, "PGRST301");
});

Deno.test("PostgREST refuses a token for the wrong audience", async () => {
  const alice = demoUser("alice@example.com");
  const token = await userToken(alice.userId, { aud: "someone-else" });
  const res = await restAs(token, "customers?select=customer_id");
  assertEquals(res.status, 401);
});

Deno.test("PostgREST refuses an expired token", async () => {
  const alice = demoUser("alice@example.com");
  const iat = Math.floor(Date.now() / 1000) - 7200;
  const token = await userToken(alice.userId, { iat, exp: iat + 3600 });
  const res = await restAs(token, "customers?select=customer_id");
  assertEquals(res.status, 401);
  assertEquals(res.body.code, "PGRST301");
});

Deno.test("a control token proves the signing key is what PostgREST trusts", async () => {
  const alice = demoUser("alice@example.com");
  const token = await userToken(alice.userId);
  const res = await restAs(token, "customers?select=customer_id");
  assertEquals(res.status, 200);
  assertEquals(res.body, [{ customer_id: alice.customerId }]);
});

// PostgREST answers 403 when authenticator may not switch to the role and 400
// when the role does not exist; either way no query runs.
for (
  const [role, status, code] of [
    ["postgres", 403, "42501"],
    ["authenticator", 403, "42501"],
    ["pg_read_all_data", 403, "42501"],
    ["no_such_role", 400, "22023"],
  ] as const
) {
  Deno.test(`a validly signed token claiming role "${role}" is refused`, async () => {
    const alice = demoUser("alice@example.com");
    const token = await userToken(alice.userId, { role });
    const res = await restAs(token, "customers?select=customer_id");
    assertEquals(res.status, status);
    assertEquals(res.body.code, code);
  });
}
