// Lookups that never change answer, kept in the config store so a re-run spends no API call on them:
// a link's dentryUuid → its storage ids, a userid or mobile number → the operator's unionId.
import { createHash } from 'node:crypto'
import type { ConfigStore } from './store.js'

const DENTRY_SECTION = 'dentryUuidCache'
const USER_SECTION = 'userCache'
/** Enough for any realistic use; beyond it the oldest entries go, so the file stays small. */
export const MAX_CACHE_ENTRIES = 2000

export interface CachedDentryIds {
  spaceId: string
  dentryId: string
}

export interface CachedUser {
  userId: string
  unionId?: string | undefined
  name?: string | undefined
}

type Section<T> = Record<string, T>

/** Pure: adds one entry, dropping the oldest (insertion order) once the section is full. */
export function withEntry<T>(section: Section<T>, key: string, value: T, max = MAX_CACHE_ENTRIES): Section<T> {
  const next: Section<T> = { ...section }
  delete next[key]
  next[key] = value
  const keys = Object.keys(next)
  for (const old of keys.slice(0, Math.max(0, keys.length - max))) delete next[old]
  return next
}

/**
 * Pure: the key a user lookup is cached under. Userids are unique only within an organisation, so the key
 * carries the host and the app; a mobile number is kept only as a digest (it is personal data).
 */
export function userCacheKey(
  scope: { oapiEndpoint: string; appKey: string | undefined },
  who: { kind: 'userId' | 'mobile'; value: string },
): string {
  const id =
    who.kind === 'mobile'
      ? `mobile:${createHash('sha256').update(who.value).digest('hex').slice(0, 32)}`
      : `userid:${who.value}`
  return `${scope.oapiEndpoint} ${scope.appKey ?? '-'} ${id}`
}

function readSection<T>(store: ConfigStore, name: string, valid: (v: unknown) => v is T): Section<T> {
  const raw = store.readSection(name)
  if (!raw || typeof raw !== 'object') return {}
  const out: Section<T> = {}
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) if (valid(v)) out[k] = v
  return out
}

const isIds = (v: unknown): v is CachedDentryIds =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as CachedDentryIds).spaceId === 'string' &&
  typeof (v as CachedDentryIds).dentryId === 'string'
const isUser = (v: unknown): v is CachedUser =>
  typeof v === 'object' && v !== null && typeof (v as CachedUser).userId === 'string'

export interface LookupCache {
  getDentryIds(dentryUuid: string): CachedDentryIds | undefined
  setDentryIds(dentryUuid: string, ids: CachedDentryIds): Promise<void>
  getUser(key: string): CachedUser | undefined
  setUser(key: string, user: CachedUser): Promise<void>
}

/** The caches over a config store. A cache that cannot be written (read-only home) only costs a call next run. */
export function lookupCache(store: ConfigStore): LookupCache {
  const save = (name: string, value: unknown) => store.writeSection(name, value).catch(() => {})
  return {
    getDentryIds: (uuid) => readSection(store, DENTRY_SECTION, isIds)[uuid],
    setDentryIds: (uuid, ids) =>
      save(
        DENTRY_SECTION,
        withEntry(readSection(store, DENTRY_SECTION, isIds), uuid, { spaceId: ids.spaceId, dentryId: ids.dentryId }),
      ),
    getUser: (key) => readSection(store, USER_SECTION, isUser)[key],
    setUser: (key, user) => save(USER_SECTION, withEntry(readSection(store, USER_SECTION, isUser), key, user)),
  }
}
