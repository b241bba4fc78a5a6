// The download engine: signed info → size probe → Range segments over N connections into one partial file,
// checkpointed for resume, verified (size, CRC-64, optional SHA-256), then renamed into place.
import { open, rename, stat, type FileHandle } from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import { createHash } from 'node:crypto'
import type { Dispatcher } from 'undici'
import { crc64, crc64Combine } from './crc64.js'
import { DtdlError, ExitCode, IntegrityError, NetworkError, toFileSystemError } from './errors.js'
import type { DownloadInfo } from './dingtalk-api.js'
import type { HttpLogger } from './http.js'
import { requestResource, type ResourceResponse } from './resource-request.js'
import { networkErrorCode, retryDelay, sleep } from './retry.js'
import {
  partialPathFor,
  readResumeRecord,
  recordMismatch,
  recordPathFor,
  removeResumeFiles,
  writeResumeRecord,
  type RequestIdentity,
} from './resume-record.js'
import { checkRangeResponse, chooseConnections, chooseSplit, mergeRanges, missingRanges, planSegments, totalLength, type ByteRange } from './segments.js'
import { SignedUrlSource, type SignedInfo } from './signed-url-source.js'
import { StorageResponseError } from './storage-response.js'

export type DownloadEvent =
  | { type: 'start'; size: number; resumedBytes: number; connections: number; etag: string | null; crc64: string | null; region: string; hosts: string[] }
  | { type: 'progress'; receivedBytes: number; completedBytes: number; size: number }
  | { type: 'retry'; reason: string; attempt: number; delayMs: number }
  | { type: 'refresh'; reason: string }
  | { type: 'note'; message: string }
  | { type: 'verify'; check: 'crc64' | 'sha256' }

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
  /** An extra check the user supplies: lower-case hex SHA-256 of the whole file. */
  sha256?: string | undefined
  signal?: AbortSignal | undefined
  onEvent?: ((event: DownloadEvent) => void) | undefined
  log?: HttpLogger | undefined
  /**
   * Least time between resume-record updates, in ms (default 100). The real interval adapts: at least 20x
   * the last fsync's duration, so checkpoints never cost more than about 5% of the disk's time.
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
  resumedBytes: number
  retries: number
  urlRefreshes: number
  connections: number
  durationMs: number
}

/** Bytes a connection buffers before one positional write: fewer syscalls, bounded memory. */
const WRITE_BATCH_BYTES = 512 * 1024
/** ...or this long, so a slow connection's bytes reach the disk (and the next checkpoint) soon. */
const WRITE_BATCH_MS = 50
/** Checkpoints are at most this far apart, however slow fsync is. */
const MAX_CHECKPOINT_INTERVAL_MS = 2000
/**
 * Connections move to the next resource URL after this many failures in a row on one (counted across
 * connections; any response that delivers bytes resets the count), so a dead host is left quickly but
 * one dropped connection is not mistaken for it.
 */
const URL_FAILURES_BEFORE_SWITCH = 3

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

class RangeUnsupportedError extends DtdlError {
  constructor(message: string) {
    super('RANGE_UNSUPPORTED', ExitCode.remote, message)
  }
}

/** Downloads one file; resolves with what was done, or throws a DtdlError (InterruptedError on abort). */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const started = performance.now()
  const emit = options.onEvent ?? (() => {})
  const retries = options.retries ?? 5
  const firstInfo = await options.getDownloadInfo()
  const source = new SignedUrlSource(firstInfo, options.getDownloadInfo, (reason) => emit({ type: 'refresh', reason }))
  const stats = { retries: 0 }

  // A CRC mismatch may be one corrupted response: download once more from scratch before calling it failed.
  for (let round = 1; ; round++) {
    const outcome = await transfer(options, source, stats)
    const checked: DownloadResult['checked'] = ['size']
    if (outcome.expectedCrc !== null) {
      emit({ type: 'verify', check: 'crc64' })
      const actual = await wholeFileCrc(outcome, partialPathFor(options.target))
      if (actual !== outcome.expectedCrc) {
        await removeResumeFiles(options.target)
        if (round === 1) {
          emit({ type: 'note', message: `CRC-64 mismatch (expected ${outcome.expectedCrc}, got ${actual}): downloading the file once more from scratch` })
          continue
        }
        throw new IntegrityError('CRC64_MISMATCH', `the downloaded file failed its CRC-64 check twice (the server says ${outcome.expectedCrc}, the bytes give ${actual}); nothing was written to ${options.target}`, {
          hint: 'the storage host or something between it and you corrupts the data: try another network or --no-intranet, and report it with the file id',
        })
      }
      checked.push('crc64')
    } else {
      emit({ type: 'note', message: 'the server sent no CRC-64 for this file: it was checked by size only' })
    }
    if (options.sha256 !== undefined) {
      emit({ type: 'verify', check: 'sha256' })
      const actual = await fileSha256(partialPathFor(options.target))
      if (actual !== options.sha256.toLowerCase()) {
        throw new IntegrityError('SHA256_MISMATCH', `the SHA-256 of the downloaded file is ${actual}, not the ${options.sha256} given with --sha256; nothing was written to ${options.target}`, {
          hint: 'check the --sha256 value; the downloaded bytes are kept beside the target, so a corrected re-run finishes at once',
        })
      }
      checked.push('sha256')
    }
    await commitPartial(options.target)
    return {
      path: options.target,
      bytes: outcome.size,
      etag: outcome.etag,
      crc64: outcome.expectedCrc === null ? null : outcome.expectedCrc.toString(),
      checked,
      resumedBytes: outcome.resumedBytes,
      retries: stats.retries,
      urlRefreshes: source.refreshes,
      connections: outcome.connections,
      durationMs: Math.round(performance.now() - started),
    }
  }
}

interface TransferOutcome {
  size: number
  etag: string | null
  expectedCrc: bigint | null
  resumedBytes: number
  connections: number
  /** Ranges whose CRC this run computed as the bytes streamed past. */
  seen: { start: number; end: number; crc: bigint }[]
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

/**
 * Gets every missing byte of the file into the partial file. Throws on failure after a last checkpoint,
 * so whatever arrived is kept for the next run.
 */
async function transfer(options: DownloadOptions, source: SignedUrlSource, stats: { retries: number }): Promise<TransferOutcome> {
  const emit = options.onEvent ?? (() => {})
  const retries = options.retries ?? 5
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000
  const partialPath = partialPathFor(options.target)
  const recordPath = recordPathFor(options.target)
  // Stops every connection at once: on the user's abort, or when one connection fails for good.
  let stop = new AbortController()
  const onUserAbort = () => stop.abort(options.signal?.reason)
  options.signal?.addEventListener('abort', onUserAbort, { once: true })
  if (options.signal?.aborted) onUserAbort()

  let urlIndex = 0
  const urlFailures = new Map<number, number>()
  const active = new Set<{ lastByteAt: number; controller: AbortController }>()

  /**
   * Runs `attempt` until it succeeds, with the engine's recovery: fresh signed info before it expires and
   * after a 403; backoff on network errors, 5xx, 429 and stalls; the next resource URL when one keeps
   * failing. `progressed()` tells whether bytes flowed during the failed attempt (that resets the count).
   */
  async function withRecovery<T>(label: string, attempt: (info: SignedInfo, url: string, signal: AbortSignal, index: number) => Promise<T>, progressed: () => boolean): Promise<T> {
    let failures = 0
    for (;;) {
      if (stop.signal.aborted) throw stop.signal.reason
      const info = await source.forNewRequest()
      const index = Math.min(urlIndex, info.resourceUrls.length - 1)
      const url = info.resourceUrls[index]!
      const controller = new AbortController()
      const watch = { lastByteAt: Date.now(), controller }
      const onStop = () => controller.abort(stop.signal.reason)
      stop.signal.addEventListener('abort', onStop, { once: true })
      active.add(watch)
      try {
        const result = await attempt(info, url, controller.signal, index)
        urlFailures.set(index, 0)
        return result
      } catch (err) {
        if (stop.signal.aborted) throw stop.signal.reason
        if (progressed()) {
          failures = 0
          urlFailures.set(index, 0)
        }
        const stalled = controller.signal.aborted
        // A body that breaks mid-stream throws undici's or the socket's own error: wrap the known network ones.
        const netCode = err instanceof DtdlError ? undefined : networkErrorCode(err)
        const error = stalled
          ? new NetworkError(`no data for ${stallTimeoutMs / 1000} s`, { code: 'STALLED' })
          : netCode !== undefined
            ? new NetworkError(`the connection failed: ${netCode}`, { code: `NET_${netCode}`, cause: err })
            : err
        if (error instanceof RangeUnsupportedError) throw error
        if (error instanceof StorageResponseError && error.action === 'changed') throw remoteChanged()
        const refresh = error instanceof StorageResponseError && error.action === 'refresh'
        const retryable = refresh || error instanceof NetworkError || (error instanceof StorageResponseError && error.action === 'retry')
        if (!retryable) throw error
        if (++failures > retries) throw error
        stats.retries++
        if (refresh) {
          // Connections that hit the same expiry share one refresh; a fresh signature is used at once.
          // A fresh one refused again still counts as a failure, so a signature that never works ends.
          await source.refresh(info.generation, `the storage host answered ${(error as StorageResponseError).code || 'HTTP 403'}`)
          continue
        } else {
          const n = (urlFailures.get(index) ?? 0) + 1
          urlFailures.set(index, n)
          if (n >= URL_FAILURES_BEFORE_SWITCH && index === urlIndex && urlIndex + 1 < info.resourceUrls.length) {
            urlIndex++
            emit({ type: 'note', message: `resource URL ${index + 1} keeps failing (${(error as DtdlError).code}): switching to URL ${urlIndex + 1} of ${info.resourceUrls.length}` })
            failures = 0
            continue
          }
        }
        const delayMs = retryDelay(failures, error instanceof StorageResponseError ? error.retryAfterMs : undefined)
        emit({ type: 'retry', reason: `${label}: ${(error as Error).message}`, attempt: failures, delayMs })
        await sleep(delayMs, stop.signal)
      } finally {
        active.delete(watch)
        stop.signal.removeEventListener('abort', onStop)
      }
    }
  }

  // Stall watchdog: one timer for all connections instead of one timer reset per chunk.
  const watchdog = setInterval(() => {
    const now = Date.now()
    for (const w of active) if (now - w.lastByteAt > stallTimeoutMs) w.controller.abort(new Error('stalled'))
  }, Math.max(50, Math.min(1000, stallTimeoutMs / 4)))
  watchdog.unref()
  const touch = () => {
    const now = Date.now()
    for (const w of active) w.lastByteAt = now
  }

  // 1. Probe: size, ETag and CRC from a 1-byte GET (HEAD is not signed).
  let probe: ResourceResponse
  try {
    probe = await withRecovery('size probe', (info, url, signal) =>
      requestResource(url, info.headers, { start: 0, end: 1 }, { dispatcher: options.dispatcher, signal, log: options.log, note: 'probe' }), () => false)
  } catch (err) {
    clearInterval(watchdog)
    options.signal?.removeEventListener('abort', onUserAbort)
    throw err
  }
  const size = probeSize(probe)
  const etag = probe.etag
  const expectedCrc = probe.crc64
  // A 200 to a Range request: the host ignores Range, so only one connection from byte 0 is safe.
  let rangeIgnored = probe.status === 200
  // The probe's one byte is not worth waiting for: a broken or silent probe body must not hold up the start.
  discard(probe.body)

  // 2. What is already on disk, by the record's word.
  const record = await readResumeRecord(recordPath)
  const remote = { size, etag }
  let done: ByteRange[] = []
  if (record) {
    const why = recordMismatch(record, options.request, remote)
    const partialSize = await stat(partialPath).then((s) => s.size, () => -1)
    if (why) emit({ type: 'note', message: `starting over: the partial download cannot be resumed because ${why}` })
    else if (partialSize < 0) emit({ type: 'note', message: 'starting over: the partial file is missing' })
    else done = missingRanges(missingRanges(record.done, size), size) // normalised to [0, size)
  }
  if (rangeIgnored && done.length > 0) {
    emit({ type: 'note', message: 'the storage host ignores Range requests: the partial download cannot be resumed, starting over' })
    done = []
  }

  let handle: FileHandle
  try {
    handle = await open(partialPath, done.length > 0 ? 'r+' : 'w', 0o644)
  } catch (err) {
    clearInterval(watchdog)
    options.signal?.removeEventListener('abort', onUserAbort)
    throw toFileSystemError(err, partialPath, 'create')
  }

  const resumedBytes = totalLength(done)
  const missing = missingRanges(done, size)
  const connections = rangeIgnored ? 1 : Math.min(chooseConnections(totalLength(missing), options.connections), Math.max(1, missing.length > 0 ? 16 : 1))
  let segments: Segment[] = (rangeIgnored ? [{ start: 0, end: size }] : planSegments(missing, connections)).map((r) => ({ ...r, pos: r.start, flushed: r.start, crc: 0n }))
  const info = source.current
  emit({
    type: 'start',
    size,
    resumedBytes,
    connections,
    etag,
    crc64: expectedCrc === null ? null : expectedCrc.toString(),
    region: info.region,
    hosts: [...new Set(info.resourceUrls.map((u) => new URL(u).host))],
  })
  if (rangeIgnored) emit({ type: 'note', message: 'the storage host ignores Range requests: downloading on one connection from byte 0' })

  // 3. Checkpoints: fsync the data, then atomically write a record that claims only what was flushed before.
  let checkpointChain = Promise.resolve()
  let lastSyncMs = 0
  const checkpoint = () => {
    // Chained so two checkpoints never interleave; a failed one must not block the ones after it.
    checkpointChain = checkpointChain.catch(() => {}).then(async () => {
      const claimed = mergeRanges([...done, ...segments.map((s) => ({ start: s.start, end: s.flushed }))])
      const t0 = performance.now()
      await handle.datasync()
      lastSyncMs = performance.now() - t0
      await writeResumeRecord(recordPath, { format: 1, request: options.request, remote, done: claimed })
    })
    return checkpointChain
  }
  // The bytes at risk on a crash are those since the last checkpoint: checkpoint often while fsync is
  // cheap, less often when it is slow (a fast download leaves much dirty data to flush).
  let checkpointTimer: NodeJS.Timeout | undefined
  const scheduleCheckpoint = () => {
    const wait = Math.min(MAX_CHECKPOINT_INTERVAL_MS, Math.max(options.checkpointIntervalMs ?? 100, lastSyncMs * 20))
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
  const progressTimer = setInterval(() => emit({ type: 'progress', receivedBytes: received, completedBytes: resumedBytes + received, size }), 200)
  progressTimer.unref()

  /** Streams one response into the segment; returns when the segment is complete. */
  async function receive(seg: Segment, res: ResourceResponse): Promise<void> {
    let batch: Buffer[] = []
    let batchBytes = 0
    let batchStarted = 0
    const flush = async () => {
      if (batchBytes === 0) return
      const bufs = batch
      const at = seg.flushed
      batch = []
      const n = batchBytes
      batchBytes = 0
      try {
        await handle.writev(bufs, at)
      } catch (err) {
        throw toFileSystemError(err, partialPath, 'write to')
      }
      seg.flushed = at + n
    }
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        touch()
        // Another connection may have taken over our tail: stop at the (possibly moved) end.
        const room = seg.end - seg.pos
        const data = chunk.length > room ? chunk.subarray(0, room) : chunk
        seg.crc = crc64(data, seg.crc)
        seg.pos += data.length
        received += data.length
        if (batchBytes === 0) batchStarted = Date.now()
        batch.push(data)
        batchBytes += data.length
        if (batchBytes >= WRITE_BATCH_BYTES || Date.now() - batchStarted >= WRITE_BATCH_MS) await flush()
        if (seg.pos >= seg.end) break
      }
    } finally {
      await flush()
      if (seg.pos < seg.end || !res.body.readableEnded) discard(res.body)
    }
    if (seg.pos < seg.end) throw new NetworkError(`the connection closed ${seg.end - seg.pos} bytes early`, { code: 'PREMATURE_CLOSE' })
  }

  /** Fetches the rest of one segment, resuming from `pos` after each failure. */
  async function runSegment(seg: Segment): Promise<void> {
    let before = seg.pos
    await withRecovery(
      `bytes ${seg.start}-${seg.end - 1}`,
      async (inf, url, signal) => {
        before = seg.pos
        if (seg.pos >= seg.end) return
        const asked = { start: seg.pos, end: seg.end }
        const res = await requestResource(url, inf.headers, rangeIgnored ? undefined : asked, { dispatcher: options.dispatcher, signal, log: options.log })
        if (etag !== null && res.etag !== null && res.etag !== etag) {
          discard(res.body)
          throw remoteChanged()
        }
        if (!rangeIgnored) {
          const verdict = checkRangeResponse(res.status, headerString(res.headers['content-range']), asked, size)
          if (verdict !== 'ok') {
            discard(res.body)
            throw new RangeUnsupportedError(
              verdict === 'range-ignored' ? 'the storage host answered a Range request with the whole file' : 'the storage host answered a Range request with other bytes than asked',
            )
          }
        } else if (seg.pos !== 0) {
          // Without Range support a retry can only start from byte 0.
          received -= seg.pos
          Object.assign(seg, { pos: 0, flushed: 0, crc: 0n })
        }
        await receive(seg, res)
      },
      () => seg.pos > before,
    )
  }

  /** One connection: works through the queue, then takes over half of the largest piece still running. */
  async function worker(queue: Segment[]): Promise<void> {
    for (;;) {
      let seg = queue.shift()
      if (!seg) {
        const split = chooseSplit(segments.filter((s) => s.pos < s.end))
        if (!split) return
        const victim = segments.filter((s) => s.pos < s.end)[split.index]!
        seg = { start: split.at, end: victim.end, pos: split.at, flushed: split.at, crc: 0n }
        victim.end = split.at
        segments.push(seg)
      }
      await runSegment(seg)
    }
  }

  try {
    try {
      const queue = [...segments]
      const workers = Array.from({ length: Math.min(connections, Math.max(1, queue.length)) }, () =>
        worker(queue).catch((err: unknown) => {
          stop.abort(err)
          throw err
        }),
      )
      const results = await Promise.allSettled(workers)
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) throw stop.signal.reason ?? failed.reason
    } catch (err) {
      if (!(err instanceof RangeUnsupportedError) || rangeIgnored) throw err
      // Never stitch: start again from byte 0 on one connection, whatever other segments already wrote.
      emit({ type: 'note', message: `${err.message}: falling back to one connection from byte 0` })
      await checkpointChain.catch(() => {})
      done = []
      received = 0
      segments = [{ start: 0, end: size, pos: 0, flushed: 0, crc: 0n }]
      rangeIgnored = true
      stop = new AbortController()
      if (options.signal?.aborted) onUserAbort()
      await handle.truncate(0)
      await runSegment(segments[0]!)
    }
  } finally {
    clearInterval(watchdog)
    clearTimeout(checkpointTimer)
    checkpointTimer = undefined
    clearInterval(progressTimer)
    options.signal?.removeEventListener('abort', onUserAbort)
    // The last checkpoint keeps whatever arrived, whether we finished, failed or were interrupted.
    await checkpoint().catch(() => {})
    await handle.close().catch(() => {})
  }
  emit({ type: 'progress', receivedBytes: received, completedBytes: resumedBytes + received, size })

  const written = await stat(partialPath).then((s) => s.size)
  if (written !== size) {
    throw new IntegrityError('SIZE_MISMATCH', `the partial file holds ${written} bytes, the server said ${size}`, { hint: 'run the same command again' })
  }
  return {
    size,
    etag,
    expectedCrc,
    resumedBytes,
    connections,
    seen: segments.filter((s) => s.pos > s.start).map((s) => ({ start: s.start, end: s.pos, crc: s.crc })),
  }
}

/** Drops a response body we will not read; undici reports the abort as an 'error' nobody needs to hear. */
function discard(body: ResourceResponse['body']): void {
  body.on('error', () => {})
  body.destroy()
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

function remoteChanged(): DtdlError {
  return new DtdlError('REMOTE_CHANGED', ExitCode.remote, 'the file changed on the server during the download', {
    hint: 'run the same command again to download the new version',
  })
}

/** Size from the probe: Content-Range's total on a 206, Content-Length on a 200 (Range ignored). */
function probeSize(probe: ResourceResponse): number {
  const cr = headerString(probe.headers['content-range'])
  const total = cr ? /\/(\d+)\s*$/.exec(cr)?.[1] : undefined
  if (probe.status === 206 && total !== undefined) return Number(total)
  const length = headerString(probe.headers['content-length'])
  if (probe.status === 200 && length !== undefined && /^\d+$/.test(length)) return Number(length)
  throw new DtdlError('NO_SIZE', ExitCode.remote, 'the storage host did not say how large the file is (no Content-Range or Content-Length)')
}

/**
 * The whole file's CRC-64: the CRCs computed while streaming, joined with the combine operation; only the
 * parts a resumed run did not see are read back from disk.
 */
async function wholeFileCrc(outcome: TransferOutcome, partialPath: string): Promise<bigint> {
  const seen = [...outcome.seen].sort((a, b) => a.start - b.start)
  const gaps = missingRanges(seen, outcome.size)
  const pieces = [...seen]
  for (const gap of gaps) pieces.push({ ...gap, crc: await fileRangeCrc(partialPath, gap) })
  pieces.sort((a, b) => a.start - b.start)
  let crc = 0n
  let at = 0
  for (const p of pieces) {
    if (p.start !== at) throw new IntegrityError('CRC_COVERAGE', `internal error: CRC pieces do not cover the file at byte ${at}`)
    crc = at === 0 ? p.crc : crc64Combine(crc, p.crc, p.end - p.start)
    at = p.end
  }
  return crc
}

async function fileRangeCrc(path: string, range: ByteRange): Promise<bigint> {
  let crc = 0n
  try {
    for await (const chunk of createReadStream(path, { start: range.start, end: range.end - 1, highWaterMark: 1024 * 1024 })) crc = crc64(chunk as Buffer, crc)
  } catch (err) {
    throw toFileSystemError(err, path, 'read')
  }
  return crc
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer)
  } catch (err) {
    throw toFileSystemError(err, path, 'read')
  }
  return hash.digest('hex')
}
