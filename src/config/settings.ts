// One resolution order for every setting: flags > environment > config store > defaults, in one pure function.
import { UsageError } from '../errors.js'

export const DEFAULT_ENDPOINT = 'https://api.dingtalk.com'

/** The keys `dtdl config` accepts; anything else is a usage error. */
export const CONFIG_KEYS = ['token', 'appKey', 'appSecret', 'unionId', 'endpoint'] as const
export type ConfigKey = (typeof CONFIG_KEYS)[number]
/** Keys whose values are never printed in full. */
export const SECRET_CONFIG_KEYS: ReadonlySet<ConfigKey> = new Set(['token', 'appSecret'])

export type StoredConfig = Partial<Record<ConfigKey, string>>

export interface SettingsInput {
  flags: { unionId?: string | undefined; endpoint?: string | undefined }
  env: Record<string, string | undefined>
  store: StoredConfig
}

/** Where the access token comes from, in the order the README documents. */
export type CredentialSource =
  | { kind: 'token'; token: string; from: 'env' | 'config' }
  | { kind: 'app'; appKey: string; appSecret: string; from: 'env' | 'config' }
  | { kind: 'none' }

export interface Settings {
  endpoint: string
  unionId: string | undefined
  credentials: CredentialSource
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim())

/** Validates an API base URL; throws a UsageError that says which source held the bad value. */
export function parseEndpoint(value: string, source: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`${source} is not a URL: ${JSON.stringify(value)}`, {
      code: 'BAD_ENDPOINT',
      hint: 'give an http(s) URL such as https://api.dingtalk.com',
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source} must be an http or https URL, not ${url.protocol}`, { code: 'BAD_ENDPOINT' })
  }
  return url.href.replace(/\/+$/, '')
}

export function resolveSettings({ flags, env, store }: SettingsInput): Settings {
  const endpointFlag = nonEmpty(flags.endpoint)
  const endpointEnv = nonEmpty(env.DTDL_ENDPOINT)
  const endpointStore = nonEmpty(store.endpoint)
  const endpoint =
    endpointFlag !== undefined
      ? parseEndpoint(endpointFlag, '--endpoint')
      : endpointEnv !== undefined
        ? parseEndpoint(endpointEnv, 'DTDL_ENDPOINT')
        : endpointStore !== undefined
          ? parseEndpoint(endpointStore, 'config key endpoint')
          : DEFAULT_ENDPOINT

  const unionId = nonEmpty(flags.unionId) ?? nonEmpty(env.DINGTALK_UNION_ID) ?? nonEmpty(store.unionId)
  return { endpoint, unionId, credentials: resolveCredentials(env, store) }
}

/** The first source that is set wins: env token, config token, env app credentials, config app credentials. */
export function resolveCredentials(env: SettingsInput['env'], store: StoredConfig): CredentialSource {
  const envToken = nonEmpty(env.DINGTALK_ACCESS_TOKEN)
  if (envToken !== undefined) return { kind: 'token', token: envToken, from: 'env' }
  const storeToken = nonEmpty(store.token)
  if (storeToken !== undefined) return { kind: 'token', token: storeToken, from: 'config' }
  const envKey = nonEmpty(env.DINGTALK_APP_KEY)
  const envSecret = nonEmpty(env.DINGTALK_APP_SECRET)
  if (envKey !== undefined && envSecret !== undefined) return { kind: 'app', appKey: envKey, appSecret: envSecret, from: 'env' }
  const storeKey = nonEmpty(store.appKey)
  const storeSecret = nonEmpty(store.appSecret)
  if (storeKey !== undefined && storeSecret !== undefined) {
    return { kind: 'app', appKey: storeKey, appSecret: storeSecret, from: 'config' }
  }
  return { kind: 'none' }
}

/** Parses an integer flag within bounds, or throws a UsageError naming the flag. */
export function parseIntegerOption(value: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`
    throw new UsageError(`${flag} must be ${range}, not ${JSON.stringify(value)}`, { code: 'BAD_OPTION' })
  }
  return n
}
