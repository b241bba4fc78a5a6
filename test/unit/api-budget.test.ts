// The API budget's decisions (pace, AIMD, throttle answers), the small-file path's, the counts' wording, --api-qps
// settings.
import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import {
  ApiPacer,
  DECREASE_FACTOR,
  HOLD_MS,
  MIN_RATE,
  PENALTY_MS,
  RECOVERY_PER_SECOND,
  WINDOW_MS,
  afterAccepted,
  afterThrottled,
  initialPace,
  isThrottleAnswer,
  markStarted,
  reserveSlot,
  waitUntil,
  type PaceState,
} from '../../src/dingtalk/api-pacer.js'
import {
  judgeSmallAnswer,
  SMALL_FILE_MAX_BYTES,
  smallFileRange,
  takesSmallPath,
  type SmallAnswer,
} from '../../src/engine/small-file.js'
import { describeRequests, describeThrottling, withRequests } from '../../src/output/request-costs.js'
import { RequestCounter, type RequestCounts } from '../../src/http/request-counter.js'
import { resolveSettings } from '../../src/config/settings.js'
import { startEmulator } from '../../src/emulator/index.js'
import { SecretRedactor } from '../../src/redact.js'

const pace = (over: Partial<PaceState> = {}): PaceState => ({ ...initialPace(20, 0), ...over })

describe('reserveSlot: at most `rate` calls start in any window of WINDOW_MS', () => {
  const full = Array.from({ length: 20 }, (_, i) => 100 + i)
  it.each<[string, PaceState, number, number]>([
    ['idle: at once', pace(), 50, 50],
    ['room in the window: at once', pace({ starts: [0, 10, 20] }), 30, 30],
    ['window full: when its oldest call leaves it', pace({ starts: full }), 200, 100 + WINDOW_MS],
    ['a lowered rate: a smaller window budget', pace({ starts: full, rate: 10.7 }), 200, 110 + WINDOW_MS],
    ['never before a call reserved earlier', pace({ starts: [0, 500] }), 30, 500],
    ['the floor rate', pace({ starts: [0], rate: MIN_RATE }), 10, WINDOW_MS],
  ])('%s', (_, state, now, at) => {
    const r = reserveSlot(state, now)
    expect(r.at).toBe(at)
    expect(r.state.starts.at(-1)).toBe(at)
    expect(r.state.starts.length).toBeLessThanOrEqual(20)
  })

  it('21 calls reserved at once: the 21st waits a whole window, and no window holds 21', () => {
    let s = pace()
    const ats: number[] = []
    for (let i = 0; i < 41; i++) {
      const r = reserveSlot(s, 0)
      ats.push(r.at)
      s = r.state
    }
    expect(ats.slice(0, 20).every((a) => a === 0)).toBe(true)
    expect(ats[20]).toBe(WINDOW_MS)
    for (let i = 20; i < ats.length; i++) expect(ats[i]! - ats[i - 20]!).toBeGreaterThanOrEqual(WINDOW_MS)
  })

  it.each<[string, number[], number, number, number[]]>([
    ['a late start moves its entry (and keeps the order)', [0, 10, 20], 10, 25, [0, 25, 25]],
    ['an on-time start changes nothing', [0, 10, 20], 10, 10, [0, 10, 20]],
    ['an unknown slot changes nothing', [0, 10], 5, 40, [0, 10]],
  ])('markStarted: %s', (_, starts, planned, now, expected) =>
    expect(markStarted(pace({ starts }), planned, now).starts).toEqual(expected),
  )
})

describe('afterThrottled / afterAccepted: multiplicative decrease, hold, additive climb', () => {
  it.each<[string, PaceState, number, number]>([
    ['first refusal lowers the rate', pace(), 5000, 20 * DECREASE_FACTOR],
    [
      'a refusal in the same penalty window counts once',
      pace({ rate: 17, loweredAt: 5000 }),
      5000 + PENALTY_MS - 1,
      17,
    ],
    [
      'a refusal after the window lowers again',
      pace({ rate: 17, loweredAt: 5000 }),
      5000 + PENALTY_MS,
      17 * DECREASE_FACTOR,
    ],
    ['never below the floor', pace({ rate: MIN_RATE, loweredAt: 0 }), 9000, MIN_RATE],
  ])('throttled: %s', (_, state, now, rate) => expect(afterThrottled(state, now).rate).toBeCloseTo(rate, 6))

  it.each<[string, PaceState, number, number]>([
    ['at the ceiling: stays', pace(), 10_000, 20],
    ['during the hold: stays', pace({ rate: 14, loweredAt: 1000, climbedAt: 1000 }), 1000 + HOLD_MS, 14],
    [
      'one second after the hold: + RECOVERY_PER_SECOND of the ceiling',
      pace({ rate: 14, loweredAt: 1000, climbedAt: 1000 }),
      1000 + HOLD_MS + 1000,
      14 + 20 * RECOVERY_PER_SECOND,
    ],
    [
      'climbs from the last step',
      pace({ rate: 16, loweredAt: 1000, climbedAt: 4000 }),
      4500,
      16 + 10 * RECOVERY_PER_SECOND,
    ],
    ['never above the ceiling', pace({ rate: 19, loweredAt: 0, climbedAt: 3000 }), 60_000, 20],
  ])('accepted: %s', (_, state, now, rate) => expect(afterAccepted(state, now).rate).toBeCloseTo(rate, 6))
})

describe('isThrottleAnswer', () => {
  it.each<[number, string, boolean]>([
    [403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', true],
    [403, 'Forbidden.AccessDenied.QpsLimitForApi', true],
    [403, 'Forbidden.AccessDenied.QpmLimitForAppkeyAndApi', true],
    [429, 'HTTP_429', true],
    [503, 'systemBusy', true],
    [503, 'system.busy', true],
    [403, 'Forbidden.AccessDenied.ApiCountLimitForOrg', false],
    [403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', false],
    [500, 'systemError', false],
    [200, '', false],
  ])('%d %s → %s', (status, code, expected) => expect(isThrottleAnswer(status, code)).toBe(expected))
})

describe('waitUntil and ApiPacer', () => {
  it('an aborted wait rejects with the reason and leaves no listener behind', async () => {
    const controller = new AbortController()
    const waits = [
      waitUntil(performance.now() + 60_000, controller.signal),
      waitUntil(performance.now() + 60_000, controller.signal),
    ]
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(2)
    controller.abort(new Error('stop'))
    for (const w of waits) await expect(w).rejects.toThrow('stop')
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('a finished wait removes its listener', async () => {
    const controller = new AbortController()
    await waitUntil(performance.now() + 5, controller.signal)
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('paces each API on its own (a full window waits for its oldest call); 0 does not pace', async () => {
    const pacer = new ApiPacer(3)
    const t0 = performance.now()
    for (let i = 0; i < 3; i++) await pacer.take('downloadInfo')
    await pacer.take('list')
    expect(performance.now() - t0).toBeLessThan(50)
    await pacer.take('downloadInfo')
    expect(performance.now() - t0).toBeGreaterThanOrEqual(WINDOW_MS - 2)
    pacer.report('downloadInfo', true)
    expect(pacer.rate('downloadInfo')).toBeCloseTo(3 * DECREASE_FACTOR, 6)
    expect(pacer.rate('list')).toBe(3)
    const free = new ApiPacer(0)
    const t1 = performance.now()
    for (let i = 0; i < 100; i++) await free.take('downloadInfo')
    expect(performance.now() - t1).toBeLessThan(20)
  })
})

describe('small files: when, which range, which answer', () => {
  it.each<
    [
      string,
      { expectedSize: number | undefined; targetExists: boolean; recordExists: boolean; sha256?: boolean },
      boolean,
    ]
  >([
    ['small, new', { expectedSize: 40_000, targetExists: false, recordExists: false }, true],
    ['empty, new', { expectedSize: 0, targetExists: false, recordExists: false }, true],
    ['at the threshold', { expectedSize: SMALL_FILE_MAX_BYTES, targetExists: false, recordExists: false }, true],
    ['over the threshold', { expectedSize: SMALL_FILE_MAX_BYTES + 1, targetExists: false, recordExists: false }, false],
    ['size unknown', { expectedSize: undefined, targetExists: false, recordExists: false }, false],
    ['target exists (the probe compares it)', { expectedSize: 40_000, targetExists: true, recordExists: false }, false],
    ['a resume record (the engine resumes)', { expectedSize: 40_000, targetExists: false, recordExists: true }, false],
    [
      'a SHA-256 to check (the engine keeps a mismatch)',
      { expectedSize: 40_000, targetExists: false, recordExists: false, sha256: true },
      false,
    ],
  ])('%s → %s', (_, input, expected) => expect(takesSmallPath(input)).toBe(expected))

  it.each<[number, { start: number; end: number } | undefined]>([
    [0, undefined],
    [1, { start: 0, end: 1 }],
    [65_536, { start: 0, end: 65_536 }],
  ])('range for %d bytes', (size, range) => expect(smallFileRange(size)).toEqual(range))

  it.each<[string, number, string | undefined, string | undefined, number, SmallAnswer['kind'], number?]>([
    ['206 as asked', 206, 'bytes 0-999/1000', '1000', 1000, 'take', 1000],
    ['206, the file grew', 206, 'bytes 0-999/5000', '1000', 1000, 'fallback'],
    ['206, other bytes', 206, 'bytes 1-1000/1001', '1000', 1000, 'fallback'],
    ['206 without Content-Range', 206, undefined, '1000', 1000, 'fallback'],
    ['200: the file shrank (range past the end ignored)', 200, undefined, '700', 1000, 'take', 700],
    ['200 for an empty file', 200, undefined, '0', 0, 'take', 0],
    ['200, now too large for one request', 200, undefined, String(SMALL_FILE_MAX_BYTES + 1), 1000, 'fallback'],
    ['200 without a length', 200, undefined, undefined, 1000, 'fallback'],
  ])('%s → %s', (_, status, cr, cl, expected, kind, size) => {
    const answer = judgeSmallAnswer(status, cr, cl, expected)
    expect(answer.kind).toBe(kind)
    if (answer.kind === 'take') expect(answer.size).toBe(size)
  })
})

describe('request counts for people', () => {
  const counts = (api: number, storage: number, throttled = 0): RequestCounts => ({
    apiCalls: {
      total: api,
      token: 0,
      dentry: 0,
      list: 0,
      downloadInfo: api,
      versions: 0,
      dentryUuid: 0,
      workspaces: 0,
      user: 0,
    },
    storageRequests: storage,
    apiThrottled: throttled,
    apiThrottledCodes: throttled > 0 ? ['systemBusy'] : [],
  })
  it.each<[RequestCounts, string]>([
    [counts(3, 1), '3 API calls, 1 storage request'],
    [counts(1, 0), '1 API call, 0 storage requests'],
    [counts(1026, 1000), '1026 API calls, 1000 storage requests'],
  ])('%j → %s', (c, text) => expect(describeRequests(c)).toBe(text))

  it('adds the counts to an end line, and sums up throttling in one line only when there was some', () => {
    expect(withRequests('saved a.bin (3 bytes in 0.1s)', counts(3, 1))).toBe(
      'saved a.bin (3 bytes in 0.1s); 3 API calls, 1 storage request',
    )
    expect(describeThrottling(counts(3, 1))).toBeUndefined()
    expect(describeThrottling(counts(306, 300, 4))).toMatch(
      /^DingTalk throttled or was busy for 4 answers \(systemBusy\) of 306 API calls/,
    )
  })

  it('a counter counts by kind and in total', () => {
    const c = new RequestCounter()
    c.api('token')
    c.api('list')
    c.api('list')
    c.storage()
    c.throttled('systemBusy')
    c.throttled('systemBusy')
    expect(c.snapshot()).toEqual({
      apiCalls: {
        total: 3,
        token: 1,
        dentry: 0,
        list: 2,
        downloadInfo: 0,
        versions: 0,
        dentryUuid: 0,
        workspaces: 0,
        user: 0,
      },
      storageRequests: 1,
      apiThrottled: 2,
      apiThrottledCodes: ['systemBusy'],
    })
  })
})

describe('resolveSettings: apiQps', () => {
  it.each<[string, { apiQps?: number }, Record<string, string>, Record<string, string>, number]>([
    ['default', {}, {}, {}, 20],
    ['store', {}, {}, { apiQps: '10' }, 10],
    ['env beats store', {}, { DTDL_API_QPS: '5' }, { apiQps: '10' }, 5],
    ['flag beats env', { apiQps: 0 }, { DTDL_API_QPS: '5' }, {}, 0],
    ['blank env falls through', {}, { DTDL_API_QPS: ' ' }, { apiQps: '7' }, 7],
  ])('%s', (_, flags, env, store, expected) => expect(resolveSettings({ flags, env, store }).apiQps).toBe(expected))

  it.each<[Record<string, string>, Record<string, string>, RegExp]>([
    [{ DTDL_API_QPS: 'fast' }, {}, /DTDL_API_QPS must be an integer/],
    [{}, { apiQps: '-1' }, /config key apiQps must be an integer/],
  ])('bad %j %j', (env, store, message) => expect(() => resolveSettings({ flags: {}, env, store })).toThrow(message))
})

describe('emulator qpsLimit', () => {
  it('refuses calls beyond N in a sliding second with 403 QpsLimitForAppkeyAndApi, other APIs untouched', async () => {
    const emu = await startEmulator({
      quiet: true,
      files: [{ spaceId: 's', dentryId: '1', name: 'a.bin', size: 10 }],
      faults: { qpsLimit: { callsPerSecond: 3 } },
    })
    try {
      const call = (path: string, method = 'POST') =>
        fetch(`${emu.url}${path}`, {
          method,
          headers: { 'x-acs-dingtalk-access-token': 'dtdl-demo-token', 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: '{}' } : {}),
        }).then(async (r) => [r.status, ((await r.json()) as { code?: string }).code] as const)
      const info = '/v1.0/storage/spaces/s/dentries/1/downloadInfos/query?unionId=dtdl-demo-user'
      const answers = []
      for (let i = 0; i < 5; i++) answers.push(await call(info))
      expect(answers.map((a) => a[0])).toEqual([200, 200, 200, 403, 403])
      expect(answers[3]![1]).toBe('Forbidden.AccessDenied.QpsLimitForAppkeyAndApi')
      expect((await call('/v1.0/storage/spaces/s/dentries?parentId=0&unionId=dtdl-demo-user', 'GET'))[0]).toBe(200)
    } finally {
      await emu.close()
    }
  })
})

describe('SecretRedactor: one scan per line however many secrets a batch registered', () => {
  const r = new SecretRedactor()
  for (let i = 0; i < 2000; i++) r.add(`sig-${String(i).padStart(6, '0')}-abcdefgh`)
  r.add('tokenABCDEF')
  r.add('tokenABCDEFGHIJ')
  it.each<[string, string]>([
    ['no secret here', 'no secret here'],
    ['Authorization: sig-001999-abcdefgh', 'Authorization: sig-****(19 chars)'],
    ['sig-000000-abcdefgh and sig-000001-abcdefgh', 'sig-****(19 chars) and sig-****(19 chars)'],
    ['tokenABCDEFGHIJ', 'toke****(15 chars)'],
    ['[tokenABCDEF]', '[toke****(11 chars)]'],
    ['sig-00', 'sig-00'],
  ])('%s', (text, masked) => expect(r.redact(text)).toBe(masked))
})
