/**
 * Paddle id shapes. Paddle ids are ULIDs written in lowercase Crockford base32 (10 time
 * characters, then 16 random ones) behind an entity prefix, so simulated ids sort by creation
 * time and pass the same `^<prefix>_[a-z\d]{26}$` checks that callers apply to real ones.
 */

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

export const CUSTOMER_ID = /^ctm_[a-z\d]{26}$/;
export const SUBSCRIPTION_ID = /^sub_[a-z\d]{26}$/;
export const PORTAL_SESSION_ID = /^cpls_[a-z\d]{26}$/;
export const PORTAL_ID = /^cpl_[a-z\d]{26}$/;
export const PRODUCT_ID = /^pro_[a-z\d]{26}$/;
export const PRICE_ID = /^pri_[a-z\d]{26}$/;
export const ADDRESS_ID = /^add_[a-z\d]{26}$/;
export const BUSINESS_ID = /^biz_[a-z\d]{26}$/;
export const TRANSACTION_ID = /^txn_[a-z\d]{26}$/;
export const EVENT_ID = /^evt_[a-z\d]{26}$/;
export const NOTIFICATION_ID = /^ntf_[a-z\d]{26}$/;

export type PaddleIdPrefix =
  | "ctm"
  | "sub"
  | "cpls"
  | "cpl"
  | "pro"
  | "pri"
  | "add"
  | "biz"
  | "txn"
  | "txnitm"
  | "adj"
  | "adjitm"
  | "evt"
  | "ntf"
  | "inv"
  | "paymtd";

export function newPaddleId(prefix: PaddleIdPrefix, now: number = Date.now()): string {
  const chars = new Array<string>(26);
  let time = now;
  for (let i = 9; i >= 0; i--) {
    chars[i] = CROCKFORD[time % 32];
    time = Math.floor(time / 32);
  }
  // 256 is a multiple of 32, so masking a random byte keeps every character equally likely.
  const random = crypto.getRandomValues(new Uint8Array(16));
  for (let i = 0; i < 16; i++) chars[10 + i] = CROCKFORD[random[i] & 31];
  return `${prefix}_${chars.join("")}`;
}

/**
 * A portal token: unguessable and URL-safe, so it can sit in a query string unencoded as
 * Paddle's `pga_…` tokens do. Real tokens are signed JWTs; callers must treat them as opaque.
 */
export function newPortalToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const base64 = btoa(String.fromCharCode(...bytes));
  return `pga_${base64.replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "")}`;
}

/**
 * Paddle's timestamps are RFC 3339 in UTC without fractional seconds. No default: the simulator
 * stamps from its clock (`store.clock.now()`), never the wall clock.
 */
export function paddleTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
