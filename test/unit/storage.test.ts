// Storage answers and timing: OSS errors, signed-URL refresh sharing, backoff, Retry-After, network codes.
import { describe, expect, it } from 'vitest'
import { parseOssError, StorageResponseError } from '../../src/engine/storage-response.js'
import { storageFailureClass, type FailureClass } from '../../src/http/retry-decision.js'
import { expiryMarginMs, isNearExpiry, SignedUrlSource } from '../../src/engine/signed-url-source.js'
import { backoffDelay, networkErrorCode, parseRetryAfter, retryDelay } from '../../src/http/retry.js'
import type { DownloadInfo } from '../../src/dingtalk/client.js'

describe('parseOssError', () => {
  const xml = (code: string, message: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${message}</Message>\n  <RequestId>RID</RequestId>\n  <HostId>h</HostId>\n</Error>`
  it.each<[string, string, { code: string; message: string }]>([
    [
      'expired',
      xml('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'),
      {
        code: 'RequestTimeTooSkewed',
        message: 'The difference between the request time and the current time is too large.',
      },
    ],
    ['signature', xml('SignatureDoesNotMatch', 'bad sig'), { code: 'SignatureDoesNotMatch', message: 'bad sig' }],
    [
      'whitespace trimmed',
      '<Error><Code> AccessDenied </Code><Message>\n Request has expired \n</Message></Error>',
      { code: 'AccessDenied', message: 'Request has expired' },
    ],
    ['code only', '<Error><Code>NoSuchKey</Code></Error>', { code: 'NoSuchKey', message: '' }],
    ['empty body', '', { code: '', message: '' }],
    ['HTML', '<html><body>502 Bad Gateway</body></html>', { code: '', message: '' }],
    ['JSON', '{"code":"x"}', { code: '', message: '' }],
    ['unterminated', '<Error><Code>Oops', { code: '', message: '' }],
  ])('%s', (_, body, expected) => expect(parseOssError(body)).toEqual(expected))
})

describe('storageFailureClass', () => {
  it.each<[number, string, FailureClass]>([
    [403, 'RequestTimeTooSkewed', 'refresh'],
    [403, 'AccessDenied', 'refresh'],
    [403, 'SignatureDoesNotMatch', 'refresh'],
    [403, '', 'refresh'],
    [403, 'UserDisable', 'fail'],
    [412, 'PreconditionFailed', 'changed'],
    [412, '', 'changed'],
    [408, '', 'transient'],
    [429, '', 'transient'],
    [500, 'InternalError', 'transient'],
    [502, '', 'transient'],
    [503, 'ServiceUnavailable', 'transient'],
    [504, '', 'transient'],
    [404, 'NoSuchKey', 'fail'],
    [400, 'InvalidArgument', 'fail'],
    [416, 'InvalidRange', 'fail'],
    [401, '', 'fail'],
  ])('%d %j → %s', (status, code, expected) => expect(storageFailureClass(status, code)).toBe(expected))

  it.each<[number, string, string, number]>([
    [404, 'NoSuchKey', 'NoSuchKey', 4],
    [403, 'RequestTimeTooSkewed', 'RequestTimeTooSkewed', 5],
    [503, '', 'HTTP_503', 5],
  ])('StorageResponseError %d %j → code %s, exit %d', (status, ossCode, code, exitCode) => {
    const err = new StorageResponseError(status, ossCode, 'm', 'rid', 1000)
    expect([err.code, err.exitCode, err.ossCode, err.status, err.requestId, err.retryAfterMs]).toEqual([
      code,
      exitCode,
      ossCode,
      status,
      'rid',
      1000,
    ])
  })
})

describe('expiryMarginMs and isNearExpiry', () => {
  it.each<[number, number]>([
    [900, 60_000],
    [600, 60_000],
    [300, 30_000],
    [60, 6_000],
    [10, 1_000],
    [1, 100],
  ])('margin for %d s → %d ms', (seconds, expected) => expect(expiryMarginMs(seconds)).toBe(expected))

  const info = (issuedAt: number, expirationSeconds: number): DownloadInfo => ({
    resourceUrls: ['https://a.test'],
    headers: {},
    expirationSeconds,
    region: 'X',
    issuedAt,
  })
  it.each<[number, number, number, boolean]>([
    [0, 900, 0, false],
    [0, 900, 839_999, false],
    [0, 900, 840_000, true],
    [0, 900, 900_000, true],
    [1_000_000, 900, 1_839_999, false],
    [1_000_000, 900, 1_840_000, true],
    [0, 10, 8_999, false],
    [0, 10, 9_000, true],
  ])('issued %d, %d s, now %d → %s', (issuedAt, seconds, now, expected) =>
    expect(isNearExpiry(info(issuedAt, seconds), now)).toBe(expected),
  )
})

describe('SignedUrlSource', () => {
  const info = (tag: string, issuedAt = 0): DownloadInfo => ({
    resourceUrls: [`https://${tag}.test`],
    headers: { Authorization: tag },
    expirationSeconds: 900,
    region: 'X',
    issuedAt,
  })

  /** A fetch that counts calls and resolves only when told to. */
  function fakeFetch() {
    const state = { calls: 0, release: [] as ((i: DownloadInfo) => void)[], fail: [] as ((e: Error) => void)[] }
    const fetch = () => {
      state.calls++
      return new Promise<DownloadInfo>((resolve, reject) => {
        state.release.push(resolve)
        state.fail.push(reject)
      })
    }
    return { state, fetch }
  }

  it('concurrent refresh(gen) calls share one fetch', async () => {
    const { state, fetch } = fakeFetch()
    const reasons: string[] = []
    const source = new SignedUrlSource(info('a'), fetch, (r) => reasons.push(r))
    const all = Promise.all([source.refresh(0, 'r1'), source.refresh(0, 'r2'), source.refresh(0, 'r3')])
    expect(state.calls).toBe(1)
    state.release[0]!(info('b'))
    const results = await all
    expect(results.map((r) => [r.generation, r.headers.Authorization])).toEqual([
      [1, 'b'],
      [1, 'b'],
      [1, 'b'],
    ])
    expect([state.calls, source.refreshes, source.current.generation, reasons]).toEqual([1, 1, 1, ['r1']])
  })

  it('a refresh with an old generation after a newer one returns current without fetching', async () => {
    const { state, fetch } = fakeFetch()
    const source = new SignedUrlSource(info('a'), fetch, () => {})
    const first = source.refresh(0, 'x')
    state.release[0]!(info('b'))
    await first
    const late = await source.refresh(0, 'late 403')
    expect([state.calls, late.generation, late.headers.Authorization]).toEqual([1, 1, 'b'])
    // Seeing the current generation does fetch again.
    const again = source.refresh(1, 'y')
    expect(state.calls).toBe(2)
    state.release[1]!(info('c'))
    expect((await again).generation).toBe(2)
  })

  it('a failed fetch is not cached: the next refresh fetches again', async () => {
    const { state, fetch } = fakeFetch()
    const source = new SignedUrlSource(info('a'), fetch, () => {})
    const failing = source.refresh(0, 'x')
    state.fail[0]!(new Error('boom'))
    await expect(failing).rejects.toThrow('boom')
    expect(source.current.generation).toBe(0)
    const retry = source.refresh(0, 'x')
    expect(state.calls).toBe(2)
    state.release[1]!(info('b'))
    expect((await retry).generation).toBe(1)
  })

  it.each<[string, number, number, number]>([
    ['fresh signature: no fetch', 0, 0, 0],
    ['just before the margin: no fetch', 0, 839_999, 0],
    ['inside the margin: one fetch', 0, 840_000, 1],
    ['past expiry: one fetch', 0, 2_000_000, 1],
    ['issued later, still fresh', 1_000_000, 1_500_000, 0],
  ])('forNewRequest: %s', async (_, issuedAt, now, fetches) => {
    let calls = 0
    const source = new SignedUrlSource(
      info('a', issuedAt),
      async () => (calls++, info('b', now)),
      () => {},
    )
    const got = await source.forNewRequest(now)
    expect(calls).toBe(fetches)
    expect(got.generation).toBe(fetches)
    expect(got.headers.Authorization).toBe(fetches ? 'b' : 'a')
  })

  it('forNewRequest from many connections near expiry shares one fetch', async () => {
    let calls = 0
    const source = new SignedUrlSource(
      info('a', 0),
      async () => (calls++, info('b', 900_000)),
      () => {},
    )
    const got = await Promise.all([1, 2, 3, 4].map(() => source.forNewRequest(899_000)))
    expect(calls).toBe(1)
    expect(got.every((g) => g.generation === 1)).toBe(true)
  })
})

describe('backoffDelay', () => {
  const policy = { baseMs: 100, maxMs: 1000 }
  it.each<[number, number, number]>([
    [1, 0, 50],
    [1, 1, 100],
    [1, 0.5, 75],
    [2, 0, 100],
    [2, 1, 200],
    [3, 1, 400],
    [4, 1, 800],
    [5, 1, 1000],
    [5, 0, 500],
    [30, 1, 1000],
    [0, 1, 100],
  ])('attempt %d, random %d → %d ms', (attempt, r, expected) =>
    expect(backoffDelay(attempt, policy, () => r)).toBe(expected),
  )

  it('grows then caps with the default policy', () => {
    const delays = Array.from({ length: 12 }, (_, i) => backoffDelay(i + 1, undefined, () => 1))
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!)
    expect(delays[0]).toBe(250)
    expect(delays.at(-1)).toBe(15_000)
  })

  it('stays within half the ceiling and the ceiling for any random', () => {
    for (let i = 0; i <= 10; i++) {
      const d = backoffDelay(3, policy, () => i / 10)
      expect(d).toBeGreaterThanOrEqual(200)
      expect(d).toBeLessThanOrEqual(400)
    }
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')
  it.each<[string, string | string[] | undefined, number | undefined]>([
    ['absent', undefined, undefined],
    ['empty', '', undefined],
    ['blank', '  ', undefined],
    ['seconds', '120', 120_000],
    ['zero', '0', 0],
    ['padded seconds', ' 5 ', 5_000],
    ['array takes the first', ['3', '9'], 3_000],
    ['HTTP date 30 s ahead', 'Wed, 21 Oct 2015 07:28:30 GMT', 30_000],
    ['HTTP date in the past → 0', 'Wed, 21 Oct 2015 07:00:00 GMT', 0],
    ['garbage', 'soon', undefined],
    ['garbage with letters', 'abc', undefined],
    ['seconds with a unit', '5 seconds', undefined],
    // Not delta-seconds and not an HTTP date: must be unreadable, not "retry now".
    ['fractional seconds', '1.5', undefined],
    ['negative seconds', '-1', undefined],
  ])('%s', (_, value, expected) => expect(parseRetryAfter(value, now)).toBe(expected))
})

describe('retryDelay', () => {
  const policy = { baseMs: 100, maxMs: 1000 }
  it.each<[string, number, number, number]>([
    ['Retry-After used', 5_000, 0, 5_000],
    ['Retry-After capped at 60 s', 3_600_000, 0, 60_000],
    ['Retry-After exactly 60 s', 60_000, 0, 60_000],
    ['Retry-After 0 honours the floor', 0, 1_000, 1_000],
    ['Retry-After above the floor', 2_000, 1_000, 2_000],
    ['floor above the cap wins', 3_600_000, 90_000, 90_000],
  ])('%s', (_, retryAfter, floor, expected) => expect(retryDelay(1, retryAfter, floor, policy)).toBe(expected))

  // Without Retry-After it is backoff (unpinned random): check the bounds instead of one value.
  it.each<[string, number, number, number, number]>([
    ['attempt 1', 1, 0, 50, 100],
    ['attempt 3', 3, 0, 200, 400],
    ['attempt 9 capped', 9, 0, 500, 1000],
    ['floor above the backoff', 1, 1_000, 1_000, 1_000],
  ])('backoff, %s', (_, attempt, floor, min, max) => {
    for (let i = 0; i < 20; i++) {
      const d = retryDelay(attempt, undefined, floor, policy)
      expect(d).toBeGreaterThanOrEqual(min)
      expect(d).toBeLessThanOrEqual(max)
    }
  })
})

describe('networkErrorCode', () => {
  const coded = (code: string, cause?: unknown) =>
    Object.assign(new Error(code), { code }, cause === undefined ? {} : { cause })
  const chain = (depth: number, inner: unknown) => {
    let e = inner
    for (let i = 0; i < depth; i++) e = new Error('wrap', { cause: e })
    return e
  }
  it.each<[string, unknown, string | undefined]>([
    ['direct ECONNRESET', coded('ECONNRESET'), 'ECONNRESET'],
    ['direct undici timeout', coded('UND_ERR_HEADERS_TIMEOUT'), 'UND_ERR_HEADERS_TIMEOUT'],
    [
      'fetch-style TypeError with a socket cause',
      new TypeError('fetch failed', { cause: coded('ECONNREFUSED') }),
      'ECONNREFUSED',
    ],
    ['two levels down', chain(2, coded('ETIMEDOUT')), 'ETIMEDOUT'],
    ['undici wrapper with an unknown code over a known one', coded('UND_ERR_SOMETHING', coded('EPIPE')), 'EPIPE'],
    ['outermost known code wins', coded('UND_ERR_SOCKET', coded('ECONNRESET')), 'UND_ERR_SOCKET'],
    ['too deep to look', chain(6, coded('ECONNRESET')), undefined],
    ['plain TypeError', new TypeError('x is not a function'), undefined],
    ['unknown code', coded('ENOENT'), undefined],
    ['code not a string', Object.assign(new Error('x'), { code: 42 }), undefined],
    ['undefined', undefined, undefined],
    ['null', null, undefined],
    ['a string', 'ECONNRESET', undefined],
    ['a plain object', { code: 'EAI_AGAIN' }, 'EAI_AGAIN'],
  ])('%s', (_, err, expected) => expect(networkErrorCode(err)).toBe(expected))
})
