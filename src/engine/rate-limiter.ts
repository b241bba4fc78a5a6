// --limit-rate: one token bucket shared by every connection, so the cap is on the whole download.
import { sleep } from '../http/retry.js'

/** Time as the limiter sees it: injectable, so tests run a simulated clock instead of waiting. */
export interface LimiterClock {
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

const realClock: LimiterClock = { now: () => performance.now(), sleep }

/** A debt smaller than this is carried to the next take rather than slept off: timers are not finer. */
const MIN_SLEEP_MS = 4

export class RateLimiter {
  readonly #rate: number
  readonly #burst: number
  readonly #clock: LimiterClock
  // Starts empty: a full bucket handed every transfer a free burst first (64 KiB, 3 s at 20K), above the cap.
  #tokens = 0
  #last: number

  /**
   * `bytesPerSecond` overall; up to a quarter second's worth may be saved up while reading pauses, so the
   * flow stays smooth without any stretch of the transfer going faster than the cap by more than that.
   * A rate that is not above 0 means no cap.
   */
  constructor(bytesPerSecond: number, clock: LimiterClock = realClock) {
    this.#rate = bytesPerSecond
    this.#burst = bytesPerSecond / 4
    this.#clock = clock
    this.#last = clock.now()
  }

  /** Takes `bytes` from the bucket, waiting as long as the cap requires. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (!(this.#rate > 0 && Number.isFinite(this.#rate))) return
    const now = this.#clock.now()
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#rate) / 1000)
    this.#last = now
    this.#tokens -= bytes
    // In debt: wait until the bucket would be back at zero. Reading from the socket pauses meanwhile, so
    // TCP flow control slows the server down instead of dtdl buffering. A debt of under a few ms (a fast
    // rate) is left for the next take to pay, so a gigabyte a second does not mean a timer per chunk.
    const waitMs = (-this.#tokens / this.#rate) * 1000
    if (waitMs >= MIN_SLEEP_MS) await this.#clock.sleep(waitMs, signal)
  }
}
