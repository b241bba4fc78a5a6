// Every missing byte into the partial file: what the record says is done, the segments planned from the rest,
// the connections with their retries, checkpoints all along; Range ignored falls back to one connection.
import { open, stat, type FileHandle } from 'node:fs/promises'
import { onAbort } from '../abort-fanout.js'
import { IntegrityError, toFileSystemError } from '../errors.js'
import { resourceHosts } from './signed-url-source.js'
import { headerValue } from '../http/dispatcher.js'
import { Checkpointer } from './checkpointer.js'
import { discard } from './remote.js'
import { RangeUnsupportedError, remoteChangedError, type ResourceFetcher } from './resource-fetcher.js'
import { partialPathFor, readResumeRecord, recordMismatch, recordPathFor, removeResumeFiles, restorableRanges, writeResumeRecord } from './resume-record.js'
import { receiveSegment, toSegment, type Segment, type SegmentSink } from './segment-writer.js'
import { checkRangeResponse, chooseConnections, mergeRanges, missingRanges, planSegments, totalLength, type ByteRange } from './segments.js'
import type { SignedUrlSource } from './signed-url-source.js'
import type { DownloadEvent, DownloadOptions, RemoteObject } from './types.js'
import type { CrcPiece } from './verify.js'
import { runWorkers } from './worker-pool.js'

export interface TransferOutcome {
  resumedBytes: number
  connections: number
  /** Ranges whose CRC this run computed as the bytes streamed past. */
  seen: CrcPiece[]
}

/**
 * Gets every missing byte into the partial file. Throws on failure after a last checkpoint, so whatever
 * arrived is kept for the next run.
 */
export async function transfer(options: DownloadOptions, fetcher: ResourceFetcher, source: SignedUrlSource, remote: RemoteObject, signal: AbortSignal): Promise<TransferOutcome> {
  const emit = options.onEvent ?? (() => {})
  const { size, etag } = remote
  const partialPath = partialPathFor(options.target)
  const recordPath = recordPathFor(options.target)
  const identity = { size, etag }
  const state = { rangeIgnored: remote.rangeIgnored, received: 0 }
  let done = await restoreDone(options, remote, emit)
  if (state.rangeIgnored && done.length > 0) {
    emit({ type: 'note', message: 'the storage host ignores Range requests: the partial download cannot be resumed, starting over' })
    done = []
  }
  const handle = await openPartial(options, identity, done)

  const resumedBytes = totalLength(done)
  const missing = missingRanges(done, size)
  const connections = state.rangeIgnored ? 1 : chooseConnections(totalLength(missing), options.connections)
  let segments: Segment[] = (state.rangeIgnored ? [{ start: 0, end: size }] : planSegments(missing, connections)).map(toSegment)
  const info = source.current
  emit({ type: 'start', size, resumedBytes, connections, etag, crc64: remote.crc === null ? null : remote.crc.toString(), region: info.region, hosts: resourceHosts(info) })
  if (state.rangeIgnored) emit({ type: 'note', message: 'the storage host ignores Range requests: downloading on one connection from byte 0' })

  const flushedRanges = () => mergeRanges([...done, ...segments.map((s) => ({ start: s.start, end: s.flushed }))])
  const checkpointer = new Checkpointer({ handle, recordPath, request: options.request, remote: identity, flushedRanges, minIntervalMs: options.checkpointIntervalMs })
  checkpointer.start()
  const progress = () => emit({ type: 'progress', receivedBytes: state.received, completedBytes: resumedBytes + state.received, size })
  const progressTimer = setInterval(progress, 200)
  progressTimer.unref()

  // Stops every connection at once: on the user's abort, or when one connection fails for good.
  let stop = new AbortController()
  // The user's signal is shared by every file of a batch: one listener for all (abort-fanout).
  const forgetUserAbort = onAbort(signal, (reason) => stop.abort(reason))
  if (signal.aborted) stop.abort(signal.reason)
  const sink: SegmentSink = {
    handle,
    partialPath,
    limiter: fetcher.limiter,
    onBytes: (n) => {
      fetcher.touch()
      state.received += n
    },
  }
  const run = (seg: Segment) => runSegment(seg, { fetcher, sink, state, size, etag, stopSignal: stop.signal })

  let finished = false
  try {
    try {
      await runWorkers(segments, connections, stop, run)
    } catch (err) {
      if (!(err instanceof RangeUnsupportedError) || state.rangeIgnored || signal.aborted) throw err
      // Never stitch: start again from byte 0 on one connection, whatever other segments already wrote.
      emit({ type: 'note', message: `${err.message}: falling back to one connection from byte 0` })
      await checkpointer.settled()
      state.rangeIgnored = true
      state.received = 0
      done = []
      segments = [toSegment({ start: 0, end: size })]
      stop = new AbortController()
      await handle.truncate(0)
      await run(segments[0]!)
    }
    finished = true
  } finally {
    checkpointer.stop()
    clearInterval(progressTimer)
    forgetUserAbort()
    // The last checkpoint keeps whatever arrived, whether we finished, failed or were interrupted.
    await checkpointer.checkpoint().catch(() => {})
    await handle.close().catch(() => {})
    // A run that failed before any byte reached the disk has nothing to resume: no side file stays.
    if (!finished && flushedRanges().length === 0) await removeResumeFiles(options.target).catch(() => {})
  }
  progress()

  const written = await stat(partialPath).then((s) => s.size)
  if (written !== size) throw new IntegrityError('SIZE_MISMATCH', `the partial file holds ${written} bytes, the server said ${size}`, { hint: 'run the same command again' })
  return { resumedBytes, connections, seen: segments.filter((s) => s.pos > s.start).map((s) => ({ start: s.start, end: s.pos, crc: s.crc })) }
}

/** What is already on disk, by the record's word, and no further than the partial file reaches. */
async function restoreDone(options: DownloadOptions, remote: RemoteObject, emit: (e: DownloadEvent) => void): Promise<ByteRange[]> {
  const record = await readResumeRecord(recordPathFor(options.target))
  if (!record) return []
  const why = recordMismatch(record, options.request, { size: remote.size, etag: remote.etag })
  const partialSize = await stat(partialPathFor(options.target)).then((s) => s.size, () => undefined)
  if (why) {
    emit({ type: 'note', message: `starting over: the partial download cannot be resumed because ${why}` })
    return []
  }
  if (partialSize === undefined) {
    emit({ type: 'note', message: 'starting over: the partial file is missing' })
    return []
  }
  const done = restorableRanges(record.done, remote.size, partialSize)
  const claimed = totalLength(restorableRanges(record.done, remote.size, remote.size))
  if (totalLength(done) < claimed) emit({ type: 'note', message: `the partial file is shorter than its record says (${partialSize} bytes): the ${claimed - totalLength(done)} claimed bytes past its end are fetched again` })
  return done
}

/**
 * The record is written before any byte: on a disk that fills up later it can then be rewritten in its
 * own blocks (see writeResumeRecord), so the bytes that made it to disk stay claimed.
 */
async function openPartial(options: DownloadOptions, remote: { size: number; etag: string | null }, done: ByteRange[]): Promise<FileHandle> {
  const partialPath = partialPathFor(options.target)
  try {
    await writeResumeRecord(recordPathFor(options.target), { format: 1, request: options.request, remote, done })
    return await open(partialPath, done.length > 0 ? 'r+' : 'w', 0o644)
  } catch (err) {
    // Nothing to resume from: leave no side file behind.
    if (done.length === 0) await removeResumeFiles(options.target).catch(() => {})
    throw toFileSystemError(err, partialPath, 'create')
  }
}

interface SegmentRun {
  fetcher: ResourceFetcher
  sink: SegmentSink
  /** Shared with the transfer: the fallback to one connection flips rangeIgnored for every later request. */
  state: { rangeIgnored: boolean; received: number }
  size: number
  etag: string | null
  stopSignal: AbortSignal
}

/** Fetches the rest of one segment, resuming from `pos` after each failure. */
async function runSegment(seg: Segment, run: SegmentRun): Promise<void> {
  const { fetcher, state } = run
  let before = seg.pos
  await fetcher.withRecovery(
    `bytes ${seg.start}-${seg.end - 1}`,
    run.stopSignal,
    async (inf, url, reqSignal) => {
      before = seg.pos
      if (seg.pos >= seg.end) return
      if (state.rangeIgnored && seg.pos !== 0) {
        // Without Range support a retry can only start from byte 0.
        state.received -= seg.pos
        Object.assign(seg, { pos: 0, flushed: 0, crc: 0n })
      }
      const asked = { start: seg.pos, end: seg.end }
      const res = await fetcher.request(inf, url, state.rangeIgnored ? undefined : asked, reqSignal)
      if (run.etag !== null && res.etag !== null && res.etag !== run.etag) {
        discard(res.body)
        throw remoteChangedError()
      }
      if (!state.rangeIgnored) {
        const verdict = checkRangeResponse(res.status, headerValue(res.headers, 'content-range'), asked, run.size)
        if (verdict !== 'ok') {
          discard(res.body)
          throw new RangeUnsupportedError(
            verdict === 'range-ignored' ? 'the storage host answered a Range request with the whole file' : 'the storage host answered a Range request with other bytes than asked',
          )
        }
      }
      await receiveSegment(seg, res, run.sink, run.stopSignal)
    },
    () => seg.pos > before,
  )
}
