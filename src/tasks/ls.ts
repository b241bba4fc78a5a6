// `dtdl ls`: a folder's entries (or the whole tree with -r) as aligned lines for people or JSON for scripts.
import { UsageError } from '../errors.js'
import { dentryKind, dentryName, isFolder, walkFolder } from '../dingtalk/folder-walk.js'
import type { Dentry } from '../dingtalk/client.js'
import type { DentryRef } from '../dingtalk/dentry-ref.js'
import { connectApi, isPermissionDenied, type ApiContext, type ApiFlags } from '../dingtalk/connect.js'
import type { RequestCounts } from '../http/request-counter.js'

export interface LsOptions extends ApiFlags {
  /** The space; with `ref` (a link's dentryUuid) the space and folder come from the link instead. */
  spaceId?: string | undefined
  /** Undefined or "0": the space root. */
  folderId?: string | undefined
  ref?: DentryRef | undefined
  recursive: boolean
}

/** What `ls` found, and what it cost. */
export interface LsResult extends RequestCounts {
  entries: LsEntry[]
}

export interface LsEntry {
  /** Empty when the server gave none (every field is optional). */
  id: string
  /** Verbatim from the server (the id when it gave none). */
  name: string
  /** null when the server did not say. */
  type: 'FILE' | 'FOLDER' | null
  /** Bytes; null for folders. */
  size: number | null
  modifiedTime: string | null
  /** Relative to the listed folder, POSIX, names verbatim (a name holding "/" is not split: see `name`). */
  path: string
}

const toEntry = (d: Dentry, names: string[]): LsEntry => ({
  id: d.id ?? '',
  name: dentryName(d),
  type: dentryKind(d) ?? null,
  size: isFolder(d) ? null : (d.size ?? null),
  modifiedTime: d.modifiedTime ?? null,
  path: names.join('/'),
})

export async function runLs(options: LsOptions, ctx: ApiContext): Promise<LsResult> {
  ctx.reporter.phase('resolving credentials')
  const connected = await connectApi(ctx, options)
  const { api, dispatcher, requests } = connected
  try {
    const unionId = await connected.unionId()
    let spaceId = options.spaceId
    let folderId = options.folderId ?? '0'
    if (options.ref) {
      ctx.reporter.phase('resolving the link')
      ;({ spaceId, dentryId: folderId } = await connected.resolve(options.ref))
    }
    if (spaceId === undefined) throw new UsageError('missing <spaceId> (or a link)', { code: 'MISSING_ARGUMENT' })
    if (folderId !== '0') {
      // `ls` of a file shows that file, like ls(1); the list API would only answer "not a folder".
      const self = await api.getDentry(spaceId, folderId, unionId).catch((err: unknown) => {
        if (isPermissionDenied(err)) return undefined
        throw err
      })
      if (self && dentryKind(self) === 'FILE')
        return {
          entries: [toEntry({ id: folderId, ...self }, [dentryName({ id: folderId, ...self })])],
          ...requests.snapshot(),
        }
    }
    ctx.reporter.phase('listing')
    const walked = await walkFolder(api, spaceId, folderId, unionId, {
      recursive: options.recursive,
      signal: connected.signal,
      onListed: (n) => ctx.reporter.phase(`listing: ${n} entries`),
    })
    for (const f of walked.failures) ctx.reporter.note(`dtdl: cannot list ${f.names.join('/')}: ${f.error.message}`)
    for (const e of walked.entries) {
      if (e.unknownType)
        ctx.reporter.note(`dtdl: the listing does not say whether ${e.names.join('/')} is a file or a folder (no type)`)
    }
    return { entries: walked.entries.map((e) => toEntry(e.dentry, e.names)), ...requests.snapshot() }
  } finally {
    await dispatcher.destroy().catch(() => {})
  }
}
