// The one module that creates, writes, commits and removes dtdl's files: never through a symbolic link, never
// over a file that appeared meanwhile, every write checked for the bytes that reached the disk, and temporary
// files named so that the next run recognises and removes what a crash left.
import { constants } from 'node:fs'
import { link, lstat, open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { FileSystemError, toFileSystemError } from '../errors.js'

const { O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_WRONLY, O_NOFOLLOW } = constants

/** What identifies a local file between two looks at it: the same inode, unchanged. */
export interface FileIdentity {
  dev: number
  ino: number
  size: number
  mtimeMs: number
}

/** A name dtdl uses holds a symbolic link (or a directory...): dtdl neither follows it nor replaces it. */
export function notOursError(path: string, what: 'a symbolic link' | 'not a regular file'): FileSystemError {
  return new FileSystemError(path, `${path} is ${what}: dtdl does not write through or replace it`, {
    code: what === 'a symbolic link' ? 'FS_SYMLINK' : 'FS_NOT_A_FILE',
    hint: `it is not dtdl's: remove or rename it, then run the same command again`,
  })
}

export const errno = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code

/** lstat, with a missing path as undefined. */
export async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path)
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined
    throw err
  }
}

/** Pure: a stat as a FileIdentity. */
export const identityOf = (s: { dev: number; ino: number; size: number; mtimeMs: number }): FileIdentity => ({
  dev: s.dev,
  ino: s.ino,
  size: s.size,
  mtimeMs: s.mtimeMs,
})

/**
 * Creates a file that must be new: O_CREAT|O_EXCL, which also never follows a symlink at the name. EEXIST is
 * thrown as is: the caller decides what an existing file there means.
 */
export async function createNewFile(path: string, mode = 0o644): Promise<FileHandle> {
  return open(path, O_CREAT | O_EXCL | O_WRONLY, mode)
}

/**
 * A fresh, empty file at a name of dtdl's own (a partial file, a temporary file): what an earlier run left
 * there is removed first, a symlink or anything but a regular file is refused, and the new file is created
 * exclusively, so a link planted meanwhile is not followed either.
 */
export async function createOwnFile(path: string, mode = 0o644): Promise<FileHandle> {
  // Most names are free: try the exclusive create first, and look at what stands there only when it fails.
  for (let tries = 0; ; tries++) {
    try {
      return await open(path, O_CREAT | O_EXCL | O_RDWR, mode)
    } catch (err) {
      if (errno(err) !== 'EEXIST' || tries > 0)
        throw errno(err) === 'EEXIST'
          ? notOursError(path, 'not a regular file')
          : toFileSystemError(err, path, 'create')
    }
    const found = await lstatOrUndefined(path).catch((err: unknown) => {
      throw toFileSystemError(err, path, 'create')
    })
    if (found?.isSymbolicLink()) throw notOursError(path, 'a symbolic link')
    if (found && !found.isFile()) throw notOursError(path, 'not a regular file')
    // A file of ours an earlier run left: it goes, and the name is created afresh (exclusively again).
    if (found)
      await unlink(path).catch((err: unknown) =>
        errno(err) === 'ENOENT' ? undefined : Promise.reject(toFileSystemError(err, path, 'create')),
      )
  }
}

/** A second name for a file dtdl created (claims share one inode per folder); EEXIST when anything stands there. */
export async function linkNewName(existing: string, path: string): Promise<void> {
  await link(existing, path)
}

/** Opens an existing file of dtdl's own for reading and writing (a partial file resumed); never through a symlink. */
export async function openOwnFile(path: string): Promise<FileHandle> {
  let handle: FileHandle
  try {
    handle = await open(path, O_RDWR | O_NOFOLLOW)
  } catch (err) {
    if (errno(err) === 'ELOOP') throw notOursError(path, 'a symbolic link')
    throw toFileSystemError(err, path, 'open')
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close()
    throw notOursError(path, 'not a regular file')
  }
  return handle
}

/**
 * Reads a small file of dtdl's own (a resume record, a sync state, a claim) as text; undefined when it is
 * missing. A symlink at the name is refused: its target is not dtdl's to read as its own.
 */
export async function readOwnFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, { encoding: 'utf8', flag: O_RDONLY | O_NOFOLLOW })
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined
    if (errno(err) === 'ELOOP') throw notOursError(path, 'a symbolic link')
    throw toFileSystemError(err, path, 'read')
  }
}

/**
 * Writes `length` bytes of `buffer` at `position`, however many calls it takes: a write may be short (the
 * disk filling up part way), and a short write is continued, never taken as done. `onWritten` sees exactly
 * the bytes that reached the file, in order, so what it checksums is what was written.
 */
export async function writeAll(
  handle: FileHandle,
  buffer: Buffer,
  offset: number,
  length: number,
  position: number,
  onWritten?: (written: Buffer) => void,
): Promise<void> {
  for (let done = 0; done < length;) {
    const { bytesWritten } = await handle.write(buffer, offset + done, length - done, position + done)
    if (bytesWritten <= 0) throw Object.assign(new Error('the write made no progress'), { code: 'ENOSPC' })
    onWritten?.(buffer.subarray(offset + done, offset + done + bytesWritten))
    done += bytesWritten
  }
}

/** The suffix of temporary files: `<name>.<pid>-<hex>.tmp`, the pid telling whether the writer still runs. */
const TEMP = /^(.*)\.(\d+)-[0-9a-f]+\.tmp$/

/** Pure: the temporary file `path` is written through, named so that sweepTemps can tell whose it is. */
export const tempPathFor = (path: string, pid = process.pid): string =>
  `${path}.${pid}-${randomBytes(4).toString('hex')}.tmp`

/**
 * Pure: is `name` a temporary file of `base` (tempPathFor's form, or an older release's `<base>.tmp` /
 * `<base>.<hex>.tmp`)?
 */
export function isTempOf(name: string, base: string): boolean {
  if (!name.startsWith(`${base}.`) || !name.endsWith('.tmp')) return false
  const middle = name.slice(base.length + 1, -'.tmp'.length)
  return middle === '' || /^(\d+-)?[0-9a-f]+$/.test(middle)
}

/** A temporary file older than this is left over whoever wrote it: writing one takes milliseconds. */
const TEMP_STALE_MS = 60_000

/** Is this pid a running process here? EPERM means it runs as another user: alive. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return errno(err) === 'EPERM'
  }
}

/**
 * Removes the temporary files of `path` that a crashed writer left: those whose pid no longer runs here, or
 * that are older than a minute (an older release's, or another host's). Never throws: a sweep is tidying.
 */
export async function sweepTemps(path: string, isAlive: (pid: number) => boolean = isProcessAlive): Promise<number> {
  const dir = dirname(path)
  const base = basename(path)
  let removed = 0
  const names = await readdir(dir).catch(() => [] as string[])
  for (const name of names.filter((n) => isTempOf(n, base))) {
    const full = join(dir, name)
    const s = await lstat(full).catch(() => undefined)
    if (!s || !s.isFile()) continue
    if (!isLeftOver(TEMP.exec(name)?.[2], s.mtimeMs, isAlive)) continue
    if (
      await unlink(full).then(
        () => true,
        () => false,
      )
    )
      removed++
  }
  return removed
}

/**
 * Pure: is a temporary file left over? Its writer's pid no longer runs, it has none (an older release's), or it is
 * stale.
 */
function isLeftOver(pid: string | undefined, mtimeMs: number, isAlive: (pid: number) => boolean): boolean {
  if (Date.now() - mtimeMs >= TEMP_STALE_MS || pid === undefined) return true
  // This process's own temporary files are being written right now.
  return Number(pid) !== process.pid && !isAlive(Number(pid))
}

/**
 * Replaces `path` with `text` atomically: a new temporary file beside it (exclusive, so never through a
 * link), written whole, then renamed over `path`. A symlink or a non-file at `path` is refused, not replaced.
 * The temporary file never outlives a failure. `ownTmp` names a fixed temporary file instead, for a writer
 * that is alone by a claim (the resume record): whatever an earlier run left there is replaced.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: { mode?: number; ownTmp?: string } = {},
): Promise<void> {
  const found = await lstatOrUndefined(path).catch(() => undefined)
  if (found?.isSymbolicLink()) throw notOursError(path, 'a symbolic link')
  if (found && !found.isFile()) throw notOursError(path, 'not a regular file')
  const tmp = options.ownTmp ?? tempPathFor(path)
  // Created here, or nothing of ours to clean up: what stood at the name (a link) is not ours to remove.
  const handle: FileHandle =
    options.ownTmp !== undefined ? await createOwnFile(tmp, options.mode) : await createNewFile(tmp, options.mode)
  let stillOpen = true
  try {
    const data = Buffer.from(text)
    await writeAll(handle, data, 0, data.length, 0)
    stillOpen = false
    await handle.close()
    await rename(tmp, path)
  } catch (err) {
    if (stillOpen) await handle.close().catch(() => {})
    await unlink(tmp).catch(() => {})
    throw err
  }
}

/** How a finished file takes its final name. */
export type CommitMode =
  /** Nothing may be there: a file that appeared meanwhile is left alone (TARGET_APPEARED). */
  | { kind: 'new' }
  /**
   * The file there is one dtdl placed, as seen when the run began; changed since, it is left alone (TARGET_CHANGED).
   */
  | { kind: 'replace'; expect: FileIdentity }
  /** --force: whatever file (or link) is there is replaced; a directory never is. */
  | { kind: 'force' }

/** link() answers meaning "no hard links on this file system", as opposed to "not now". */
const LINKS_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK'])

/**
 * Gives the finished (and fsynced) `partial` its final name. 'new' links it there, which fails if anything
 * stands there now, then removes the partial name; 'replace' checks the file there is still the one dtdl
 * placed, then renames over it; 'force' renames over whatever file is there.
 */
export async function commitFile(partial: string, target: string, mode: CommitMode): Promise<void> {
  try {
    if (mode.kind === 'new') return await commitNew(partial, target)
    const found = await lstatOrUndefined(target)
    if (found?.isDirectory())
      throw new FileSystemError(target, `${target} is a directory now`, {
        code: 'FS_EISDIR',
        hint: 'move it away, or pass another -o',
      })
    if (mode.kind === 'replace' && !(found && found.isFile() && sameFile(identityOf(found), mode.expect)))
      throw changedError(target, found !== undefined)
    await rename(partial, target)
  } catch (err) {
    throw toFileSystemError(err, target, 'write')
  }
}

async function commitNew(partial: string, target: string): Promise<void> {
  try {
    await link(partial, target)
  } catch (err) {
    if (errno(err) === 'EEXIST') throw appearedError(target)
    if (!LINKS_UNSUPPORTED.has(errno(err) ?? '')) throw err
    // No hard links here (FAT, some SMB shares): the check and the rename are two steps, as close as can be.
    if ((await lstatOrUndefined(target)) !== undefined) throw appearedError(target)
    return rename(partial, target)
  }
  await unlink(partial)
}

/** Pure: still the same file? The mtime to the second where one side has no fraction (tar, some caches). */
export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    (a.mtimeMs === b.mtimeMs || Math.floor(a.mtimeMs / 1000) === Math.floor(b.mtimeMs / 1000))
  )
}

function appearedError(target: string): FileSystemError {
  return new FileSystemError(target, `${target} appeared while dtdl was downloading it, and was left alone`, {
    code: 'TARGET_APPEARED',
    hint: 'something else writes there: check what, then run again with --force to replace it (the download is kept beside it)',
  })
}

function changedError(target: string, exists: boolean): FileSystemError {
  return new FileSystemError(
    target,
    `${target} ${exists ? 'changed' : 'was removed'} while dtdl was downloading its new version, and was left ${exists ? 'alone' : 'absent'}`,
    {
      code: 'TARGET_CHANGED',
      hint: 'someone works on that file: run again when they are done, or pass --force to replace it',
    },
  )
}

/**
 * Removes files of dtdl's own (side files of a finished or abandoned download); missing ones are fine, and
 * anything but a regular file (a link someone planted at the name) is left where it is.
 */
export async function removeOwnFiles(paths: readonly string[]): Promise<void> {
  await Promise.all(
    paths.map(async (p) => {
      if (!(await lstatOrUndefined(p))?.isFile()) return
      try {
        await unlink(p)
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw err
      }
    }),
  )
}
