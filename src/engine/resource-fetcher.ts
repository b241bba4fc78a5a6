// Getting bytes from the signed resource URLs despite the network: retries, stalls, expiry, URL fallback.
import type { Dispatcher } from 'undici'
import { onAbort } from '../abort-fanout.js'
import { DtdlError, ExitCode, NetworkError } from '../errors.js'
import type { HttpLogger } from '../http/dispatcher.js'
import { requestResource, type ResourceResponse } from './resource-request.js'
import { networkErrorCode, sleep } from '../http/retry.js'
import { decideRetry, failureClass, type Failure } from '../http/retry-decision.js'
import type { ByteRange } from './segments.js'
import type { SignedInfo, SignedUrlSource } from './signed-url-source.js'
import { StorageResponseError, remoteChangedError } from './storage-response.js'
import type { RateLimiter } from './rate-limiter.js'
import type { RequestCounter } from '../http/request-counter.js'

/** What the fetcher tells the user about (the engine passes these on as download events). */
export type FetcherEvent =
  { type: 'retry'; reason: string; attempt: number; delayMs: number } | { type: 'note'; message: string }

export interface FetcherOptions {
  source: SignedUrlSource
  dispatcher: Dispatcher
  /** Consecutive failures of one request loop before giving up; reset when bytes flow. */
  retries: number
  stallTimeoutMs: number
  log?: HttpLogger | undefined
  onEvent: (event: FetcherEvent) => void
  limiter?: RateLimiter | undefined
  /** Counts every storage request sent. */
  requests?: RequestCounter | undefined
  /** --speed-limit / --speed-time: a connection slower than this for that long is restarted; the transfer, stopped. */
  speedLimit?: SpeedLimit | undefined
}

/** curl's -Y / -y: the least rate, and for how long a slower transfer is borne. */
export interface SpeedLimit {
  bytesPerSecond: number
  seconds: number
}

/**
 * Bytes a failed response must have delivered for its failure not to count against --retries: a trickle of a
 * few bytes per response (then silence) must not reset the count for ever.
 */
export const MIN_PROGRESS_BYTES = 64 * 1024

/** The transfer as a whole stayed below --speed-limit for --speed-time: stopped (curl's exit 28), what arrived kept. */
export class TooSlowError extends DtdlError {
  constructor(limit: SpeedLimit, rate: number) {
    super(
      'TOO_SLOW',
      ExitCode.timeout,
      `the transfer ran below --speed-limit (${Math.round(limit.bytesPerSecond)} B/s) for ${limit.seconds} s, at ${Math.round(rate)} B/s: stopped; what was downloaded is kept`,
      {
        hint: 'run the same command again to resume, or lower --speed-limit / raise --speed-time',
      },
    )
  }
}

/** A Range request answered with the whole object or other bytes: never to be stitched into the file. */
export class RangeUnsupportedError extends DtdlError {
  constructor(message: string) {
    super('RANGE_UNSUPPORTED', ExitCode.remote, message)
  }
}

/** One request in flight (or a whole transfer), watched for stalls and for a rate below --speed-limit. */
interface Watched {
  lastByteAt: number
  controller: AbortController
  /** Bytes since `windowStart`, and since when the rate has been below the limit (undefined: it is not). */
  windowBytes: number
  windowStart: number
  slowSince: number | undefined
}

const watch = (controller: AbortController, now: number): Watched => ({
  lastByteAt: now,
  controller,
  windowBytes: 0,
  windowStart: now,
  slowSince: undefined,
})

/**
 * Pure: closes a one-second window of a watched rate; true when the rate has now been below the limit for
 * the whole --speed-time. A window below the limit starts (or continues) a slow spell; one above ends it.
 */
export function slowFor(
  w: Pick<Watched, 'windowBytes' | 'windowStart' | 'slowSince'>,
  now: number,
  limit: SpeedLimit,
): { slowSince: number | undefined; tooSlow: boolean; rate: number } {
  const rate = (w.windowBytes * 1000) / Math.max(1, now - w.windowStart)
  const slowSince = rate < limit.bytesPerSecond ? (w.slowSince ?? w.windowStart) : undefined
  return { slowSince, tooSlow: slowSince !== undefined && now - slowSince >= limit.seconds * 1000, rate }
}

export class ResourceFetcher {
  readonly #o: FetcherOptions
  #urlIndex = 0
  readonly #urlFailures = new Map<number, number>()
  /** URL index → the signature generation it last refused (cleared when it takes one). */
  readonly #refusedAt = new Map<number, number>()
  /** Requests in flight, by the signal their attempt was given. */
  readonly #active = new Map<AbortSignal, Watched>()
  /** The transfer as a whole: its rate against --speed-limit; aborted (TooSlowError) stops every request. */
  readonly #whole = watch(new AbortController(), Date.now())
  readonly #watchdog: NodeJS.Timeout
  retries = 0

  constructor(options: FetcherOptions) {
    this.#o = options
    // One timer for every connection instead of one timer reset per chunk.
    this.#watchdog = setInterval(
      () => this.#check(Date.now()),
      Math.max(50, Math.min(1000, options.stallTimeoutMs / 4)),
    )
    this.#watchdog.unref()
  }

  /** The watchdog: a request silent for the stall timeout is aborted; with --speed-limit, slow ones too. */
  #check(now: number): void {
    for (const w of this.#active.values())
      if (now - w.lastByteAt > this.#o.stallTimeoutMs) w.controller.abort(new Error('stalled'))
    const limit = this.#o.speedLimit
    if (limit === undefined || now - this.#whole.windowStart < 1000) return
    const whole = this.#closeWindow(this.#whole, now, limit)
    if (whole.tooSlow) return void this.#whole.controller.abort(new TooSlowError(limit, whole.rate))
    // The transfer keeps up, but one connection may not: it is restarted (a new connection may take a better path).
    for (const w of this.#active.values())
      if (now - w.windowStart >= 1000 && this.#closeWindow(w, now, limit).tooSlow)
        w.controller.abort(new Error('too slow'))
  }

  #closeWindow(w: Watched, now: number, limit: SpeedLimit) {
    const verdict = slowFor(w, now, limit)
    Object.assign(w, { slowSince: verdict.slowSince, windowBytes: 0, windowStart: now })
    return verdict
  }

  get limiter(): RateLimiter | undefined {
    return this.#o.limiter
  }

  /** `bytes` arrived for the request with this signal: its stall clock restarts, and its rate is counted. */
  touch(signal: AbortSignal, bytes: number): void {
    const w = this.#active.get(signal)
    if (w === undefined) return
    w.lastByteAt = Date.now()
    w.windowBytes += bytes
    this.#whole.windowBytes += bytes
  }

  dispose(): void {
    clearInterval(this.#watchdog)
  }

  /** Starts a GET of `range` on the current URL with the current signature. */
  async request(
    info: SignedInfo,
    url: string,
    range: ByteRange | undefined,
    signal: AbortSignal,
    note?: string,
  ): Promise<ResourceResponse> {
    const res = await requestResource(url, info.headers, range, {
      dispatcher: this.#o.dispatcher,
      signal,
      log: this.#o.log,
      note,
      counter: this.#o.requests,
    })
    // The URL took a signature: a later refusal there is an expiry again, worth a refresh.
    this.#refusedAt.delete(info.resourceUrls.indexOf(url))
    return res
  }

  /**
   * Runs `attempt` until it succeeds, each failure decided by the one retry decision (decideRetry): fresh
   * signed info before it expires and after a refusal, the next resource URL when one keeps failing or
   * refuses a fresh signature too, backoff on network errors, 5xx, 429 and stalls. `progressed()` says how
   * many bytes a failed attempt delivered: MIN_PROGRESS_BYTES or more reset the failure count. `stop` ends
   * it all, and so does the transfer running below --speed-limit.
   */
  async withRecovery<T>(
    label: string,
    stop: AbortSignal,
    attempt: (info: SignedInfo, url: string, signal: AbortSignal) => Promise<T>,
    progressed: () => number = () => 0,
  ): Promise<T> {
    const { source, stallTimeoutMs, onEvent } = this.#o
    const tooSlow = this.#whole.controller.signal
    let failures = 0
    for (;;) {
      if (stop.aborted) throw stop.reason
      if (tooSlow.aborted) throw tooSlow.reason
      const info = await source.forNewRequest()
      const index = Math.min(this.#urlIndex, info.resourceUrls.length - 1)
      const controller = new AbortController()
      // Every connection's request hangs on one stop signal: one listener for all of them (abort-fanout).
      const forgetStop = onAbort(stop, (reason) => controller.abort(reason))
      const forgetSlow = onAbort(tooSlow, (reason) => controller.abort(reason))
      this.#active.set(controller.signal, watch(controller, Date.now()))
      try {
        const result = await attempt(info, info.resourceUrls[index]!, controller.signal)
        this.#urlFailures.set(index, 0)
        return result
      } catch (err) {
        if (stop.aborted) throw stop.reason
        if (tooSlow.aborted) throw tooSlow.reason
        if (progressed() >= MIN_PROGRESS_BYTES) {
          failures = 0
          this.#urlFailures.set(index, 0)
        }
        const error = this.#classify(
          err,
          controller.signal.aborted ? controller.signal.reason : undefined,
          stallTimeoutMs,
        )
        if (!(error instanceof DtdlError) || error instanceof RangeUnsupportedError) throw error
        const failure = toFailure(error)
        const decision = decideRetry(failure, {
          failures: ++failures,
          retries: this.#o.retries,
          urlFailures: this.#noteUrlFailure(index, failure),
          hasNextUrl: index + 1 < info.resourceUrls.length,
          refusedAfterRefresh: this.#noteRefusal(index, info.generation, failure),
        })
        if (decision.action === 'give-up') throw decision.why === 'changed' ? remoteChangedError() : error
        this.retries++
        if (decision.action === 'refresh') {
          // Connections that hit the same expiry share one refresh, and a fresh signature is used at once.
          await source.refresh(info.generation, `the storage host answered ${error.code}`)
        } else if (decision.action === 'next-url') {
          failures = 0
          this.#moveOn(index, info.resourceUrls.length, error)
        } else if (decision.action === 'wait') {
          onEvent({ type: 'retry', reason: `${label}: ${error.message}`, attempt: failures, delayMs: decision.ms })
          await sleep(decision.ms, stop)
        }
      } finally {
        this.#active.delete(controller.signal)
        forgetStop()
        forgetSlow()
      }
    }
  }

  /** Turns what a failed attempt threw into a typed error: stalls and mid-body socket errors included. */
  #classify(err: unknown, reason: unknown, stallTimeoutMs: number): unknown {
    if (reason instanceof Error && reason.message === 'too slow')
      return new NetworkError(`below --speed-limit for ${this.#o.speedLimit?.seconds} s`, { code: 'TOO_SLOW' })
    if (reason !== undefined) return new NetworkError(`no data for ${stallTimeoutMs / 1000} s`, { code: 'STALLED' })
    if (err instanceof DtdlError) return err
    // A body that breaks mid-stream throws undici's or the socket's own error.
    const code = networkErrorCode(err)
    return code !== undefined
      ? new NetworkError(`the connection failed: ${code}`, { code: `NET_${code}`, cause: err })
      : err
  }

  /** Counts a transient failure against a URL (across connections); returns its failures in a row. */
  #noteUrlFailure(index: number, failure: Failure): number {
    const n = (this.#urlFailures.get(index) ?? 0) + (failureClass(failure) === 'transient' ? 1 : 0)
    this.#urlFailures.set(index, n)
    return n
  }

  /**
   * Notes a refused signature on a URL; true when that URL had refused before and was refreshed since with
   * no response taken in between: a fresh signature will not help there, the next URL may.
   */
  #noteRefusal(index: number, generation: number, failure: Failure): boolean {
    if (failureClass(failure) !== 'refresh') return false
    const before = this.#refusedAt.get(index)
    this.#refusedAt.set(index, generation)
    return before !== undefined && before < generation
  }

  /** Everyone moves on from URL `index` (once, by whichever connection decided it first). */
  #moveOn(index: number, urls: number, error: DtdlError): void {
    if (index !== this.#urlIndex || this.#urlIndex + 1 >= urls) return
    this.#urlIndex++
    this.#o.onEvent({
      type: 'note',
      message: `resource URL ${index + 1} keeps failing (${error.code}): switching to URL ${this.#urlIndex + 1} of ${urls}`,
    })
  }
}

/** A typed failure as the retry decision reads it. */
function toFailure(error: DtdlError): Failure {
  if (error instanceof StorageResponseError)
    return { kind: 'storage', status: error.status ?? 0, code: error.ossCode, retryAfterMs: error.retryAfterMs }
  if (error instanceof NetworkError)
    return error.code === 'STALLED' ? { kind: 'stalled' } : { kind: 'network', code: error.code }
  return { kind: 'other' }
}
