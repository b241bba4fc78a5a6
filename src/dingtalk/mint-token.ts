// POST /v1.0/oauth2/accessToken: app credentials exchanged for an access token, retried by the one retry decision.
import type { Dispatcher } from 'undici'
import { ApiError, ExitCode, NetworkError } from '../errors.js'
import { headerValue, type HttpLogger } from '../http/dispatcher.js'
import { parseRetryAfter } from '../http/retry.js'
import type { RequestCounter } from '../http/request-counter.js'
import type { ApiWaitEvent } from './types.js'
import { ApiRetry } from './api-call.js'
import { badResponse, parseAnswer, send, toApiError, type RawResponse } from './transport.js'

/**
 * POST /v1.0/oauth2/accessToken: exchanges app credentials for a token (JSON body; a form body is refused).
 * Network failures, 5xx, busy and throttling are retried as every other call is (`retries`, backoff).
 */
export async function mintAccessToken(
  endpoint: string,
  dispatcher: Dispatcher,
  appKey: string,
  appSecret: string,
  options: {
    log?: HttpLogger | undefined
    signal?: AbortSignal | undefined
    retries?: number | undefined
    stallTimeoutMs?: number | undefined
    onWait?: ((event: ApiWaitEvent) => void) | undefined
    counter?: RequestCounter | undefined
  } = {},
): Promise<{ accessToken: string; expireIn: number }> {
  // The mint is what renews tokens: a refusal of it is final.
  const retry = new ApiRetry(options, false)
  for (;;) {
    let res: RawResponse
    try {
      res = await send(
        'POST',
        `${endpoint}/v1.0/oauth2/accessToken`,
        { 'content-type': 'application/json' },
        JSON.stringify({ appKey, appSecret }),
        'getting an access token',
        { ...options, dispatcher, count: () => options.counter?.api('token') },
      )
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err
      await retry.after({ kind: 'network', code: err.code }, err)
      continue
    }
    if (res.status >= 200 && res.status < 300) {
      const body = parseAnswer(res.text, 'getting an access token')
      if (typeof body.accessToken !== 'string' || !body.accessToken) {
        throw new ApiError(
          'BAD_TOKEN_RESPONSE',
          ExitCode.remote,
          'getting an access token failed: the answer has no accessToken',
        )
      }
      // It goes into a header as it is: a token with a line break or a control character is not one.
      if (!isTokenText(body.accessToken))
        throw badResponse(
          'getting an access token',
          'the token in the answer holds a space, a line break or a control character',
        )
      return {
        accessToken: body.accessToken,
        expireIn: typeof body.expireIn === 'number' && body.expireIn > 0 ? body.expireIn : 7200,
      }
    }
    const error = toApiError(res, 'getting an access token')
    await retry.after(
      {
        kind: 'api',
        status: res.status,
        code: error.code,
        retryAfterMs: parseRetryAfter(headerValue(res.headers, 'retry-after')),
      },
      error,
    )
  }
}

/** Pure: can this be sent as a header value? Visible ASCII only, as DingTalk's tokens are. */
export const isTokenText = (token: string): boolean => /^[\x21-\x7e]+$/.test(token)
