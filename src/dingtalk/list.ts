// `dtdl ls`: a folder's entries (or the whole tree with -r) as aligned lines for people or JSON for scripts.
import { isFolder, walkFolder } from './folder-walk.js'
import type { Dentry } from './client.js'
import { connectApi, isPermissionDenied, requireUnionId, type ApiContext } from './connect.js'

export interface LsOptions {
  spaceId: string
  /** Undefined or "0": the space root. */
  folderId?: string | undefined
  recursive: boolean
  unionId?: string | undefined
  endpoint?: string | undefined
}

export interface LsEntry {
  id: string
  /** Verbatim from the server. */
  name: string
  type: 'FILE' | 'FOLDER'
  /** Bytes; null for folders. */
  size: number | null
  modifiedTime: string | null
  /** Relative to the listed folder, POSIX, names verbatim (a name holding "/" is not split: see `name`). */
  path: string
}

const toEntry = (d: Dentry, names: string[]): LsEntry => ({
  id: d.id,
  name: d.name,
  type: isFolder(d) ? 'FOLDER' : 'FILE',
  size: isFolder(d) ? null : (d.size ?? null),
  modifiedTime: d.modifiedTime ?? null,
  path: names.join('/'),
})

export async function runLs(options: LsOptions, ctx: ApiContext): Promise<LsEntry[]> {
  ctx.reporter.phase('resolving credentials')
  const { api, dispatcher, settings } = await connectApi(ctx, options)
  const unionId = requireUnionId(settings.unionId)
  const folderId = options.folderId ?? '0'
  try {
    if (folderId !== '0') {
      // `ls` of a file shows that file, like ls(1); the list API would only answer "not a folder".
      const self = await api.getDentry(options.spaceId, folderId, unionId).catch((err: unknown) => {
        if (isPermissionDenied(err)) return undefined
        throw err
      })
      if (self && !isFolder(self)) return [toEntry(self, [self.name])]
    }
    ctx.reporter.phase('listing')
    const walked = await walkFolder(api, options.spaceId, folderId, unionId, {
      recursive: options.recursive,
      signal: ctx.signal,
      onListed: (n) => ctx.reporter.phase(`listing: ${n} entries`),
    })
    for (const f of walked.failures) ctx.reporter.note(`dtdl: cannot list ${printable(f.names.join('/'))}: ${f.error.message}`)
    return walked.entries.map((e) => toEntry(e.dentry, e.names))
  } finally {
    await dispatcher.destroy().catch(() => {})
  }
}

/** Pure: server names may hold control characters (a terminal would obey them): show those as escapes. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}
