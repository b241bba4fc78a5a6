// Small files in one request: when the listing gave the size, one GET brings status, size, ETag, CRC-64 and
// the body, with no 1-byte probe before it; anything unexpected falls back to the normal engine.
import { lstat, open, rename } from 'node:fs/promises'
import { crc64 } from '../crc64/crc64.js'
import { resourceHosts } from './signed-url-source.js'
import { IntegrityError, NetworkError, toFileSystemError } from '../errors.js'
import { headerValue } from '../http/dispatcher.js'
import type { ResourceFetcher } from './resource-fetcher.js'
import type { ResourceResponse } from './resource-request.js'
import { discard } from './remote.js'
import { partialPathFor, recordPathFor, removeResumeFiles, writeResumeRecord, type RequestIdentity } from './resume-record.js'
import { parseContentRange, type ByteRange } from './segments.js'

/**
 * Files up to this size take the one-request path: the engine would fetch them on one connection anyway
 * (one connection per 4 MiB), so the probe buys nothing but a round trip and a storage request.
 */
export const SMALL_FILE_MAX_BYTES = 4 * 1024 * 1024

/** The events this path emits (a subset of the engine's DownloadEvent). */
export type SmallFileEvent =
  | { type: 'start'; size: number; resumedBytes: number; connections: number; etag: string | null; crc64: string | null; region: string; hosts: string[] }
  | { type: 'progress'; receivedBytes: number; completedBytes: number; size: number }
  | { type: 'verify'; check: 'crc64' }
  | { type: 'note'; message: string }

export interface SmallFileJob {
  request: RequestIdentity
  target: string
  expectedSize?: number | undefined
  seenAbsent?: boolean | undefined
  sha256?: string | undefined
  signal: AbortSignal
  onEvent?: ((event: SmallFileEvent) => void) | undefined
}

export interface SmallFileResult {
  bytes: number
  etag: string | null
  crc64: string | null
  checked: ('size' | 'crc64')[]
  upToDate: false
  resumedBytes: 0
  connections: 1
}

/**
 * Pure: whether the one-request path applies. Not for a target that exists (the engine compares it with the
 * remote using a 1-byte probe, far cheaper than the body) nor beside a resume record (the engine resumes it).
 */
export function takesSmallPath(input: { expectedSize: number | undefined; targetExists: boolean; recordExists: boolean; sha256?: boolean }): boolean {
  const { expectedSize } = input
  // With a SHA-256 to check, a mismatch keeps the bytes for a re-run with a corrected hash: the engine does that.
  if (input.sha256) return false
  return expectedSize !== undefined && Number.isSafeInteger(expectedSize) && expectedSize >= 0 && expectedSize <= SMALL_FILE_MAX_BYTES && !input.targetExists && !input.recordExists
}

/**
 * Pure: the Range to send. `bytes=0-(size-1)` rather than none: if the file grew since the listing, OSS still
 * sends only the bytes asked for, and Content-Range's total tells the new size. An empty file has no valid
 * range (OSS would ignore it anyway), so it is asked for whole.
 */
export function smallFileRange(size: number): ByteRange | undefined {
  return size > 0 ? { start: 0, end: size } : undefined
}

export type SmallAnswer = { kind: 'take'; size: number } | { kind: 'fallback'; why: string }

/**
 * Pure: is this answer the whole file? A 206 for the range asked whose total is the size expected, or a 200
 * (range ignored, or the file shrank below the range: OSS then sends the whole object) whose length is small.
 */
export function judgeSmallAnswer(status: number, contentRange: string | undefined, contentLength: string | undefined, expected: number): SmallAnswer {
  if (status === 206) {
    const cr = parseContentRange(contentRange)
    if (!cr || cr.start !== 0) return { kind: 'fallback', why: 'the storage host answered with other bytes than asked' }
    if (cr.total !== expected) return { kind: 'fallback', why: `the file is ${cr.total} bytes now, not the ${expected} the listing said` }
    if (cr.end !== expected - 1) return { kind: 'fallback', why: 'the storage host answered with other bytes than asked' }
    return { kind: 'take', size: expected }
  }
  const length = contentLength !== undefined && /^\d+$/.test(contentLength) ? Number(contentLength) : undefined
  if (length === undefined) return { kind: 'fallback', why: 'the storage host did not say how large the file is' }
  if (length > SMALL_FILE_MAX_BYTES) return { kind: 'fallback', why: `the file is ${length} bytes now, larger than the listing said` }
  return { kind: 'take', size: length }
}

const exists = (path: string) => lstat(path).then(() => true, () => false)

/**
 * Fetches a small file with one GET into the partial file, checks size and CRC-64 (and --sha256), then renames
 * it into place. Returns undefined when the engine must do it instead (nothing is left behind then). A
 * failure keeps the bytes that arrived, with a resume record, so the engine resumes them next time.
 */
export async function fetchSmallFile(job: SmallFileJob, fetcher: ResourceFetcher): Promise<SmallFileResult | undefined> {
  const expected = job.expectedSize
  if (job.sha256 !== undefined || expected === undefined || expected > SMALL_FILE_MAX_BYTES) return undefined
  const seen = job.seenAbsent ? { targetExists: false, recordExists: false } : { targetExists: await exists(job.target), recordExists: await exists(recordPathFor(job.target)) }
  if (!takesSmallPath({ expectedSize: expected, ...seen })) return undefined
  const emit = job.onEvent ?? (() => {})
  const partial = partialPathFor(job.target)
  let received = 0
  // What a failure leaves for the engine to resume: the bytes of the last attempt, fsynced, and their identity.
  let kept: { size: number; etag: string | null; bytes: number } | undefined
  let answer: { size: number; etag: string | null; crc: bigint | null; actual: bigint } | undefined
  try {
    const outcome = await fetcher.withRecovery(
      'small file',
      job.signal,
      async (info, url, signal) => {
        received = 0
        const res = await fetcher.request(info, url, smallFileRange(expected!), signal, 'small file, no probe')
        const verdict = judgeSmallAnswer(res.status, headerValue(res.headers, 'content-range'), headerValue(res.headers, 'content-length'), expected!)
        if (verdict.kind === 'fallback') {
          discard(res.body)
          return verdict
        }
        emit({ type: 'start', size: verdict.size, resumedBytes: 0, connections: 1, etag: res.etag, crc64: res.crc64?.toString() ?? null, region: info.region, hosts: resourceHosts(info) })
        kept = { size: verdict.size, etag: res.etag, bytes: 0 }
        const onBytes = (n: number) => {
          received = n
          kept!.bytes = n
        }
        const actual = await receiveWhole(res, verdict.size, partial, fetcher, signal, onBytes, emit)
        answer = { size: verdict.size, etag: res.etag, crc: res.crc64, actual }
        return verdict
      },
      () => received > 0,
    )
    if (outcome.kind === 'fallback') {
      emit({ type: 'note', message: `${outcome.why}: fetching it with the full engine` })
      return undefined
    }
    return await verifyAndCommit(job, answer!, emit)
  } catch (err) {
    await keepForResume(job, kept).catch(() => removeResumeFiles(job.target).catch(() => {}))
    throw err
  }
}

/** After a failure: a record claiming the bytes that arrived (already fsynced), or nothing at all. */
async function keepForResume(job: SmallFileJob, kept: { size: number; etag: string | null; bytes: number } | undefined): Promise<void> {
  // Without an ETag a resume could not tell a changed file: start over instead.
  if (!kept || kept.bytes === 0 || kept.etag === null) return removeResumeFiles(job.target)
  await writeResumeRecord(recordPathFor(job.target), { format: 1, request: job.request, remote: { size: kept.size, etag: kept.etag }, done: [{ start: 0, end: kept.bytes }] })
}

/** Streams the body into a fresh partial file, CRC-64 on the way; fsyncs it. Resolves with the CRC. */
async function receiveWhole(
  res: ResourceResponse,
  size: number,
  partial: string,
  fetcher: ResourceFetcher,
  signal: AbortSignal,
  onBytes: (n: number) => void,
  emit: (e: SmallFileEvent) => void,
): Promise<bigint> {
  let handle
  try {
    handle = await open(partial, 'w', 0o644)
  } catch (err) {
    discard(res.body)
    throw toFileSystemError(err, partial, 'create')
  }
  let crc = 0n
  let at = 0
  let reportedAt = Date.now()
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      fetcher.touch()
      if (at + chunk.length > size) throw new IntegrityError('SIZE_MISMATCH', `the storage host sent more than the ${size} bytes it announced`, { hint: 'run the same command again' })
      crc = crc64(chunk, crc)
      await handle.write(chunk, 0, chunk.length, at).catch((err: unknown) => {
        throw toFileSystemError(err, partial, 'write to')
      })
      at += chunk.length
      onBytes(at)
      if (Date.now() - reportedAt >= 200) {
        reportedAt = Date.now()
        emit({ type: 'progress', receivedBytes: at, completedBytes: at, size })
      }
      if (fetcher.limiter) await fetcher.limiter.take(chunk.length, signal)
    }
    if (at < size) throw new NetworkError(`the connection closed ${size - at} bytes early`, { code: 'PREMATURE_CLOSE' })
    await handle.sync().catch((err: unknown) => {
      throw toFileSystemError(err, partial, 'write to')
    })
  } catch (err) {
    // The bytes that arrived reach the disk before a resume record may claim them.
    await handle.sync().catch(() => {})
    throw err
  } finally {
    if (!res.body.readableEnded) discard(res.body)
    await handle.close().catch(() => {})
  }
  return crc
}

/** Size is already checked; CRC-64 against the header (a mismatch hands over to the engine), then the rename. */
async function verifyAndCommit(job: SmallFileJob, got: { size: number; etag: string | null; crc: bigint | null; actual: bigint }, emit: (e: SmallFileEvent) => void): Promise<SmallFileResult | undefined> {
  const partial = partialPathFor(job.target)
  emit({ type: 'progress', receivedBytes: got.size, completedBytes: got.size, size: got.size })
  const checked: SmallFileResult['checked'] = ['size']
  if (got.crc !== null) {
    emit({ type: 'verify', check: 'crc64' })
    if (got.actual !== got.crc) {
      // One corrupted response: the engine downloads it again (and fails with exit 6 if that is corrupted too).
      await removeResumeFiles(job.target)
      emit({ type: 'note', message: `CRC-64 mismatch (expected ${got.crc}, got ${got.actual}): downloading the file once more` })
      return undefined
    }
    checked.push('crc64')
  } else {
    emit({ type: 'note', message: 'the server sent no CRC-64 for this file: it was checked by size only' })
  }
  try {
    await rename(partial, job.target)
  } catch (err) {
    throw toFileSystemError(err, job.target, 'write')
  }
  return { bytes: got.size, etag: got.etag, crc64: got.crc === null ? null : got.crc.toString(), checked, upToDate: false, resumedBytes: 0, connections: 1 }
}
