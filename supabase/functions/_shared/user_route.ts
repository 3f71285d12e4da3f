/**
 * The preamble every browser-called function that acts for a signed-in user runs before its own
 * logic (customer-portal, checkout), in this order: CORS preflight, method, a configuration that
 * failed at start, the declared body size, then the bearer token verified. Only then does the
 * function's route see the request, with the verified caller. Around it, `framed` adds CORS, the
 * request id and the one log line; a preflight's answer starts warming the request path.
 */
import { declaredTooLarge } from "./bounded_body.ts";
import {
  bearerToken,
  framed,
  type FrameDeps,
  type LogDetail,
  type Outcome,
  refuse,
} from "./request_frame.ts";
import type { VerifyToken } from "./verify_user_token.ts";

export interface UserRouteDeps extends FrameDeps {
  /** Set when configuration failed at start; every request is then answered `misconfigured`. */
  startupError?: string;
  verifyToken: VerifyToken;
  /**
   * Starts loading what a POST needs, in the background. Called once a preflight's answer is
   * ready (so the load overlaps the browser's round trip) and when a POST arrives.
   */
  warm?: () => void;
}

export interface Caller {
  /** The verified access token, for calls made as the caller (PostgREST under RLS). */
  token: string;
  userId: string;
}

export type UserRoute<D> = (
  request: Request,
  deps: D,
  caller: Caller,
  detail: LogDetail,
) => Promise<Outcome>;

export async function handleUserRequest<D extends UserRouteDeps>(
  functionName: string,
  maxBodyBytes: number,
  request: Request,
  deps: D,
  route: UserRoute<D>,
): Promise<Response> {
  const response = await framed(functionName, request, deps, async (detail) => {
    if (request.method === "OPTIONS") {
      return { response: new Response(null, { status: 204 }), outcome: "preflight" };
    }
    if (request.method !== "POST") return refuse("method_not_allowed", { Allow: "POST, OPTIONS" });
    if (deps.startupError !== undefined) return refuse("misconfigured");
    deps.warm?.();
    if (declaredTooLarge(request, maxBodyBytes)) return refuse("payload_too_large");

    const token = bearerToken(request.headers.get("authorization"));
    if (token === null) {
      detail.auth_failure = "missing_token";
      return refuse("not_authenticated");
    }
    const verified = await deps.verifyToken(token);
    if (!verified.ok) {
      detail.auth_failure = verified.reason;
      return refuse("not_authenticated");
    }
    return route(request, deps, { token, userId: verified.userId }, detail);
  });
  if (request.method === "OPTIONS") deps.warm?.();
  return response;
}
