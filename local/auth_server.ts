/**
 * LOCAL DEVELOPMENT ONLY. A stand-in for Supabase Auth (GoTrue), enough for
 * supabase-js to sign the seeded users in and out: password sign-in, refresh,
 * `GET /user`, logout, and the JWKS. It issues ES256 access tokens with Supabase
 * Auth's claim set. It has no sign-up, no email, no rate limits, and sessions
 * live in memory: never expose it beyond loopback or deploy it.
 */
// @ts-types="@types/pg"
import pg from "pg";
import { importJWK, jwtVerify } from "jose";
import { publicSigningJwk, signUserToken, type StackKeys } from "./keys.ts";

export interface AuthServerOptions {
  dbUrl: string;
  keys: StackKeys;
  /** `<SUPABASE_URL>/auth/v1`, the `iss` of every token. */
  issuer: string;
  /** Access token lifetime; Supabase's default is one hour. */
  accessTokenSeconds?: number;
}

export interface AuthServer {
  /** Handles a request whose path has had `/auth/v1` removed. */
  handle(request: Request, path: string): Promise<Response>;
  close(): Promise<void>;
}

interface UserRow {
  id: string;
  email: string;
  email_confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  is_anonymous: boolean;
  created_at: Date;
  updated_at: Date;
}

interface Session {
  id: string;
  userId: string;
  /** The current refresh token; earlier ones are revoked on rotation. */
  refreshToken: string;
}

const USER_COLUMNS = `id, email, email_confirmed_at, last_sign_in_at, raw_app_meta_data,
  raw_user_meta_data, is_anonymous, created_at, updated_at`;

/** GoTrue's error shape for API version 2024-01-01, which supabase-js reads `code` from. */
function authError(status: number, code: string, message: string): Response {
  return Response.json({ code, message, msg: message }, {
    status,
    headers: { "x-supabase-api-version": "2024-01-01" },
  });
}

function userJson(row: UserRow) {
  const confirmed = row.email_confirmed_at?.toISOString() ?? null;
  return {
    id: row.id,
    aud: "authenticated",
    role: "authenticated",
    email: row.email,
    email_confirmed_at: confirmed,
    phone: "",
    confirmed_at: confirmed,
    last_sign_in_at: row.last_sign_in_at?.toISOString() ?? null,
    app_metadata: row.raw_app_meta_data ?? { provider: "email", providers: ["email"] },
    user_metadata: row.raw_user_meta_data ?? {},
    identities: [],
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    is_anonymous: row.is_anonymous,
  };
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("").slice(0, 24);
}

export function createAuthServer(options: AuthServerOptions): AuthServer {
  const pool = new pg.Pool({ connectionString: options.dbUrl, max: 4 });
  const lifetime = options.accessTokenSeconds ?? 3600;
  const sessions = new Map<string, Session>();
  const sessionByRefreshToken = new Map<string, string>();
  const verifyKey = importJWK(publicSigningJwk(options.keys), "ES256");

  async function findUser(id: string): Promise<UserRow | undefined> {
    const { rows } = await pool.query<UserRow>(
      `select ${USER_COLUMNS} from auth.users where id = $1`,
      [id],
    );
    return rows[0];
  }

  async function issueSession(user: UserRow, session: Session): Promise<Response> {
    const iat = Math.floor(Date.now() / 1000);
    const accessToken = await signUserToken(options.keys, {
      iss: options.issuer,
      sub: user.id,
      aud: "authenticated",
      exp: iat + lifetime,
      iat,
      email: user.email,
      phone: "",
      app_metadata: user.raw_app_meta_data ?? { provider: "email", providers: ["email"] },
      user_metadata: user.raw_user_meta_data ?? {},
      role: "authenticated",
      aal: "aal1",
      amr: [{ method: "password", timestamp: iat }],
      session_id: session.id,
      is_anonymous: user.is_anonymous,
    });
    return Response.json({
      access_token: accessToken,
      token_type: "bearer",
      expires_in: lifetime,
      expires_at: iat + lifetime,
      refresh_token: session.refreshToken,
      user: userJson(user),
    });
  }

  function rotate(session: Session): void {
    sessionByRefreshToken.delete(session.refreshToken);
    session.refreshToken = randomToken();
    sessionByRefreshToken.set(session.refreshToken, session.id);
  }

  async function readJson(request: Request): Promise<Record<string, unknown>> {
    try {
      const body = await request.json();
      return body && typeof body === "object" ? body : {};
    } catch {
      return {};
    }
  }

  async function passwordGrant(request: Request): Promise<Response> {
    const body = await readJson(request);
    const email = typeof body.email === "string" ? body.email.trim().toLowerCase() : "";
    const password = typeof body.password === "string" ? body.password : "";
    if (!email || !password) {
      return authError(400, "validation_failed", "missing email or phone");
    }
    const { rows } = await pool.query<UserRow & { password_ok: boolean }>(
      `select ${USER_COLUMNS},
              encrypted_password = extensions.crypt($2, encrypted_password) as password_ok
         from auth.users where lower(email) = $1 and is_anonymous = false`,
      [email, password],
    );
    const user = rows[0];
    if (!user?.password_ok) {
      return authError(400, "invalid_credentials", "Invalid login credentials");
    }
    if (!user.email_confirmed_at) {
      return authError(400, "email_not_confirmed", "Email not confirmed");
    }
    const { rows: [signedIn] } = await pool.query<UserRow>(
      `update auth.users set last_sign_in_at = now() where id = $1 returning ${USER_COLUMNS}`,
      [user.id],
    );
    const session: Session = { id: crypto.randomUUID(), userId: user.id, refreshToken: "" };
    sessions.set(session.id, session);
    rotate(session);
    return await issueSession(signedIn, session);
  }

  async function refreshGrant(request: Request): Promise<Response> {
    const body = await readJson(request);
    const token = typeof body.refresh_token === "string" ? body.refresh_token : "";
    const session = sessions.get(sessionByRefreshToken.get(token) ?? "");
    if (!session) {
      return authError(
        400,
        "refresh_token_not_found",
        "Invalid Refresh Token: Refresh Token Not Found",
      );
    }
    const user = await findUser(session.userId);
    if (!user) return authError(404, "user_not_found", "User from sub claim in JWT does not exist");
    rotate(session);
    return await issueSession(user, session);
  }

  /** The session an access token belongs to, if the token verifies and the session is live. */
  async function sessionOf(request: Request): Promise<Session | Response> {
    const header = request.headers.get("authorization") ?? "";
    const token = header.match(/^Bearer\s+(.+)$/i)?.[1];
    if (!token) {
      return authError(401, "no_authorization", "This endpoint requires a valid Bearer token");
    }
    try {
      const { payload } = await jwtVerify(token, await verifyKey, {
        issuer: options.issuer,
        audience: "authenticated",
        algorithms: ["ES256"],
      });
      const session = sessions.get(String(payload.session_id));
      if (!session || session.userId !== payload.sub) {
        return authError(
          403,
          "session_not_found",
          "Session from session_id claim in JWT does not exist",
        );
      }
      return session;
    } catch {
      return authError(403, "bad_jwt", "invalid JWT: unable to parse or verify signature");
    }
  }

  async function getUser(request: Request): Promise<Response> {
    const session = await sessionOf(request);
    if (session instanceof Response) return session;
    const user = await findUser(session.userId);
    return user
      ? Response.json(userJson(user))
      : authError(404, "user_not_found", "User from sub claim in JWT does not exist");
  }

  async function logout(request: Request, scope: string): Promise<Response> {
    const session = await sessionOf(request);
    if (session instanceof Response) return session;
    for (const other of [...sessions.values()]) {
      const sameUser = other.userId === session.userId;
      const revoke = scope === "local"
        ? other.id === session.id
        : scope === "others"
        ? sameUser && other.id !== session.id
        : sameUser;
      if (revoke) {
        sessions.delete(other.id);
        sessionByRefreshToken.delete(other.refreshToken);
      }
    }
    return new Response(null, { status: 204 });
  }

  return {
    async handle(request, path) {
      const url = new URL(request.url);
      const route = `${request.method} ${path}`;
      try {
        switch (route) {
          case "GET /.well-known/jwks.json":
            return Response.json({ keys: [publicSigningJwk(options.keys)] }, {
              headers: { "cache-control": "public, max-age=600" },
            });
          case "GET /health":
            return Response.json({
              name: "local-auth",
              description: "local stand-in for Supabase Auth",
            });
          case "POST /token": {
            const grant = url.searchParams.get("grant_type");
            if (grant === "password") return await passwordGrant(request);
            if (grant === "refresh_token") return await refreshGrant(request);
            return authError(400, "validation_failed", "unsupported_grant_type");
          }
          case "GET /user":
            return await getUser(request);
          case "POST /logout":
            return await logout(request, url.searchParams.get("scope") ?? "global");
          default:
            return authError(
              404,
              "not_found",
              "Not found (local auth stand-in: sign-in, refresh, user, logout, jwks)",
            );
        }
      } catch (error) {
        console.error("local auth:", error);
        return authError(500, "unexpected_failure", "Unexpected failure in the local auth server");
      }
    },
    async close() {
      await pool.end();
    },
  };
}
