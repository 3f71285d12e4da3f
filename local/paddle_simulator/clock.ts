/**
 * Simulated time. Paddle's sandbox has no clock to move; this one can be moved forward so that
 * renewals, failed renewals and scheduled changes happen on demand. Every part of the simulator
 * that stamps or compares a time reads `now()` here, never the wall clock, so the mirror sees one
 * consistent timeline. Time only moves forward: a clock that went back would let a later event
 * carry an earlier `occurred_at` and break newest-wins ordering downstream.
 */
export class SimulatedClock {
  #offsetMs = 0;
  readonly #wallNow: () => number;

  constructor(wallNow: () => number = Date.now) {
    this.#wallNow = wallNow;
  }

  /** Milliseconds since the epoch in simulated time. */
  nowMs(): number {
    return this.#wallNow() + this.#offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** How far simulated time is ahead of the wall clock. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Moves time forward by `ms` (a whole, non-negative number); returns the new now. */
  advanceBy(ms: number): Date {
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new RangeError(`the clock only moves forward by whole milliseconds: ${ms}`);
    }
    this.#offsetMs += ms;
    return this.now();
  }

  /** Moves time forward to `target`; a target in the past is refused. */
  advanceTo(target: Date): Date {
    const delta = target.getTime() - this.nowMs();
    if (!Number.isFinite(delta)) throw new RangeError("not a date");
    if (delta < 0) throw new RangeError("the clock only moves forward");
    return this.advanceBy(Math.round(delta));
  }
}
