/**
 * The simulated payment method on file for each customer: whether charging it succeeds. Real
 * sandboxes decline with Paddle's test card numbers; here a test (or `POST /__cards`) marks a
 * customer's card as declining, and every charge made without the buyer present (a plan change
 * billed immediately, a renewal) fails until the card is updated, as in the hosted portal's
 * "Update payment method".
 */
export class CardOutcomes {
  readonly #declining = new Set<string>();

  /** True when charging this customer's card now fails. */
  declines(customerId: string): boolean {
    return this.#declining.has(customerId);
  }

  /** Marks the customer's card as declining or, with false, as a working card again. */
  set(customerId: string, declines: boolean): void {
    if (declines) this.#declining.add(customerId);
    else this.#declining.delete(customerId);
  }

  /** The customers whose card declines, sorted. */
  declining(): string[] {
    return [...this.#declining].sort();
  }

  clear(): void {
    this.#declining.clear();
  }
}
