// Walking a remote folder: every page of the list API, subfolders depth-first; names kept verbatim (untrusted).
import type { Dentry, DingTalkApi } from './client.js'
import { DtdlError, ExitCode } from '../errors.js'

/** One entry found under the walked folder. */
export interface WalkedEntry {
  dentry: Dentry
  /** The folder whose listing held it (the walk's own knowledge: the entry's parentId is optional). */
  parentId: string
  /** The server's names from the walked folder down to this entry, verbatim: may hold "/", "..", anything. */
  names: string[]
  isFolder: boolean
  /** The listing did not say whether this is a file or a folder (no or an unknown `type`). */
  unknownType: boolean
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

/** The list API says "FILE"/"FOLDER"; the SDK's examples also say "file": compare without regard to case. */
export function dentryKind(d: Pick<Dentry, 'type'>): 'FILE' | 'FOLDER' | undefined {
  const type = typeof d.type === 'string' ? d.type.toUpperCase() : undefined
  return type === 'FILE' || type === 'FOLDER' ? type : undefined
}

export const isFolder = (d: Pick<Dentry, 'type'>): boolean => dentryKind(d) === 'FOLDER'

/** The name to show and to save under: the server's, else (every field is optional) the id. */
export const dentryName = (d: Pick<Dentry, 'name' | 'id'>): string => (typeof d.name === 'string' && d.name !== '' ? d.name : (d.id ?? ''))

/** Pure: what an entry lacks that dtdl needs, e.g. ["type"]; empty when it is whole. */
export function missingFields(d: Dentry): string[] {
  const missing: string[] = []
  if (typeof d.id !== 'string' || d.id === '') missing.push('id')
  if (dentryKind(d) === undefined) missing.push('type')
  if (typeof d.name !== 'string' || d.name === '') missing.push('name')
  return missing
}

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
      if (d.id !== undefined && seenIds.has(d.id)) continue
      if (d.id !== undefined) seenIds.add(d.id)
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
      const names = [...prefix, dentryName(dentry)]
      const folder = isFolder(dentry)
      entries.push({ dentry, parentId, names, isFolder: folder, unknownType: dentryKind(dentry) === undefined })
      options.onListed?.(entries.length)
      if (!folder || !options.recursive || dentry.id === undefined || visited.has(dentry.id)) continue
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
