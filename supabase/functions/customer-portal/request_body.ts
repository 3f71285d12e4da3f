/**
 * The request body contract. Strict on purpose: an unknown field is refused rather than ignored,
 * so a client that believes it can pass e.g. a `customerId` learns at once that it cannot.
 */
import { z } from "zod";
import { type ParsedBody, parseJsonBody, readJsonBody } from "../_shared/bounded_body.ts";

export const MAX_BODY_BYTES = 16 * 1024;

export const SUBSCRIPTION_ID = /^sub_[a-z\d]{26}$/;

export const TARGETS = ["overview", "cancel_subscription", "update_payment_method"] as const;
export type Target = (typeof TARGETS)[number];

export type PortalRequest =
  | { target: "overview" }
  | { target: "cancel_subscription" | "update_payment_method"; subscriptionId: string };

const schema = z.strictObject({
  target: z.enum(TARGETS).default("overview"),
  subscriptionId: z.string().regex(SUBSCRIPTION_ID).optional(),
}).transform((body, ctx): PortalRequest | typeof z.NEVER => {
  if (body.target === "overview") {
    // A subscription id with the overview would be silently ignored; refusing it keeps the
    // contract to one meaning per body.
    if (body.subscriptionId !== undefined) {
      ctx.addIssue({ code: "custom", message: "subscriptionId needs a deep-link target" });
      return z.NEVER;
    }
    return { target: "overview" };
  }
  if (body.subscriptionId === undefined) {
    ctx.addIssue({ code: "custom", message: `${body.target} needs subscriptionId` });
    return z.NEVER;
  }
  return { target: body.target, subscriptionId: body.subscriptionId };
});

export type BodyResult = ParsedBody<PortalRequest>;

/** An empty body means the overview: `functions.invoke('customer-portal')` sends none. */
export function parsePortalRequest(text: string): BodyResult {
  return parseJsonBody(text, schema, { target: "overview" });
}

export function readPortalRequest(request: Request): Promise<BodyResult> {
  return readJsonBody(request, MAX_BODY_BYTES, schema, { target: "overview" });
}
