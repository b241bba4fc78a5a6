// The one retry decision: for a failed request of any kind (storage GET, DingTalk API call, token mint), give
// up, refresh the signed info, move to the next URL, renew the token, or wait N ms and try again.
import { retryDelay, type BackoffPolicy } from './retry.js'

/** A failed request, described by what came back (or did not). */
export type Failure =
  /** The network failed: reset, refused, DNS, a timeout; `code` is undici's or the socket's (ECONNRESET...). */
  | { kind: 'network'; code: string }
  /** The response stopped delivering bytes for the stall timeout. */
  | { kind: 'stalled' }
  /** An OSS (object storage) answer that is not 200/206; `code` is the XML error's <Code> ('' when none). */
  | { kind: 'storage'; status: number; code: string; retryAfterMs?: number | undefined }
  /** A DingTalk API answer that is not a success (also the token mint); `code` is DingTalk's error code. */
  | { kind: 'api'; status: number; code: string; retryAfterMs?: number | undefined }
  /** Anything else, such as a programming bug: never retried. */
  | { kind: 'other' }

/** Where a request loop stands when a failure comes in: what the decision needs, and nothing else. */
export interface RetryState {
  /**
   * Failures in a row of this request loop that count against --retries, this one included (progress resets
   * it). Archive waits and token renewals have limits of their own and are not counted (countsAgainstRetries).
   */
  failures: number
  /** --retries: failures in a row allowed before giving up. */
  retries: number
  /** Storage: failures in a row on this URL, across connections, this one included. */
  urlFailures?: number | undefined
  /** Storage: another resource URL comes after this one. */
  hasNextUrl?: boolean | undefined
  /** Storage: this URL refused a signature fetched after its previous refusal, with no success in between. */
  refusedAfterRefresh?: boolean | undefined
  /** API: a new token can be minted (app credentials), and none was minted for this call yet. */
  canRenewToken?: boolean | undefined
  /** API: how much longer an archived file is waited for (--archive-wait), in ms. */
  archiveLeftMs?: number | undefined
  /** API: archive waits so far for this call, this one included (their backoff grows with it). */
  archiveWaits?: number | undefined
  /** Injectable for tables: the jitter of the backoff. */
  random?: (() => number) | undefined
}

export type WaitReason = 'network' | 'stalled' | 'busy' | 'throttled' | 'archived'

export type RetryDecision =
  | { action: 'give-up'; why: 'not-retryable' | 'retries-spent' | 'changed' | 'archive-wait-spent' }
  /** Fetch new signed info (shared by the connections that hit the same expiry), then try at once. */
  | { action: 'refresh' }
  /** Everyone moves on to the next resource URL, at once. */
  | { action: 'next-url' }
  /** Mint a new access token, then try at once. */
  | { action: 'renew-token' }
  | { action: 'wait'; ms: number; reason: WaitReason }

/** What a failure means, before the counters are looked at. */
export type FailureClass = 'refresh' | 'renew-token' | 'throttled' | 'transient' | 'archived' | 'changed' | 'fail'

/**
 * Connections move to the next resource URL after this many failures in a row on one (counted across
 * connections; bytes delivered reset the count), so a dead host is left quickly but one dropped connection
 * is not mistaken for it.
 */
export const URL_FAILURES_BEFORE_SWITCH = 3

/** OSS codes of a 403 that a fresh signature may cure: expired, or refused ('' = no XML body). */
const SIGNATURE_CODES = new Set(['RequestTimeTooSkewed', 'AccessDenied', 'SignatureDoesNotMatch', ''])

/** Pure: what an OSS status and error code mean. */
export function storageFailureClass(status: number, code: string): FailureClass {
  if (status === 403 && SIGNATURE_CODES.has(code)) return 'refresh'
  if (status === 412) return 'changed'
  if (status === 408 || status === 429 || status >= 500) return 'transient'
  return 'fail'
}

/** DingTalk codes that asking again cannot change, whatever the status they come with. */
const API_REFUSALS = new Set([
  'invalidClientIdOrSecret',
  'permissionDenied',
  'orgAuthLevelNotEnough',
  'spaceNotExist',
  'documentNotExist',
  'dentryNotExist',
  'operationNotSupported',
  'dentryDownloadProtocolNotSupport',
  'paramError',
  'paramError.spaceId',
  'paramError.dentryId',
])

/** Pure: what a DingTalk status and error code mean (the codes in dingtalk-api.md; unknown ones by status). */
export function apiFailureClass(status: number, code: string): FailureClass {
  if (code === 'InvalidAuthentication' || code === 'Unauthorized') return 'renew-token'
  if (code === 'fileArchived') return 'archived'
  if (/^Forbidden\.AccessDenied\.(Qps|Qpm)Limit/.test(code)) return 'throttled'
  if (['systemBusy', 'system.busy', 'systemError', 'unknownError', 'operationTimeout'].includes(code))
    return 'transient'
  if (API_REFUSALS.has(code) || code.startsWith('Forbidden.AccessDenied')) return 'fail'
  if (status === 429 || status >= 500) return 'transient'
  if (status === 401) return 'renew-token'
  return 'fail'
}

/** Archives are restored in minutes: their waits start at a second and grow to a minute. */
const ARCHIVE_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000 }

/**
 * Pure: the decision list, in order. A failure that cannot heal gives up at once; a refusal of the
 * signature refreshes it, and a URL refused again right after a refresh is left for the next; past the
 * retry limit everything gives up; a URL failing again and again is left for the next; the rest waits
 * (Retry-After honoured, throttling at least the second its penalty lasts) and tries again.
 */
export function decideRetry(failure: Failure, state: RetryState): RetryDecision {
  const cls = failureClass(failure)
  const retryAfter = failure.kind === 'storage' || failure.kind === 'api' ? failure.retryAfterMs : undefined
  if (cls === 'fail') return { action: 'give-up', why: 'not-retryable' }
  if (cls === 'changed') return { action: 'give-up', why: 'changed' }
  if (cls === 'renew-token')
    return state.canRenewToken ? { action: 'renew-token' } : { action: 'give-up', why: 'not-retryable' }
  if (cls === 'archived') {
    const left = state.archiveLeftMs ?? 0
    const ms = Math.min(retryDelay(state.archiveWaits ?? 1, retryAfter, 1_000, ARCHIVE_BACKOFF, state.random), left)
    return ms > 0 ? { action: 'wait', ms, reason: 'archived' } : { action: 'give-up', why: 'archive-wait-spent' }
  }
  if (state.failures > state.retries) return { action: 'give-up', why: 'retries-spent' }
  if (cls === 'refresh') {
    if (!state.refusedAfterRefresh) return { action: 'refresh' }
    return state.hasNextUrl ? { action: 'next-url' } : { action: 'give-up', why: 'not-retryable' }
  }
  if (failure.kind !== 'api' && state.hasNextUrl && (state.urlFailures ?? 0) >= URL_FAILURES_BEFORE_SWITCH)
    return { action: 'next-url' }
  const throttled = cls === 'throttled'
  const reason: WaitReason = throttled
    ? 'throttled'
    : failure.kind === 'network'
      ? 'network'
      : failure.kind === 'stalled'
        ? 'stalled'
        : 'busy'
  // Throttling penalties last about a second: retrying sooner only extends them.
  return {
    action: 'wait',
    ms: retryDelay(state.failures, retryAfter, throttled ? 1_000 : 0, undefined, state.random),
    reason,
  }
}

/** Pure: does this failure count against --retries? Archive waits and token renewals are bounded otherwise. */
export function countsAgainstRetries(failure: Failure): boolean {
  const cls = failureClass(failure)
  return cls !== 'archived' && cls !== 'renew-token'
}

/** Pure: the class of any failure (network errors and stalls are transient; unknown errors are not). */
export function failureClass(failure: Failure): FailureClass {
  switch (failure.kind) {
    case 'network':
    case 'stalled':
      return 'transient'
    case 'storage':
      return storageFailureClass(failure.status, failure.code)
    case 'api':
      return apiFailureClass(failure.status, failure.code)
    default:
      return 'fail'
  }
}
