// A target that is already there: compared with the remote before anything is fetched, and checked with every
// check the user asked for.
import { lstat, stat } from 'node:fs/promises'
import { FileSystemError, IntegrityError } from '../errors.js'
import { identityOf, notOursError, type CommitMode } from '../disk/files.js'
import type { DownloadEvent, DownloadOptions, RemoteObject } from './types.js'
import { fileRangeCrc, fileSha256 } from './verify.js'

/**
 * The SHA-256 of a target found up to date. A mismatch exits 6 and keeps the file: its size (and CRC-64,
 * when the server sends one) match the remote, so the given hash or the remote file is what is wrong, and
 * deleting a file that matches what DingTalk serves would help nobody.
 */
export async function checkUpToDateSha256(
  target: string,
  expected: string,
  from: string | undefined,
  crcMatched: boolean,
): Promise<void> {
  const actual = await fileSha256(target)
  if (actual === expected.toLowerCase()) return
  const matched = crcMatched ? 'size and CRC-64' : 'size (the server sends no CRC-64)'
  throw new IntegrityError(
    'SHA256_MISMATCH',
    `${target} matches the remote file's ${matched} but not the SHA-256 ${from ?? 'given with --sha256'}: its SHA-256 is ${actual}, not ${expected.toLowerCase()}; the file was kept`,
    {
      hint: crcMatched
        ? 'the file is what DingTalk serves: check the SHA-256 you gave, or whether the remote file is the one you meant'
        : 'check the SHA-256 you gave; --force downloads the file again and checks the new copy',
    },
  )
}

/**
 * What a download does about its target: it is already identical, or the new file takes its place this way
 * (`replaces`: a file is there now, which the new one replaces).
 */
export type TargetPlan = { kind: 'same' } | { kind: 'fetch'; commit: CommitMode; replaces: boolean }

/**
 * Looks at the target before anything is fetched. Absent: the new file must find it still absent. There and
 * identical (size and CRC-64): up to date, nothing to fetch, --force or not. There and different: exit 7,
 * unless --force (replaced whatever it is then) or `replace` (dtdl placed it: replaced if still that file).
 * A symlink is compared through, never written through: replacing one needs --force, and replaces the link.
 */
export async function planTarget(
  options: DownloadOptions,
  remote: RemoteObject,
  emit: (e: DownloadEvent) => void,
): Promise<TargetPlan> {
  const link = await lstat(options.target).catch(() => undefined)
  const force: TargetPlan = { kind: 'fetch', commit: { kind: 'force' }, replaces: link !== undefined }
  if (!link) return options.force ? force : { kind: 'fetch', commit: { kind: 'new' }, replaces: false }
  const local = link.isSymbolicLink() ? await stat(options.target).catch(() => undefined) : link
  if (local && !local.isFile())
    throw new FileSystemError(options.target, `${options.target} exists and is not a file`, {
      code: 'FS_EEXIST',
      hint: 'pass another -o',
    })
  // --force replaces a target that differs; one proven identical is up to date even so (nothing to gain
  // by fetching the same bytes). Without a CRC-64 only the size could be compared: not proof enough for --force.
  let same = local !== undefined && local.size === remote.size && !(options.force && remote.crc === null)
  if (same && remote.crc !== null) {
    emit({ type: 'verify', check: 'existing' })
    same = (await fileRangeCrc(options.target, { start: 0, end: remote.size })) === remote.crc
  }
  // No note here: the result (upToDate, checked) says it, and the end line is the one line a person reads.
  if (same) return { kind: 'same' }
  if (options.force) {
    emit({ type: 'note', message: `--force: ${options.target} will be replaced once the new download is verified` })
    return force
  }
  if (link.isSymbolicLink()) throw notOursError(options.target, 'a symbolic link')
  if (options.replace) return { kind: 'fetch', commit: { kind: 'replace', expect: identityOf(link) }, replaces: true }
  throw new FileSystemError(options.target, `${options.target} exists and differs from the remote file`, {
    code: 'TARGET_DIFFERS',
    hint: 'pass --force to replace it (the old file stays until the new one is verified), or choose another -o',
  })
}
