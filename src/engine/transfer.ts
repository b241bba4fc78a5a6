// Every missing byte into a sink: segments over N connections (a file: what the record says is done, the rest
// planned, checkpoints all along) or one ordered segment (a stream); each response checked to be the same
// object and the bytes asked for, then handed to the one receive loop. Range ignored falls back to one connection.
import { onAbort } from '../abort-fanout.js'
import { DtdlError, ExitCode } from '../errors.js'
import { headerValue } from '../http/dispatcher.js'
import { Checkpointer } from './checkpointer.js'
import { discard, receive, toSegment, type Segment, type Sink } from './receive.js'
import { checkSameObject } from './remote.js'
import { RangeUnsupportedError, type ResourceFetcher } from './resource-fetcher.js'
import { recordPathFor, removeResumeFiles } from './resume-record.js'
import { checkRangeResponse, mergeRanges, missingRanges, planSegments, totalLength } from './segments.js'
import { connectionLimits, type ConnectionLimits } from './connection-count.js'
import { ConnectionTuner } from './connection-tuner.js'
import { resourceHosts, type SignedUrlSource } from './signed-url-source.js'
import type { DownloadEvent, DownloadOptions, RemoteObject } from './types.js'
import type { CrcPiece } from './verify.js'
import { WorkerPool } from './worker-pool.js'
import { openPartial, restoreDone } from './partial-file.js'

export interface TransferOutcome {
  resumedBytes: number
  /** The count in effect at the end (-c, or the one found), and the most open at once. */
  connections: number
  peakConnections: number
  /** The ranges this run wrote, each with the CRC-64 of the bytes written. */
  seen: CrcPiece[]
}

/** What a transfer into any sink needs; the file and the stream set it up differently. */
interface SinkRun {
  fetcher: ResourceFetcher
  source: SignedUrlSource
  remote: RemoteObject
  sink: Sink
  segments: Segment[]
  /** Fixed (start = max) or found between them. */
  limits: ConnectionLimits
  resumedBytes: number
  signal: AbortSignal
  emit: (e: DownloadEvent) => void
  /** What a retry that must start again at byte 0 does: rewrite the file, or skip what a stream already has. */
  restart: 'rewrite' | 'skip'
  /** The file's answer to Range being ignored mid-way: start over from byte 0 on one connection. */
  startOver?: (() => Promise<void>) | undefined
}

/**
 * Gets every missing byte into the partial file. Throws on failure after a last checkpoint, so whatever
 * arrived is kept for the next run; a file that cannot be resumed (no validator) leaves nothing behind.
 */
export async function transferToFile(
  options: DownloadOptions,
  fetcher: ResourceFetcher,
  source: SignedUrlSource,
  remote: RemoteObject,
  signal: AbortSignal,
): Promise<TransferOutcome> {
  const emit = options.onEvent ?? (() => {})
  const resumable = remote.validator !== null
  let done = resumable ? await restoreDone(options, remote, emit) : []
  if (remote.rangeIgnored && done.length > 0) {
    emit({
      type: 'note',
      message: 'the storage host ignores Range requests: the partial download cannot be resumed, starting over',
    })
    done = []
  }
  const sink = await openPartial(options, remote, done, resumable)
  // Without a validator nothing proves two responses are one object: the file comes from one, on one connection.
  const single = remote.rangeIgnored || !resumable
  const missing = missingRanges(done, remote.size)
  const limits = single
    ? ONE_CONNECTION
    : connectionLimits(totalLength(missing), { requested: options.connections, ceiling: options.maxConnections })
  const segments = (single ? [{ start: 0, end: remote.size }] : planSegments(missing, limits.start)).map(toSegment)
  const flushedRanges = () => mergeRanges([...done, ...segments.map((s) => ({ start: s.start, end: s.flushed }))])
  const identity = { size: remote.size, etag: remote.etag, validator: remote.validator ?? undefined }
  const checkpointer = resumable
    ? new Checkpointer({
        handle: sink.handle,
        recordPath: recordPathFor(options.target),
        request: options.request,
        remote: identity,
        flushedRanges,
        minIntervalMs: options.checkpointIntervalMs,
        claimed: done,
      })
    : undefined
  checkpointer?.start()
  const startOver = async () => {
    await checkpointer?.settled()
    done = []
    segments.splice(0, segments.length, toSegment({ start: 0, end: remote.size }))
    await sink.handle.truncate(0)
  }
  let finished = false
  try {
    const ran = await runTransfer({
      fetcher,
      source,
      remote,
      sink,
      segments,
      limits,
      resumedBytes: totalLength(done),
      signal,
      emit,
      restart: 'rewrite',
      startOver,
    })
    finished = true
    return { resumedBytes: totalLength(done), ...ran }
  } finally {
    checkpointer?.stop()
    // The last checkpoint keeps whatever arrived, whether we finished, failed or were interrupted.
    await checkpointer?.checkpoint().catch(() => {})
    await sink.handle.close().catch(() => {})
    // Nothing to resume from (no byte reached the disk, or nothing could prove a resume right): no side file stays.
    const nothingKept = !resumable || flushedRanges().length === 0
    if (!finished && nothingKept) await removeResumeFiles(options.target).catch(() => {})
    // The last word on what is kept is the record's, written after the last progress event: the interrupted
    // line (and --json keptBytes) must say what the next run resumes from, not what had arrived.
    if (!finished) {
      const kept = nothingKept ? 0 : totalLength(checkpointer?.claimed ?? [])
      emit({
        type: 'progress',
        receivedBytes: Math.max(0, kept - totalLength(done)),
        completedBytes: kept,
        size: remote.size,
      })
    }
  }
}

/** Streams the whole object, in order, into a sink that cannot seek (stdout). */
export async function transferToStream(
  run: Omit<SinkRun, 'segments' | 'limits' | 'resumedBytes' | 'restart'>,
): Promise<CrcPiece[]> {
  const ran = await runTransfer({
    ...run,
    segments: [toSegment({ start: 0, end: run.remote.size })],
    limits: ONE_CONNECTION,
    resumedBytes: 0,
    restart: 'skip',
  })
  return ran.seen
}

const ONE_CONNECTION: ConnectionLimits = { start: 1, max: 1 }

/**
 * The transfer itself, whatever the sink: start event, progress, the connections and their count, the fallback, the
 * pieces.
 */
async function runTransfer(run: SinkRun): Promise<Omit<TransferOutcome, 'resumedBytes'>> {
  const { remote, emit, signal, segments } = run
  const state = { rangeIgnored: remote.rangeIgnored, received: 0 }
  const info = run.source.current
  emit({
    type: 'start',
    size: remote.size,
    resumedBytes: run.resumedBytes,
    connections: run.limits.start,
    ...(run.limits.max > run.limits.start ? { maxConnections: run.limits.max } : {}),
    etag: remote.etag,
    crc64: remote.crc === null ? null : remote.crc.toString(),
    region: info.region,
    hosts: resourceHosts(info),
  })
  if (state.rangeIgnored)
    emit({
      type: 'note',
      message: 'the storage host ignores Range requests: downloading on one connection from byte 0',
    })
  if (remote.validator === null)
    emit({
      type: 'note',
      message:
        'the storage host sends no ETag, CRC-64 or Last-Modified: one connection, and an interrupted download starts over',
    })
  const progress = () =>
    emit({
      type: 'progress',
      receivedBytes: state.received,
      completedBytes: run.resumedBytes + state.received,
      size: remote.size,
    })
  const progressTimer = setInterval(progress, 200)
  progressTimer.unref()
  // Stops every connection at once: on the user's abort, or when one connection fails for good.
  let stop = new AbortController()
  // The user's signal is shared by every file of a batch: one listener for all (abort-fanout).
  const forgetUserAbort = onAbort(signal, (reason) => stop.abort(reason))
  if (signal.aborted) stop.abort(signal.reason)
  const go = (seg: Segment) => runSegment(seg, run, state, stop.signal)
  const pool = new WorkerPool(segments, stop, go)
  const tuner = new ConnectionTuner(
    pool,
    run.limits,
    () => state.received,
    ({ measured, decision }) =>
      emit({
        type: 'connections',
        connections: decision.action === 'hold' ? measured.connections : decision.to,
        action: decision.action,
        measured,
      }),
  )
  try {
    try {
      tuner.start()
      await pool.run(run.limits.start)
    } catch (err) {
      if (!(err instanceof RangeUnsupportedError) || state.rangeIgnored || signal.aborted || !run.startOver) throw err
      tuner.stop()
      // Never stitch: start again from byte 0 on one connection, whatever other segments already wrote.
      emit({ type: 'note', message: `${err.message}: falling back to one connection from byte 0` })
      state.rangeIgnored = true
      state.received = 0
      stop = new AbortController()
      await run.startOver()
      await go(segments[0]!)
    }
  } finally {
    tuner.stop()
    clearInterval(progressTimer)
    forgetUserAbort()
  }
  progress()
  const seen = segments.filter((s) => s.flushed > s.start).map((s) => ({ start: s.start, end: s.flushed, crc: s.crc }))
  // Never more than were open: a fixed count larger than the file's pieces opened only as many as there were.
  const peakConnections = Math.max(1, pool.peak)
  return { seen, connections: state.rangeIgnored ? 1 : Math.min(tuner.connections, peakConnections), peakConnections }
}

/** Fetches the rest of one segment, resuming from `pos` after each failure (from byte 0 where it must). */
async function runSegment(
  seg: Segment,
  run: SinkRun,
  state: { rangeIgnored: boolean; received: number },
  stop: AbortSignal,
): Promise<void> {
  const { fetcher, remote } = run
  let before = seg.pos
  await fetcher.withRecovery(
    `bytes ${seg.start}-${seg.end - 1}`,
    stop,
    async (info, url, reqSignal) => {
      before = seg.pos
      if (seg.pos >= seg.end) return
      let skip = 0
      if ((state.rangeIgnored || remote.validator === null) && seg.pos > 0) {
        // Only byte 0 on: a stream skips what it has, if a validator proves the new response is the same file.
        if (run.restart === 'skip' && remote.validator === null) throw unprovableRestartError(seg.pos)
        if (run.restart === 'skip') skip = seg.pos
        else {
          state.received -= seg.pos
          Object.assign(seg, { pos: 0, flushed: 0, crc: 0n })
        }
      }
      const asked = { start: seg.pos, end: seg.end }
      const res = await fetcher.request(info, url, state.rangeIgnored ? undefined : asked, reqSignal)
      checkSameObject(remote, res)
      if (!state.rangeIgnored) {
        const verdict = checkRangeResponse(res.status, headerValue(res.headers, 'content-range'), asked, remote.size)
        if (verdict !== 'ok') {
          discard(res.body)
          throw new RangeUnsupportedError(
            verdict === 'range-ignored'
              ? 'the storage host answered a Range request with the whole file'
              : 'the storage host answered a Range request with other bytes than asked',
          )
        }
      }
      await receive(res, seg, run.sink, {
        stop,
        limiter: fetcher.limiter,
        skip,
        onBytes: (n) => {
          fetcher.touch(reqSignal, n)
          state.received += n
        },
      })
    },
    () => seg.pos - before,
  )
}

function unprovableRestartError(sent: number): DtdlError {
  return new DtdlError(
    'CANNOT_CONTINUE',
    ExitCode.remote,
    `the connection broke after ${sent} bytes went out, and the storage host sends no ETag, CRC-64 or Last-Modified that would prove a new response is the same file`,
    {
      hint: 'run the command again to start over, or save to a file with -o <path>',
    },
  )
}
