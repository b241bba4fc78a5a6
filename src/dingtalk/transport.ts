// One DingTalk API request on the wire, and DingTalk's answers read: a network failure becomes a NetworkError,
// an error body (either key case, or an HTML block page) an ApiError with what to do.
import { numberDefault } from '../config/options.js'
import type { Dispatcher } from 'undici'
import { childSignal } from '../abort-fanout.js'
import { ApiError, DtdlError, ExitCode, NetworkError } from '../errors.js'
import { classifyApiError } from './api-errors.js'
import {
  API_HEADERS_TIMEOUT_MS,
  MAX_ANSWER_BYTES,
  MAX_ERROR_BYTES,
  headerValue,
  loadHttpClient,
  readBodyText,
  type HttpLogger,
} from '../http/dispatcher.js'
import { networkErrorCode } from '../http/retry.js'
import { describeUnreachable } from '../http/proxy-env.js'
import { redactUrl } from '../redact.js'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/** How one API request is sent, besides what it asks. */
export interface SendOptions {
  dispatcher: Dispatcher
  log?: HttpLogger | undefined
  signal?: AbortSignal | undefined
  /** Called right before it is sent: the run's count (and --max-api-calls, which may refuse it). */
  count?: (() => void) | undefined
  /** No body byte for this long (--stall-timeout): abandoned and retried. Default 30 s. */
  stallTimeoutMs?: number | undefined
  note?: string | undefined
}

/**
 * Sends one request, bounded in time (connect: the dispatcher's --connect-timeout; headers:
 * API_HEADERS_TIMEOUT_MS, or the stall timeout when shorter; body: the stall timeout) and in size (MAX_ANSWER_BYTES for
 * a success, refused beyond; an error answer cut at MAX_ERROR_BYTES). Network failures and timeouts become a
 * NetworkError.
 */
export async function send(
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  what: string,
  o: SendOptions,
): Promise<RawResponse> {
  const started = performance.now()
  const { request } = await loadHttpClient()
  // The files of a batch call the API at once on one shared signal; undici would add a listener each.
  const own = o.signal ? childSignal(o.signal) : undefined
  // A silent answer, before its headers or in its body, is a stall like a storage response's.
  const stallMs = o.stallTimeoutMs ?? numberDefault('stallTimeoutMs')
  const logLine = (status: number | string) =>
    o.log?.({
      method,
      url: redactUrl(url),
      status,
      durationMs: performance.now() - started,
      ...(o.note ? { note: o.note } : {}),
    })
  o.count?.()
  try {
    const res = await request(url, {
      method,
      headers,
      body: body ?? null,
      dispatcher: o.dispatcher,
      signal: own?.signal ?? null,
      headersTimeout: Math.min(API_HEADERS_TIMEOUT_MS, stallMs),
      bodyTimeout: stallMs,
    })
    const ok = res.statusCode >= 200 && res.statusCode < 300
    const text = await readBodyText(
      res.body,
      ok
        ? {
            limit: MAX_ANSWER_BYTES,
            cut: false,
            what: `${what} failed`,
            contentLength: headerValue(res.headers, 'content-length'),
          }
        : { limit: MAX_ERROR_BYTES, cut: true },
    )
    logLine(res.statusCode)
    return { status: res.statusCode, headers: res.headers, text }
  } catch (err) {
    if (o.signal?.aborted) throw o.signal.reason
    if (err instanceof DtdlError) throw err
    const code = networkErrorCode(err) ?? (err as { code?: string }).code ?? 'NETWORK'
    logLine(code)
    const { message, hint } = describeUnreachable(url, code)
    throw new NetworkError(message, { code: `NET_${code}`, hint, cause: err })
  } finally {
    own?.release()
  }
}

/**
 * A success answer as a JSON object, or BAD_RESPONSE naming the call: not JSON at all (a captive portal's
 * page, answered with 200), or JSON that is not an object (`null`, a list, a number).
 */
export function parseAnswer(text: string, what: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    const start = JSON.stringify(text.trimStart().slice(0, 40))
    throw badResponse(
      what,
      `the answer is not JSON (it starts with ${start})`,
      'a captive portal, proxy or firewall may be answering instead of DingTalk: check the network and --endpoint (--verbose shows the request)',
    )
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw badResponse(
      what,
      `the answer is ${parsed === null ? 'null' : Array.isArray(parsed) ? 'a list' : `a ${typeof parsed}`}, not a JSON object`,
    )
  return parsed as Record<string, unknown>
}

/** An answer of the wrong shape: exit 5, code BAD_RESPONSE, the call named. */
export function badResponse(
  what: string,
  why: string,
  hint = 'run again later; if it persists, report it with --verbose output',
): DtdlError {
  return new DtdlError('BAD_RESPONSE', ExitCode.remote, `${what} failed: ${why}`, { hint })
}

/** The keys of an error body, read in either case as the SDK's gateway does (`Code`|`code`, ...). */
export function readErrorBody(parsed: Record<string, unknown>): {
  code?: string
  message?: string
  requestId?: string
  requiredScopes?: string[]
} {
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

/**
 * Turns a non-2xx answer into an ApiError: JSON {code, requestid, message} in either case, or anything else (an HTML
 * block page).
 */
export function toApiError(res: RawResponse, what: string, unionId?: string): ApiError {
  const headerRequestId = headerValue(res.headers, 'x-acs-request-id')
  let parsed: unknown
  try {
    parsed = JSON.parse(res.text)
  } catch {
    parsed = undefined
  }
  const body =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? readErrorBody(parsed as Record<string, unknown>)
      : {}
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
  return new NetworkError(`${err.message} (after ${retried} ${retried === 1 ? 'retry' : 'retries'})`, {
    code: err.code,
    hint: err.hint,
    cause: err.cause,
  })
}
