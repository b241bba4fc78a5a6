// `dtdl config list`: the settings the environment gives, beside the store's, each marked with its variable.
import { SECRET_CONFIG_KEYS, type ConfigKey, type StoredConfig } from './settings.js'
import { maskSecret } from '../redact.js'

/** The environment variable for each config key (settings.ts reads them in this order of keys). */
export const ENV_FOR_KEY: Record<ConfigKey, string> = {
  token: 'DINGTALK_ACCESS_TOKEN',
  appKey: 'DINGTALK_APP_KEY',
  appSecret: 'DINGTALK_APP_SECRET',
  unionId: 'DINGTALK_UNION_ID',
  userId: 'DINGTALK_USER_ID',
  endpoint: 'DTDL_ENDPOINT',
  apiQps: 'DTDL_API_QPS',
  maxApiCalls: 'DTDL_MAX_API_CALLS',
}

const value = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim())

/**
 * Pure: one line per setting the environment gives, `VARIABLE=value (environment: key; ...)`, secrets masked.
 * Named by the variable, not the key, so a script reading the store's `key=value` lines is not misled. The
 * note says when it wins over the store's value, and when it is not used (half an app key + secret pair,
 * or a token set: a token comes first).
 */
export function describeEnvSettings(env: Record<string, string | undefined>, store: StoredConfig): string[] {
  const lines: string[] = []
  const tokenSet = value(env.DINGTALK_ACCESS_TOKEN) !== undefined || value(store.token) !== undefined
  for (const [key, name] of Object.entries(ENV_FOR_KEY) as [ConfigKey, string][]) {
    const v = value(env[name])
    if (v === undefined) continue
    const notes = [`environment: ${key}`]
    const pair = key === 'appKey' ? 'DINGTALK_APP_SECRET' : key === 'appSecret' ? 'DINGTALK_APP_KEY' : undefined
    // The operator goes one level at a time: the environment's (a unionId before a userid) over the store's.
    const operator = key === 'unionId' || key === 'userId'
    const storedOperator = (['unionId', 'userId'] as const).filter((k) => store[k] !== undefined)
    if (pair !== undefined && value(env[pair]) === undefined) notes.push(`not used without ${pair}`)
    else if (pair !== undefined && tokenSet) notes.push('not used: a token is set, and comes first')
    else if (key === 'userId' && value(env.DINGTALK_UNION_ID) !== undefined)
      notes.push('not used: DINGTALK_UNION_ID is set, and comes first')
    else if (operator && storedOperator.length > 0)
      notes.push(`wins over the config store's ${storedOperator.join(' and ')}`)
    else if (!operator && store[key] !== undefined) notes.push(`wins over the config store's ${key}`)
    lines.push(`${name}=${SECRET_CONFIG_KEYS.has(key) ? maskSecret(v) : v} (${notes.join('; ')})`)
  }
  return lines
}
