// The resume record beside a partial file: what was asked, what the server said, which bytes are safely on disk.
import { createHash } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { mergeRanges, type ByteRange } from './segments.js'
import { MAX_NAME_BYTES } from '../disk/paths.js'
import { openOwnFile, readOwnFile, removeOwnFiles, writeAll, writeFileAtomic } from '../disk/files.js'

export const PARTIAL_SUFFIX = '.dtdl-part'
export const RECORD_SUFFIX = '.dtdl-part.json'
export const LOCK_SUFFIX = '.dtdl-lock'

export interface RequestIdentity {
  spaceId: string
  dentryId: string
  /** The version asked for; null means "the current one". */
  version: number | null
}

export interface RemoteIdentity {
  size: number
  etag: string | null
  /**
   * What proves later responses are the same object (see remote.ts): a strong ETag, the CRC-64, or
   * Last-Modified with the size. Records of earlier releases have none: their ETag stands in.
   */
  validator?: string | undefined
}

export interface ResumeRecord {
  format: 1
  request: RequestIdentity
  remote: RemoteIdentity
  /** Byte ranges [start, end) whose data was fsynced before this record was written. */
  done: ByteRange[]
}

/** The longest side-file suffix of the name-based scheme (the record's temporary file). */
const LONGEST_SUFFIX = `${RECORD_SUFFIX}.tmp`

/**
 * The one place that names the files beside a target. A name with room for the suffixes keeps the
 * readable `<name>.dtdl-part` / `<name>.dtdl-part.json` (and so resumes what earlier versions left);
 * a longer one (up to the 255 bytes a name may have) gets `.dtdl-<16 hex>` from a SHA-256 of its name,
 * in the same directory: a side file never needs more room than the final name.
 */
function sideFileBase(target: string): { base: string; named: boolean } {
  const name = basename(target)
  if (Buffer.byteLength(name + LONGEST_SUFFIX) <= MAX_NAME_BYTES) return { base: target, named: true }
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 16)
  return { base: join(dirname(target), `.dtdl-${digest}`), named: false }
}

export const partialPathFor = (target: string) => {
  const { base, named } = sideFileBase(target)
  return base + (named ? PARTIAL_SUFFIX : '.part')
}
export const recordPathFor = (target: string) => {
  const { base, named } = sideFileBase(target)
  return base + (named ? RECORD_SUFFIX : '.json')
}
/**
 * The claim that one dtdl is writing the target (see target-claim.ts): taken before the two files above are touched.
 */
export const lockPathFor = (target: string) => {
  const { base, named } = sideFileBase(target)
  return base + (named ? LOCK_SUFFIX : '.lock')
}

/** Pure: is `name` one dtdl writes beside a download (so a remote file must never take it)? */
export function isSideFileName(name: string): boolean {
  return (
    /(\.dtdl-part|\.dtdl-part\.json(\.tmp)?|\.dtdl-lock)$/i.test(name) ||
    /^\.dtdl-[0-9a-f]{16}\.(part|json(\.tmp)?|lock)$/i.test(name) ||
    // target-claim.ts's short-lived guard, one per directory.
    /^\.dtdl-takeover$/i.test(name)
  )
}

/** Reads a record; a missing, torn or foreign file reads as undefined (start over). */
export async function readResumeRecord(path: string): Promise<ResumeRecord | undefined> {
  const text = await readOwnFile(path).catch(() => undefined)
  if (text === undefined) return undefined
  try {
    const r = JSON.parse(text) as ResumeRecord
    if (r.format !== 1 || !r.request || !r.remote || !Array.isArray(r.done)) return undefined
    const done = r.done.filter(
      (d) => Number.isSafeInteger(d.start) && Number.isSafeInteger(d.end) && d.start >= 0 && d.end > d.start,
    )
    return { ...r, done: mergeRanges(done) }
  } catch {
    return undefined
  }
}

/** Pure: why a record cannot be used for this request and remote file, or undefined when it can. */
export function recordMismatch(
  record: ResumeRecord,
  request: RequestIdentity,
  remote: RemoteIdentity,
): string | undefined {
  if (record.request.spaceId !== request.spaceId || record.request.dentryId !== request.dentryId)
    return 'it belongs to another file'
  if (record.request.version !== request.version) return 'it was for another version'
  if (record.remote.size !== remote.size)
    return `the remote size changed (${record.remote.size} → ${remote.size} bytes)`
  if (record.remote.etag !== remote.etag) return 'the remote file changed (its ETag differs)'
  if ((record.remote.validator ?? record.remote.etag) !== (remote.validator ?? remote.etag))
    return 'the remote file changed (its CRC-64 or Last-Modified differs)'
  return undefined
}

/**
 * Writes the record atomically (disk/files.ts: a temporary file renamed over the old one, never through a
 * link). The caller must have fsynced the data the record claims first, so whichever record survives a
 * crash claims only bytes on disk. The record itself is not fsynced: on ext4 that forces a journal commit
 * which waits for every dirty block of the partial file (hundreds of ms while connections write), and a
 * record lost to a power cut only reads as torn or old, which is safe (start over, or resume from less).
 */
export async function writeResumeRecord(path: string, record: ResumeRecord): Promise<void> {
  const text = JSON.stringify(record)
  try {
    // One writer per target (the claim): the temporary file's name can be fixed, and one left by a crash is replaced.
    await writeFileAtomic(path, text, { mode: 0o600, ownTmp: `${path}.tmp` })
  } catch (err) {
    if (!isOutOfSpace(err) || !(await rewriteRecordInPlace(path, text))) throw err
  }
}

const isOutOfSpace = (err: unknown) =>
  ['ENOSPC', 'EDQUOT'].includes((err as NodeJS.ErrnoException | undefined)?.code ?? '')

/**
 * On a full disk no new file can be made, but the old record's own blocks can be rewritten: the new JSON,
 * padded with spaces (valid JSON whitespace) to at least the old length, in one write at offset 0. Only
 * when it fits in the blocks the record already holds; a power cut mid-write can tear it, which reads as a
 * torn record (start over), never as a claim of bytes not on disk: those were fsynced before.
 */
async function rewriteRecordInPlace(path: string, text: string): Promise<boolean> {
  const handle = await openOwnFile(path).catch(() => undefined)
  if (!handle) return false
  try {
    const { size, blocks } = await handle.stat()
    const data = Buffer.from(text.padEnd(size, ' '))
    if (data.length > Math.max(size, blocks * 512)) return false
    await writeAll(handle, data, 0, data.length, 0)
    return true
  } catch {
    return false
  } finally {
    await handle.close().catch(() => {})
  }
}

/** Removes the partial file, the record and the record's temporary file a crash may have left. */
export async function removeResumeFiles(target: string): Promise<void> {
  await removeOwnFiles([partialPathFor(target), recordPathFor(target), `${recordPathFor(target)}.tmp`])
}

/**
 * Pure: which of the record's ranges may count as done. Nothing past the remote size, and nothing past the
 * partial file's end: a file truncated after its record was written holds fewer bytes than it claims, and
 * counting the rest would leave a hole of zeros the CRC-64 only catches after a whole second download.
 */
export function restorableRanges(claimed: readonly ByteRange[], remoteSize: number, partialSize: number): ByteRange[] {
  const limit = Math.min(remoteSize, partialSize)
  return mergeRanges(claimed.map((r) => ({ start: Math.min(r.start, limit), end: Math.min(r.end, limit) })))
}
