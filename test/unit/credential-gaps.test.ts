// No credentials resolved: the error names the half of a key + secret pair that is missing, and where.
import { describe, expect, it } from 'vitest'
import { describeMissingCredentials } from '../../src/config/credential-gaps.js'
import { resolveCredentials, type StoredConfig } from '../../src/config/settings.js'

type Env = Record<string, string | undefined>

describe('describeMissingCredentials', () => {
  it.each<[string, Env, StoredConfig, string, string[]]>([
    ['nothing set', {}, {}, 'no DingTalk credentials found', ['DINGTALK_APP_KEY and DINGTALK_APP_SECRET']],
    [
      'only the env key',
      { DINGTALK_APP_KEY: 'k' },
      {},
      'no DingTalk credentials: DINGTALK_APP_SECRET is not set (DINGTALK_APP_KEY is)',
      ['set DINGTALK_APP_SECRET', 'DINGTALK_ACCESS_TOKEN'],
    ],
    [
      'only the env secret',
      { DINGTALK_APP_SECRET: 's' },
      {},
      'no DingTalk credentials: DINGTALK_APP_KEY is not set (DINGTALK_APP_SECRET is)',
      ['set DINGTALK_APP_KEY'],
    ],
    [
      'a blank env secret',
      { DINGTALK_APP_KEY: 'k', DINGTALK_APP_SECRET: '  ' },
      {},
      'no DingTalk credentials: DINGTALK_APP_SECRET is not set (DINGTALK_APP_KEY is)',
      [],
    ],
    [
      'only config appKey',
      {},
      { appKey: 'k' },
      'no DingTalk credentials: config appSecret is not set (appKey is)',
      ['dtdl config set appSecret -'],
    ],
    [
      'only config appSecret',
      {},
      { appSecret: 's' },
      'no DingTalk credentials: config appKey is not set (appSecret is)',
      ['dtdl config set appKey'],
    ],
    [
      'an env key and a config secret, which do not pair',
      { DINGTALK_APP_KEY: 'k' },
      { appSecret: 's' },
      'no DingTalk credentials: DINGTALK_APP_SECRET is not set (DINGTALK_APP_KEY is); config appKey is not set (appSecret is)',
      ['must come from the same place'],
    ],
  ])('%s', (_, env, store, message, hints) => {
    // Only ever asked when nothing resolved: the table must hold cases resolveCredentials turns down.
    expect(resolveCredentials(env, store)).toEqual({ kind: 'none' })
    const gap = describeMissingCredentials(env, store)
    expect(gap.message).toBe(message)
    for (const h of hints) expect(gap.hint).toContain(h)
  })
})
