// Where the access token comes from: env, config, or minted from app credentials and cached until near expiry.
import { DtdlError, ExitCode } from '../errors.js'
import type { CredentialSource } from '../config/settings.js'
import { describeMissingCredentials, type CredentialGap } from '../config/credential-gaps.js'
import { isSameScope, tokenScope, type CachedToken, type TokenScope } from '../config/token-cache.js'

/** DingTalk asks clients to refresh about ten minutes before a token expires. */
export const TOKEN_REFRESH_MARGIN_MS = 10 * 60 * 1000

export interface TokenProvider {
  /** The token to send now (minting one on first use when only app credentials are known). */
  get(): Promise<string>
  /** Mints a fresh token after the API called `rejected` invalid. Only when `canRenew`. */
  renew(rejected: string): Promise<string>
  /** True when the token came from app credentials, so a new one can be minted. */
  readonly canRenew: boolean
  /** How the current token was obtained, for --verbose and tests. */
  readonly origin: 'env' | 'config' | 'cached' | 'minted' | 'none'
}

/** Where minted tokens are kept between runs, looked up by what they were minted for. */
export interface TokenCache {
  get(scope: TokenScope): CachedToken | undefined
  set(token: CachedToken): Promise<void> | void
  /** Called before a mint: a cache that could not keep the token fails here, before an API call is spent. */
  prepare?(): Promise<void>
}

export interface TokenProviderDeps {
  credentials: CredentialSource
  /** The API base URL tokens are minted from and sent to: part of the cache key. */
  endpoint: string
  mint: (appKey: string, appSecret: string) => Promise<{ accessToken: string; expireIn: number }>
  cache?: TokenCache | undefined
  onToken?: ((token: string) => void) | undefined
  now?: () => number
  /** What the error says when there are no credentials (half a key + secret pair is named; see credential-gaps.ts). */
  noCredentials?: CredentialGap | undefined
}

/** Pure: is a cached token usable for this endpoint, app and secret right now? */
export function isCachedTokenUsable(
  cached: CachedToken | undefined,
  scope: TokenScope,
  now: number,
): cached is CachedToken {
  return cached !== undefined && isSameScope(cached, scope) && cached.expiresAt - TOKEN_REFRESH_MARGIN_MS > now
}

export function createTokenProvider(deps: TokenProviderDeps): TokenProvider {
  const now = deps.now ?? Date.now
  const creds = deps.credentials
  let current: string | undefined
  let origin: TokenProvider['origin'] = creds.kind === 'token' ? creds.from : 'none'
  let pending: Promise<string> | undefined

  const mintNew = async (appKey: string, appSecret: string): Promise<string> => {
    // A config folder that cannot be created or written is the user's to fix (exit 7): say so before the call.
    await deps.cache?.prepare?.()
    const { accessToken, expireIn } = await deps.mint(appKey, appSecret)
    deps.onToken?.(accessToken)
    await deps.cache?.set({
      ...tokenScope(deps.endpoint, appKey, appSecret),
      accessToken,
      expiresAt: now() + expireIn * 1000,
    })
    origin = 'minted'
    return accessToken
  }

  // Concurrent callers share one mint: parallel connections must not each ask for a token.
  const once = (fn: () => Promise<string>): Promise<string> => {
    pending ??= fn().then(
      (t) => {
        current = t
        pending = undefined
        return t
      },
      (err: unknown) => {
        pending = undefined
        throw err
      },
    )
    return pending
  }

  return {
    get canRenew() {
      return creds.kind === 'app'
    },
    get origin() {
      return origin
    },
    async get() {
      if (current !== undefined) return current
      if (creds.kind === 'token') {
        deps.onToken?.(creds.token)
        current = creds.token
        return current
      }
      if (creds.kind === 'none') {
        const gap = deps.noCredentials ?? describeMissingCredentials({}, {})
        throw new DtdlError('NO_CREDENTIALS', ExitCode.auth, gap.message, { hint: gap.hint })
      }
      return once(async () => {
        const scope = tokenScope(deps.endpoint, creds.appKey, creds.appSecret)
        const cached = deps.cache?.get(scope)
        if (isCachedTokenUsable(cached, scope, now())) {
          deps.onToken?.(cached.accessToken)
          origin = 'cached'
          return cached.accessToken
        }
        return mintNew(creds.appKey, creds.appSecret)
      })
    },
    async renew(rejected) {
      if (creds.kind !== 'app')
        throw new DtdlError('CANNOT_RENEW', ExitCode.auth, 'the access token was refused and cannot be renewed')
      // A caller that saw the old token rejected after another already renewed it just takes the new one.
      if (pending) return pending
      if (current !== undefined && current !== rejected) return current
      current = undefined
      return once(() => mintNew(creds.appKey, creds.appSecret))
    },
  }
}
