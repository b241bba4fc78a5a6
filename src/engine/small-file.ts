// Small files in one request, a strategy of the fetch pipeline: when the listing gave the size, one GET brings
// status, size, ETag, CRC-64 and the body, with no 1-byte probe before it; anything unexpected falls back.
import { headerValue } from '../http/dispatcher.js'
import { createOwnFile } from '../disk/files.js'
import { discard, receive, toSegment } from './receive.js'
import { remoteOf } from './remote.js'
import type { ResourceFetcher } from './resource-fetcher.js'
import type { ResourceResponse } from './resource-request.js'
import { partialPathFor, recordPathFor, removeResumeFiles, writeResumeRecord } from './resume-record.js'
import { parseContentRange, type ByteRange } from './segments.js'
import { resourceHosts } from './signed-url-source.js'
import { FileSink } from './sinks.js'
import type { DownloadEvent, DownloadOptions, RemoteObject } from './types.js'
import type { CrcPiece } from './verify.js'
import { toFileSystemError } from '../errors.js'

/**
 * Files up to this size take the one-request path: the engine would fetch them on one connection anyway
 * (one connection per 4 MiB), so the probe buys nothing but a round trip and a storage request.
 */
export const SMALL_FILE_MAX_BYTES = 4 * 1024 * 1024

/**
 * Pure: whether the one-request path applies. Not for a target that exists (the engine compares it with the
 * remote using a 1-byte probe, far cheaper than the body) nor beside a resume record (the engine resumes it).
 */
export function takesSmallPath(input: {
  expectedSize: number | undefined
  targetExists: boolean
  recordExists: boolean
  sha256?: boolean
}): boolean {
  const { expectedSize } = input
  // With a SHA-256 to check, a mismatch keeps the bytes for a re-run with a corrected hash: the engine does that.
  if (input.sha256) return false
  return (
    expectedSize !== undefined &&
    Number.isSafeInteger(expectedSize) &&
    expectedSize >= 0 &&
    expectedSize <= SMALL_FILE_MAX_BYTES &&
    !input.targetExists &&
    !input.recordExists
  )
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
export function judgeSmallAnswer(
  status: number,
  contentRange: string | undefined,
  contentLength: string | undefined,
  expected: number,
): SmallAnswer {
  if (status === 206) {
    const cr = parseContentRange(contentRange)
    if (!cr || cr.start !== 0) return { kind: 'fallback', why: 'the storage host answered with other bytes than asked' }
    if (cr.total !== expected)
      return { kind: 'fallback', why: `the file is ${cr.total} bytes now, not the ${expected} the listing said` }
    if (cr.end !== expected - 1)
      return { kind: 'fallback', why: 'the storage host answered with other bytes than asked' }
    return { kind: 'take', size: expected }
  }
  const length = contentLength !== undefined && /^\d+$/.test(contentLength) ? Number(contentLength) : undefined
  if (length === undefined) return { kind: 'fallback', why: 'the storage host did not say how large the file is' }
  if (length > SMALL_FILE_MAX_BYTES)
    return { kind: 'fallback', why: `the file is ${length} bytes now, larger than the listing said` }
  return { kind: 'take', size: length }
}

/** A small file's bytes in the partial file, and the object they are, ready for the pipeline's verify and commit. */
export interface SmallFileFetched {
  remote: RemoteObject
  seen: CrcPiece[]
  /** Bytes that reached the partial file (each write checked). */
  written: number
}

/**
 * Fetches a small file with one GET into the partial file (a retry fetches it whole again, so every try is
 * one response). Returns what the pipeline verifies and commits, or the reason the full engine must do it
 * instead (nothing is left behind then). A failure keeps the bytes that arrived, with a resume record
 * when a validator can prove a resume right, so the engine resumes them next time.
 */
export async function fetchSmallFile(
  options: DownloadOptions,
  fetcher: ResourceFetcher,
  signal: AbortSignal,
): Promise<SmallFileFetched | { fallback: string }> {
  const expected = options.expectedSize!
  const emit = options.onEvent ?? (() => {})
  const partial = partialPathFor(options.target)
  const seg = toSegment({ start: 0, end: expected })
  let sink: FileSink | undefined
  let remote: RemoteObject | undefined
  let before = 0
  try {
    const outcome = await fetcher.withRecovery(
      'small file',
      signal,
      async (info, url, reqSignal) => {
        const res = await fetcher.request(info, url, smallFileRange(expected), reqSignal, 'small file, no probe')
        const verdict = judgeSmallAnswer(
          res.status,
          headerValue(res.headers, 'content-range'),
          headerValue(res.headers, 'content-length'),
          expected,
        )
        if (verdict.kind === 'fallback') {
          discard(res.body)
          return verdict
        }
        if (sink === undefined) {
          sink = await openSink(partial, res)
          emit({
            type: 'start',
            size: verdict.size,
            resumedBytes: 0,
            connections: 1,
            etag: res.etag,
            crc64: res.crc64?.toString() ?? null,
            region: info.region,
            hosts: resourceHosts(info),
          })
        } else await sink.handle.truncate(0)
        remote = remoteOf(res, verdict.size, false)
        // Every try is one whole response from byte 0.
        Object.assign(seg, { end: verdict.size, pos: 0, flushed: 0, crc: 0n })
        before = 0
        await receive(res, seg, sink, {
          stop: reqSignal,
          limiter: fetcher.limiter,
          onBytes: progress(fetcher, reqSignal, seg, emit),
        })
        return verdict
      },
      () => seg.pos - before,
    )
    if (outcome.kind === 'fallback') return { fallback: outcome.why }
    await sink!.sync()
    return {
      remote: remote!,
      seen: seg.flushed > 0 ? [{ start: 0, end: seg.flushed, crc: seg.crc }] : [],
      written: seg.flushed,
    }
  } catch (err) {
    const kept = await keepForResume(options, sink, remote, seg.flushed).catch(() =>
      removeResumeFiles(options.target).then(
        () => 0,
        () => 0,
      ),
    )
    // What the record claims, which the next run resumes from: the interrupted line reports this, not what arrived.
    if (sink) emit({ type: 'progress', receivedBytes: kept, completedBytes: kept, size: seg.end })
    throw err
  } finally {
    await sink?.handle.close().catch(() => {})
  }
}

async function openSink(partial: string, res: ResourceResponse): Promise<FileSink> {
  try {
    return new FileSink(await createOwnFile(partial), partial)
  } catch (err) {
    discard(res.body)
    throw toFileSystemError(err, partial, 'create')
  }
}

/** The stall watch and a progress event every 200 ms. */
function progress(
  fetcher: ResourceFetcher,
  signal: AbortSignal,
  seg: { pos: number; end: number },
  emit: (e: DownloadEvent) => void,
): (n: number) => void {
  let reportedAt = Date.now()
  return (n) => {
    fetcher.touch(signal, n)
    if (Date.now() - reportedAt < 200) return
    reportedAt = Date.now()
    emit({ type: 'progress', receivedBytes: seg.pos, completedBytes: seg.pos, size: seg.end })
  }
}

/**
 * After a failure: the bytes that arrived made durable and claimed by a record, or nothing at all; returns the bytes
 * claimed.
 */
async function keepForResume(
  options: DownloadOptions,
  sink: FileSink | undefined,
  remote: RemoteObject | undefined,
  written: number,
): Promise<number> {
  // Without a validator a resume could not tell a changed file: start over instead.
  if (!sink || !remote || written === 0 || remote.validator === null)
    return removeResumeFiles(options.target).then(() => 0)
  await sink.sync()
  await writeResumeRecord(recordPathFor(options.target), {
    format: 1,
    request: options.request,
    remote: { size: remote.size, etag: remote.etag, validator: remote.validator },
    done: [{ start: 0, end: written }],
  })
  return written
}
