// The token cache's keys and bookkeeping: a cached token is reused only for the endpoint, app and secret it was minted
// with.
import { createHash } from 'node:crypto'

/** What a token was minted for. A token is only ever sent back to the same endpoint. */
export interface TokenScope {
  /** Normalised API base URL the token was minted from. */
  endpoint: string
  appKey: string
  /** One-way digest of the app secret: a wrong secret misses the cache instead of "working". */
  secretDigest: string
}

/** A token minted from app credentials, kept so later runs skip the token call. */
export interface CachedToken extends TokenScope {
  accessToken: string
  /** Epoch milliseconds when DingTalk says the token expires. */
  expiresAt: number
}

/** Enough entries for a few endpoints and apps; the oldest beyond that are dropped. */
export const MAX_CACHED_TOKENS = 16

/**
 * Pure: the base URL as the cache compares it (scheme and host lower-cased, default port and trailing slashes gone).
 */
export function normaliseEndpoint(endpoint: string): string {
  try {
    return new URL(endpoint).href.replace(/\/+$/, '')
  } catch {
    return endpoint.replace(/\/+$/, '')
  }
}

/**
 * Pure: a truncated SHA-256 of the secret, salted with the app key so equal secrets of two apps differ.
 * 64 bits tell a wrong secret from the right one; the secret itself never reaches the file.
 */
export function digestSecret(appKey: string, appSecret: string): string {
  return createHash('sha256').update(`dtdl token cache\0${appKey}\0${appSecret}`).digest('hex').slice(0, 16)
}

export function tokenScope(endpoint: string, appKey: string, appSecret: string): TokenScope {
  return { endpoint: normaliseEndpoint(endpoint), appKey, secretDigest: digestSecret(appKey, appSecret) }
}

export function isSameScope(a: TokenScope, b: TokenScope): boolean {
  return a.endpoint === b.endpoint && a.appKey === b.appKey && a.secretDigest === b.secretDigest
}

/** Pure: the well-formed entries of what the file holds; anything else (the old single-entry format too) is ignored. */
export function parseCachedTokens(value: unknown): CachedToken[] {
  if (!Array.isArray(value)) return []
  return value.flatMap((v: Partial<CachedToken> | null) =>
    v &&
    typeof v.endpoint === 'string' &&
    typeof v.appKey === 'string' &&
    typeof v.secretDigest === 'string' &&
    typeof v.accessToken === 'string' &&
    typeof v.expiresAt === 'number'
      ? [
          {
            endpoint: v.endpoint,
            appKey: v.appKey,
            secretDigest: v.secretDigest,
            accessToken: v.accessToken,
            expiresAt: v.expiresAt,
          },
        ]
      : [],
  )
}

/** Pure: the entries with `token` replacing any of its scope, expired ones dropped, newest kept within the limit. */
export function withCachedToken(entries: CachedToken[], token: CachedToken, now: number): CachedToken[] {
  const others = entries.filter((e) => !isSameScope(e, token) && e.expiresAt > now)
  return [token, ...others].slice(0, MAX_CACHED_TOKENS)
}
