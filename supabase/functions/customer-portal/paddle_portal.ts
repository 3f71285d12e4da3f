/**
 * One fresh Paddle customer portal session per call, through the official SDK and the shared
 * deadline-and-single-retry wrapper (`_shared/paddle_call.ts`), which owns the failure mapping.
 */
import { z } from "zod";
import {
  type Checked,
  classifyFailure,
  createPaddleCall,
  type PaddleAttempts,
  type PaddleCallFailureCode,
  type PaddleCallOptions,
} from "../_shared/paddle_call.ts";
import { paddleEnvironment } from "../_shared/paddle_env.ts";

export { classifyFailure, paddleEnvironment };

export interface PortalSession {
  overviewUrl: string;
  subscriptions: { id: string; cancelUrl: string; updatePaymentMethodUrl: string }[];
}

export type PortalFailureCode = PaddleCallFailureCode;

export type PortalSessionResult =
  & PaddleAttempts
  & (
    | { ok: true; session: PortalSession }
    | {
      ok: false;
      code: PortalFailureCode;
      /** Seconds, from Paddle's `Retry-After`, for `rate_limited`. */
      retryAfterSeconds?: number;
      /** Paddle's error code or the failure class (`network`, `not_json`, `bad_response`). */
      paddleErrorCode?: string;
    }
  );

export interface PortalSessionInput {
  customerId: string;
  subscriptionIds: string[];
}

export type CreatePortalSession = (input: PortalSessionInput) => Promise<PortalSessionResult>;

export type PaddlePortalOptions = PaddleCallOptions;

const url = z.url({ protocol: /^https?$/ });
const sessionSchema = z.object({
  customerId: z.string(),
  urls: z.object({
    general: z.object({ overview: url }),
    subscriptions: z.array(z.object({
      id: z.string(),
      cancelSubscription: url,
      updateSubscriptionPaymentMethod: url,
    })),
  }),
});

export function createPaddlePortal(options: PaddlePortalOptions): CreatePortalSession {
  const call = createPaddleCall(options);
  return async function createPortalSession(input) {
    const result = await call(
      (paddle) => paddle.customerPortalSessions.create(input.customerId, input.subscriptionIds),
      (value) => checkSession(value, input.customerId),
    );
    if (!result.ok) return result;
    const { value: session, transactionIds, attempts } = result;
    return { ok: true, session, transactionIds, attempts };
  };
}

function checkSession(value: unknown, customerId: string): Checked<PortalSession> {
  const parsed = sessionSchema.safeParse(value);
  // A session for another customer would hand this caller someone else's billing: never return it.
  if (!parsed.success || parsed.data.customerId !== customerId) {
    return { ok: false, paddleErrorCode: "bad_response" };
  }
  const { urls } = parsed.data;
  return {
    ok: true,
    value: {
      overviewUrl: urls.general.overview,
      subscriptions: urls.subscriptions.map((s) => ({
        id: s.id,
        cancelUrl: s.cancelSubscription,
        updatePaymentMethodUrl: s.updateSubscriptionPaymentMethod,
      })),
    },
  };
}
