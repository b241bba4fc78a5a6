// One DingTalk API request on the wire, and DingTalk's answers read: a network failure becomes a NetworkError,
// an error body (either key case, or an HTML block page) an ApiError with what to do.
import type { Dispatcher } from 'undici'
import { childSignal } from '../abort-fanout.js'
import { ApiError, ExitCode, NetworkError } from '../errors.js'
import { classifyApiError } from './api-errors.js'
import { headerValue, loadHttpClient, readBodyText, type HttpLogger } from '../http/dispatcher.js'
import { networkErrorCode } from '../http/retry.js'
import { describeUnreachable } from '../http/proxy-env.js'
import { redactUrl } from '../redact.js'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/** Sends one request; network failures become a NetworkError carrying the undici code. */
export async function send(
  dispatcher: Dispatcher,
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  log: HttpLogger | undefined,
  signal: AbortSignal | undefined,
  count: (() => void) | undefined,
  note?: string,
): Promise<RawResponse> {
  const started = performance.now()
  const { request } = await loadHttpClient()
  // The files of a batch call the API at once on one shared signal; undici would add a listener each.
  const own = signal ? childSignal(signal) : undefined
  count?.()
  try {
    const res = await request(url, { method, headers, body: body ?? null, dispatcher, signal: own?.signal ?? null })
    const text = await readBodyText(res.body)
    log?.({ method, url: redactUrl(url), status: res.statusCode, durationMs: performance.now() - started, ...(note ? { note } : {}) })
    return { status: res.statusCode, headers: res.headers, text }
  } catch (err) {
    if (signal?.aborted) throw signal.reason
    const code = networkErrorCode(err) ?? (err as { code?: string }).code ?? 'NETWORK'
    log?.({ method, url: redactUrl(url), status: code, durationMs: performance.now() - started, ...(note ? { note } : {}) })
    const { message, hint } = describeUnreachable(url, code)
    throw new NetworkError(message, { code: `NET_${code}`, hint, cause: err })
  } finally {
    own?.release()
  }
}

/** The keys of an error body, read in either case as the SDK's gateway does (`Code`|`code`, ...). */
export function readErrorBody(parsed: Record<string, unknown>): { code?: string; message?: string; requestId?: string; requiredScopes?: string[] } {
  const pick = (upper: string, lower: string): unknown => parsed[upper] ?? parsed[lower]
  const code = pick('Code', 'code')
  const message = pick('Message', 'message')
  const requestId = pick('RequestId', 'requestid')
  const detail = pick('AccessDeniedDetail', 'accessdenieddetail') as Record<string, unknown> | undefined
  const scopes = detail && typeof detail === 'object' ? (detail.requiredScopes ?? detail.RequiredScopes) : undefined
  return {
    ...(typeof code === 'string' && code !== '' ? { code } : {}),
    ...(typeof message === 'string' && message !== '' ? { message } : {}),
    ...(typeof requestId === 'string' && requestId !== '' ? { requestId } : {}),
    ...(Array.isArray(scopes) ? { requiredScopes: scopes.map(String) } : {}),
  }
}

/** Turns a non-2xx answer into an ApiError: JSON {code, requestid, message} in either case, or anything else (an HTML block page). */
export function toApiError(res: RawResponse, what: string, unionId?: string): ApiError {
  const headerRequestId = headerValue(res.headers, 'x-acs-request-id')
  let parsed: unknown
  try {
    parsed = JSON.parse(res.text)
  } catch {
    parsed = undefined
  }
  const body = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? readErrorBody(parsed as Record<string, unknown>) : {}
  if (body.code === undefined) {
    const isHtml = /^\s*</.test(res.text)
    const code = isHtml && res.status === 403 ? 'IpBlocked' : `HTTP_${res.status}`
    return new ApiError(
      code,
      res.status === 403 || res.status === 401 ? ExitCode.auth : ExitCode.remote,
      isHtml
        ? `${what} failed: DingTalk answered HTTP ${res.status} with an HTML page instead of JSON`
        : `${what} failed: HTTP ${res.status} with an unreadable body`,
      {
        status: res.status,
        requestId: headerRequestId,
        hint: isHtml
          ? 'this is usually the block DingTalk puts on an IP after too many calls (over 10,000 in 20 s): wait 5 minutes and run again'
          : 'run again later; check --endpoint if this persists',
      },
    )
  }
  const cls = classifyApiError(res.status, body.code, { unionId, requiredScopes: body.requiredScopes, what })
  return new ApiError(body.code, cls.exitCode, `${what} failed: ${body.code}: ${body.message ?? body.code}`, {
    status: res.status,
    requestId: headerRequestId ?? body.requestId,
    hint: cls.hint,
  })
}

/** The last network failure of a call that was retried says so: the retry lines before it are condensed. */
export function gaveUp(err: unknown, retried: number): unknown {
  if (!(err instanceof NetworkError) || retried === 0) return err
  return new NetworkError(`${err.message} (after ${retried} ${retried === 1 ? 'retry' : 'retries'})`, { code: err.code, hint: err.hint, cause: err.cause })
}

