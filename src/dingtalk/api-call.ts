// One API call with its recovery, each failure decided by the one retry decision: the budget's slot, a stale
// token renewed once, throttling waited out, busy/5xx/network errors backed off, archive restores waited for.
import { numberDefault } from '../config/options.js'
import { sleep, parseRetryAfter } from '../http/retry.js'
import { countsAgainstRetries, decideRetry, type Failure, type RetryDecision } from '../http/retry-decision.js'
import { headerValue } from '../http/dispatcher.js'
import { NetworkError } from '../errors.js'
import { isThrottleAnswer } from './api-pacer.js'
import type { ApiKind } from '../http/request-counter.js'
import type { ApiClientOptions, ApiWaitEvent } from './types.js'
import { gaveUp, parseAnswer, send, toApiError, type RawResponse } from './transport.js'

/**
 * One API call with the recovery the docs ask for: renew a stale minted token once, wait out throttling
 * (the penalty lasts about a second), back off on busy/5xx/network errors, and wait for archive restores.
 */
export async function callApi(
  options: ApiClientOptions,
  kind: ApiKind,
  method: 'GET' | 'POST',
  path: string,
  query: Record<string, string | undefined>,
  body: unknown,
  what: string,
  unionId?: string,
): Promise<Record<string, unknown>> {
  const url = new URL(options.endpoint + path)
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v)
  const retry = new ApiRetry(options, options.tokens.canRenew)
  for (;;) {
    const token = await options.tokens.get()
    const headers: Record<string, string> = { 'x-acs-dingtalk-access-token': token }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let res: RawResponse
    // Waiting for this API's slot is silent: it is the budget working, not a problem.
    await options.pacer?.take(kind, options.signal)
    try {
      res = await send(method, url.href, headers, body === undefined ? undefined : JSON.stringify(body), what, {
        ...options,
        count: () => options.counter?.api(kind),
      })
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err
      await retry.after({ kind: 'network', code: err.code }, err)
      continue
    }
    const error = res.status >= 200 && res.status < 300 ? undefined : toApiError(res, what, unionId)
    const throttled = error !== undefined && isThrottleAnswer(res.status, error.code)
    options.pacer?.report(kind, throttled)
    if (throttled) options.counter?.throttled(error.code)
    if (error === undefined) return parseAnswer(res.text, what)
    const decision = await retry.after(
      {
        kind: 'api',
        status: res.status,
        code: error.code,
        retryAfterMs: parseRetryAfter(headerValue(res.headers, 'retry-after')),
      },
      error,
    )
    if (decision.action === 'renew-token') await options.tokens.renew(token)
  }
}

/** The waits before an API call's retries */
type WaitOptions = Pick<ApiClientOptions, 'retries' | 'archiveWaitMs' | 'signal'> & {
  onWait?: ((event: ApiWaitEvent) => void) | undefined
}

/**
 * The state of one call's retries, and what each failure leads to: the decision (decideRetry), the wait it
 * asks for (told to onWait), or the error thrown when it gives up. A token is renewed at most once a call.
 */
export class ApiRetry {
  #failures = 0
  #archiveWaits = 0
  #canRenew: boolean
  readonly #archiveDeadline: number

  constructor(
    private readonly options: WaitOptions,
    canRenewToken: boolean,
  ) {
    this.#canRenew = canRenewToken
    this.#archiveDeadline = Date.now() + (options.archiveWaitMs ?? numberDefault('archiveWaitMs'))
  }

  /** Decides after a failure: waits when told to, throws `error` when giving up; else returns what to do. */
  async after(failure: Failure, error: unknown): Promise<RetryDecision> {
    if (countsAgainstRetries(failure)) this.#failures++
    const archived = failure.kind === 'api' && failure.code === 'fileArchived'
    if (archived) this.#archiveWaits++
    const decision = decideRetry(failure, {
      failures: this.#failures,
      retries: this.options.retries ?? numberDefault('retries'),
      canRenewToken: this.#canRenew,
      archiveLeftMs: this.#archiveDeadline - Date.now(),
      archiveWaits: this.#archiveWaits,
    })
    if (decision.action === 'give-up') throw failure.kind === 'network' ? gaveUp(error, this.#failures - 1) : error
    const code = failure.kind === 'network' ? failure.code : failure.kind === 'api' ? failure.code : 'STALLED'
    if (decision.action === 'renew-token') {
      this.#canRenew = false
      this.options.onWait?.({ type: 'api-wait', reason: 'token-renewed', code, delayMs: 0 })
    } else if (decision.action === 'wait') {
      this.options.onWait?.({
        type: 'api-wait',
        reason: decision.reason === 'stalled' ? 'network' : decision.reason,
        code,
        delayMs: decision.ms,
      })
      await sleep(decision.ms, this.options.signal)
    }
    return decision
  }
}
