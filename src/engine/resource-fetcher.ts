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
export type FetcherEvent = { type: 'retry'; reason: string; attempt: number; delayMs: number } | { type: 'note'; message: string }

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
}

/** A Range request answered with the whole object or other bytes: never to be stitched into the file. */
export class RangeUnsupportedError extends DtdlError {
  constructor(message: string) {
    super('RANGE_UNSUPPORTED', ExitCode.remote, message)
  }
}


/** One request in flight, watched for stalls. */
interface Watched {
  lastByteAt: number
  controller: AbortController
}

export class ResourceFetcher {
  readonly #o: FetcherOptions
  #urlIndex = 0
  readonly #urlFailures = new Map<number, number>()
  /** URL index → the signature generation it last refused (cleared when it takes one). */
  readonly #refusedAt = new Map<number, number>()
  readonly #active = new Set<Watched>()
  readonly #watchdog: NodeJS.Timeout
  retries = 0

  constructor(options: FetcherOptions) {
    this.#o = options
    // One timer for every connection instead of one timer reset per chunk.
    this.#watchdog = setInterval(() => {
      const now = Date.now()
      for (const w of this.#active) if (now - w.lastByteAt > options.stallTimeoutMs) w.controller.abort(new Error('stalled'))
    }, Math.max(50, Math.min(1000, options.stallTimeoutMs / 4)))
    this.#watchdog.unref()
  }

  get limiter(): RateLimiter | undefined {
    return this.#o.limiter
  }

  /** Marks that bytes arrived: the stall clock of every request restarts. */
  touch(): void {
    const now = Date.now()
    for (const w of this.#active) w.lastByteAt = now
  }

  dispose(): void {
    clearInterval(this.#watchdog)
  }

  /** Starts a GET of `range` on the current URL with the current signature. */
  async request(info: SignedInfo, url: string, range: ByteRange | undefined, signal: AbortSignal, note?: string): Promise<ResourceResponse> {
    const res = await requestResource(url, info.headers, range, { dispatcher: this.#o.dispatcher, signal, log: this.#o.log, note, counter: this.#o.requests })
    // The URL took a signature: a later refusal there is an expiry again, worth a refresh.
    this.#refusedAt.delete(info.resourceUrls.indexOf(url))
    return res
  }

  /**
   * Runs `attempt` until it succeeds, each failure decided by the one retry decision (decideRetry): fresh
   * signed info before it expires and after a refusal, the next resource URL when one keeps failing or
   * refuses a fresh signature too, backoff on network errors, 5xx, 429 and stalls. `progressed()` says
   * whether bytes flowed during a failed attempt, which resets the failure count. `stop` ends it all.
   */
  async withRecovery<T>(
    label: string,
    stop: AbortSignal,
    attempt: (info: SignedInfo, url: string, signal: AbortSignal) => Promise<T>,
    progressed: () => boolean = () => false,
  ): Promise<T> {
    const { source, stallTimeoutMs, onEvent } = this.#o
    let failures = 0
    for (;;) {
      if (stop.aborted) throw stop.reason
      const info = await source.forNewRequest()
      const index = Math.min(this.#urlIndex, info.resourceUrls.length - 1)
      const controller = new AbortController()
      const watched: Watched = { lastByteAt: Date.now(), controller }
      // Every connection's request hangs on one stop signal: one listener for all of them (abort-fanout).
      const forgetStop = onAbort(stop, (reason) => controller.abort(reason))
      this.#active.add(watched)
      try {
        const result = await attempt(info, info.resourceUrls[index]!, controller.signal)
        this.#urlFailures.set(index, 0)
        return result
      } catch (err) {
        if (stop.aborted) throw stop.reason
        if (progressed()) {
          failures = 0
          this.#urlFailures.set(index, 0)
        }
        const error = this.#classify(err, controller.signal.aborted, stallTimeoutMs)
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
        this.#active.delete(watched)
        forgetStop()
      }
    }
  }

  /** Turns what a failed attempt threw into a typed error: stalls and mid-body socket errors included. */
  #classify(err: unknown, aborted: boolean, stallTimeoutMs: number): unknown {
    if (aborted) return new NetworkError(`no data for ${stallTimeoutMs / 1000} s`, { code: 'STALLED' })
    if (err instanceof DtdlError) return err
    // A body that breaks mid-stream throws undici's or the socket's own error.
    const code = networkErrorCode(err)
    return code !== undefined ? new NetworkError(`the connection failed: ${code}`, { code: `NET_${code}`, cause: err }) : err
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
    this.#o.onEvent({ type: 'note', message: `resource URL ${index + 1} keeps failing (${error.code}): switching to URL ${this.#urlIndex + 1} of ${urls}` })
  }
}

/** A typed failure as the retry decision reads it. */
function toFailure(error: DtdlError): Failure {
  if (error instanceof StorageResponseError) return { kind: 'storage', status: error.status ?? 0, code: error.ossCode, retryAfterMs: error.retryAfterMs }
  if (error instanceof NetworkError) return error.code === 'STALLED' ? { kind: 'stalled' } : { kind: 'network', code: error.code }
  return { kind: 'other' }
}
