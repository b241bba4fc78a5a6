// Local safety: hostile names, staying inside the directory, resume records, secret masking, token provision.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isInside, joinInside, sanitizeFileName } from '../../src/disk/paths.js'
import {
  readResumeRecord,
  recordMismatch,
  writeResumeRecord,
  type RemoteIdentity,
  type RequestIdentity,
  type ResumeRecord,
} from '../../src/engine/resume-record.js'
import { maskSecret, redactUrl, SecretRedactor } from '../../src/redact.js'
import { createTokenProvider, isCachedTokenUsable, TOKEN_REFRESH_MARGIN_MS } from '../../src/dingtalk/access-token.js'
import { tokenScope, type CachedToken } from '../../src/config/token-cache.js'
import type { CredentialSource } from '../../src/config/settings.js'
import { DtdlError } from '../../src/errors.js'

describe('sanitizeFileName', () => {
  it.each<[string, string]>([
    ['report.pdf', 'report.pdf'],
    ['../x', '.._x'],
    ['../../etc/passwd', '.._.._etc_passwd'],
    ['/etc/passwd', '_etc_passwd'],
    ['a/b', 'a_b'],
    ['a\\b', 'a_b'],
    ['..\\..\\win.ini', '.._.._win.ini'],
    ['..', 'download'],
    ['.', 'download'],
    ['', 'download'],
    ['...', 'download'],
    ['. .', 'download'],
    ['   ', 'download'],
    ['\u0000', 'download'],
    ['a\u0001b', 'ab'],
    ['a\nb\tc\u007fd\u009fe', 'abcde'],
    ['CON', '_CON'],
    ['con', '_con'],
    ['con.txt', '_con.txt'],
    ['LPT1', '_LPT1'],
    ['nul.tar.gz', '_nul.tar.gz'],
    ['COM¹', '_COM¹'],
    ['console.log', 'console.log'],
    ['CONFIG', 'CONFIG'],
    ['name. ', 'name'],
    ['file...', 'file'],
    ['file. . .', 'file'],
    ['CON. ', '_CON'],
    ['  padded  ', 'padded'],
    ['.hidden', '.hidden'],
    ['a:b*c?d"e<f>g|h', 'a_b_c_d_e_f_g_h'],
    ['季度报告 2024.xlsx', '季度报告 2024.xlsx'],
    ['e\u0301te\u0301.txt', '\u00e9t\u00e9.txt'],
  ])('%j → %j', (name, expected) => expect(sanitizeFileName(name)).toBe(expected))

  it.each<[string, string, string]>([
    ['', 'dentry-1', 'dentry-1'],
    ['..', 'dentry-1', 'dentry-1'],
    ['ok', 'dentry-1', 'ok'],
  ])('%j with fallback %j → %j', (name, fallback, expected) => expect(sanitizeFileName(name, fallback)).toBe(expected))

  it.each<[string, string, number, string]>([
    ['300 ASCII bytes', 'a'.repeat(300), 240, ''],
    ['255 ASCII bytes cut to the budget', 'b'.repeat(255), 240, ''],
    ['240 ASCII bytes kept whole', 'c'.repeat(240), 240, ''],
    ['300 bytes of Chinese (3 bytes each)', '报'.repeat(100), 240, ''],
    ['Chinese with an extension', '文件'.repeat(50) + '.pdf', 238, '.pdf'],
    ['82 Chinese characters + .bin (250 bytes)', '报'.repeat(82) + '.bin', 238, '.bin'],
    ['Mixed 2-byte characters', 'é'.repeat(150), 240, ''],
    ['300 bytes of emoji (4 bytes, surrogate pairs)', '😀'.repeat(75), 240, ''],
    ['cut lands on ". "', 'a'.repeat(238) + '. bbbb', 238, ''],
  ])('%s → at most 240 well-formed bytes, the extension kept, no trailing dot or space', (_, name, bytes, ext) => {
    const out = sanitizeFileName(name)
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(240)
    // A lone surrogate does not survive UTF-8: the file system would get U+FFFD instead.
    expect(
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(out),
      'ends in half a surrogate pair',
    ).toBe(false)
    expect(out).not.toMatch(/[. ]$/)
    expect(out.endsWith(ext)).toBe(true)
    expect(name.startsWith(out.slice(0, out.length - ext.length))).toBe(true)
    expect(Buffer.byteLength(out)).toBe(bytes)
  })
})

describe('isInside', () => {
  it.each<[string, string, boolean]>([
    ['/srv/d', '/srv/d', true],
    ['/srv/d', '/srv/d/', true],
    ['/srv/d', '/srv/d/f', true],
    ['/srv/d/', '/srv/d/f', true],
    ['/srv/d', '/srv/d/x/y/z', true],
    ['/srv/d', '/srv/dd', false],
    ['/srv/d', '/srv/d-other/f', false],
    ['/srv/d', '/srv', false],
    ['/srv/d', '/srv/d/../e', false],
    ['/srv/d', '/srv/d/x/../../d/f', true],
    ['/', '/anything', true],
  ])('%s ⊇ %s → %s', (parent, child, expected) => expect(isInside(parent, child)).toBe(expected))
})

describe('joinInside', () => {
  const dir = '/srv/downloads'
  it.each<[string, string]>([
    ['a.txt', '/srv/downloads/a.txt'],
    ['.._x', '/srv/downloads/.._x'],
    ['报告.pdf', '/srv/downloads/报告.pdf'],
  ])('%j → %s', (name, expected) => expect(joinInside(dir, name)).toBe(expected))

  it.each<[string]>([['../x'], ['..'], ['.'], [''], ['/etc/passwd'], ['a/../../x']])(
    '%j → UsageError UNSAFE_NAME',
    (name) => {
      expect(() => joinInside(dir, name)).toThrow(expect.objectContaining({ code: 'UNSAFE_NAME', exitCode: 2 }))
    },
  )

  it('any sanitized name lands directly inside the directory', () => {
    const alphabet = [
      'a',
      'Z',
      '.',
      '..',
      '/',
      '\\',
      ' ',
      '\u0000',
      '\u001f',
      ':',
      '中',
      '😀',
      'CON',
      '~',
      '$',
      '%2e',
      '\u202e',
    ]
    let seed = 12345
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const hostile = [
      '../x',
      '/etc/passwd',
      '..',
      '.',
      '',
      '../../../../../../root/.ssh/id_rsa',
      'a/b/c',
      '\\\\server\\share',
      '....//',
      '/',
      '.\u0000.',
    ]
    for (let i = 0; i < 500; i++)
      hostile.push(
        Array.from(
          { length: 1 + Math.floor(random() * 12) },
          () => alphabet[Math.floor(random() * alphabet.length)],
        ).join(''),
      )
    for (const name of hostile) {
      const full = joinInside(dir, sanitizeFileName(name))
      expect(isInside(dir, full), JSON.stringify(name)).toBe(true)
      expect(dirname(full), JSON.stringify(name)).toBe(dir)
    }
  })
})

describe('resume records', () => {
  const request: RequestIdentity = { spaceId: 's1', dentryId: 'd1', version: null }
  const remote: RemoteIdentity = { size: 1000, etag: '"abc"' }
  const record: ResumeRecord = { format: 1, request, remote, done: [{ start: 0, end: 100 }] }

  it.each<[string, RequestIdentity, RemoteIdentity, RegExp | undefined]>([
    ['same everything', request, remote, undefined],
    ['other space', { ...request, spaceId: 's2' }, remote, /another file/],
    ['other dentry', { ...request, dentryId: 'd2' }, remote, /another file/],
    ['a version instead of current', { ...request, version: 3 }, remote, /another version/],
    ['size changed', request, { ...remote, size: 1001 }, /size changed \(1000 → 1001 bytes\)/],
    ['etag changed', request, { ...remote, etag: '"def"' }, /ETag/],
    ['etag appeared', request, { ...remote, etag: null }, /ETag/],
  ])('recordMismatch: %s', (_, req, rem, expected) => {
    const why = recordMismatch(record, req, rem)
    if (expected === undefined) expect(why).toBeUndefined()
    else expect(why).toMatch(expected)
  })

  let dir = ''
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dtdl-record-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('round trip: what is written is read back, no temp file left', async () => {
    const path = join(dir, 'f.dtdl-part.json')
    const rec: ResumeRecord = {
      format: 1,
      request: { spaceId: 's', dentryId: 'd', version: 7 },
      remote: { size: 5000, etag: null },
      done: [
        { start: 0, end: 10 },
        { start: 20, end: 30 },
      ],
    }
    await writeResumeRecord(path, rec)
    expect(await readResumeRecord(path)).toEqual(rec)
    await writeResumeRecord(path, { ...rec, done: [{ start: 0, end: 4000 }] })
    expect((await readResumeRecord(path))?.done).toEqual([{ start: 0, end: 4000 }])
    await expect(readFile(`${path}.tmp`)).rejects.toThrow()
  })

  it.each<[string, string]>([
    ['torn JSON', '{"format":1,"request":{"spaceId":"s","dentr'],
    ['garbage', 'not json at all \u0000\u0001'],
    ['empty', ''],
    ['null', 'null'],
    ['a number', '42'],
    ['another format', JSON.stringify({ ...record, format: 2 })],
    ['no request', JSON.stringify({ ...record, request: undefined })],
    ['no remote', JSON.stringify({ ...record, remote: undefined })],
    ['done not an array', JSON.stringify({ ...record, done: { start: 0, end: 1 } })],
  ])('readResumeRecord: %s → undefined', async (_, text) => {
    const path = join(dir, 'bad.json')
    await writeFile(path, text)
    expect(await readResumeRecord(path)).toBeUndefined()
  })

  it('readResumeRecord: a missing file → undefined', async () => {
    expect(await readResumeRecord(join(dir, 'missing.json'))).toBeUndefined()
  })

  it('readResumeRecord: bad done entries dropped, the rest merged', async () => {
    const path = join(dir, 'dirty.json')
    const done = [
      { start: 10, end: 20 },
      { start: 0, end: 10 },
      { start: -5, end: 3 },
      { start: 30, end: 30 },
      { start: 40, end: 35 },
      { start: 1.5, end: 60 },
      { start: 50, end: 60 },
    ]
    await writeFile(path, JSON.stringify({ ...record, done }))
    expect((await readResumeRecord(path))?.done).toEqual([
      { start: 0, end: 20 },
      { start: 50, end: 60 },
    ])
  })
})

describe('maskSecret', () => {
  it.each<[string, string]>([
    ['', '****'],
    ['abc', '****'],
    ['12345678', '****'],
    ['123456789', '1234****(9 chars)'],
    ['a'.repeat(32), 'aaaa****(32 chars)'],
  ])('%j → %j', (value, expected) => expect(maskSecret(value)).toBe(expected))
})

describe('redactUrl', () => {
  it.each<[string, string]>([
    [
      'https://h.test/o?Signature=abc&OSSAccessKeyId=key&Expires=123',
      'https://h.test/o?Signature=***&OSSAccessKeyId=***&Expires=***',
    ],
    [
      'https://h.test/o?x-oss-signature=s&x-oss-credential=c&x-oss-date=20240101',
      'https://h.test/o?x-oss-signature=***&x-oss-credential=***&x-oss-date=20240101',
    ],
    [
      'https://h.test/o?X-Amz-Signature=s&X-Amz-Credential=c&X-Amz-Security-Token=t&X-Amz-Date=d',
      'https://h.test/o?X-Amz-Signature=***&X-Amz-Credential=***&X-Amz-Security-Token=***&X-Amz-Date=d',
    ],
    ['https://api.test/x?access_token=t&unionId=u1', 'https://api.test/x?access_token=***&unionId=u1'],
    [
      'https://h.test/o?sign=s&auth_key=k&token=t&security-token=st',
      'https://h.test/o?sign=***&auth_key=***&token=***&security-token=***',
    ],
    ['https://user:pass@h.test/o?a=1', 'https://h.test/o?a=1'],
    ['https://h.test/o?unionId=u&parentId=0', 'https://h.test/o?unionId=u&parentId=0'],
    ['https://h.test/plain', 'https://h.test/plain'],
    ['not a url', 'not a url'],
  ])('%s', (url, expected) => expect(redactUrl(url)).toBe(expected))

  it('keeps the values of other parameters when secrets are masked', () => {
    const out = new URL(redactUrl('https://h.test/o?path=/a b/c&Signature=zzz&n=%E4%B8%AD'))
    expect([out.searchParams.get('path'), out.searchParams.get('n'), out.searchParams.get('Signature')]).toEqual([
      '/a b/c',
      '中',
      '***',
    ])
    expect(redactUrl('https://h.test/o?Signature=zzz')).not.toContain('zzz')
  })
})

describe('SecretRedactor', () => {
  it.each<[string, (string | undefined)[], string, string]>([
    ['nothing registered', [], 'token abcdefghijkl here', 'token abcdefghijkl here'],
    ['a token', ['abcdefghijkl'], 'token abcdefghijkl here', 'token abcd****(12 chars) here'],
    ['every occurrence', ['abcdefghijkl'], 'abcdefghijkl/abcdefghijkl', 'abcd****(12 chars)/abcd****(12 chars)'],
    [
      'two secrets',
      ['abcdefghijkl', 'zyxwvutsrq'],
      'a=abcdefghijkl b=zyxwvutsrq',
      'a=abcd****(12 chars) b=zyxw****(10 chars)',
    ],
    ['6 chars counts, masked fully', ['s3cr3t'], 'pw s3cr3t', 'pw ****'],
    ['5 chars ignored', ['abcde'], 'abcde stays', 'abcde stays'],
    ['undefined ignored', [undefined], 'text', 'text'],
  ])('%s', (_, added, text, expected) => {
    const r = new SecretRedactor()
    for (const s of added) r.add(s)
    expect(r.redact(text)).toBe(expected)
  })
})

describe('isCachedTokenUsable', () => {
  const now = 1_700_000_000_000
  const scope = tokenScope('https://api.example', 'k', 's')
  const token = (inMs: number, other: Partial<CachedToken> = {}): CachedToken => ({
    ...scope,
    accessToken: 't',
    expiresAt: now + inMs,
    ...other,
  })
  it.each<[string, CachedToken | undefined, boolean]>([
    ['none cached', undefined, false],
    ['two hours left', token(7_200_000), true],
    ['11 minutes left', token(11 * 60_000), true],
    ['10 minutes and 1 ms left', token(TOKEN_REFRESH_MARGIN_MS + 1), true],
    ['exactly 10 minutes left', token(TOKEN_REFRESH_MARGIN_MS), false],
    ['5 minutes left', token(5 * 60_000), false],
    ['expired', token(-1), false],
    ['another app', token(7_200_000, { appKey: 'other' }), false],
    ['another endpoint', token(7_200_000, { endpoint: 'https://api.example:8443' }), false],
    [
      'another secret',
      token(7_200_000, { secretDigest: tokenScope('https://api.example', 'k', 'wrong').secretDigest }),
      false,
    ],
  ])('%s → %s', (_, cached, expected) => expect(isCachedTokenUsable(cached, scope, now)).toBe(expected))
})

describe('createTokenProvider', () => {
  const app: CredentialSource = { kind: 'app', appKey: 'k', appSecret: 's', from: 'env' }
  const NOW = 1_000_000
  const endpoint = 'https://api.example'
  const scope = tokenScope(endpoint, 'k', 's')

  /** A mint that counts calls and hands out tok-1, tok-2, ... after a tick. */
  function fakeMint() {
    const calls: [string, string][] = []
    const mint = async (appKey: string, appSecret: string) => {
      calls.push([appKey, appSecret])
      await new Promise((r) => setTimeout(r, 5))
      return { accessToken: `tok-${calls.length}`, expireIn: 7200 }
    }
    return { calls, mint }
  }
  function fakeCache(initial?: CachedToken) {
    const state = { value: initial, sets: [] as (CachedToken | undefined)[] }
    // One slot: enough to see what the provider looks up and what it stores.
    return {
      state,
      cache: { get: () => state.value, set: (t: CachedToken) => void (state.sets.push(t), (state.value = t)) },
    }
  }

  it.each<[string, CredentialSource, string, 'env' | 'config']>([
    ['env token', { kind: 'token', token: 'env-tok', from: 'env' }, 'env-tok', 'env'],
    ['config token', { kind: 'token', token: 'cfg-tok', from: 'config' }, 'cfg-tok', 'config'],
  ])('%s never mints and cannot renew', async (_, credentials, token, origin) => {
    const { calls, mint } = fakeMint()
    const seen: string[] = []
    const p = createTokenProvider({ credentials, endpoint, mint, onToken: (t) => seen.push(t) })
    expect([await p.get(), await p.get()]).toEqual([token, token])
    expect([calls.length, p.canRenew, p.origin, seen]).toEqual([0, false, origin, [token]])
    await expect(p.renew(token)).rejects.toMatchObject({ code: 'CANNOT_RENEW', exitCode: 3 })
    expect(calls.length).toBe(0)
  })

  it('app credentials mint once, then the token is cached in memory and in the store', async () => {
    const { calls, mint } = fakeMint()
    const { state, cache } = fakeCache()
    const p = createTokenProvider({ credentials: app, endpoint, mint, cache, now: () => NOW })
    expect(await p.get()).toBe('tok-1')
    expect(await p.get()).toBe('tok-1')
    expect([calls, p.origin, p.canRenew]).toEqual([[['k', 's']], 'minted', true])
    expect(state.value).toEqual({ ...scope, accessToken: 'tok-1', expiresAt: NOW + 7_200_000 })
    expect(JSON.stringify(state.value)).not.toContain('"s"')
  })

  it.each<[string, CachedToken, number, string, string]>([
    [
      'a usable cached token is reused',
      { ...scope, accessToken: 'cached', expiresAt: NOW + 3_600_000 },
      0,
      'cached',
      'cached',
    ],
    [
      'a token near expiry is replaced',
      { ...scope, accessToken: 'cached', expiresAt: NOW + 60_000 },
      1,
      'tok-1',
      'minted',
    ],
    [
      "another app's token is not used",
      { ...scope, appKey: 'other', accessToken: 'cached', expiresAt: NOW + 3_600_000 },
      1,
      'tok-1',
      'minted',
    ],
    [
      "another endpoint's token is not used",
      { ...tokenScope('https://other.example', 'k', 's'), accessToken: 'cached', expiresAt: NOW + 3_600_000 },
      1,
      'tok-1',
      'minted',
    ],
    [
      'a token minted with another secret is not used',
      { ...tokenScope(endpoint, 'k', 'old'), accessToken: 'cached', expiresAt: NOW + 3_600_000 },
      1,
      'tok-1',
      'minted',
    ],
  ])('%s', async (_, cached, mints, token, origin) => {
    const { calls, mint } = fakeMint()
    const { cache } = fakeCache(cached)
    const p = createTokenProvider({ credentials: app, endpoint, mint, cache, now: () => NOW })
    expect(await p.get()).toBe(token)
    expect([calls.length, p.origin]).toEqual([mints, origin])
  })

  it('a cache that cannot be prepared fails before any mint', async () => {
    const { calls, mint } = fakeMint()
    const refused = new DtdlError('CONFIG_DIR', 7, 'cannot create the config folder /proc/x: ENOENT')
    const cache = { get: () => undefined, set: () => {}, prepare: async () => Promise.reject(refused) }
    const p = createTokenProvider({ credentials: app, endpoint, mint, cache, now: () => NOW })
    await expect(p.get()).rejects.toBe(refused)
    expect(calls.length).toBe(0)
  })

  it('concurrent get() calls share one mint', async () => {
    const { calls, mint } = fakeMint()
    const p = createTokenProvider({ credentials: app, endpoint, mint, now: () => NOW })
    const tokens = await Promise.all(Array.from({ length: 8 }, () => p.get()))
    expect(calls.length).toBe(1)
    expect(new Set(tokens)).toEqual(new Set(['tok-1']))
  })

  it('concurrent renew(rejected) calls mint once; later calls with the stale token mint nothing', async () => {
    const { calls, mint } = fakeMint()
    const { state, cache } = fakeCache()
    const p = createTokenProvider({ credentials: app, endpoint, mint, cache, now: () => NOW })
    const first = await p.get()
    const renewed = await Promise.all(Array.from({ length: 6 }, () => p.renew(first)))
    expect(calls.length).toBe(2)
    expect(new Set(renewed)).toEqual(new Set(['tok-2']))
    expect(await p.renew(first)).toBe('tok-2')
    expect(await p.get()).toBe('tok-2')
    expect(calls.length).toBe(2)
    // The renewed token simply overwrites the cached one: no window with an empty cache.
    expect(state.sets.map((t) => t?.accessToken)).toEqual(['tok-1', 'tok-2'])
  })

  it('renew of the current token mints a new one each time it is rejected', async () => {
    const { calls, mint } = fakeMint()
    const p = createTokenProvider({ credentials: app, endpoint, mint, now: () => NOW })
    const t1 = await p.get()
    const t2 = await p.renew(t1)
    const t3 = await p.renew(t2)
    expect([t1, t2, t3, calls.length]).toEqual(['tok-1', 'tok-2', 'tok-3', 3])
  })

  it('a failed mint is not cached: the next get() mints again', async () => {
    let n = 0
    const mint = async () => {
      n++
      if (n === 1) throw new Error('network down')
      return { accessToken: 'tok-ok', expireIn: 7200 }
    }
    const p = createTokenProvider({ credentials: app, endpoint, mint, now: () => NOW })
    await expect(p.get()).rejects.toThrow('network down')
    expect(await p.get()).toBe('tok-ok')
    expect(n).toBe(2)
  })

  it('none: get() fails with exit code 3 and mints nothing', async () => {
    const { calls, mint } = fakeMint()
    const p = createTokenProvider({ credentials: { kind: 'none' }, endpoint, mint })
    const err = await p.get().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DtdlError)
    expect([(err as DtdlError).code, (err as DtdlError).exitCode, calls.length, p.canRenew, p.origin]).toEqual([
      'NO_CREDENTIALS',
      3,
      0,
      false,
      'none',
    ])
  })
})
