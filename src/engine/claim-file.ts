// The claim files this process holds: one inode per directory, the first claim there creates it and the next
// ones are hard links to it, so a mirror of small files creates one claim file per folder rather than per file.
import { lstat, unlink, type FileHandle } from 'node:fs/promises'
import { createNewFile, linkNewName, readOwnFile } from '../disk/files.js'
import { dirname } from 'node:path'
import { FileSystemError, toFileSystemError } from '../errors.js'

/** What a claim file holds. */
export interface ClaimOwner {
  pid: number
  host: string
  /** Unique per claim file: tells "still the claim I judged" from "a new claim by the same pid". */
  token: string
  since: string
}

/** A claim this process holds on one path. */
export interface HeldClaim {
  /** Aborts if the path no longer names our claim file (removed, or taken over after our heartbeat stalled). */
  readonly lost: AbortSignal
  /** Removes the path if it still names our claim file. Never throws. */
  release(): Promise<void>
}

/** One claim file of ours, and the claim paths (hard links) that name it. */
interface ClaimInode {
  readonly dir: string
  /**
   * Kept open while any path names it: the inode cannot be freed, so its number cannot be reused, and "the
   * path names this inode" is an exact test of ownership (two system calls, where reading the file took five).
   */
  readonly handle: FileHandle
  readonly ino: bigint
  readonly dev: bigint
  readonly token: string
  /** Claim path → the controller of its `lost` signal. */
  readonly paths: Map<string, AbortController>
  /** Links being made from one of `paths`: the file stays open until they settle. */
  linking: number
  closed: boolean
  timer: NodeJS.Timeout | undefined
  /** The heartbeat in progress (touch, then check each path). */
  beat: Promise<void>
}

/** Per directory: the claim file new claims there link to; absent while none is held. */
const shared = new Map<string, ClaimInode>()
/** Directories whose file system refused a hard link (FAT, some SMB shares): each claim there gets its own file. */
const noLinks = new Set<string>()
/** A claim file being created per directory: claims arriving meanwhile wait for it and link to it. */
const creating = new Map<string, Promise<void>>()
/** link() answers meaning "this file system has no hard links here", as opposed to "not now". */
const LINKS_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'])

/**
 * Takes `path` unless something already stands there (then undefined: the caller judges and waits).
 * `owner` is called only when a new claim file is written; `heartbeatMs` applies to that file.
 */
export async function tryClaim(
  path: string,
  owner: () => ClaimOwner,
  heartbeatMs: number,
): Promise<HeldClaim | undefined> {
  const dir = dirname(path)
  for (;;) {
    const pending = creating.get(dir)
    if (pending !== undefined) {
      await pending
      continue
    }
    const inode = shared.get(dir)
    if (inode !== undefined) {
      const linked = await linkTo(inode, path)
      if (linked !== 'again') return linked
      continue
    }
    const made = createClaimFile(dir, path, owner(), heartbeatMs)
    const share = !noLinks.has(dir)
    if (share)
      creating.set(
        dir,
        made.then(
          () => {},
          () => {},
        ),
      )
    try {
      const created = await made
      if (created === undefined) return undefined
      if (!noLinks.has(dir) && !shared.has(dir)) shared.set(dir, created)
      return hold(created, path)
    } finally {
      if (share) creating.delete(dir)
    }
  }
}

/** A hard link from one of the inode's paths to `path`; 'again' when that source went away or links do not work. */
async function linkTo(inode: ClaimInode, path: string): Promise<HeldClaim | undefined | 'again'> {
  const source = inode.paths.keys().next().value
  if (source === undefined) {
    // Its last path was just released (a link from it is still settling): a new file, then.
    forget(inode)
    return 'again'
  }
  inode.linking++
  try {
    await linkNewName(source, path)
    return hold(inode, path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? ''
    if (code === 'EEXIST') return undefined
    if (code === 'ENOENT' && inode.paths.has(source)) {
      // Our claim vanished without our release: someone removed it. That claim is lost; try another source.
      markLost(inode, source)
    } else if (LINKS_UNSUPPORTED.has(code)) {
      noLinks.add(inode.dir)
      forget(inode)
    } else if (code === 'EMLINK') {
      forget(inode)
    } else if (code !== 'ENOENT') {
      throw toFileSystemError(err, path, 'create')
    }
    return 'again'
  } finally {
    inode.linking--
    void closeIfUnused(inode)
  }
}

/** Creates the claim file at `path` with O_EXCL (atomic also on NFSv3+); undefined when something stands there. */
async function createClaimFile(
  dir: string,
  path: string,
  owner: ClaimOwner,
  heartbeatMs: number,
): Promise<ClaimInode | undefined> {
  let handle: FileHandle
  try {
    handle = await createNewFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined
    throw toFileSystemError(err, path, 'create')
  }
  let ids: { ino: bigint; dev: bigint }
  try {
    await handle.writeFile(JSON.stringify(owner))
    ids = await handle.stat({ bigint: true })
  } catch (err) {
    await handle.close().catch(() => {})
    await unlink(path).catch(() => {})
    throw toFileSystemError(err, path, 'write to')
  }
  // A file system without stable inode numbers (some report 0) can only be judged by content: no sharing there.
  if (ids.ino === 0n) noLinks.add(dir)
  const inode: ClaimInode = {
    dir,
    handle,
    ino: ids.ino,
    dev: ids.dev,
    token: owner.token,
    paths: new Map(),
    linking: 0,
    closed: false,
    timer: undefined,
    beat: Promise.resolve(),
  }
  inode.timer = setInterval(() => (inode.beat = inode.beat.then(() => heartbeat(inode))), heartbeatMs)
  // The heartbeat alone must not keep a process alive.
  inode.timer.unref()
  return inode
}

function hold(inode: ClaimInode, path: string): HeldClaim {
  const lost = new AbortController()
  inode.paths.set(path, lost)
  return {
    lost: lost.signal,
    async release() {
      // Still ours as far as we know (not found lost): remove it, unless the path now names another file.
      if (inode.paths.delete(path) && (await namesInode(path, inode))) await unlink(path).catch(() => {})
      await closeIfUnused(inode)
    },
  }
}

/** Does `path` name this inode? False when it is gone or replaced. */
async function namesInode(path: string, inode: ClaimInode): Promise<boolean> {
  if (inode.ino === 0n)
    return readOwnFile(path).then(
      (text) => (JSON.parse(text ?? '') as Partial<ClaimOwner>).token === inode.token,
      () => false,
    )
  const s = await lstat(path, { bigint: true }).catch(() => undefined)
  return s !== undefined && s.ino === inode.ino && s.dev === inode.dev
}

/**
 * Touches the file (every path shows the new mtime: waiters on other hosts watch it), then checks each path is still
 * ours.
 */
async function heartbeat(inode: ClaimInode): Promise<void> {
  if (inode.closed) return
  const now = new Date()
  await inode.handle.utimes(now, now).catch(() => {})
  for (const path of [...inode.paths.keys()])
    if (!(await namesInode(path, inode)) && inode.paths.has(path)) markLost(inode, path)
}

function markLost(inode: ClaimInode, path: string): void {
  const lost = inode.paths.get(path)
  inode.paths.delete(path)
  lost?.abort(
    new FileSystemError(path, `another process removed or took over dtdl's claim on the target (${path})`, {
      code: 'TARGET_CLAIM_LOST',
      hint: 'make sure only one dtdl writes this file, then run the same command again',
    }),
  )
  void closeIfUnused(inode)
}

/** New claims in the directory stop linking to this inode (it stays valid for the paths that name it). */
function forget(inode: ClaimInode): void {
  if (shared.get(inode.dir) === inode) shared.delete(inode.dir)
}

/** Closes the file once no path names it and no link from it is under way; synchronous up to the close itself. */
async function closeIfUnused(inode: ClaimInode): Promise<void> {
  if (inode.closed || inode.paths.size > 0 || inode.linking > 0) return
  inode.closed = true
  clearInterval(inode.timer)
  forget(inode)
  await inode.beat
  await inode.handle.close().catch(() => {})
}
