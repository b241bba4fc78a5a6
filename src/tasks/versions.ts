// `dtdl versions`: every version of a file, newest first, paging through the versions API.
import { connectApi, refOf, type ApiFlags, type ApiContext } from '../dingtalk/connect.js'
import { DtdlError, ExitCode } from '../errors.js'
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
    const seenTokens = new Set<string>()
    let nextToken: string | undefined
    do {
      const page = await connected.api.listVersions(spaceId, dentryId, unionId, nextToken)
      for (const d of page.dentries) {
        versions.push({ version: d.version ?? null, size: d.size ?? null, modifiedTime: d.modifiedTime ?? null, modifierId: d.modifierId ?? null, name: d.name ?? null })
      }
      nextToken = page.nextToken
      if (nextToken !== undefined && seenTokens.has(nextToken)) {
        throw new DtdlError('LIST_LOOP', ExitCode.remote, 'listing versions failed: the server repeated a page token', { hint: 'run again later' })
      }
      if (nextToken !== undefined) seenTokens.add(nextToken)
    } while (nextToken !== undefined)
    return { spaceId, dentryId, versions: sortVersions(versions) }
  } finally {
    await connected.dispatcher.destroy().catch(() => {})
  }
}

/** Pure: newest first (the API's order, made sure of), versions without a number last. */
export function sortVersions(versions: readonly VersionEntry[]): VersionEntry[] {
  return [...versions].sort((a, b) => (b.version ?? -Infinity) - (a.version ?? -Infinity))
}
