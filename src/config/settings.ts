// One resolution order for every setting: flags > environment > config store > defaults, in one pure function.
import { numberDefault } from './options.js'
import { UsageError } from '../errors.js'

export const DEFAULT_ENDPOINT = 'https://api.dingtalk.com'
/** The old-style host that maps userids and mobile numbers to unionIds. */
export const DEFAULT_OAPI_ENDPOINT = 'https://oapi.dingtalk.com'
/** A sanity bound: no DingTalk edition allows more per API. */
export const MAX_API_QPS = 10_000

export { CONFIG_KEYS, type ConfigKey } from './options.js'
import type { ConfigKey } from './options.js'
/** Keys whose values are never printed in full. */
export const SECRET_CONFIG_KEYS: ReadonlySet<ConfigKey> = new Set(['token', 'appSecret'])

export type StoredConfig = Partial<Record<ConfigKey, string>>

/** The settings every API command takes: who asks (one of three ways), where, and at what pace. */
export interface ApiFlags {
  unionId?: string | undefined
  userId?: string | undefined
  mobile?: string | undefined
  endpoint?: string | undefined
  apiQps?: number | undefined
  /** The most API calls the run may send (see RequestCounter); the rest of the run stops at it. */
  maxApiCalls?: number | undefined
}

export interface SettingsInput {
  flags: ApiFlags
  env: Record<string, string | undefined>
  store: StoredConfig
}

/** Where the access token comes from, in the order the README documents. */
export type CredentialSource =
  | { kind: 'token'; token: string; from: 'env' | 'config' }
  | { kind: 'app'; appKey: string; appSecret: string; from: 'env' | 'config' }
  | { kind: 'none' }

/** Who the operator is, as the user named them: a unionId is used as it is, the others are looked up. */
export type OperatorRef =
  { kind: 'unionId'; value: string } | { kind: 'userId'; value: string } | { kind: 'mobile'; value: string }

export interface Settings {
  endpoint: string
  /** Base URL of the old-style API (user lookups). */
  oapiEndpoint: string
  /** Set when the operator was given as a unionId. */
  unionId: string | undefined
  operator: OperatorRef | undefined
  credentials: CredentialSource
  /** Calls per second per DingTalk API (0 = no pacing). */
  apiQps: number
  /** The most API calls one run may send (--max-api-calls); undefined: no cap. */
  maxApiCalls: number | undefined
}

const nonEmpty = (v: string | undefined): string | undefined =>
  v === undefined || v.trim() === '' ? undefined : v.trim()

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
  const explicitEndpoint =
    endpointFlag !== undefined
      ? parseEndpoint(endpointFlag, '--endpoint')
      : endpointEnv !== undefined
        ? parseEndpoint(endpointEnv, 'DTDL_ENDPOINT')
        : endpointStore !== undefined
          ? parseEndpoint(endpointStore, 'config key endpoint')
          : undefined
  const oapiEnv = nonEmpty(env.DTDL_OAPI_ENDPOINT)
  // One --endpoint points both hosts at one place (an emulator, a proxy), unless DTDL_OAPI_ENDPOINT says otherwise.
  const oapiEndpoint =
    oapiEnv !== undefined ? parseEndpoint(oapiEnv, 'DTDL_OAPI_ENDPOINT') : (explicitEndpoint ?? DEFAULT_OAPI_ENDPOINT)
  const operator = resolveOperator(flags, env, store)
  return {
    endpoint: explicitEndpoint ?? DEFAULT_ENDPOINT,
    oapiEndpoint,
    unionId: operator?.kind === 'unionId' ? operator.value : undefined,
    operator,
    credentials: resolveCredentials(env, store),
    apiQps: resolveApiQps(flags.apiQps, env, store),
    maxApiCalls: resolveMaxApiCalls(flags.maxApiCalls, env, store),
  }
}

/** --max-api-calls > DTDL_MAX_API_CALLS > config maxApiCalls > no cap; a bad value names its source. */
function resolveMaxApiCalls(
  flag: number | undefined,
  env: SettingsInput['env'],
  store: StoredConfig,
): number | undefined {
  if (flag !== undefined) return flag
  const fromEnv = nonEmpty(env.DTDL_MAX_API_CALLS)
  if (fromEnv !== undefined) return parseIntegerOption(fromEnv, 'DTDL_MAX_API_CALLS', 1)
  const fromStore = nonEmpty(store.maxApiCalls)
  return fromStore === undefined ? undefined : parseIntegerOption(fromStore, 'config key maxApiCalls', 1)
}

/** --api-qps > DTDL_API_QPS > config apiQps > 20; a bad value names its source. */
function resolveApiQps(flag: number | undefined, env: SettingsInput['env'], store: StoredConfig): number {
  if (flag !== undefined) return flag
  const qpsEnv = nonEmpty(env.DTDL_API_QPS)
  if (qpsEnv !== undefined) return parseIntegerOption(qpsEnv, 'DTDL_API_QPS', 0, MAX_API_QPS)
  const qpsStore = nonEmpty(store.apiQps)
  if (qpsStore !== undefined) return parseIntegerOption(qpsStore, 'config key apiQps', 0, MAX_API_QPS)
  return numberDefault('apiQps')
}

/**
 * The operator from the first level that names one (flags > env > config). Within a level a unionId wins,
 * as it needs no lookup; two flags at once are a usage error, since they could name different people.
 */
export function resolveOperator(
  flags: SettingsInput['flags'],
  env: SettingsInput['env'],
  store: StoredConfig,
): OperatorRef | undefined {
  const given = (
    [
      ['unionId', nonEmpty(flags.unionId), '-u'],
      ['userId', nonEmpty(flags.userId), '--user-id'],
      ['mobile', nonEmpty(flags.mobile), '--mobile'],
    ] as const
  ).filter(([, v]) => v !== undefined)
  if (given.length > 1) {
    throw new UsageError(`${given.map(([, , f]) => f).join(' and ')} both name the operator: give one`, {
      code: 'BAD_OPTION',
    })
  }
  const [flag] = given
  if (flag) return { kind: flag[0], value: flag[1]! }
  const levels: [string | undefined, string | undefined][] = [
    [nonEmpty(env.DINGTALK_UNION_ID), nonEmpty(env.DINGTALK_USER_ID)],
    [nonEmpty(store.unionId), nonEmpty(store.userId)],
  ]
  for (const [unionId, userId] of levels) {
    if (unionId !== undefined) return { kind: 'unionId', value: unionId }
    if (userId !== undefined) return { kind: 'userId', value: userId }
  }
  return undefined
}

/** The first source that is set wins: env token, config token, env app credentials, config app credentials. */
export function resolveCredentials(env: SettingsInput['env'], store: StoredConfig): CredentialSource {
  const envToken = nonEmpty(env.DINGTALK_ACCESS_TOKEN)
  if (envToken !== undefined)
    return { kind: 'token', token: checkToken(envToken, 'DINGTALK_ACCESS_TOKEN'), from: 'env' }
  const storeToken = nonEmpty(store.token)
  if (storeToken !== undefined)
    return { kind: 'token', token: checkToken(storeToken, 'config key token'), from: 'config' }
  const envKey = nonEmpty(env.DINGTALK_APP_KEY)
  const envSecret = nonEmpty(env.DINGTALK_APP_SECRET)
  if (envKey !== undefined && envSecret !== undefined)
    return { kind: 'app', appKey: envKey, appSecret: envSecret, from: 'env' }
  const storeKey = nonEmpty(store.appKey)
  const storeSecret = nonEmpty(store.appSecret)
  if (storeKey !== undefined && storeSecret !== undefined) {
    return { kind: 'app', appKey: storeKey, appSecret: storeSecret, from: 'config' }
  }
  return { kind: 'none' }
}

/** A token is sent in a header as it is: one holding a space or a control character could never work. */
function checkToken(token: string, source: string): string {
  if (/^[\x21-\x7e]+$/.test(token)) return token
  throw new UsageError(
    `${source} holds a space, a line break or a control character, so it cannot be an access token`,
    { code: 'BAD_TOKEN', hint: 'set the token alone, as DingTalk gave it' },
  )
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
