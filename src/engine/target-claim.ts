// An exclusive claim on a target while one dtdl writes it: a small file beside it naming the owner, kept fresh by a
// heartbeat (claim-file.ts holds them); here, waiting for another owner and taking over an abandoned claim.
import { randomUUID } from 'node:crypto'
import { lstat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import { FileSystemError, toFileSystemError } from '../errors.js'
import { createNewFile, isProcessAlive, notOursError, readOwnFile } from '../disk/files.js'
import { lockPathFor } from './resume-record.js'
import { tryClaim, type ClaimOwner, type HeldClaim } from './claim-file.js'
// The files of a batch wait for their claims on one signal: this sleep registers once per signal (abort-fanout).
import { sleep } from '../http/retry.js'

/** This machine's name, asked once: a claim is taken for every file of a batch. */
let host: string | undefined
const thisHost = (): string => (host ??= hostname())

/** The owner touches its claim this often, so waiters on other hosts can tell it is alive. */
export const HEARTBEAT_MS = 5_000
/** A claim from another host whose mtime has not moved for this long (as the waiter watched it) is abandoned. */
export const STALE_MS = 30_000
/** How often a waiter looks again: cheap (one open), and soon enough after the owner lets go. */
const POLL_MS = 250
/** Waiting for another process's takeover, which takes a millisecond or two. */
const GUARD_POLL_MS = 25
/** A takeover guard standing this long was left by a process that died in the middle of one. */
const GUARD_STALE_MS = 2_000

export type { ClaimOwner } from './claim-file.js'

/**
 * Pure: does a claim found on disk still hold? `unchangedMs` is how long this waiter has seen its mtime stand still.
 */
export function judgeClaim(
  owner: ClaimOwner | undefined,
  unchangedMs: number,
  here: { host: string; isAlive: (pid: number) => boolean },
  staleMs = STALE_MS,
): 'live' | 'gone' | 'stale' {
  // On this host the pid says it all: a dead owner is replaced at once; a live one (even suspended) keeps it.
  if (owner !== undefined && owner.host === here.host) return here.isAlive(owner.pid) ? 'live' : 'gone'
  // Another host (a shared network file system), or a file torn by a crash: only the heartbeat can tell. It is
  // watched rather than compared with our clock, so clock skew between hosts cannot make a live claim look old.
  return unchangedMs >= staleMs ? 'stale' : 'live'
}

export { isProcessAlive }

export interface ClaimOptions {
  /** How long to wait for another owner to let go; 0 = fail at once. */
  waitMs: number
  /** Aborting ends the wait at once, with the signal's reason. */
  signal: AbortSignal
  /** Called once, when this claim has to wait for a live owner. */
  onWait?: ((owner: ClaimOwner | undefined) => void) | undefined
  /** Called when an abandoned claim is replaced by ours. */
  onTakeOver?: ((owner: ClaimOwner | undefined, why: 'gone' | 'stale') => void) | undefined
  /** How often the claim is touched once held (default HEARTBEAT_MS); keep it well under STALE_MS. */
  heartbeatMs?: number | undefined
}

export type TargetClaim = HeldClaim

/** A claim file as found: its owner (undefined when torn or being written) and mtime; undefined when it is gone. */
async function readClaim(path: string): Promise<{ owner: ClaimOwner | undefined; mtimeMs: number } | undefined> {
  try {
    const st = await lstat(path)
    // A link at the claim's name is no claim of dtdl's: refused at once, never read through or waited on.
    if (st.isSymbolicLink() || !st.isFile())
      throw notOursError(path, st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file')
    const text = await readOwnFile(path)
    if (text === undefined) return undefined
    let owner: ClaimOwner | undefined
    try {
      const o = JSON.parse(text) as Partial<ClaimOwner>
      if (Number.isSafeInteger(o.pid) && typeof o.host === 'string' && typeof o.token === 'string')
        owner = o as ClaimOwner
    } catch {
      owner = undefined
    }
    return { owner, mtimeMs: st.mtimeMs }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw toFileSystemError(err, path, 'read')
  }
}

/** Creates the takeover guard only if there is none (O_EXCL, atomic also on NFSv3+); false when one exists. */
async function tryCreate(path: string, owner: ClaimOwner): Promise<boolean> {
  let handle
  try {
    handle = await createNewFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw toFileSystemError(err, path, 'create')
  }
  try {
    await handle.writeFile(JSON.stringify(owner))
  } catch (err) {
    await handle.close().catch(() => {})
    await unlink(path).catch(() => {})
    throw toFileSystemError(err, path, 'write to')
  }
  await handle.close()
  return true
}

/** Watches one claim's mtime across polls: how long it has stood still, by our own clock. */
class HeartbeatWatch {
  private key = ''
  private since = 0
  unchangedMs(found: { owner: ClaimOwner | undefined; mtimeMs: number }): number {
    const key = `${found.mtimeMs}/${found.owner?.token ?? ''}`
    if (key !== this.key) [this.key, this.since] = [key, Date.now()]
    return Date.now() - this.since
  }
}

/**
 * Takes the claim on `target`, waiting for a live owner up to `waitMs`; throws TARGET_BUSY (exit 7) when
 * it is still held then, or the signal's reason when aborted. The caller must `release()` it in a finally.
 */
export async function claimTarget(target: string, options: ClaimOptions): Promise<TargetClaim> {
  const path = lockPathFor(target)
  const owner = (): ClaimOwner => ({
    pid: process.pid,
    host: thisHost(),
    token: randomUUID(),
    since: new Date().toISOString(),
  })
  const here = { host: thisHost(), isAlive: isProcessAlive }
  const deadline = Date.now() + options.waitMs
  const watch = new HeartbeatWatch()
  let announced = false
  for (;;) {
    if (options.signal.aborted) throw options.signal.reason
    const held = await tryClaim(path, owner, options.heartbeatMs ?? HEARTBEAT_MS)
    if (held) return held
    const found = await readClaim(path)
    if (found === undefined) {
      // Let go between our two looks (or a dangling symlink is in the way): look again soon, within the wait.
      if (Date.now() >= deadline) throw busyError(target, path, undefined, options.waitMs)
      await sleep(GUARD_POLL_MS, options.signal)
      continue
    }
    const verdict = judgeClaim(found.owner, watch.unchangedMs(found), here)
    if (verdict !== 'live') {
      if (await removeAbandoned(path, found.owner, here, options.signal)) options.onTakeOver?.(found.owner, verdict)
      continue
    }
    if (Date.now() >= deadline) throw busyError(target, path, found.owner, options.waitMs)
    if (!announced) options.onWait?.(found.owner)
    announced = true
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())), options.signal)
  }
}

/**
 * Removes an abandoned claim, unless another waiter replaced it meanwhile. Without the guard two waiters
 * that judged the same dead claim could each delete it, the second deleting the first one's new claim.
 * The guard is one short-lived file per directory, so it needs no room beyond the directory's.
 */
async function removeAbandoned(
  path: string,
  judged: ClaimOwner | undefined,
  here: { host: string; isAlive: (pid: number) => boolean },
  signal: AbortSignal,
): Promise<boolean> {
  const guard = join(dirname(path), '.dtdl-takeover')
  const me: ClaimOwner = { pid: process.pid, host: here.host, token: randomUUID(), since: new Date().toISOString() }
  const watch = new HeartbeatWatch()
  while (!(await tryCreate(guard, me))) {
    const other = await readClaim(guard)
    // Held for a millisecond or two at a time: one whose owner died, or that stands for seconds, is left over.
    if (
      other !== undefined &&
      (judgeClaim(other.owner, 0, here) === 'gone' || watch.unchangedMs(other) >= GUARD_STALE_MS)
    )
      await unlink(guard).catch(() => {})
    await sleep(GUARD_POLL_MS, signal)
  }
  try {
    const now = await readClaim(path)
    if (now === undefined || now.owner?.token !== judged?.token) return false
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw toFileSystemError(err, path, 'remove the abandoned claim')
    })
    return true
  } finally {
    await unlink(guard).catch(() => {})
  }
}

/** "another dtdl (pid N)", with the host when it is not this one: for the lines people read. */
export const describeOwner = (owner: ClaimOwner | undefined) =>
  owner === undefined
    ? 'another dtdl'
    : `another dtdl (pid ${owner.pid}${owner.host === thisHost() ? '' : ` on ${owner.host}`})`

function busyError(target: string, path: string, owner: ClaimOwner | undefined, waitMs: number): FileSystemError {
  const who = describeOwner(owner)
  const waited = waitMs > 0 ? ` after waiting ${Math.round(waitMs / 1000)}s` : ''
  return new FileSystemError(target, `${who} is still downloading ${target}${waited}`, {
    code: 'TARGET_BUSY',
    hint: `let it finish and run the same command again (it will find the file up to date), or wait longer with --lock-wait <s>; if no dtdl is running${owner ? ` on ${owner.host}` : ''}, delete ${path}`,
  })
}
