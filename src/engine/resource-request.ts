// One GET of a signed resource URL: exactly the signed headers plus Range, the answer checked before use.
import type { Dispatcher } from 'undici'
import { MAX_ERROR_BYTES, headerValue, loadHttpClient, readBodyText, type HttpLogger } from '../http/dispatcher.js'
import { NetworkError } from '../errors.js'
import { networkErrorCode, parseRetryAfter } from '../http/retry.js'
import { describeUnreachable } from '../http/proxy-env.js'
import { redactUrl } from '../redact.js'
import { StorageResponseError, parseOssError } from './storage-response.js'
import type { ByteRange } from './segments.js'
import type { RequestCounter } from '../http/request-counter.js'

export interface ResourceResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Dispatcher.ResponseData['body']
  etag: string | null
  /** The whole object's CRC-64 as OSS reports it (decimal), or null when the header is absent or malformed. */
  crc64: bigint | null
  /** The CRC-64 header as sent, when it is not a decimal CRC-64: reported as malformed, never as absent. */
  crc64Malformed: string | null
  lastModified: string | null
}

/** The largest CRC-64. */
const MAX_CRC = (1n << 64n) - 1n

/** Pure: the x-oss-hash-crc64ecma header read: a CRC-64, absent, or malformed (kept as sent, for the message). */
export function parseCrcHeader(value: string | undefined): { crc64: bigint | null; crc64Malformed: string | null } {
  if (value === undefined) return { crc64: null, crc64Malformed: null }
  const crc = /^\d{1,20}$/.test(value.trim()) ? BigInt(value.trim()) : undefined
  return crc !== undefined && crc <= MAX_CRC
    ? { crc64: crc, crc64Malformed: null }
    : { crc64: null, crc64Malformed: value.slice(0, 40) }
}

/**
 * Starts a GET for `range` (or the whole object). Only the signed headers and Range are sent: an extra
 * header such as Content-Type breaks the OSS signature, and x-oss-* headers are part of what is signed,
 * so even `x-oss-range-behavior` must not be added. HEAD is not signed either, which is why size
 * probes are 1-byte GETs.
 */
export async function requestResource(
  url: string,
  signedHeaders: Record<string, string>,
  range: ByteRange | undefined,
  options: {
    dispatcher: Dispatcher
    signal: AbortSignal
    log?: HttpLogger | undefined
    note?: string | undefined
    counter?: RequestCounter | undefined
  },
): Promise<ResourceResponse> {
  const { request } = await loadHttpClient()
  const headers: Record<string, string> = { ...signedHeaders }
  if (range) headers.range = `bytes=${range.start}-${range.end - 1}`
  const started = performance.now()
  const logLine = (status: number | string) =>
    options.log?.({
      method: 'GET',
      url: redactUrl(url),
      status,
      durationMs: performance.now() - started,
      note: [range ? `range ${range.start}-${range.end - 1}` : 'whole object', options.note].filter(Boolean).join(', '),
    })
  let res: Dispatcher.ResponseData
  options.counter?.storage()
  try {
    res = await request(url, { method: 'GET', headers, dispatcher: options.dispatcher, signal: options.signal })
  } catch (err) {
    if (options.signal.aborted) throw options.signal.reason
    const code = networkErrorCode(err) ?? (err as { code?: string }).code ?? 'NETWORK'
    logLine(code)
    // Only the origin: the signed URL's path and query never reach a message.
    const { message, hint } = describeUnreachable(new URL(url).origin, code, process.env, 'check the network')
    throw new NetworkError(message, { code: `NET_${code}`, hint, cause: err })
  }
  logLine(res.statusCode)
  if (res.statusCode !== 200 && res.statusCode !== 206) {
    const text = await readBodyText(res.body, { limit: MAX_ERROR_BYTES, cut: true }).catch(() => '')
    const oss = parseOssError(text)
    throw new StorageResponseError(
      res.statusCode,
      oss.code,
      `the storage host answered HTTP ${res.statusCode}${oss.code ? ` ${oss.code}` : ''}${oss.message ? `: ${oss.message}` : ''}`,
      headerValue(res.headers, 'x-oss-request-id'),
      parseRetryAfter(headerValue(res.headers, 'retry-after')),
    )
  }
  return {
    status: res.statusCode,
    headers: res.headers,
    body: res.body,
    etag: headerValue(res.headers, 'etag') ?? null,
    ...parseCrcHeader(headerValue(res.headers, 'x-oss-hash-crc64ecma')),
    lastModified: headerValue(res.headers, 'last-modified') ?? null,
  }
}
