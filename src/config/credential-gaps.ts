// When no credentials resolve: which half of an app key + secret pair is missing, and where, so the error names it.
import type { StoredConfig } from './settings.js'

/** What the NO_CREDENTIALS error says: what is missing, and what to set. */
export interface CredentialGap {
  message: string
  hint: string
}

const set = (v: string | undefined) => v !== undefined && v.trim() !== ''

/**
 * Pure: why no credentials resolved (see resolveCredentials: a key and its secret count only as a pair from one
 * place). Half a pair in the environment or the config store is named; with nothing set at all, the general line.
 */
export function describeMissingCredentials(
  env: Record<string, string | undefined>,
  store: StoredConfig,
): CredentialGap {
  const halves: string[] = []
  const hints: string[] = []
  const envKey = set(env.DINGTALK_APP_KEY)
  const envSecret = set(env.DINGTALK_APP_SECRET)
  if (envKey !== envSecret) {
    halves.push(
      envKey
        ? 'DINGTALK_APP_SECRET is not set (DINGTALK_APP_KEY is)'
        : 'DINGTALK_APP_KEY is not set (DINGTALK_APP_SECRET is)',
    )
    hints.push(
      envKey ? "set DINGTALK_APP_SECRET to the app's Client Secret" : "set DINGTALK_APP_KEY to the app's Client ID",
    )
  }
  const storeKey = set(store.appKey)
  const storeSecret = set(store.appSecret)
  if (storeKey !== storeSecret) {
    halves.push(storeKey ? 'config appSecret is not set (appKey is)' : 'config appKey is not set (appSecret is)')
    hints.push(
      storeKey
        ? 'run `dtdl config set appSecret -` (it asks without echo)'
        : "run `dtdl config set appKey <the app's Client ID>`",
    )
  }
  if (halves.length === 0) {
    return {
      message: 'no DingTalk credentials found',
      hint: 'set DINGTALK_APP_KEY and DINGTALK_APP_SECRET (or DINGTALK_ACCESS_TOKEN), or run `dtdl config set appKey ...` and `dtdl config set appSecret ...`',
    }
  }
  // A key from one place never pairs with a secret from the other: say so when that is what was tried.
  const mixed = halves.length === 2 ? '; a key and its secret must come from the same place' : ''
  return {
    message: `no DingTalk credentials: ${halves.join('; ')}`,
    hint: `${hints.join(', or ')} (or set DINGTALK_ACCESS_TOKEN)${mixed}`,
  }
}
