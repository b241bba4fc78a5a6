// `dtdl config list` shows what the environment gives too: each line named by its variable, secrets masked, and
// whether it wins over the store or is not used.
import { describe, expect, it } from 'vitest'
import { describeEnvSettings } from '../../src/config/env-settings.js'
import type { StoredConfig } from '../../src/config/settings.js'

type Env = Record<string, string | undefined>

describe('describeEnvSettings', () => {
  it.each<[string, Env, StoredConfig, string[]]>([
    ['nothing in the environment', { PATH: '/bin' }, { appKey: 'k' }, []],
    [
      'app credentials, the secret masked',
      { DINGTALK_APP_KEY: 'dingkey', DINGTALK_APP_SECRET: 'abcdefghijklmnopqrstuvwxyz012345' },
      {},
      [
        'DINGTALK_APP_KEY=dingkey (environment: appKey)',
        'DINGTALK_APP_SECRET=abcd****(32 chars) (environment: appSecret)',
      ],
    ],
    [
      'over the store',
      { DINGTALK_APP_KEY: 'k2', DINGTALK_APP_SECRET: 's2', DTDL_ENDPOINT: 'http://127.0.0.1:9' },
      { appKey: 'k1', appSecret: 's1', endpoint: 'https://x' },
      [
        "DINGTALK_APP_KEY=k2 (environment: appKey; wins over the config store's appKey)",
        "DINGTALK_APP_SECRET=**** (environment: appSecret; wins over the config store's appSecret)",
        "DTDL_ENDPOINT=http://127.0.0.1:9 (environment: endpoint; wins over the config store's endpoint)",
      ],
    ],
    [
      'half a pair',
      { DINGTALK_APP_KEY: 'k' },
      {},
      ['DINGTALK_APP_KEY=k (environment: appKey; not used without DINGTALK_APP_SECRET)'],
    ],
    [
      'a token comes first',
      { DINGTALK_APP_KEY: 'k', DINGTALK_APP_SECRET: 's' },
      { token: 'tok' },
      [
        'DINGTALK_APP_KEY=k (environment: appKey; not used: a token is set, and comes first)',
        'DINGTALK_APP_SECRET=**** (environment: appSecret; not used: a token is set, and comes first)',
      ],
    ],
    [
      'a token',
      { DINGTALK_ACCESS_TOKEN: 'abcdefghijklmnop' },
      { token: 'old' },
      ["DINGTALK_ACCESS_TOKEN=abcd****(16 chars) (environment: token; wins over the config store's token)"],
    ],
    [
      'the operator, a level at a time',
      { DINGTALK_UNION_ID: 'u2', DINGTALK_USER_ID: 'manager' },
      { userId: 'boss' },
      [
        "DINGTALK_UNION_ID=u2 (environment: unionId; wins over the config store's userId)",
        'DINGTALK_USER_ID=manager (environment: userId; not used: DINGTALK_UNION_ID is set, and comes first)',
      ],
    ],
    [
      'blank is not set',
      { DTDL_API_QPS: '  ', DTDL_MAX_API_CALLS: '200' },
      {},
      ['DTDL_MAX_API_CALLS=200 (environment: maxApiCalls)'],
    ],
  ])('%s', (_, env, store, lines) => expect(describeEnvSettings(env, store)).toEqual(lines))
})
