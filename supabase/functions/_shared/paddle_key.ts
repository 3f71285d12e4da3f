/**
 * The `PADDLE_*` configuration rules, apart from the SDK: configuration is validated at start,
 * and importing the Paddle SDK there would load most of a function's module files before it can
 * listen (the portal loads the SDK on first use instead).
 */
export type PaddleEnv = "sandbox" | "production";

/** A key used against the other environment fails with 403 at the first call; say so at start. */
export const PADDLE_KEY_PREFIX = { sandbox: "pdl_sdbx_", production: "pdl_live_" } as const;

/** The problem with a key/environment pair, for the start-up error; undefined when they match. */
export function paddleKeyProblem(apiKey: string, paddleEnv: PaddleEnv): string | undefined {
  const prefix = PADDLE_KEY_PREFIX[paddleEnv];
  return apiKey.startsWith(prefix)
    ? undefined
    : `PADDLE_API_KEY must start with ${prefix} when PADDLE_ENV=${paddleEnv}`;
}
