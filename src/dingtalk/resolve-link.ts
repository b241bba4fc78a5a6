// A link's dentryUuid → the storage ids: one queryDentryId call the first time, the config store after.
import type { DentryIds, DingTalkApi } from './client.js'
import type { DentryRef } from './dentry-ref.js'
import type { LookupCache } from '../config/lookup-cache.js'

export interface ResolvedRef extends DentryIds {
  /** The dentryUuid the ids came from, when the user gave a link. */
  dentryUuid?: string
  /** True when the ids came from the cache (no call spent). */
  cached?: boolean
}

/** Resolves a file or folder reference; a dentryUuid's ids never change, so a cached answer is final. */
export async function resolveDentryRef(
  ref: DentryRef,
  deps: { api: DingTalkApi; unionId: string; cache?: LookupCache | undefined },
): Promise<ResolvedRef> {
  if (ref.kind === 'ids') return { spaceId: ref.spaceId, dentryId: ref.dentryId }
  const hit = deps.cache?.getDentryIds(ref.dentryUuid)
  if (hit) return { ...hit, dentryUuid: ref.dentryUuid, cached: true }
  const ids = await deps.api.queryDentryId(ref.dentryUuid, deps.unionId)
  await deps.cache?.setDentryIds(ref.dentryUuid, ids)
  return { ...ids, dentryUuid: ref.dentryUuid }
}
