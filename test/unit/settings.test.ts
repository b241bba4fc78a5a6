// Settings resolution: flags > env > config store > defaults, credential order, and option parsing.
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_ENDPOINT,
  parseEndpoint,
  parseIntegerOption,
  resolveCredentials,
  resolveSettings,
  type CredentialSource,
  type StoredConfig,
} from '../../src/config/settings.js'
import { UsageError } from '../../src/errors.js'

type Env = Record<string, string | undefined>
type Flags = { unionId?: string; endpoint?: string }

describe('resolveSettings: endpoint', () => {
  it.each<[string, Flags, Env, StoredConfig, string]>([
    ['defaults', {}, {}, {}, DEFAULT_ENDPOINT],
    ['store', {}, {}, { endpoint: 'http://store.test' }, 'http://store.test'],
    ['env beats store', {}, { DTDL_ENDPOINT: 'http://env.test' }, { endpoint: 'http://store.test' }, 'http://env.test'],
    [
      'flag beats env and store',
      { endpoint: 'http://flag.test' },
      { DTDL_ENDPOINT: 'http://env.test' },
      { endpoint: 'http://store.test' },
      'http://flag.test',
    ],
    [
      'blank flag falls through to env',
      { endpoint: '  ' },
      { DTDL_ENDPOINT: 'http://env.test' },
      {},
      'http://env.test',
    ],
    [
      'blank env falls through to store',
      {},
      { DTDL_ENDPOINT: '' },
      { endpoint: 'http://store.test' },
      'http://store.test',
    ],
    ['blank everywhere is the default', { endpoint: '' }, { DTDL_ENDPOINT: ' ' }, { endpoint: '' }, DEFAULT_ENDPOINT],
    ['trailing slash dropped', { endpoint: 'http://127.0.0.1:8080/' }, {}, {}, 'http://127.0.0.1:8080'],
    ['surrounding spaces trimmed', { endpoint: ' https://x.test ' }, {}, {}, 'https://x.test'],
    [
      'a bad lower source is not looked at',
      { endpoint: 'http://flag.test' },
      { DTDL_ENDPOINT: 'not a url' },
      { endpoint: 'ftp://x' },
      'http://flag.test',
    ],
  ])('%s', (_, flags, env, store, expected) => expect(resolveSettings({ flags, env, store }).endpoint).toBe(expected))

  it.each<[string, Flags, Env, StoredConfig, RegExp]>([
    ['bad flag', { endpoint: 'nope' }, {}, {}, /--endpoint/],
    ['bad env', {}, { DTDL_ENDPOINT: 'ftp://x.test' }, {}, /DTDL_ENDPOINT/],
    ['bad store', {}, {}, { endpoint: 'nope' }, /config key endpoint/],
  ])('%s → UsageError naming the source', (_, flags, env, store, source) => {
    const run = () => resolveSettings({ flags, env, store })
    expect(run).toThrow(UsageError)
    expect(run).toThrow(source)
  })
})

describe('resolveSettings: unionId', () => {
  it.each<[string, Flags, Env, StoredConfig, string | undefined]>([
    ['none anywhere', {}, {}, {}, undefined],
    ['store', {}, {}, { unionId: 'u-store' }, 'u-store'],
    ['env beats store', {}, { DINGTALK_UNION_ID: 'u-env' }, { unionId: 'u-store' }, 'u-env'],
    [
      'flag beats env and store',
      { unionId: 'u-flag' },
      { DINGTALK_UNION_ID: 'u-env' },
      { unionId: 'u-store' },
      'u-flag',
    ],
    ['blank flag falls through', { unionId: ' ' }, { DINGTALK_UNION_ID: 'u-env' }, {}, 'u-env'],
    ['blank env falls through', {}, { DINGTALK_UNION_ID: '' }, { unionId: 'u-store' }, 'u-store'],
    ['trimmed', { unionId: '  u1 ' }, {}, {}, 'u1'],
  ])('%s', (_, flags, env, store, expected) => expect(resolveSettings({ flags, env, store }).unionId).toBe(expected))
})

describe('resolveCredentials', () => {
  const envToken = { DINGTALK_ACCESS_TOKEN: 'env-token' }
  const envApp = { DINGTALK_APP_KEY: 'env-key', DINGTALK_APP_SECRET: 'env-secret' }
  const storeApp = { appKey: 'store-key', appSecret: 'store-secret' }
  it.each<[string, Env, StoredConfig, CredentialSource]>([
    ['nothing', {}, {}, { kind: 'none' }],
    [
      'env token beats everything',
      { ...envToken, ...envApp },
      { token: 'store-token', ...storeApp },
      { kind: 'token', token: 'env-token', from: 'env' },
    ],
    [
      'config token beats env app creds',
      envApp,
      { token: 'store-token', ...storeApp },
      { kind: 'token', token: 'store-token', from: 'config' },
    ],
    [
      'env app creds beat config app creds',
      envApp,
      storeApp,
      { kind: 'app', appKey: 'env-key', appSecret: 'env-secret', from: 'env' },
    ],
    ['config app creds', {}, storeApp, { kind: 'app', appKey: 'store-key', appSecret: 'store-secret', from: 'config' }],
    [
      'env key without secret does not count',
      { DINGTALK_APP_KEY: 'env-key' },
      storeApp,
      { kind: 'app', appKey: 'store-key', appSecret: 'store-secret', from: 'config' },
    ],
    ['env secret without key does not count', { DINGTALK_APP_SECRET: 'env-secret' }, {}, { kind: 'none' }],
    ['config key without secret does not count', {}, { appKey: 'store-key' }, { kind: 'none' }],
    [
      'env key + config secret do not mix',
      { DINGTALK_APP_KEY: 'env-key' },
      { appSecret: 'store-secret' },
      { kind: 'none' },
    ],
    [
      'blank env token falls through',
      { DINGTALK_ACCESS_TOKEN: ' ' },
      { token: 'store-token' },
      { kind: 'token', token: 'store-token', from: 'config' },
    ],
    ['blank secret does not count', { DINGTALK_APP_KEY: 'k', DINGTALK_APP_SECRET: '' }, {}, { kind: 'none' }],
    ['values trimmed', { DINGTALK_ACCESS_TOKEN: ' t1 ' }, {}, { kind: 'token', token: 't1', from: 'env' }],
  ])('%s', (_, env, store, expected) => {
    expect(resolveCredentials(env, store)).toEqual(expected)
    expect(resolveSettings({ flags: {}, env, store }).credentials).toEqual(expected)
  })
})

describe('parseEndpoint', () => {
  it.each<[string, string]>([
    ['https://api.dingtalk.com', 'https://api.dingtalk.com'],
    ['https://api.dingtalk.com/', 'https://api.dingtalk.com'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['HTTP://Example.TEST/base/', 'http://example.test/base'],
  ])('%s → %s', (input, expected) => expect(parseEndpoint(input, '--endpoint')).toBe(expected))

  it.each<[string]>([
    ['not a url'],
    [''],
    ['api.dingtalk.com'],
    ['ftp://api.dingtalk.com'],
    ['file:///etc/passwd'],
    ['javascript:alert(1)'],
    ['ws://x.test'],
  ])('%j → UsageError, exit 2', (input) => {
    let caught: unknown
    try {
      parseEndpoint(input, '--endpoint')
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(UsageError)
    expect((caught as UsageError).exitCode).toBe(2)
    expect((caught as UsageError).code).toBe('BAD_ENDPOINT')
    expect((caught as UsageError).message).toContain('--endpoint')
  })
})

describe('parseIntegerOption', () => {
  it.each<[string, number]>([
    ['1', 1],
    ['16', 16],
    ['8', 8],
    [' 3 ', 3],
    ['03', 3],
  ])('%j within 1..16 → %d', (input, expected) =>
    expect(parseIntegerOption(input, '--connections', 1, 16)).toBe(expected),
  )

  it.each<[string]>([
    ['0'],
    ['17'],
    ['1.5'],
    ['abc'],
    ['-1'],
    [''],
    [' '],
    ['1e1'],
    ['0x4'],
    ['+3'],
    ['3abc'],
    ['99999999999999999999'],
  ])('%j outside 1..16 → UsageError, exit 2', (input) => {
    const run = () => parseIntegerOption(input, '--connections', 1, 16)
    expect(run).toThrow(UsageError)
    expect(run).toThrow(/--connections must be an integer from 1 to 16/)
    try {
      run()
    } catch (err) {
      expect((err as UsageError).exitCode).toBe(2)
    }
  })

  it.each<[string, number, string | number]>([
    ['0', 0, 0],
    ['123456', 1, 123456],
    ['0', 1, 'an integer >= 1'],
  ])('no upper bound: %j with min %d → %s', (input, min, expected) => {
    if (typeof expected === 'number') expect(parseIntegerOption(input, '--retries', min)).toBe(expected)
    else expect(() => parseIntegerOption(input, '--retries', min)).toThrow(expected)
  })
})
