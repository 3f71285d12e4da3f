/**
 * Portal links minted by the API and redeemed by the portal page. Paddle's session URLs are
 * one-time, so each URL carries its own token and a token opens the page once: a second visit,
 * like a cached or shared link against Paddle, shows that the link has expired.
 */

import { newPaddleId, newPortalToken } from "./ids.ts";

export type PortalAction =
  | "overview"
  | "cancel_subscription"
  | "update_subscription_payment_method";

export interface PortalLink {
  portalId: string;
  customerId: string;
  action: PortalAction;
  subscriptionId: string | null;
}

export interface PortalSessionUrls {
  general: { overview: string };
  subscriptions: {
    id: string;
    cancel_subscription: string;
    update_subscription_payment_method: string;
  }[];
}

export type Redemption =
  | { outcome: "opened"; link: PortalLink }
  | { outcome: "expired" }
  | { outcome: "invalid" };

/** Bounds memory under benchmarks; the oldest links are forgotten and then read as invalid. */
export const DEFAULT_LINK_CAPACITY = 100_000;

interface StoredLink extends PortalLink {
  used: boolean;
}

export class PortalLinks {
  readonly #links = new Map<string, StoredLink>();
  /** Which stored tokens are form tokens, so a link token never works as one (or back). */
  readonly #forms = new Set<string>();
  readonly #capacity: number;

  constructor(capacity: number = DEFAULT_LINK_CAPACITY) {
    this.#capacity = capacity;
  }

  mintSession(
    baseUrl: string,
    customerId: string,
    subscriptionIds: readonly string[],
  ): PortalSessionUrls {
    const portalId = newPaddleId("cpl");
    const mint = (action: PortalAction, subscriptionId: string | null) => {
      const token = newPortalToken();
      this.#store(token, { portalId, customerId, action, subscriptionId, used: false });
      // Paddle's parameter order: action, then subscription_id, then token.
      const query = new URLSearchParams({ action });
      if (subscriptionId !== null) query.set("subscription_id", subscriptionId);
      query.set("token", token);
      return `${baseUrl}/${portalId}?${query}`;
    };
    return {
      general: { overview: mint("overview", null) },
      subscriptions: subscriptionIds.map((id) => ({
        id,
        cancel_subscription: mint("cancel_subscription", id),
        update_subscription_payment_method: mint("update_subscription_payment_method", id),
      })),
    };
  }

  /**
   * Opens a link once. The query must match what the token was minted for, so a token moved
   * to another portal path, action or subscription is refused rather than honoured.
   */
  redeem(
    portalId: string,
    token: string | null,
    action: string | null,
    subscriptionId: string | null,
  ): Redemption {
    const link = token === null ? undefined : this.#links.get(token);
    if (
      !link || this.#forms.has(token!) || link.portalId !== portalId || link.action !== action ||
      link.subscriptionId !== subscriptionId
    ) {
      return { outcome: "invalid" };
    }
    if (link.used) return { outcome: "expired" };
    link.used = true;
    const { used: _used, ...opened } = link;
    return { outcome: "opened", link: opened };
  }

  /**
   * A one-time token for the form an opened "Update payment method" page posts: the page's own
   * link is used up by the visit, so the submission carries this instead.
   */
  mintForm(link: PortalLink): string {
    const token = newPortalToken();
    this.#store(token, { ...link, action: "update_subscription_payment_method", used: false });
    this.#forms.add(token);
    return token;
  }

  /** The link a form token was minted for, once; undefined if unknown, used or another portal's. */
  redeemForm(portalId: string, token: string | null): PortalLink | undefined {
    const link = token === null ? undefined : this.#links.get(token);
    if (!link || !this.#forms.has(token!) || link.portalId !== portalId || link.used) return;
    link.used = true;
    const { used: _used, ...opened } = link;
    return opened;
  }

  #store(token: string, link: StoredLink): void {
    this.#links.set(token, link);
    if (this.#links.size > this.#capacity) {
      const oldest = this.#links.keys().next().value;
      if (oldest !== undefined) {
        this.#links.delete(oldest);
        this.#forms.delete(oldest);
      }
    }
  }
}
