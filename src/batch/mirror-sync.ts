// The I/O around sync planning for `get -r`: stat the local side, remember what was placed, --delete, save the state.
import { lstat, readdir } from 'node:fs/promises'
import { posix } from 'node:path'
import { makeFolders, removeEmptyFolder, removePlacedFile } from '../disk/below-root.js'
import type { DownloadResult } from '../engine/download.js'
import { joinInside } from '../disk/paths.js'
import { eachAtOnce } from '../each-at-once.js'
import { DtdlError, toFileSystemError } from '../errors.js'
import type { BatchFileResult } from './results.js'
import {
  localMatches,
  planSync,
  type ListedFile,
  type LocalStat,
  type SyncAction,
  type SyncPlan,
  type SyncPlanInput,
} from './sync-plan.js'
import {
  emptySyncState,
  readSyncState,
  syncStatePath,
  writeSyncState,
  type SyncEntry,
  type SyncOwner,
  type SyncState,
} from './sync-state.js'

export interface MirrorSyncOptions extends Omit<SyncPlanInput, 'state' | 'local'> {
  dir: string
  spaceId: string
  folderId: string
}

export interface MirrorSync {
  plan: SyncPlan
  statePath: string
  /** Files whose folder was missing or empty when the run looked: no copy, partial file or record of them there. */
  inBareFolder: ReadonlySet<string>
  /** A file the batch placed or found identical: remembered with the local file's stat as it is now. */
  record(file: ListedFile, result: DownloadResult): Promise<void>
  /** Creates a folder of the mirror (and its parents), never through a link, remembering the ones it made. */
  makeFolder(relPath: string): Promise<void>
  /** After the batch: --delete's removals (unless interrupted), then the state saved. */
  finish(interrupted: boolean, note: (text: string) => void): Promise<BatchFileResult[]>
}

/** Local stats and folder listings at once: they are cheap, and each waits for the disk. */
const STATS_AT_ONCE = 16

/**
 * Stats each path under `dir`; a path that cannot be stat'ed reads as absent. A folder that is missing or
 * empty needs no stat per file: a first run into a new directory makes one call per folder, not one per
 * file, and its files are `inBareFolder` (nothing of them, not even a partial download, can be there). A
 * folder with anything in it is stat'ed name by name, which also finds a file whose name differs only in
 * case or Unicode form on a file system that folds them.
 */
async function statLocal(
  dir: string,
  relPaths: Iterable<string>,
): Promise<{ stats: Map<string, LocalStat>; inBareFolder: Set<string> }> {
  const byFolder = new Map<string, string[]>()
  for (const relPath of new Set(relPaths)) {
    const folder = posix.dirname(relPath)
    const paths = byFolder.get(folder)
    if (paths) paths.push(relPath)
    else byFolder.set(folder, [relPath])
  }
  const stats = new Map<string, LocalStat>()
  const inBareFolder = new Set<string>()
  const toStat: string[] = []
  await eachAtOnce([...byFolder], STATS_AT_ONCE, async ([folder, paths]) => {
    if ((await listFolder(dir, folder)) === 'look') return void toStat.push(...paths)
    for (const p of paths) {
      inBareFolder.add(p)
      stats.set(p, null)
    }
  })
  await eachAtOnce(toStat, STATS_AT_ONCE, async (relPath) => {
    let full: string
    try {
      full = joinInside(dir, relPath)
    } catch {
      return
    }
    const s = await lstat(full).catch(() => undefined)
    stats.set(relPath, s ? { isFile: s.isFile(), size: s.size, mtimeMs: s.mtimeMs } : null)
  })
  return { stats, inBareFolder }
}

/** 'bare' when the folder is missing or empty; 'look' when each file must be stat'ed (or the folder is unsafe). */
async function listFolder(dir: string, folder: string): Promise<'bare' | 'look'> {
  try {
    return (await readdir(folder === '.' ? dir : joinInside(dir, folder))).length === 0 ? 'bare' : 'look'
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'bare' : 'look'
  }
}

/** Reads the state and the local side, plans, and returns the hooks the batch calls. Writes nothing yet. */
export async function openMirrorSync(options: MirrorSyncOptions): Promise<MirrorSync> {
  const statePath = syncStatePath(options.dir, options.spaceId, options.folderId)
  const state = await readSyncState(statePath, options.spaceId, options.folderId)
  const { stats: local, inBareFolder } = await statLocal(options.dir, [
    ...options.files.map((f) => f.relPath),
    ...Object.keys(state?.files ?? {}),
  ])
  const plan = planSync({ ...options, state, local })
  const entries: Record<string, SyncEntry> = { ...plan.carry }
  const created = new Set(state?.createdFolders ?? [])
  /** Folders made or checked this run (never a link): each level is looked at once. */
  const checkedFolders = new Set<string>()

  return {
    plan,
    statePath,
    inBareFolder,
    async record(file, result) {
      // Only what the listing said can be compared next time; a file that changed in between is left to a full check.
      if (file.version === undefined || file.modifiedTime === undefined || result.bytes !== file.size) return
      const s = await lstat(result.path).catch(() => undefined)
      if (!s?.isFile()) return
      const before = state?.files[file.relPath]
      // Written now: placed. Found identical: the owner it had (a placed file whose listing changed), else adopted.
      const owner: SyncOwner =
        !result.upToDate || (before?.owner === 'placed' && before.dentryId === file.id) ? 'placed' : 'adopted'
      entries[file.relPath] = {
        owner,
        dentryId: file.id,
        version: file.version,
        size: file.size,
        modifiedTime: file.modifiedTime,
        crc64: result.crc64,
        localSize: s.size,
        localMtimeMs: s.mtimeMs,
      }
    },
    async makeFolder(relPath) {
      for (const level of await makeFolders(options.dir, relPath, checkedFolders)) created.add(level)
    },
    async finish(interrupted, note) {
      const results: BatchFileResult[] = []
      if (!interrupted) {
        for (const a of plan.actions.filter((x) => x.kind === 'delete')) {
          const entry = state?.files[a.relPath]
          if (entry) results.push(...(await deleteFile(options, a, entry, note)))
        }
        for (const f of plan.removeFolders) {
          // Only empty folders go: anything the user put there keeps it. Never through a link.
          if (await removeEmptyFolder(options.dir, f).catch(() => false)) created.delete(f)
        }
      }
      const next: SyncState = {
        ...emptySyncState(options.spaceId, options.folderId),
        files: entries,
        createdFolders: [...created].sort(),
      }
      await writeSyncState(statePath, next)
      return results
    },
  }
}

/**
 * --delete of one file dtdl placed: removed only if it is still the file dtdl recorded (size and mtime, looked
 * at again now) and no folder on its way is a link. A file changed since the plan is kept, and said so.
 */
async function deleteFile(
  options: MirrorSyncOptions,
  action: SyncAction,
  entry: SyncEntry,
  note: (text: string) => void,
): Promise<BatchFileResult[]> {
  const base = { path: action.relPath, spaceId: options.spaceId, dentryId: action.dentryId, bytes: action.size ?? 0 }
  try {
    const outcome = await removePlacedFile(options.dir, action.relPath, (s) =>
      localMatches({ isFile: true, size: s.size, mtimeMs: s.mtimeMs }, entry),
    )
    if (outcome === 'changed') note(`dtdl: kept ${action.relPath}: it changed since the run began`)
    return outcome === 'removed' ? [{ ...base, status: 'deleted', exitCode: 0 }] : []
  } catch (err) {
    const e: DtdlError = toFileSystemError(err, action.relPath, 'delete')
    return [
      {
        ...base,
        status: 'failed',
        error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) },
        exitCode: e.exitCode,
      },
    ]
  }
}
