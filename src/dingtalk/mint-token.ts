// POST /v1.0/oauth2/accessToken: app credentials exchanged for an access token, retried by the one retry decision.
import type { Dispatcher } from 'undici'
import { ApiError, ExitCode, NetworkError } from '../errors.js'
import { headerValue, type HttpLogger } from '../http/dispatcher.js'
import { parseRetryAfter } from '../http/retry.js'
import type { RequestCounter } from '../http/request-counter.js'
import type { ApiWaitEvent } from './types.js'
import { ApiRetry } from './api-call.js'
import { send, toApiError, type RawResponse } from './transport.js'

/**
 * POST /v1.0/oauth2/accessToken: exchanges app credentials for a token (JSON body; a form body is refused).
 * Network failures, 5xx, busy and throttling are retried as every other call is (`retries`, backoff).
 */
export async function mintAccessToken(
  endpoint: string,
  dispatcher: Dispatcher,
  appKey: string,
  appSecret: string,
  options: { log?: HttpLogger | undefined; signal?: AbortSignal | undefined; retries?: number | undefined; onWait?: ((event: ApiWaitEvent) => void) | undefined; counter?: RequestCounter | undefined } = {},
): Promise<{ accessToken: string; expireIn: number }> {
  // The mint is what renews tokens: a refusal of it is final.
  const retry = new ApiRetry(options, false)
  for (;;) {
    let res: RawResponse
    try {
      res = await send(dispatcher, 'POST', `${endpoint}/v1.0/oauth2/accessToken`, { 'content-type': 'application/json' }, JSON.stringify({ appKey, appSecret }), options.log, options.signal, () => options.counter?.api('token'))
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err
      await retry.after({ kind: 'network', code: err.code }, err)
      continue
    }
    if (res.status >= 200 && res.status < 300) {
      const body = JSON.parse(res.text) as { accessToken?: unknown; expireIn?: unknown }
      if (typeof body.accessToken !== 'string' || !body.accessToken) {
        throw new ApiError('BAD_TOKEN_RESPONSE', ExitCode.remote, 'getting an access token failed: the answer has no accessToken')
      }
      return { accessToken: body.accessToken, expireIn: typeof body.expireIn === 'number' ? body.expireIn : 7200 }
    }
    const error = toApiError(res, 'getting an access token')
    await retry.after({ kind: 'api', status: res.status, code: error.code, retryAfterMs: parseRetryAfter(headerValue(res.headers, 'retry-after')) }, error)
  }
}
