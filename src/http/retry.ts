// Retry timing shared by the API client and the download engine: backoff with jitter, Retry-After, abortable waits.
import { onAbort } from '../abort-fanout.js'

export interface BackoffPolicy {
  /** Delay before the first retry, in ms. */
  baseMs: number
  /** No single wait is longer than this. */
  maxMs: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 15_000 }

/**
 * Exponential backoff with "full jitter" over the upper half: attempt 1 waits 0.5–1x base, attempt 2
 * 1–2x base, and so on, capped. Jitter keeps many connections from retrying in lockstep.
 * `random` is injectable so tests can pin it.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value
  if (v === undefined || v.trim() === '') return undefined
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000
  // Only an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"): Date.parse alone would read "1.5" as a year.
  if (!/^[a-z]{3},\s+\d{1,2}\s+[a-z]{3}\s+\d{4}\s+\d{2}:\d{2}:\d{2}\s+gmt$/i.test(v.trim())) return undefined
  const date = Date.parse(v)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** The wait before a retry: the server's Retry-After when given (capped), else backoff; never below `floorMs`. */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  floorMs = 0,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random?: () => number,
): number {
  const wait = retryAfterMs !== undefined ? Math.min(retryAfterMs, 60_000) : backoffDelay(attempt, policy, random)
  return Math.max(floorMs, wait)
}

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts. Many connections wait on one
 * signal at once, so the wait registers through onAbort (one listener per signal), not on the signal.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      forget()
      resolve()
    }, ms)
    const forget = signal
      ? onAbort(signal, (reason) => {
          clearTimeout(timer)
          reject(reason)
        })
      : () => {}
  })
}

/** Network-level failures worth another try; anything else (a programming bug) is not retried. */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_ABORTED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
])

/** The error code of a network failure, looking through `cause` chains (undici wraps socket errors). */
export function networkErrorCode(err: unknown): string | undefined {
  let e: unknown = err
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && RETRYABLE_NETWORK_CODES.has(code)) return code
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}
