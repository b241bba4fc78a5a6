// --limit-rate: one token bucket shared by every connection, so the cap is on the whole download.
import { sleep } from '../http/retry.js'

export class RateLimiter {
  readonly #rate: number
  readonly #burst: number
  #tokens: number
  #last = performance.now()

  /** `bytesPerSecond` overall; bursts of up to a quarter second's worth keep the flow smooth. */
  constructor(bytesPerSecond: number) {
    this.#rate = bytesPerSecond
    this.#burst = Math.max(64 * 1024, bytesPerSecond / 4)
    this.#tokens = this.#burst
  }

  /** Takes `bytes` from the bucket, waiting as long as the cap requires. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const now = performance.now()
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#rate) / 1000)
    this.#last = now
    this.#tokens -= bytes
    // In debt: wait until the bucket would be back at zero. Reading from the socket pauses meanwhile,
    // so TCP flow control slows the server down instead of dtdl buffering.
    if (this.#tokens < 0) await sleep((-this.#tokens / this.#rate) * 1000, signal)
  }
}
