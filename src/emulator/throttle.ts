// Bandwidth shared by every object response at once (bytesPerSecondTotal): one virtual clock hands out send times.

/**
 * A token bucket without burst, kept as the time the link is booked until: each piece books the next
 * `bytes / rate` of it, so everything written by any time T fits in rate × (T − first booking).
 */
export class SharedBandwidth {
  #bookedUntil = 0

  constructor(readonly bytesPerSecond: number) {}

  /** The time (performance.now() ms) at which `bytes` more may have been sent; the caller waits until then. */
  book(bytes: number, now = performance.now()): number {
    // An idle link earns no credit: a new burst starts from now, not from when it went quiet.
    this.#bookedUntil = Math.max(this.#bookedUntil, now) + (bytes / this.bytesPerSecond) * 1000
    return this.#bookedUntil
  }
}
