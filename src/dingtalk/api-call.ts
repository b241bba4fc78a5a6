// One API call with its recovery: the budget's slot, a stale token renewed once, throttling waited out,
// busy/5xx/network errors backed off, archive restores waited for.
import { sleep, parseRetryAfter, retryDelay } from '../http/retry.js'
import { headerValue } from '../http/dispatcher.js'
import { NetworkError } from '../errors.js'
import { classifyApiError } from './api-errors.js'
import { isThrottleAnswer } from './api-pacer.js'
import type { ApiKind } from '../http/request-counter.js'
import type { ApiClientOptions } from './types.js'
import { gaveUp, send, toApiError, type RawResponse } from './transport.js'

/**
 * One API call with the recovery the docs ask for: renew a stale minted token once, wait out throttling
 * (the penalty lasts about a second), back off on busy/5xx/network errors, and wait for archive restores.
 */
export async function callApi<T>(options: ApiClientOptions, kind: ApiKind, method: 'GET' | 'POST', path: string, query: Record<string, string | undefined>, body: unknown, what: string, unionId?: string): Promise<T> {
  const retries = options.retries ?? 5
  const archiveWaitMs = options.archiveWaitMs ?? 600_000
  const url = new URL(options.endpoint + path)
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v)
  let failures = 0
  let renewed = false
  const archiveDeadline = Date.now() + archiveWaitMs
  for (let attempt = 1; ; attempt++) {
    const token = await options.tokens.get()
    const headers: Record<string, string> = { 'x-acs-dingtalk-access-token': token }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let res: RawResponse
    // Waiting for this API's slot is silent: it is the budget working, not a problem.
    await options.pacer?.take(kind, options.signal)
    try {
      res = await send(options.dispatcher, method, url.href, headers, body === undefined ? undefined : JSON.stringify(body), options.log, options.signal, () => options.counter?.api(kind))
    } catch (err) {
      if (!(err instanceof NetworkError) || ++failures > retries) throw gaveUp(err, failures - 1)
      const delayMs = retryDelay(failures, undefined)
      options.onWait?.({ type: 'api-wait', reason: 'network', code: err.code, delayMs })
      await sleep(delayMs, options.signal)
      continue
    }
    const error = res.status >= 200 && res.status < 300 ? undefined : toApiError(res, what, unionId)
    const throttled = error !== undefined && isThrottleAnswer(res.status, error.code)
    options.pacer?.report(kind, throttled)
    if (throttled) options.counter?.throttled(error.code)
    if (error === undefined) return JSON.parse(res.text) as T
    const action = classifyApiError(res.status, error.code).action
    const retryAfter = parseRetryAfter(headerValue(res.headers, 'retry-after'))
    if (action === 'renew-token' && !renewed && options.tokens.canRenew) {
      renewed = true
      await options.tokens.renew(token)
      options.onWait?.({ type: 'api-wait', reason: 'token-renewed', code: error.code, delayMs: 0 })
      continue
    }
    if (action === 'archived') {
      const delayMs = Math.min(retryDelay(attempt, retryAfter, 1_000, { baseMs: 1_000, maxMs: 60_000 }), archiveDeadline - Date.now())
      if (delayMs <= 0) throw error
      options.onWait?.({ type: 'api-wait', reason: 'archived', code: error.code, delayMs })
      await sleep(delayMs, options.signal)
      continue
    }
    if ((action === 'throttled' || action === 'transient') && ++failures <= retries) {
      // Throttling penalties last about a second: retrying sooner only extends them.
      const delayMs = retryDelay(failures, retryAfter, throttled ? 1_000 : 0)
      options.onWait?.({ type: 'api-wait', reason: throttled ? 'throttled' : 'busy', code: error.code, delayMs })
      await sleep(delayMs, options.signal)
      continue
    }
    throw error
  }
}
