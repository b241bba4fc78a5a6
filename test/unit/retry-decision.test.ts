// The one retry decision as tables: every status, code and network-error class of storage and API, with attempt counts.
import { describe, expect, it } from 'vitest'
import {
  apiFailureClass,
  countsAgainstRetries,
  decideRetry,
  type Failure,
  type RetryDecision,
  type RetryState,
} from '../../src/http/retry-decision.js'
import { DescriptorGate, isDescriptorExhaustion } from '../../src/batch/descriptor-gate.js'

/** Jitter pinned to its top: backoff(attempt) = min(15 s, 250 ms * 2^(attempt-1)). */
const top = () => 1
const state = (over: Partial<RetryState> = {}): RetryState => ({ failures: 1, retries: 5, random: top, ...over })
const storage = (status: number, code = '', retryAfterMs?: number): Failure => ({
  kind: 'storage',
  status,
  code,
  retryAfterMs,
})
const api = (status: number, code: string, retryAfterMs?: number): Failure => ({
  kind: 'api',
  status,
  code,
  retryAfterMs,
})
const wait = (ms: number, reason: string): RetryDecision => ({ action: 'wait', ms, reason }) as RetryDecision
const giveUp = (why: string): RetryDecision => ({ action: 'give-up', why }) as RetryDecision

describe('storage GETs', () => {
  it.each<[string, Failure, Partial<RetryState>, RetryDecision]>([
    // the signature: refreshed once; refused again right after a refresh, the next URL, else give up
    ['403 RequestTimeTooSkewed: refresh', storage(403, 'RequestTimeTooSkewed'), {}, { action: 'refresh' }],
    ['403 AccessDenied: refresh', storage(403, 'AccessDenied'), {}, { action: 'refresh' }],
    ['403 SignatureDoesNotMatch: refresh', storage(403, 'SignatureDoesNotMatch'), {}, { action: 'refresh' }],
    ['403 without a body: refresh', storage(403, ''), {}, { action: 'refresh' }],
    [
      '403 refused after a refresh, another URL: next URL',
      storage(403, 'AccessDenied'),
      { refusedAfterRefresh: true, hasNextUrl: true },
      { action: 'next-url' },
    ],
    [
      '403 refused after a refresh, no other URL: give up',
      storage(403, 'AccessDenied'),
      { refusedAfterRefresh: true, hasNextUrl: false },
      giveUp('not-retryable'),
    ],
    [
      '403 refresh past the retry limit: give up',
      storage(403, 'RequestTimeTooSkewed'),
      { failures: 6 },
      giveUp('retries-spent'),
    ],
    ['403 UserDisable: give up', storage(403, 'UserDisable'), {}, giveUp('not-retryable')],
    // the object changed
    ['412 PreconditionFailed: changed', storage(412, 'PreconditionFailed'), {}, giveUp('changed')],
    ['412 without a code: changed', storage(412), {}, giveUp('changed')],
    // cannot heal
    ['404 NoSuchKey', storage(404, 'NoSuchKey'), {}, giveUp('not-retryable')],
    ['400 InvalidArgument', storage(400, 'InvalidArgument'), {}, giveUp('not-retryable')],
    ['416 InvalidRange', storage(416, 'InvalidRange'), {}, giveUp('not-retryable')],
    ['401', storage(401), {}, giveUp('not-retryable')],
    // transient: backoff grows with the attempt, Retry-After wins (capped at 60 s)
    ['408, attempt 1', storage(408), {}, wait(250, 'busy')],
    ['429, attempt 2', storage(429), { failures: 2 }, wait(500, 'busy')],
    ['500 InternalError, attempt 3', storage(500, 'InternalError'), { failures: 3 }, wait(1000, 'busy')],
    ['502, attempt 5', storage(502), { failures: 5 }, wait(4000, 'busy')],
    ['503 with Retry-After 7 s', storage(503, 'ServiceUnavailable', 7000), {}, wait(7000, 'busy')],
    ['503 with Retry-After 2 min: capped', storage(503, '', 120_000), {}, wait(60_000, 'busy')],
    ['504 past the limit (6 of 5)', storage(504), { failures: 6 }, giveUp('retries-spent')],
    ['500 with --retries 0', storage(500), { retries: 0 }, giveUp('retries-spent')],
    // a URL that keeps failing is left for the next one
    [
      '503, the third in a row on this URL, another URL',
      storage(503),
      { urlFailures: 3, hasNextUrl: true },
      { action: 'next-url' },
    ],
    ['503, the second in a row on this URL', storage(503), { urlFailures: 2, hasNextUrl: true }, wait(250, 'busy')],
    ['503, the third in a row, no other URL', storage(503), { urlFailures: 3, hasNextUrl: false }, wait(250, 'busy')],
  ])('%s', (_, failure, over, expected) => expect(decideRetry(failure, state(over))).toEqual(expected))
})

describe('network errors and stalls (storage and API alike)', () => {
  const codes = [
    'ECONNRESET',
    'ECONNREFUSED',
    'ETIMEDOUT',
    'EAI_AGAIN',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'PREMATURE_CLOSE',
  ]
  it.each(codes)('%s: backoff, then the next URL after 3 on one, then give up past the limit', (code) => {
    const f: Failure = { kind: 'network', code }
    expect(decideRetry(f, state())).toEqual(wait(250, 'network'))
    expect(decideRetry(f, state({ failures: 4 }))).toEqual(wait(2000, 'network'))
    expect(decideRetry(f, state({ urlFailures: 3, hasNextUrl: true }))).toEqual({ action: 'next-url' })
    expect(decideRetry(f, state({ failures: 6 }))).toEqual(giveUp('retries-spent'))
  })
  it('a stall is retried like a network error', () => {
    expect(decideRetry({ kind: 'stalled' }, state({ failures: 2 }))).toEqual(wait(500, 'stalled'))
    expect(decideRetry({ kind: 'stalled' }, state({ failures: 6 }))).toEqual(giveUp('retries-spent'))
  })
  it('anything else (a bug) is never retried', () =>
    expect(decideRetry({ kind: 'other' }, state())).toEqual(giveUp('not-retryable')))
  it('the backoff has jitter over its upper half', () => {
    expect(decideRetry({ kind: 'network', code: 'ECONNRESET' }, state({ failures: 3, random: () => 0 }))).toEqual(
      wait(500, 'network'),
    )
  })
})

describe('DingTalk API calls and the token mint', () => {
  it.each<[string, Failure, Partial<RetryState>, RetryDecision]>([
    [
      'InvalidAuthentication with app credentials: renew the token',
      api(400, 'InvalidAuthentication'),
      { canRenewToken: true },
      { action: 'renew-token' },
    ],
    [
      'Unauthorized with app credentials: renew',
      api(401, 'Unauthorized'),
      { canRenewToken: true },
      { action: 'renew-token' },
    ],
    ['401 without a code, renewable', api(401, 'HTTP_401'), { canRenewToken: true }, { action: 'renew-token' }],
    [
      'InvalidAuthentication with a given token: give up',
      api(400, 'InvalidAuthentication'),
      { canRenewToken: false },
      giveUp('not-retryable'),
    ],
    [
      'throttled (QpsLimitForApi): at least a second',
      api(403, 'Forbidden.AccessDenied.QpsLimitForApi'),
      {},
      wait(1000, 'throttled'),
    ],
    [
      'throttled (QpsLimitForAppkeyAndApi), attempt 4',
      api(403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi'),
      { failures: 4 },
      wait(2000, 'throttled'),
    ],
    [
      'throttled (QpmLimit), Retry-After 3 s',
      api(403, 'Forbidden.AccessDenied.QpmLimitForAppkeyAndApi', 3000),
      {},
      wait(3000, 'throttled'),
    ],
    [
      'throttled past the limit',
      api(403, 'Forbidden.AccessDenied.QpsLimitForApi'),
      { failures: 6 },
      giveUp('retries-spent'),
    ],
    ['429 system.busy', api(429, 'system.busy'), {}, wait(250, 'busy')],
    ['429 systemBusy, attempt 2', api(429, 'systemBusy'), { failures: 2 }, wait(500, 'busy')],
    ['500 systemError', api(500, 'systemError'), {}, wait(250, 'busy')],
    ['500 unknownError', api(500, 'unknownError'), {}, wait(250, 'busy')],
    ['503 operationTimeout', api(503, 'operationTimeout'), {}, wait(250, 'busy')],
    ['502 with no code', api(502, 'HTTP_502'), {}, wait(250, 'busy')],
    ['a new 429 code', api(429, 'SomethingElse'), {}, wait(250, 'busy')],
    ['a new 5xx code', api(503, 'whatever'), {}, wait(250, 'busy')],
    [
      'an API call does not move URLs',
      api(500, 'systemError'),
      { urlFailures: 9, hasNextUrl: true },
      wait(250, 'busy'),
    ],
    [
      'archived: a second first',
      api(400, 'fileArchived'),
      { archiveLeftMs: 600_000, archiveWaits: 1 },
      wait(1000, 'archived'),
    ],
    [
      'archived, the 5th wait',
      api(400, 'fileArchived'),
      { archiveLeftMs: 600_000, archiveWaits: 5 },
      wait(16_000, 'archived'),
    ],
    [
      'archived, the wait cut to what is left',
      api(400, 'fileArchived'),
      { archiveLeftMs: 700, archiveWaits: 9 },
      wait(700, 'archived'),
    ],
    ['archived, nothing left', api(400, 'fileArchived'), { archiveLeftMs: 0 }, giveUp('archive-wait-spent')],
    [
      'archived does not care for --retries',
      api(400, 'fileArchived'),
      { failures: 99, archiveLeftMs: 5000, archiveWaits: 1 },
      wait(1000, 'archived'),
    ],
    [
      'ApiCountLimitForOrg (the month spent)',
      api(403, 'Forbidden.AccessDenied.ApiCountLimitForOrg'),
      {},
      giveUp('not-retryable'),
    ],
    [
      'AccessTokenPermissionDenied',
      api(403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied'),
      {},
      giveUp('not-retryable'),
    ],
    ['IpNotInWhiteList', api(403, 'Forbidden.AccessDenied.IpNotInWhiteList'), {}, giveUp('not-retryable')],
    ['the IP block page', api(403, 'IpBlocked'), {}, giveUp('not-retryable')],
    ['invalidClientIdOrSecret', api(400, 'invalidClientIdOrSecret'), {}, giveUp('not-retryable')],
    ['permissionDenied', api(403, 'permissionDenied'), {}, giveUp('not-retryable')],
    ['orgAuthLevelNotEnough', api(403, 'orgAuthLevelNotEnough'), {}, giveUp('not-retryable')],
    ['paramError.dentryId', api(400, 'paramError.dentryId'), {}, giveUp('not-retryable')],
    ['operationNotSupported', api(400, 'operationNotSupported'), {}, giveUp('not-retryable')],
    ['dentryNotExist', api(404, 'dentryNotExist'), {}, giveUp('not-retryable')],
    ['documentNotExist even with a 500', api(500, 'documentNotExist'), {}, giveUp('not-retryable')],
    ['an unknown 400', api(400, 'neverSeenBefore'), {}, giveUp('not-retryable')],
  ])('%s', (_, failure, over, expected) => expect(decideRetry(failure, state(over))).toEqual(expected))

  it.each<[Failure, boolean]>([
    [api(429, 'systemBusy'), true],
    [api(403, 'Forbidden.AccessDenied.QpsLimitForApi'), true],
    [{ kind: 'network', code: 'ECONNRESET' }, true],
    [{ kind: 'stalled' }, true],
    [storage(403, 'AccessDenied'), true],
    [api(400, 'fileArchived'), false],
    [api(401, 'Unauthorized'), false],
  ])('%j counts against --retries: %s', (failure, counts) => expect(countsAgainstRetries(failure)).toBe(counts))

  it.each<[number, string, string]>([
    [500, 'HTTP_500', 'transient'],
    [404, 'HTTP_404', 'fail'],
    [403, 'Forbidden.AccessDenied.SomethingNew', 'fail'],
    [200, 'fileArchived', 'archived'],
  ])('apiFailureClass(%d, %s) = %s', (status, code, cls) => expect(apiFailureClass(status, code)).toBe(cls))
})

describe('running out of open files (batch/descriptor-gate.ts)', () => {
  it.each<[unknown, boolean]>([
    [{ code: 'FS_EMFILE' }, true],
    [{ code: 'FS_ENFILE' }, true],
    [{ code: 'NET_EMFILE' }, true],
    [{ code: 'FS_ENOSPC' }, false],
    [{ code: 'NET_ECONNRESET' }, false],
    [new Error('x'), false],
    [undefined, false],
  ])('%j is descriptor exhaustion: %s', (err, expected) => expect(isDescriptorExhaustion(err)).toBe(expected))

  it('lowers the files at a time on each EMFILE, tries the file again, and tells once', async () => {
    let told = 0
    const gate = new DescriptorGate(4, () => told++, 1)
    let attempts = 0
    const result = await gate.run(async () => {
      if (++attempts < 3) throw Object.assign(new Error('x'), { code: 'FS_EMFILE' })
      return 'done'
    })
    expect([result, attempts, told, gate.limit]).toEqual(['done', 3, 1, 1])
    await expect(
      gate.run(async () => Promise.reject(Object.assign(new Error('y'), { code: 'FS_ENOSPC' }))),
    ).rejects.toThrow('y')
  })
})
