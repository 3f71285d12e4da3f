/**
 * The customers the simulated Paddle account holds. Paddle answers 404 for any other id, so a
 * function that links users to customers it never created fails here as it would in sandbox.
 */

import { CUSTOMER_ID } from "./ids.ts";

export class CustomerRegistry {
  readonly #ids = new Set<string>();

  constructor(ids: Iterable<string> = []) {
    for (const id of ids) this.add(id);
  }

  /** Throws on a malformed id: a seed that Paddle could never have produced is a bug to surface. */
  add(customerId: string): void {
    if (typeof customerId !== "string" || !CUSTOMER_ID.test(customerId)) {
      throw new TypeError(`not a Paddle customer id (^ctm_[a-z\\d]{26}$): ${customerId}`);
    }
    this.#ids.add(customerId);
  }

  has(customerId: string): boolean {
    return this.#ids.has(customerId);
  }

  list(): string[] {
    return [...this.#ids];
  }
}
