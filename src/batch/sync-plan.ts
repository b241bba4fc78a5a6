// Pure sync planning for `get -r`: sync state + listing + local stat → download / replace / check / skip / delete /
// keep.
import type { SyncEntry, SyncState } from './sync-state.js'

/** A selected remote file as the listing describes it. */
export interface ListedFile {
  id: string
  relPath: string
  size: number | undefined
  version?: number | undefined
  modifiedTime?: string | undefined
}

/** What stat says of a local path: null = nothing there; `isFile: false` = something that is not a plain file. */
export type LocalStat = { isFile: boolean; size: number; mtimeMs: number } | null

export type SyncActionKind =
  /** Nothing there locally: fetch it. */
  | 'download'
  /** dtdl placed it, and the remote or the local copy changed since: fetch it and replace it once verified. */
  | 'replace'
  /**
   * A local file dtdl did not place (unknown to the state, or adopted): compared with the remote by CRC-64 as
   * without a state (differs → --force).
   */
  | 'check'
  /** Listing and local file both match the state: no download-info call, no storage request. */
  | 'skip'
  /** --delete: dtdl placed it, it is gone from the remote, and it is unchanged locally. */
  | 'delete'
  /** Gone from the remote but left alone (no --delete, not placed by dtdl, or changed locally since). */
  | 'keep'

export interface SyncAction {
  kind: SyncActionKind
  relPath: string
  dentryId: string
  /** Remote size for fetches and skips, local size for deletes and keeps. */
  size: number | undefined
  /** Why, in a few words, for dry-run lines and notes. */
  reason: string
}

export interface SyncPlanInput {
  /** The files the filters selected, from this run's listing. */
  files: readonly ListedFile[]
  state: SyncState | undefined
  /** Local stat of every path in `files` and in the state (missing = not stat'ed = treated as absent). */
  local: ReadonlyMap<string, LocalStat>
  /** Every remote file path, selected or not: a state entry whose path is here is not "gone". */
  remotePaths: ReadonlySet<string>
  /** Every remote folder path. */
  remoteFolders: ReadonlySet<string>
  /** The filters: a gone file they would not select is protected from --delete (like rsync's excludes). */
  accept: (relPath: string) => boolean
  /** Folders that could not be listed: nothing under them counts as gone. */
  unlisted: readonly string[]
  delete: boolean
}

export interface SyncPlan {
  /** One per selected file, in listing order, then the gone files in path order. */
  actions: SyncAction[]
  /** State entries that stay as they are (skips, unselected or unlisted files, kept gone files). */
  carry: Record<string, SyncEntry>
  /** With --delete: folders dtdl created that are gone from the remote, deepest first (removed only if empty). */
  removeFolders: string[]
}

/**
 * Pure: the local file is the one dtdl recorded. The mtime must match exactly, or to the second when the
 * local mtime has no fraction: tar (and caches restored from it) keep whole seconds only.
 */
export function localMatches(local: LocalStat, entry: SyncEntry): boolean {
  if (!local || !local.isFile || local.size !== entry.localSize) return false
  if (local.mtimeMs === entry.localMtimeMs) return true
  return local.mtimeMs % 1000 === 0 && Math.floor(entry.localMtimeMs / 1000) * 1000 === local.mtimeMs
}

/** Pure: the listing still shows the file dtdl recorded. Anything the listing leaves out proves nothing: no skip. */
export function remoteMatches(file: ListedFile, entry: SyncEntry): boolean {
  return (
    file.id === entry.dentryId &&
    file.version !== undefined &&
    file.version === entry.version &&
    file.size !== undefined &&
    file.size === entry.size &&
    file.modifiedTime !== undefined &&
    file.modifiedTime === entry.modifiedTime
  )
}

const under = (relPath: string, folder: string) => relPath.startsWith(`${folder}/`)

/** Pure: decides, for every selected file and every state entry, what this run does. */
export function planSync(input: SyncPlanInput): SyncPlan {
  const actions: SyncAction[] = []
  const carry: Record<string, SyncEntry> = {}
  const files = input.state?.files ?? {}
  const selected = new Set<string>()
  for (const f of input.files) {
    selected.add(f.relPath)
    const local = input.local.get(f.relPath) ?? null
    const entry = Object.hasOwn(files, f.relPath) ? files[f.relPath] : undefined
    const act = (kind: SyncActionKind, reason: string) =>
      actions.push({ kind, relPath: f.relPath, dentryId: f.id, size: f.size, reason })
    // Only a file dtdl placed is replaced on the state's word; one it adopted is the user's, checked as such.
    const change = entry?.owner === 'placed' ? 'replace' : 'check'
    if (!local) act('download', entry ? 'removed locally' : 'new')
    else if (!entry) act('check', 'not in the sync state')
    else if (!localMatches(local, entry))
      act(change, change === 'replace' ? 'changed locally' : 'changed locally; dtdl did not place it')
    else if (!remoteMatches(f, entry))
      act(change, change === 'replace' ? 'changed remotely' : 'changed remotely; dtdl did not place the local copy')
    else {
      act('skip', 'up to date')
      carry[f.relPath] = entry
    }
  }
  const gone: SyncAction[] = []
  for (const [relPath, entry] of Object.entries(files)) {
    if (selected.has(relPath)) continue
    if (input.remotePaths.has(relPath) || !input.accept(relPath) || input.unlisted.some((u) => under(relPath, u))) {
      carry[relPath] = entry
      continue
    }
    const local = input.local.get(relPath) ?? null
    // Already gone here too: nothing to do, and nothing to remember.
    if (!local) continue
    const act = (kind: SyncActionKind, reason: string) =>
      gone.push({ kind, relPath, dentryId: entry.dentryId, size: local.size, reason })
    if (entry.owner !== 'placed') act('keep', 'gone remotely; dtdl did not place the local copy')
    else if (!localMatches(local, entry)) act('keep', 'gone remotely, but changed locally since dtdl placed it')
    else if (input.delete) act('delete', 'gone remotely')
    else {
      act('keep', 'gone remotely (--delete removes it)')
      carry[relPath] = entry
    }
  }
  gone.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0))
  actions.push(...gone)
  const removeFolders = input.delete
    ? (input.state?.createdFolders ?? [])
        .filter((f) => !input.remoteFolders.has(f) && !input.unlisted.some((u) => f === u || under(f, u)))
        .sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? 1 : -1))
    : []
  return { actions, carry, removeFolders }
}
