// Walking a remote folder: every page of the list API, subfolders depth-first; names kept verbatim (untrusted).
import type { Dentry, DingTalkApi } from './client.js'
import { pageThrough } from './pages.js'
import { eachAtOnce } from '../each-at-once.js'
import { DtdlError } from '../errors.js'

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
export const dentryName = (d: Pick<Dentry, 'name' | 'id'>): string =>
  typeof d.name === 'string' && d.name !== '' ? d.name : (d.id ?? '')

/** Pure: what an entry lacks that dtdl needs, e.g. ["type"]; empty when it is whole. */
export function missingFields(d: Dentry): string[] {
  const missing: string[] = []
  if (typeof d.id !== 'string' || d.id === '') missing.push('id')
  if (dentryKind(d) === undefined) missing.push('type')
  if (typeof d.name !== 'string' || d.name === '') missing.push('name')
  return missing
}

/** Every entry of one folder: follows nextToken until the server gives none (pages.ts). */
export async function listAllDentries(
  api: DingTalkApi,
  spaceId: string,
  parentId: string,
  unionId: string,
): Promise<Dentry[]> {
  const all: Dentry[] = []
  const seenIds = new Set<string>()
  await pageThrough(
    `listing folder ${parentId}`,
    async (nextToken) => {
      const page = await api.listDentries(spaceId, parentId, unionId, nextToken)
      return { items: page.dentries, nextToken: page.nextToken }
    },
    (dentries) => {
      // Pages are cut by position: a change while we page can repeat an entry, and one file must never be
      // fetched twice at once into the same place.
      for (const d of dentries) {
        if (d.id !== undefined && seenIds.has(d.id)) continue
        if (d.id !== undefined) seenIds.add(d.id)
        all.push(d)
      }
    },
  )
  return all
}

/**
 * Folders listed at once by a walk. Pages of one folder follow each other (each names the next); the API budget paces
 * the calls.
 */
export const WALK_CONCURRENCY = 4

/**
 * Lists `folderId` ("0" = the space root) and, when `recursive`, every folder below it. A failing subfolder
 * is recorded and skipped so the rest can still be fetched; the top folder failing throws.
 *
 * The tree is listed level by level, up to WALK_CONCURRENCY folders at once (one after another, a tree of
 * a few hundred folders took as many round trips before the first download), and put together in
 * pre-order afterwards, so the result never depends on which answer came first. Which folders are
 * followed is decided in level order too: a folder id met twice (a cycle in the server's tree) is
 * followed once, never again.
 */
export async function walkFolder(
  api: DingTalkApi,
  spaceId: string,
  folderId: string,
  unionId: string,
  options: { recursive: boolean; signal?: AbortSignal | undefined; onListed?: ((entries: number) => void) | undefined },
): Promise<WalkResult> {
  const listings = new Map<string, Dentry[] | DtdlError>()
  const visited = new Set<string>([folderId])
  let found = 0
  let level = [folderId]
  while (level.length > 0) {
    await listLevel(
      level,
      async (id) => {
        const children = await listAllDentries(api, spaceId, id, unionId)
        listings.set(id, children)
        options.onListed?.((found += children.length))
      },
      (id, err) => {
        // The top folder's failure is the walk's; a subfolder's is recorded and the rest goes on.
        if (id === folderId || options.signal?.aborted || !(err instanceof DtdlError)) throw err
        listings.set(id, err)
      },
    )
    const next: string[] = []
    for (const id of level) {
      const children = listings.get(id)
      if (!Array.isArray(children) || !options.recursive) continue
      for (const d of children) {
        if (!isFolder(d) || d.id === undefined || visited.has(d.id)) continue
        visited.add(d.id)
        next.push(d.id)
      }
    }
    level = next
  }
  return assemble(folderId, listings, options.recursive)
}

/**
 * Lists every folder of one level, WALK_CONCURRENCY at a time; once all have settled, hands each failure to `failed` in
 * level order (it may rethrow).
 */
async function listLevel(
  level: string[],
  list: (id: string) => Promise<void>,
  failed: (id: string, err: unknown) => void,
): Promise<void> {
  const errors = new Map<string, unknown>()
  await eachAtOnce(level, WALK_CONCURRENCY, (id) => list(id).catch((err: unknown) => void errors.set(id, err)))
  for (const id of level) if (errors.has(id)) failed(id, errors.get(id))
}

/** The walk's result in pre-order from the listings: each followed folder's contents right after it. */
function assemble(folderId: string, listings: Map<string, Dentry[] | DtdlError>, recursive: boolean): WalkResult {
  const entries: WalkedEntry[] = []
  const failures: WalkFailure[] = []
  const followed = new Set<string>([folderId])
  const emit = (parentId: string, prefix: string[]) => {
    for (const dentry of listings.get(parentId) as Dentry[]) {
      const names = [...prefix, dentryName(dentry)]
      const folder = isFolder(dentry)
      entries.push({ dentry, parentId, names, isFolder: folder, unknownType: dentryKind(dentry) === undefined })
      // Followed once: at its first place in the walk's level order, which the listings map holds.
      if (!folder || !recursive || dentry.id === undefined || followed.has(dentry.id) || !listings.has(dentry.id))
        continue
      followed.add(dentry.id)
      const below = listings.get(dentry.id)!
      if (below instanceof DtdlError) failures.push({ folder: dentry, names, error: below })
      else emit(dentry.id, names)
    }
  }
  emit(folderId, [])
  return { entries, failures }
}
