/** The local auth stand-in, through supabase-js as the page and tests use it. */
import { assert, assertEquals } from "@std/assert";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { anonClient, demoUser, signedInClient, stackInfo } from "./_stack.ts";

Deno.test("password sign-in issues an ES256 token with Supabase Auth's claims", async () => {
  const { accessToken, user } = await signedInClient("alice@example.com");
  const header = decodeProtectedHeader(accessToken);
  assertEquals(header.alg, "ES256");
  assertEquals(header.kid, stackInfo().signingKey.kid);
  const claims = decodeJwt(accessToken);
  assertEquals(claims.iss, stackInfo().jwtIssuer);
  assertEquals(claims.sub, user.userId);
  assertEquals(claims.aud, "authenticated");
  assertEquals(claims.role, "authenticated");
  assertEquals(claims.aal, "aal1");
  assertEquals(claims.email, "alice@example.com");
  assertEquals(claims.is_anonymous, false);
  assert(typeof claims.session_id === "string" && claims.session_id.length === 36);
  assert(typeof claims.iat === "number" && typeof claims.exp === "number");
  assertEquals(claims.exp! - claims.iat!, 3600);
});

Deno.test("the JWKS publishes only the public signing key", async () => {
  const res = await fetch(`${stackInfo().apiUrl}/auth/v1/.well-known/jwks.json`);
  assertEquals(res.status, 200);
  const { keys } = await res.json();
  assertEquals(keys.length, 1);
  assertEquals(keys[0].kty, "EC");
  assertEquals(keys[0].kid, stackInfo().signingKey.kid);
  assertEquals(keys[0].d, undefined);
});

Deno.test("a wrong password is refused with invalid_credentials", async () => {
  const { data, error } = await anonClient().auth.signInWithPassword({
    email: "alice@example.com",
    password: "not-the-password",
  });
  assertEquals(data.session, null);
  assertEquals(error?.status, 400);
  assertEquals(error?.code, "invalid_credentials");
  assertEquals(error?.message, "Invalid login credentials");
});

Deno.test("an unknown email is refused exactly like a wrong password", async () => {
  const { error } = await anonClient().auth.signInWithPassword({
    email: "nobody@example.com",
    password: "demo-password",
  });
  assertEquals(error?.code, "invalid_credentials");
});

Deno.test("a user whose email is not confirmed cannot sign in", async () => {
  const { error } = await anonClient().auth.signInWithPassword({
    email: "erin@example.com",
    password: demoUser("erin@example.com").password,
  });
  assertEquals(error?.code, "email_not_confirmed");
});

Deno.test("email sign-in ignores case, as Supabase Auth does", async () => {
  const { data, error } = await anonClient().auth.signInWithPassword({
    email: "Alice@Example.com",
    password: demoUser("alice@example.com").password,
  });
  assertEquals(error, null);
  assertEquals(data.user?.id, demoUser("alice@example.com").userId);
});

Deno.test("refresh rotates the refresh token and the old one stops working", async () => {
  const { client } = await signedInClient("bob@example.com");
  const first = (await client.auth.getSession()).data.session!;
  const { data, error } = await client.auth.refreshSession();
  assertEquals(error, null);
  assert(data.session && data.session.refresh_token !== first.refresh_token);
  assertEquals(
    decodeJwt(data.session!.access_token).session_id,
    decodeJwt(first.access_token).session_id,
  );
  const reuse = await anonClient().auth.refreshSession({ refresh_token: first.refresh_token });
  assertEquals(reuse.error?.code, "refresh_token_not_found");
});

Deno.test("getUser answers for a live session and not after sign-out", async () => {
  const { client, accessToken, user } = await signedInClient("dave@example.com");
  const live = await client.auth.getUser();
  assertEquals(live.data.user?.id, user.userId);
  assertEquals(live.data.user?.email, "dave@example.com");
  const refreshToken = (await client.auth.getSession()).data.session!.refresh_token;
  assertEquals((await client.auth.signOut()).error, null);
  const after = await anonClient().auth.getUser(accessToken);
  assertEquals(after.data.user, null);
  // supabase-js turns GoTrue's 403 session_not_found into "session missing".
  assertEquals(after.error?.name, "AuthSessionMissingError");
  const raw = await fetch(`${stackInfo().apiUrl}/auth/v1/user`, {
    headers: { apikey: stackInfo().anonKey, authorization: `Bearer ${accessToken}` },
  });
  assertEquals(raw.status, 403);
  assertEquals((await raw.json()).code, "session_not_found");
  const refresh = await anonClient().auth.refreshSession({ refresh_token: refreshToken });
  assertEquals(refresh.error?.code, "refresh_token_not_found");
});
