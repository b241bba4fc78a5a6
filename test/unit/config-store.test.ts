// The config store: dtdl reads conf's file itself (fast start-up), so its idea of the path must be conf's; parsing and
// the token cache's keys.
import { describe, expect, it } from 'vitest'
import envPaths from 'env-paths'
import { join } from 'node:path'
import { configFilePath, describeConfig, parseConfigText } from '../../src/config/store.js'
import {
  MAX_CACHED_TOKENS,
  digestSecret,
  normaliseEndpoint,
  parseCachedTokens,
  tokenScope,
  withCachedToken,
  type CachedToken,
} from '../../src/config/token-cache.js'

describe('configFilePath', () => {
  it('agrees with the env-paths folder conf uses on this platform', () => {
    expect(configFilePath({ ...process.env, DTDL_CONFIG_DIR: undefined })).toBe(
      join(envPaths('dtdl', { suffix: '' }).config, 'config.json'),
    )
  })
  it.each([
    [{ DTDL_CONFIG_DIR: '/tmp/cfg' }, 'linux', '/tmp/cfg/config.json'],
    [{ XDG_CONFIG_HOME: '/x' }, 'linux', '/x/dtdl/config.json'],
    [{}, 'linux', '/home/u/.config/dtdl/config.json'],
    [{}, 'darwin', '/home/u/Library/Preferences/dtdl/config.json'],
    [{ APPDATA: '/appdata' }, 'win32', '/appdata/dtdl/Config/config.json'],
  ] as const)('%j on %s → %s', (env, platform, expected) => {
    expect(configFilePath(env, platform, '/home/u')).toBe(expected)
  })
})

describe('describeConfig', () => {
  it('masks secrets and keeps the rest', () => {
    expect(describeConfig({ token: 'abcdefghijklmnop', appKey: 'dingkey', unionId: 'u1' })).toEqual([
      'token=abcd****(16 chars)',
      'appKey=dingkey',
      'unionId=u1',
    ])
  })
})

describe('parseConfigText', () => {
  it.each<[string, string, unknown]>([
    ['an object', '{"appKey": "k"}', { data: { appKey: 'k' } }],
    ['an empty file', '', { data: {} }],
    ['only blanks', ' \n', { data: {} }],
    [
      'a missing quote, line 3',
      '{\n  "appKey": "k",\n  unionId: "u"\n}',
      { problem: 'is not valid JSON (line 3, column 3)' },
    ],
    ['a trailing comma, line 2', '{"a": 1,\n}', { problem: 'is not valid JSON (line 2, column 1)' }],
    ['cut short', '{"appKey": "k"', { problem: expect.stringMatching(/^is not valid JSON/) }],
    ['an array', '[1, 2]', { problem: 'does not hold a JSON object' }],
    ['null', 'null', { problem: 'does not hold a JSON object' }],
    ['a string', '"k"', { problem: 'does not hold a JSON object' }],
  ])('%s', (_, text, expected) => expect(parseConfigText(text)).toEqual(expected))
})

describe('token cache bookkeeping', () => {
  const now = 1_000_000
  const scope = (endpoint: string, appKey = 'k', secret = 's') => tokenScope(endpoint, appKey, secret)
  const entry = (endpoint: string, accessToken: string, expiresAt = now + 3_600_000): CachedToken => ({
    ...scope(endpoint),
    accessToken,
    expiresAt,
  })

  it.each<[string, string]>([
    ['https://API.example.com/', 'https://api.example.com'],
    ['https://api.example.com:443', 'https://api.example.com'],
    ['http://127.0.0.1:8080//', 'http://127.0.0.1:8080'],
    ['http://127.0.0.1:8080/base/', 'http://127.0.0.1:8080/base'],
  ])('normaliseEndpoint(%s) → %s', (input, expected) => expect(normaliseEndpoint(input)).toBe(expected))

  it('the secret digest is one-way, short, and differs per secret and per app', () => {
    const d = digestSecret('k', 'my-app-secret')
    expect(d).toMatch(/^[0-9a-f]{16}$/)
    expect(d).not.toContain('my-app-secret')
    expect(new Set([d, digestSecret('k', 'my-app-secreT'), digestSecret('k2', 'my-app-secret')]).size).toBe(3)
  })

  it.each<[string, CachedToken[], CachedToken, string[]]>([
    ['adds beside another endpoint', [entry('http://a', 'ta')], entry('http://b', 'tb'), ['tb', 'ta']],
    [
      'replaces the same scope',
      [entry('http://a', 'old'), entry('http://b', 'tb')],
      entry('http://a', 'new'),
      ['new', 'tb'],
    ],
    ['drops expired entries', [entry('http://a', 'ta', now - 1)], entry('http://b', 'tb'), ['tb']],
    [
      'keeps the newest within the limit',
      Array.from({ length: MAX_CACHED_TOKENS }, (_, i) => entry(`http://h${i}`, `t${i}`)),
      entry('http://new', 'tn'),
      ['tn', ...Array.from({ length: MAX_CACHED_TOKENS - 1 }, (_, i) => `t${i}`)],
    ],
  ])('withCachedToken %s', (_, entries, token, expected) =>
    expect(withCachedToken(entries, token, now).map((e) => e.accessToken)).toEqual(expected),
  )

  it.each<[string, unknown, number]>([
    ['the old single-entry format', { appKey: 'k', accessToken: 't', expiresAt: now }, 0],
    ['an entry without endpoint', [{ appKey: 'k', secretDigest: 'd', accessToken: 't', expiresAt: now }], 0],
    ['null entries', [null, entry('http://a', 'ta')], 1],
    ['well-formed entries', [entry('http://a', 'ta'), entry('http://b', 'tb')], 2],
  ])('parseCachedTokens keeps only well-formed entries: %s', (_, value, count) =>
    expect(parseCachedTokens(value)).toHaveLength(count),
  )
})
