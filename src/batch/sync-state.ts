// The sync state of a `get -r` mirror: one hidden JSON file at its root, read leniently, written atomically.
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { toFileSystemError } from '../errors.js'
import { readOwnFile, sweepTemps, writeFileAtomic } from '../disk/files.js'

/**
 * Whose file it is: 'placed' when dtdl wrote it, 'adopted' when it was there already and dtdl only found it
 * identical. Only placed files are ever replaced without --force or removed by --delete.
 */
export type SyncOwner = 'placed' | 'adopted'

/** What dtdl knew about one file when it placed it (or found it identical): the remote side and the local side. */
export interface SyncEntry {
  /** Entries of earlier releases have none: they read as 'adopted', so nothing is removed on their word. */
  owner?: SyncOwner | undefined
  dentryId: string
  version: number
  size: number
  modifiedTime: string
  /** Decimal CRC-64 the server gave, or null when it sent none. */
  crc64: string | null
  /** The local file right after dtdl placed or checked it. */
  localSize: number
  localMtimeMs: number
}

export interface SyncState {
  format: 1
  spaceId: string
  folderId: string
  /** By POSIX path relative to the mirror's root. */
  files: Record<string, SyncEntry>
  /** Folders (relative paths) dtdl created: the only ones --delete may remove, and only when empty. */
  createdFolders: string[]
}

const STATE_NAME = /^\.dtdl-sync-[0-9a-f]{16}\.json(\.(\d+-)?[0-9a-f]+\.tmp)?$/i

/** Pure: is `name` a sync state file (or its temporary twin)? A remote file must never take such a name. */
export const isSyncStateName = (name: string): boolean => STATE_NAME.test(name)

/**
 * Pure: the state file of the mirror of spaceId/folderId in `dir`; one per source, so mirrors into one directory do not
 * clash.
 */
export function syncStatePath(dir: string, spaceId: string, folderId: string): string {
  const digest = createHash('sha256').update(`${spaceId}\u0000${folderId}`).digest('hex').slice(0, 16)
  return join(dir, `.dtdl-sync-${digest}.json`)
}

export const emptySyncState = (spaceId: string, folderId: string): SyncState => ({
  format: 1,
  spaceId,
  folderId,
  files: {},
  createdFolders: [],
})

/**
 * Reads the state; a missing, torn, foreign or malformed file (or a link at its name) reads as undefined: that
 * only costs a full check of every file, never a wrong skip. Malformed entries are dropped one by one for the
 * same reason. The temporary files a crashed run left beside it are removed first.
 */
export async function readSyncState(path: string, spaceId: string, folderId: string): Promise<SyncState | undefined> {
  await sweepTemps(path)
  let raw: unknown
  try {
    raw = JSON.parse((await readOwnFile(path)) ?? '')
  } catch {
    return undefined
  }
  if (
    !isRecord(raw) ||
    raw.format !== 1 ||
    raw.spaceId !== spaceId ||
    raw.folderId !== folderId ||
    !isRecord(raw.files)
  )
    return undefined
  const state = emptySyncState(spaceId, folderId)
  for (const [relPath, e] of Object.entries(raw.files)) if (isEntry(e)) state.files[relPath] = e
  if (Array.isArray(raw.createdFolders))
    state.createdFolders = raw.createdFolders.filter((f): f is string => typeof f === 'string' && f !== '')
  return state
}

/**
 * Writes the state beside a temporary twin named for this process, then renames it into place (disk/files.ts):
 * the twin never outlives a failure, and the one a kill -9 leaves is removed by the next run's readSyncState.
 */
export async function writeSyncState(path: string, state: SyncState): Promise<void> {
  try {
    await writeFileAtomic(path, `${JSON.stringify(state)}\n`)
  } catch (err) {
    throw toFileSystemError(err, path, 'write')
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isEntry(e: unknown): e is SyncEntry {
  if (!isRecord(e)) return false
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0
  return (
    typeof e.dentryId === 'string' &&
    count(e.version) &&
    count(e.size) &&
    typeof e.modifiedTime === 'string' &&
    (e.crc64 === null || typeof e.crc64 === 'string') &&
    count(e.localSize) &&
    num(e.localMtimeMs) &&
    (e.owner === undefined || e.owner === 'placed' || e.owner === 'adopted')
  )
}
