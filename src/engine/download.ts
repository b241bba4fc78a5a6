// The download engine: signed info → size probe → Range segments over N connections into one partial file,
// checkpointed for resume, verified (size, CRC-64, optional SHA-256), then renamed into place.
import { open, rename, stat, type FileHandle } from 'node:fs/promises'
import type { Dispatcher } from 'undici'
import { onAbort } from '../abort-fanout.js'
import { crc64 } from '../crc64/crc64.js'
import { DtdlError, ExitCode, FileSystemError, IntegrityError, NetworkError, toFileSystemError } from '../errors.js'
import { resourceHosts, type DownloadInfo } from '../dingtalk/client.js'
import { headerValue, type HttpLogger } from '../http/dispatcher.js'
import { RateLimiter } from './rate-limiter.js'
import { RangeUnsupportedError, ResourceFetcher, remoteChangedError } from './resource-fetcher.js'
import type { ResourceResponse } from './resource-request.js'
import {
  partialPathFor,
  readResumeRecord,
  recordMismatch,
  recordPathFor,
  removeResumeFiles,
  restorableRanges,
  writeResumeRecord,
  type RequestIdentity,
} from './resume-record.js'
import { checkRangeResponse, chooseConnections, chooseSplit, mergeRanges, missingRanges, parseContentRange, planSegments, totalLength, type ByteRange } from './segments.js'
import { SignedUrlSource } from './signed-url-source.js'
import { DEFAULT_LOCK_WAIT_MS, STALE_MS, claimTarget, describeOwner } from './target-claim.js'
import { fileRangeCrc, fileSha256, sha256MismatchError, wholeFileCrc, type CrcPiece } from './verify.js'

export type DownloadEvent =
  | { type: 'start'; size: number; resumedBytes: number; connections: number; etag: string | null; crc64: string | null; region: string; hosts: string[] }
  | { type: 'progress'; receivedBytes: number; completedBytes: number; size: number }
  | { type: 'retry'; reason: string; attempt: number; delayMs: number }
  | { type: 'refresh'; reason: string }
  | { type: 'note'; message: string }
  | { type: 'verify'; check: 'crc64' | 'sha256' | 'existing' }
  /** Another dtdl holds the target's claim: this one waits (see target-claim.ts). Worth a line even in a batch. */
  | { type: 'waiting'; message: string }

export interface DownloadOptions {
  /** What to fetch; `version: null` means the current version. */
  request: RequestIdentity
  /** Fetches (fresh) download info: called once at the start and again whenever the signature expires. */
  getDownloadInfo: () => Promise<DownloadInfo>
  /** The final path. The partial file and resume record live beside it until the rename. */
  target: string
  dispatcher: Dispatcher
  /** 1..16; undefined chooses from the size (see chooseConnections). */
  connections?: number | undefined
  /** Consecutive failures of one connection before giving up; reset when bytes flow again. Default 5. */
  retries?: number | undefined
  /** Abort a response that delivers no byte for this long, then retry. Default 30 s. */
  stallTimeoutMs?: number | undefined
  /** An extra check the user supplies: hex SHA-256 of the whole file. */
  sha256?: string | undefined
  /** Where that SHA-256 came from, for messages: "given with --sha256" (the default), "from line 4 of list.txt"... */
  sha256From?: string | undefined
  /** Overall cap in bytes per second across connections. */
  limitRate?: number | undefined
  /** A cap shared with other downloads (a batch); wins over limitRate. */
  limiter?: RateLimiter | undefined
  /** Replace an existing, different target (atomically, once the new file is verified). */
  force?: boolean | undefined
  /** How long to wait for another dtdl writing the same target, in ms (default DEFAULT_LOCK_WAIT_MS); 0 = fail at once. */
  lockWaitMs?: number | undefined
  signal?: AbortSignal | undefined
  onEvent?: ((event: DownloadEvent) => void) | undefined
  log?: HttpLogger | undefined
  /**
   * Least time between resume-record updates, in ms (default 100). The real interval adapts: at least
   * twice the last fsync's duration, so checkpoints never keep the disk busy for long.
   */
  checkpointIntervalMs?: number | undefined
}

export interface DownloadResult {
  path: string
  bytes: number
  etag: string | null
  /** The verified CRC-64 (decimal), or null when the server sent none. */
  crc64: string | null
  checked: ('size' | 'crc64' | 'sha256')[]
  /** True when the target was already complete and identical: nothing was downloaded. */
  upToDate: boolean
  resumedBytes: number
  retries: number
  urlRefreshes: number
  connections: number
  durationMs: number
}

/** What the 1-byte probe says about the object. */
export interface RemoteObject {
  size: number
  etag: string | null
  /** The whole object's CRC-64, or null when the server sends none. */
  crc: bigint | null
  /** The host answered the Range probe with the whole object. */
  rangeIgnored: boolean
}

/** Bytes a connection buffers before one positional write: fewer syscalls, bounded memory (256 KiB measured
 * as fast as 512 KiB or 128 KiB on one connection, and 6-9 MiB less peak RSS with 8 connections). */
const WRITE_BATCH_BYTES = 256 * 1024
/** ...or this long, so a slow connection's bytes reach the disk (and the next checkpoint) soon. */
const WRITE_BATCH_MS = 50
/** Checkpoints are at most this far apart, however slow fsync is. */
const MAX_CHECKPOINT_INTERVAL_MS = 2000

/** Sets up the signed-info source and the fetcher both download modes share. */
export async function openRemote(options: Pick<DownloadOptions, 'getDownloadInfo' | 'dispatcher' | 'retries' | 'stallTimeoutMs' | 'log' | 'limitRate' | 'limiter' | 'onEvent'>) {
  const emit = options.onEvent ?? (() => {})
  const source = new SignedUrlSource(await options.getDownloadInfo(), options.getDownloadInfo, (reason) => emit({ type: 'refresh', reason }))
  const fetcher = new ResourceFetcher({
    source,
    dispatcher: options.dispatcher,
    retries: options.retries ?? 5,
    stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
    log: options.log,
    onEvent: emit,
    limiter: options.limiter ?? (options.limitRate !== undefined ? new RateLimiter(options.limitRate) : undefined),
  })
  return { source, fetcher }
}

/** Size, ETag and CRC from a 1-byte GET: HEAD is not signed, so it cannot be used. */
export async function probeRemote(fetcher: ResourceFetcher, signal: AbortSignal): Promise<RemoteObject> {
  const probe = await fetcher.withRecovery('size probe', signal, (info, url, sig) => fetcher.request(info, url, { start: 0, end: 1 }, sig, 'probe'))
  // The probe's one byte is not worth waiting for: a broken or silent probe body must not hold up the start.
  discard(probe.body)
  const size = probeSize(probe)
  // OSS answers a Range on an empty object with 200 by design: that says nothing about Range support.
  return { size, etag: probe.etag, crc: probe.crc64, rangeIgnored: probe.status === 200 && size > 0 }
}

/**
 * Downloads one file; resolves with what was done, or throws a DtdlError (the abort reason on abort).
 * The target is claimed first (before any request, record or partial file), so two dtdl processes, or two
 * files of one batch, never write one target at once; the claim goes when this returns or throws.
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const started = performance.now()
  const emit = options.onEvent ?? (() => {})
  const signal = options.signal ?? new AbortController().signal
  const claim = await claimTarget(options.target, {
    waitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
    signal,
    onWait: (owner) => emit({ type: 'waiting', message: `waiting for ${describeOwner(owner)} downloading ${options.target}` }),
    onTakeOver: (owner, why) =>
      emit({ type: 'note', message: `taking over ${options.target} from ${describeOwner(owner)}, which ${why === 'gone' ? 'is no longer running' : `has not touched its claim for ${STALE_MS / 1000}s`}` }),
  })
  try {
    return await downloadClaimed({ ...options, signal: AbortSignal.any([signal, claim.lost]) }, started)
  } finally {
    await claim.release()
  }
}

async function downloadClaimed(options: DownloadOptions, started: number): Promise<DownloadResult> {
  const emit = options.onEvent ?? (() => {})
  const { source, fetcher } = await openRemote(options)
  const signal = options.signal ?? new AbortController().signal
  try {
    const remote = await probeRemote(fetcher, signal)
    const result = (checked: DownloadResult['checked'], extra: { upToDate: boolean; resumedBytes: number; connections: number }): DownloadResult => ({
      path: options.target,
      bytes: remote.size,
      etag: remote.etag,
      crc64: remote.crc === null ? null : remote.crc.toString(),
      checked,
      retries: fetcher.retries,
      urlRefreshes: source.refreshes,
      durationMs: Math.round(performance.now() - started),
      ...extra,
    })

    const existing = await checkExistingTarget(options, remote, emit)
    if (existing === 'same') {
      const checked: DownloadResult['checked'] = remote.crc === null ? ['size'] : ['size', 'crc64']
      // Up to date still runs every check the user asked for: a wrong SHA-256 must not pass as "up to date".
      if (options.sha256 !== undefined) {
        emit({ type: 'verify', check: 'sha256' })
        await checkUpToDateSha256(options.target, options.sha256, options.sha256From, remote.crc !== null)
        checked.push('sha256')
      }
      return result(checked, { upToDate: true, resumedBytes: 0, connections: 0 })
    }

    // A CRC mismatch may be one corrupted response: download once more from scratch before calling it failed.
    for (let round = 1; ; round++) {
      const outcome = await transfer(options, fetcher, source, remote, signal)
      const checked: DownloadResult['checked'] = ['size']
      const partial = partialPathFor(options.target)
      if (remote.crc !== null) {
        emit({ type: 'verify', check: 'crc64' })
        const actual = await wholeFileCrc(partial, remote.size, outcome.seen)
        if (actual !== remote.crc) {
          await removeResumeFiles(options.target)
          if (round === 1) {
            emit({ type: 'note', message: `CRC-64 mismatch (expected ${remote.crc}, got ${actual}): downloading the file once more from scratch` })
            continue
          }
          throw new IntegrityError('CRC64_MISMATCH', `the downloaded file failed its CRC-64 check twice (the server says ${remote.crc}, the bytes give ${actual}); nothing was written to ${options.target}`, {
            hint: 'the storage host or something between it and you corrupts the data: try another network or --no-intranet, and report it with the file id',
          })
        }
        checked.push('crc64')
      } else {
        emit({ type: 'note', message: 'the server sent no CRC-64 for this file: it was checked by size only' })
      }
      if (options.sha256 !== undefined) {
        emit({ type: 'verify', check: 'sha256' })
        const actual = await fileSha256(partial)
        // The bytes stay beside the target: a re-run with a corrected --sha256 finishes at once.
        if (actual !== options.sha256.toLowerCase()) throw sha256MismatchError(actual, options.sha256, options.sha256From, `nothing was written to ${options.target}`)
        checked.push('sha256')
      }
      await commitPartial(options.target)
      return result(checked, { upToDate: false, resumedBytes: outcome.resumedBytes, connections: outcome.connections })
    }
  } finally {
    fetcher.dispose()
  }
}

/**
 * The SHA-256 of a target found up to date. A mismatch exits 6 and keeps the file: its size (and CRC-64,
 * when the server sends one) match the remote, so the given hash or the remote file is what is wrong, and
 * deleting a file that matches what DingTalk serves would help nobody.
 */
async function checkUpToDateSha256(target: string, expected: string, from: string | undefined, crcMatched: boolean): Promise<void> {
  const actual = await fileSha256(target)
  if (actual === expected.toLowerCase()) return
  const matched = crcMatched ? 'size and CRC-64' : 'size (the server sends no CRC-64)'
  throw new IntegrityError('SHA256_MISMATCH', `${target} matches the remote file's ${matched} but not the SHA-256 ${from ?? 'given with --sha256'}: its SHA-256 is ${actual}, not ${expected.toLowerCase()}; the file was kept`, {
    hint: crcMatched
      ? 'the file is what DingTalk serves: check the SHA-256 you gave, or whether the remote file is the one you meant'
      : 'check the SHA-256 you gave; --force downloads the file again and checks the new copy',
  })
}

/**
 * A target that already exists, with no partial download beside it, is compared with the remote: same
 * size and CRC-64 means up to date (nothing to fetch); different means exit 7, unless --force.
 */
async function checkExistingTarget(options: DownloadOptions, remote: RemoteObject, emit: (e: DownloadEvent) => void): Promise<'absent' | 'same' | 'replace'> {
  const local = await stat(options.target).catch(() => undefined)
  if (!local) return 'absent'
  if (!local.isFile()) throw new FileSystemError(options.target, `${options.target} exists and is not a file`, { code: 'FS_EEXIST', hint: 'pass another -o' })
  if (await stat(recordPathFor(options.target)).then(() => true, () => false)) return 'replace'
  if (options.force) {
    emit({ type: 'note', message: `--force: ${options.target} will be replaced once the new download is verified` })
    return 'replace'
  }
  let same = local.size === remote.size
  if (same && remote.crc !== null) {
    emit({ type: 'verify', check: 'existing' })
    same = (await fileRangeCrc(options.target, { start: 0, end: local.size })) === remote.crc
  }
  if (same) {
    emit({ type: 'note', message: `${options.target} is up to date (same size${remote.crc !== null ? ' and CRC-64' : '; the server sends no CRC-64, so only the size was compared'}): nothing to download` })
    return 'same'
  }
  throw new FileSystemError(options.target, `${options.target} exists and differs from the remote file`, {
    code: 'TARGET_DIFFERS',
    hint: 'pass --force to replace it (the old file stays until the new one is verified), or choose another -o',
  })
}

/** Fsyncs the finished partial file and renames it over the target: the target appears complete or not at all. */
async function commitPartial(target: string): Promise<void> {
  const partial = partialPathFor(target)
  try {
    const handle = await open(partial, 'r+')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(partial, target)
  } catch (err) {
    throw toFileSystemError(err, target, 'write')
  }
  await removeResumeFiles(target)
}

/** A segment being downloaded. */
interface Segment {
  start: number
  /** Exclusive; may shrink when another connection takes over the second half. */
  end: number
  /** Next byte to receive. */
  pos: number
  /** Bytes [start, flushed) are written to the partial file (not yet necessarily fsynced). */
  flushed: number
  /** CRC-64 of [start, pos). */
  crc: bigint
}

interface TransferOutcome {
  resumedBytes: number
  connections: number
  /** Ranges whose CRC this run computed as the bytes streamed past. */
  seen: CrcPiece[]
}

/**
 * Gets every missing byte into the partial file. Throws on failure after a last checkpoint, so whatever
 * arrived is kept for the next run.
 */
async function transfer(options: DownloadOptions, fetcher: ResourceFetcher, source: SignedUrlSource, remote: RemoteObject, signal: AbortSignal): Promise<TransferOutcome> {
  const emit = options.onEvent ?? (() => {})
  const { size, etag } = remote
  const partialPath = partialPathFor(options.target)
  const recordPath = recordPathFor(options.target)
  let rangeIgnored = remote.rangeIgnored
  // Stops every connection at once: on the user's abort, or when one connection fails for good.
  let stop = new AbortController()
  // The user's signal is shared by every file of a batch: one listener for all (abort-fanout).
  const forgetUserAbort = onAbort(signal, (reason) => stop.abort(reason))
  if (signal.aborted) stop.abort(signal.reason)

  // What is already on disk, by the record's word, and no further than the partial file reaches.
  const record = await readResumeRecord(recordPath)
  const identity = { size, etag }
  let done: ByteRange[] = []
  if (record) {
    const why = recordMismatch(record, options.request, identity)
    const partialSize = await stat(partialPath).then((s) => s.size, () => undefined)
    if (why) emit({ type: 'note', message: `starting over: the partial download cannot be resumed because ${why}` })
    else if (partialSize === undefined) emit({ type: 'note', message: 'starting over: the partial file is missing' })
    else {
      done = restorableRanges(record.done, size, partialSize)
      const claimed = totalLength(restorableRanges(record.done, size, size))
      if (totalLength(done) < claimed) emit({ type: 'note', message: `the partial file is shorter than its record says (${partialSize} bytes): the ${claimed - totalLength(done)} claimed bytes past its end are fetched again` })
    }
  }
  if (rangeIgnored && done.length > 0) {
    emit({ type: 'note', message: 'the storage host ignores Range requests: the partial download cannot be resumed, starting over' })
    done = []
  }

  let handle: FileHandle
  try {
    // The record is written before any byte: on a disk that fills up later it can then be rewritten in
    // its own blocks (see writeResumeRecord), so the bytes that made it to disk stay claimed.
    await writeResumeRecord(recordPath, { format: 1, request: options.request, remote: identity, done })
    handle = await open(partialPath, done.length > 0 ? 'r+' : 'w', 0o644)
  } catch (err) {
    forgetUserAbort()
    // Nothing to resume from: leave no side file behind.
    if (done.length === 0) await removeResumeFiles(options.target).catch(() => {})
    throw toFileSystemError(err, partialPath, 'create')
  }

  const resumedBytes = totalLength(done)
  const missing = missingRanges(done, size)
  const connections = rangeIgnored ? 1 : chooseConnections(totalLength(missing), options.connections)
  const toSegment = (r: ByteRange): Segment => ({ ...r, pos: r.start, flushed: r.start, crc: 0n })
  let segments: Segment[] = (rangeIgnored ? [{ start: 0, end: size }] : planSegments(missing, connections)).map(toSegment)
  const info = source.current
  emit({
    type: 'start',
    size,
    resumedBytes,
    connections,
    etag,
    crc64: remote.crc === null ? null : remote.crc.toString(),
    region: info.region,
    hosts: resourceHosts(info),
  })
  if (rangeIgnored) emit({ type: 'note', message: 'the storage host ignores Range requests: downloading on one connection from byte 0' })

  const flushedRanges = () => mergeRanges([...done, ...segments.map((s) => ({ start: s.start, end: s.flushed }))])
  // Checkpoints: fsync the data, then atomically write a record that claims only what was flushed before.
  let checkpointChain = Promise.resolve()
  let lastSyncMs = 0
  const checkpoint = () => {
    // Chained so two checkpoints never interleave; a failed one must not block the ones after it.
    checkpointChain = checkpointChain.catch(() => {}).then(async () => {
      const claimed = flushedRanges()
      const t0 = performance.now()
      await handle.datasync()
      lastSyncMs = performance.now() - t0
      await writeResumeRecord(recordPath, { format: 1, request: options.request, remote: identity, done: claimed })
    })
    return checkpointChain
  }
  // The bytes at risk on a crash are those since the last checkpoint: checkpoint often while fsync is
  // cheap, less often when it is slow (a fast download leaves much dirty data to flush).
  let checkpointTimer: NodeJS.Timeout | undefined
  const scheduleCheckpoint = () => {
    const wait = Math.min(MAX_CHECKPOINT_INTERVAL_MS, Math.max(options.checkpointIntervalMs ?? 100, lastSyncMs * 2))
    checkpointTimer = setTimeout(() => {
      void checkpoint()
        // A failed checkpoint only means less to resume from; the writes themselves report disk errors.
        .catch(() => {})
        .then(() => {
          if (checkpointTimer !== undefined) scheduleCheckpoint()
        })
    }, wait)
    checkpointTimer.unref()
  }
  scheduleCheckpoint()

  let received = 0
  const progress = () => emit({ type: 'progress', receivedBytes: received, completedBytes: resumedBytes + received, size })
  const progressTimer = setInterval(progress, 200)
  progressTimer.unref()

  /** Streams one response into the segment; returns when the segment is complete. */
  async function receive(seg: Segment, res: ResourceResponse, stopSignal: AbortSignal): Promise<void> {
    // Bytes are copied into batch buffers rather than kept as the socket's chunks: chunks held across
    // a write survive young-generation GCs, get promoted, and pile up (tens of MiB) until a full GC.
    // Copied, each chunk dies young; the copy costs far less than the write.
    // Two buffers: one fills from the socket while the other is written, so the disk write (a copy into
    // the page cache, on libuv's thread pool) overlaps the network read and the CRC instead of adding to them.
    const buffers = [Buffer.allocUnsafeSlow(WRITE_BATCH_BYTES), Buffer.allocUnsafeSlow(WRITE_BATCH_BYTES)] as const
    let batch = buffers[0]
    let filled = 0
    let batchStarted = 0
    let writeAt = seg.flushed
    // The write in flight (at most one, so seg.flushed only ever moves forward over written bytes).
    let writing: Promise<void> = Promise.resolve()
    const flush = async () => {
      // The other buffer is free once its write is done: only then switch to it.
      await writing
      if (filled === 0) return
      const at = writeAt
      const n = filled
      const buf = batch
      writing = (async () => {
        // A write can be short (the disk filled up part way): write the rest, and claim only what was written.
        for (let off = 0; off < n; ) {
          const { bytesWritten } = await handle.write(buf, off, n - off, at + off)
          if (bytesWritten <= 0) throw Object.assign(new Error('the write made no progress'), { code: 'EIO' })
          off += bytesWritten
          seg.flushed = at + off
        }
      })().catch((err: unknown) => {
        throw toFileSystemError(err, partialPath, 'write to')
      })
      // Awaited at the next flush; until then a failure must not count as unhandled.
      writing.catch(() => {})
      writeAt = at + n
      filled = 0
      batch = batch === buffers[0] ? buffers[1] : buffers[0]
    }
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        fetcher.touch()
        // Another connection may have taken over our tail: stop at the (possibly moved) end.
        const room = seg.end - seg.pos
        const data = chunk.length > room ? chunk.subarray(0, room) : chunk
        seg.crc = crc64(data, seg.crc)
        seg.pos += data.length
        received += data.length
        if (filled === 0) batchStarted = Date.now()
        for (let off = 0; off < data.length; ) {
          const n = data.copy(batch, filled, off)
          filled += n
          off += n
          if (filled === batch.length) await flush()
        }
        if (Date.now() - batchStarted >= WRITE_BATCH_MS) await flush()
        if (fetcher.limiter) await fetcher.limiter.take(data.length, stopSignal)
        if (seg.pos >= seg.end) break
      }
    } finally {
      try {
        await flush()
        await writing
      } finally {
        // Even when a write failed: the response must not hold its connection.
        if (seg.pos < seg.end || !res.body.readableEnded) discard(res.body)
      }
    }
    if (seg.pos < seg.end) throw new NetworkError(`the connection closed ${seg.end - seg.pos} bytes early`, { code: 'PREMATURE_CLOSE' })
  }

  /** Fetches the rest of one segment, resuming from `pos` after each failure. */
  async function runSegment(seg: Segment): Promise<void> {
    let before = seg.pos
    const stopSignal = stop.signal
    await fetcher.withRecovery(
      `bytes ${seg.start}-${seg.end - 1}`,
      stopSignal,
      async (inf, url, reqSignal) => {
        before = seg.pos
        if (seg.pos >= seg.end) return
        if (rangeIgnored && seg.pos !== 0) {
          // Without Range support a retry can only start from byte 0.
          received -= seg.pos
          Object.assign(seg, { pos: 0, flushed: 0, crc: 0n })
        }
        const asked = { start: seg.pos, end: seg.end }
        const res = await fetcher.request(inf, url, rangeIgnored ? undefined : asked, reqSignal)
        if (etag !== null && res.etag !== null && res.etag !== etag) {
          discard(res.body)
          throw remoteChangedError()
        }
        if (!rangeIgnored) {
          const verdict = checkRangeResponse(res.status, headerValue(res.headers, 'content-range'), asked, size)
          if (verdict !== 'ok') {
            discard(res.body)
            throw new RangeUnsupportedError(
              verdict === 'range-ignored' ? 'the storage host answered a Range request with the whole file' : 'the storage host answered a Range request with other bytes than asked',
            )
          }
        }
        await receive(seg, res, stopSignal)
      },
      () => seg.pos > before,
    )
  }

  /** One connection: works through the queue, then takes over half of the largest piece still running. */
  async function worker(queue: Segment[]): Promise<void> {
    for (;;) {
      let seg = queue.shift()
      if (!seg) {
        const running = segments.filter((s) => s.pos < s.end)
        const split = chooseSplit(running)
        if (!split) return
        const victim = running[split.index]!
        seg = toSegment({ start: split.at, end: victim.end })
        victim.end = split.at
        segments.push(seg)
      }
      await runSegment(seg)
    }
  }

  let finished = false
  try {
    try {
      const queue = [...segments]
      const workers = Array.from({ length: Math.min(connections, Math.max(1, queue.length)) }, () =>
        worker(queue).catch((err: unknown) => {
          stop.abort(err)
          throw err
        }),
      )
      const failed = (await Promise.allSettled(workers)).find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) throw stop.signal.reason ?? failed.reason
    } catch (err) {
      if (!(err instanceof RangeUnsupportedError) || rangeIgnored || signal.aborted) throw err
      // Never stitch: start again from byte 0 on one connection, whatever other segments already wrote.
      emit({ type: 'note', message: `${err.message}: falling back to one connection from byte 0` })
      await checkpointChain.catch(() => {})
      rangeIgnored = true
      done = []
      received = 0
      segments = [toSegment({ start: 0, end: size })]
      stop = new AbortController()
      await handle.truncate(0)
      await runSegment(segments[0]!)
    }
    finished = true
  } finally {
    clearTimeout(checkpointTimer)
    checkpointTimer = undefined
    clearInterval(progressTimer)
    forgetUserAbort()
    // The last checkpoint keeps whatever arrived, whether we finished, failed or were interrupted.
    await checkpoint().catch(() => {})
    await handle.close().catch(() => {})
    // A run that failed before any byte reached the disk has nothing to resume: no side file stays.
    if (!finished && flushedRanges().length === 0) await removeResumeFiles(options.target).catch(() => {})
  }
  progress()

  const written = await stat(partialPath).then((s) => s.size)
  if (written !== size) throw new IntegrityError('SIZE_MISMATCH', `the partial file holds ${written} bytes, the server said ${size}`, { hint: 'run the same command again' })
  return {
    resumedBytes,
    connections,
    seen: segments.filter((s) => s.pos > s.start).map((s) => ({ start: s.start, end: s.pos, crc: s.crc })),
  }
}

/** Drops a response body we will not read; undici reports the abort as an 'error' nobody needs to hear. */
export function discard(body: ResourceResponse['body']): void {
  body.on('error', () => {})
  body.destroy()
}

/** Size from the probe: Content-Range's total on a 206, Content-Length on a 200 (Range ignored). */
function probeSize(probe: ResourceResponse): number {
  const total = parseContentRange(headerValue(probe.headers, 'content-range'))?.total
  if (probe.status === 206 && total !== undefined) return total
  const length = headerValue(probe.headers, 'content-length')
  if (probe.status === 200 && length !== undefined && /^\d+$/.test(length)) return Number(length)
  throw new DtdlError('NO_SIZE', ExitCode.remote, 'the storage host did not say how large the file is (no Content-Range or Content-Length)')
}
