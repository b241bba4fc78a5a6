// `dtdl versions`: every version of a file, newest first, paging through the versions API.
import { pageThrough } from '../dingtalk/pages.js'
import { connectApi, refOf, type ApiFlags, type ApiContext } from '../dingtalk/connect.js'
import type { DentryRef } from '../dingtalk/dentry-ref.js'

export interface VersionsOptions extends ApiFlags {
  spaceId?: string | undefined
  dentryId?: string | undefined
  ref?: DentryRef | undefined
}

export interface VersionEntry {
  version: number | null
  size: number | null
  modifiedTime: string | null
  modifierId: string | null
  name: string | null
}

export interface VersionsResult {
  spaceId: string
  dentryId: string
  versions: VersionEntry[]
}

export async function runVersions(options: VersionsOptions, ctx: ApiContext): Promise<VersionsResult> {
  ctx.reporter.phase('resolving credentials')
  const connected = await connectApi(ctx, options)
  try {
    const unionId = await connected.unionId()
    const { spaceId, dentryId } = await connected.resolve(refOf(options))
    ctx.reporter.phase('listing versions')
    const versions: VersionEntry[] = []
    await pageThrough(
      'listing versions',
      async (nextToken) => {
        const page = await connected.api.listVersions(spaceId, dentryId, unionId, nextToken)
        return { items: page.dentries, nextToken: page.nextToken }
      },
      (dentries) => {
        for (const d of dentries)
          versions.push({
            version: d.version ?? null,
            size: d.size ?? null,
            modifiedTime: d.modifiedTime ?? null,
            modifierId: d.modifierId ?? null,
            name: d.name ?? null,
          })
      },
    )
    return { spaceId, dentryId, versions: sortVersions(versions) }
  } finally {
    await connected.dispatcher.destroy().catch(() => {})
  }
}

/** Pure: newest first (the API's order, made sure of), versions without a number last. */
export function sortVersions(versions: readonly VersionEntry[]): VersionEntry[] {
  return [...versions].sort((a, b) => (b.version ?? -Infinity) - (a.version ?? -Infinity))
}
