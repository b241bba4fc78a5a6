// The I/O around sync planning for `get -r`: stat the local side, remember what was placed, --delete, save the state.
import { lstat, mkdir, rmdir, stat, unlink } from 'node:fs/promises'
import { relative, sep } from 'node:path'
import type { DownloadResult } from '../engine/download.js'
import { joinInside } from '../engine/target-path.js'
import { DtdlError, toFileSystemError } from '../errors.js'
import type { BatchFileResult } from './runner.js'
import { planSync, type ListedFile, type LocalStat, type SyncPlan, type SyncPlanInput } from './sync-plan.js'
import { emptySyncState, readSyncState, syncStatePath, writeSyncState, type SyncEntry, type SyncState } from './sync-state.js'

export interface MirrorSyncOptions extends Omit<SyncPlanInput, 'state' | 'local'> {
  dir: string
  spaceId: string
  folderId: string
}

export interface MirrorSync {
  plan: SyncPlan
  statePath: string
  /** A file the batch placed or found identical: remembered with the local file's stat as it is now. */
  record(file: ListedFile, result: DownloadResult): Promise<void>
  /** Creates a folder of the mirror (and its parents), remembering the ones that did not exist. */
  makeFolder(relPath: string): Promise<void>
  /** After the batch: --delete's removals (unless interrupted), then the state saved. */
  finish(interrupted: boolean): Promise<BatchFileResult[]>
}

/** Stats each path under `dir`, a few at a time; a path that cannot be stat'ed reads as absent. */
async function statLocal(dir: string, relPaths: Iterable<string>): Promise<Map<string, LocalStat>> {
  const paths = [...new Set(relPaths)]
  const out = new Map<string, LocalStat>()
  let next = 0
  const worker = async () => {
    while (next < paths.length) {
      const relPath = paths[next++]!
      let full: string
      try {
        full = joinInside(dir, relPath)
      } catch {
        continue
      }
      const s = await lstat(full).catch(() => undefined)
      out.set(relPath, s ? { isFile: s.isFile(), size: s.size, mtimeMs: s.mtimeMs } : null)
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
  return out
}

/** Reads the state and the local side, plans, and returns the hooks the batch calls. Writes nothing yet. */
export async function openMirrorSync(options: MirrorSyncOptions): Promise<MirrorSync> {
  const statePath = syncStatePath(options.dir, options.spaceId, options.folderId)
  const state = await readSyncState(statePath, options.spaceId, options.folderId)
  const local = await statLocal(options.dir, [...options.files.map((f) => f.relPath), ...Object.keys(state?.files ?? {})])
  const plan = planSync({ ...options, state, local })
  const entries: Record<string, SyncEntry> = { ...plan.carry }
  const created = new Set(state?.createdFolders ?? [])

  return {
    plan,
    statePath,
    async record(file, result) {
      // Only what the listing said can be compared next time; a file that changed in between is left to a full check.
      if (file.version === undefined || file.modifiedTime === undefined || result.bytes !== file.size) return
      const s = await stat(result.path).catch(() => undefined)
      if (!s) return
      entries[file.relPath] = { dentryId: file.id, version: file.version, size: file.size, modifiedTime: file.modifiedTime, crc64: result.crc64, localSize: s.size, localMtimeMs: s.mtimeMs }
    },
    async makeFolder(relPath) {
      const full = joinInside(options.dir, relPath)
      const first = await mkdir(full, { recursive: true })
      if (first === undefined) return
      // mkdir names the first folder it made; that one and everything below it, down to relPath, are new.
      const firstRel = relative(options.dir, first).split(sep).join('/')
      const parts = relPath.split('/')
      for (let i = firstRel.split('/').length; i <= parts.length; i++) created.add(parts.slice(0, i).join('/'))
    },
    async finish(interrupted) {
      const results: BatchFileResult[] = []
      if (!interrupted) {
        for (const a of plan.actions.filter((x) => x.kind === 'delete')) results.push(await deleteFile(options, a.relPath, a.dentryId, a.size ?? 0))
        for (const f of plan.removeFolders) {
          // rmdir removes only empty folders: anything the user put there keeps it.
          const gone = await rmdir(joinInside(options.dir, f)).then(() => true, (err: NodeJS.ErrnoException) => err.code === 'ENOENT')
          if (gone) created.delete(f)
        }
      }
      const next: SyncState = { ...emptySyncState(options.spaceId, options.folderId), files: entries, createdFolders: [...created].sort() }
      await writeSyncState(statePath, next)
      return results
    },
  }
}

async function deleteFile(options: MirrorSyncOptions, relPath: string, dentryId: string, bytes: number): Promise<BatchFileResult> {
  const base = { path: relPath, spaceId: options.spaceId, dentryId, bytes }
  try {
    await unlink(joinInside(options.dir, relPath))
    return { ...base, status: 'deleted', exitCode: 0 }
  } catch (err) {
    const e: DtdlError = toFileSystemError(err, relPath, 'delete')
    return { ...base, status: 'failed', error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) }, exitCode: e.exitCode }
  }
}
