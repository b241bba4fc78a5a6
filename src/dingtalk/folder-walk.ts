// Walking a remote folder: every page of the list API, subfolders depth-first; names kept verbatim (untrusted).
import type { Dentry, DingTalkApi } from './client.js'
import { DtdlError, ExitCode } from '../errors.js'

/** One entry found under the walked folder. */
export interface WalkedEntry {
  dentry: Dentry
  /** The server's names from the walked folder down to this entry, verbatim: may hold "/", "..", anything. */
  names: string[]
  isFolder: boolean
}

/** A subfolder that could not be listed; the walk goes on without it. */
export interface WalkFailure {
  folder: Dentry
  names: string[]
  error: DtdlError
}

export interface WalkResult {
  /** Pre-order: each folder comes right before its contents; within a folder, the server's order. */
  entries: WalkedEntry[]
  failures: WalkFailure[]
}

/** The list API says "FILE"/"FOLDER"; the docs ask to compare case-insensitively. */
export const isFolder = (d: Pick<Dentry, 'type'>): boolean => d.type.toUpperCase() === 'FOLDER'

/** Every entry of one folder: follows nextToken until the server gives none. */
export async function listAllDentries(api: DingTalkApi, spaceId: string, parentId: string, unionId: string): Promise<Dentry[]> {
  const all: Dentry[] = []
  const seenIds = new Set<string>()
  const seenTokens = new Set<string>()
  let nextToken: string | undefined
  do {
    const page = await api.listDentries(spaceId, parentId, unionId, nextToken)
    // Pages are cut by position: a change while we page can repeat an entry, and one file must never be
    // fetched twice at once into the same place.
    for (const d of page.dentries) {
      if (seenIds.has(d.id)) continue
      seenIds.add(d.id)
      all.push(d)
    }
    nextToken = page.nextToken
    // A server that hands back a token it already gave would page for ever.
    if (nextToken !== undefined && seenTokens.has(nextToken)) {
      throw new DtdlError('LIST_LOOP', ExitCode.remote, `listing folder ${parentId} failed: the server repeated a page token`, { hint: 'run again later' })
    }
    if (nextToken !== undefined) seenTokens.add(nextToken)
  } while (nextToken !== undefined)
  return all
}

/**
 * Lists `folderId` ("0" = the space root) and, when `recursive`, every folder below it. A failing subfolder
 * is recorded and skipped so the rest can still be fetched; the top folder failing throws.
 */
export async function walkFolder(
  api: DingTalkApi,
  spaceId: string,
  folderId: string,
  unionId: string,
  options: { recursive: boolean; signal?: AbortSignal | undefined; onListed?: ((entries: number) => void) | undefined },
): Promise<WalkResult> {
  const entries: WalkedEntry[] = []
  const failures: WalkFailure[] = []
  // A folder listed twice would mean a cycle in the server's tree: never follow one.
  const visited = new Set<string>([folderId])

  async function visit(parentId: string, prefix: string[]): Promise<void> {
    const children = await listAllDentries(api, spaceId, parentId, unionId)
    for (const dentry of children) {
      const names = [...prefix, dentry.name]
      const folder = isFolder(dentry)
      entries.push({ dentry, names, isFolder: folder })
      options.onListed?.(entries.length)
      if (!folder || !options.recursive || visited.has(dentry.id)) continue
      visited.add(dentry.id)
      try {
        await visit(dentry.id, names)
      } catch (err) {
        if (options.signal?.aborted || !(err instanceof DtdlError)) throw err
        failures.push({ folder: dentry, names, error: err })
      }
    }
  }

  await visit(folderId, [])
  return { entries, failures }
}
