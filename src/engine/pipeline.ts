// The one fetch pipeline: signed source → first response (a small file's one GET, or the 1-byte probe) → the
// target's plan → a transfer into a sink (the partial file, or stdout) → verification → commit. Every download
// path goes through here: the start and end of a file, its checks and its final name exist once.
import { lstat, stat } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import type { Writable } from 'node:stream'
import { IntegrityError, toFileSystemError } from '../errors.js'
import { commitFile, type CommitMode } from '../disk/files.js'
import { checkUpToDateSha256, planTarget } from './existing-target.js'
import { openRemote, probeRemote } from './remote.js'
import { partialPathFor, recordPathFor, removeResumeFiles } from './resume-record.js'
import { StreamSink } from './sinks.js'
import { fetchSmallFile, takesSmallPath } from './small-file.js'
import { transferToFile, transferToStream } from './transfer.js'
import type { DownloadEvent, DownloadOptions, DownloadResult, RemoteObject } from './types.js'
import { fileSha256, sha256MismatchError, wholeFileCrc, type CrcPiece } from './verify.js'

export type StreamOptions = Omit<
  DownloadOptions,
  'target' | 'connections' | 'maxConnections' | 'force' | 'checkpointIntervalMs'
> & { out: Writable }

type Checked = DownloadResult['checked']

/** What one run of the pipeline did, before the timings and counts are added. */
type Fetched = Pick<
  DownloadResult,
  'bytes' | 'etag' | 'crc64' | 'checked' | 'upToDate' | 'resumedBytes' | 'connections' | 'peakConnections' | 'replaced'
>
/** How a file was fetched, for its result. */
type How = Pick<Fetched, 'resumedBytes' | 'connections' | 'peakConnections'>

/** Downloads into `options.target` (the caller holds its claim): up to date, or fetched, verified and committed. */
export async function fetchToFile(options: DownloadOptions, signal: AbortSignal): Promise<DownloadResult> {
  const started = performance.now()
  const emit = options.onEvent ?? (() => {})
  const { source, fetcher } = await openRemote(options)
  const done = (r: Fetched): DownloadResult => ({
    path: options.target,
    ...r,
    retries: fetcher.retries,
    urlRefreshes: source.refreshes,
    durationMs: Math.round(performance.now() - started),
  })
  try {
    const small = (await smallFileApplies(options)) ? await fetchSmallFile(options, fetcher, signal) : undefined
    if (small && 'fallback' in small)
      emit({ type: 'note', message: `${small.fallback}: fetching it with the full engine` })
    // A small file's one GET stands for the probe; a file that appeared meanwhile is caught at the commit.
    if (small && 'remote' in small) {
      const checked = await verifyFile(options, small.remote, small.seen, emit, { written: small.written })
      // No record was written for it, nor could one stand beside a target seen absent: nothing to tidy.
      if (checked)
        return done(
          await commit(options, small.remote, { kind: options.force ? 'force' : 'new' }, checked, ONE_GET, false),
        )
    }
    const remote = await probeRemote(fetcher, signal)
    const plan = await planTarget(options, remote, emit)
    if (plan.kind === 'same') return done(await upToDate(options, remote))
    // A CRC mismatch may be one corrupted response: download once more from scratch before calling it failed.
    for (let round = 1; ; round++) {
      const outcome = await transferToFile(options, fetcher, source, remote, signal)
      const checked = await verifyFile(options, remote, outcome.seen, emit, { retryOnMismatch: round === 1 && !small })
      if (checked)
        return done({
          ...(await commit(
            options,
            remote,
            plan.commit,
            checked,
            {
              resumedBytes: outcome.resumedBytes,
              connections: outcome.connections,
              peakConnections: outcome.peakConnections,
            },
            true,
          )),
          ...(plan.replaces ? { replaced: true } : {}),
        })
    }
  } finally {
    fetcher.dispose()
  }
}

/**
 * Streams the file into `options.out`. What was written cannot be taken back, so verification can only
 * report: a CRC-64 or SHA-256 mismatch exits 6 after the bytes went out, and the message says so.
 */
export async function fetchToStream(options: StreamOptions, signal: AbortSignal): Promise<DownloadResult> {
  const started = performance.now()
  const emit = options.onEvent ?? (() => {})
  const { source, fetcher } = await openRemote(options)
  try {
    const remote = await probeRemote(fetcher, signal)
    const sha = options.sha256 !== undefined ? createHash('sha256') : undefined
    const seen = await transferToStream({
      fetcher,
      source,
      remote,
      sink: new StreamSink(options.out, sha),
      signal,
      emit,
    })
    const crc = seen[0]?.crc ?? 0n
    const checked = checkCrc(remote, crc, emit, () => {
      throw new IntegrityError(
        'CRC64_MISMATCH',
        `the streamed bytes failed their CRC-64 check (the server says ${remote.crc}, the bytes give ${crc}): the output is corrupt`,
        {
          hint: 'discard the output and run again; to get automatic re-download, save to a file with -o <path>',
        },
      )
    })
    if (sha !== undefined && options.sha256 !== undefined) {
      const actual = sha.digest('hex')
      if (actual !== options.sha256.toLowerCase())
        throw sha256MismatchError(actual, options.sha256, options.sha256From, 'the output does not match')
      checked.push('sha256')
    }
    return {
      path: '-',
      ...fetchedOf(remote, checked, ONE_GET),
      retries: fetcher.retries,
      urlRefreshes: source.refreshes,
      durationMs: Math.round(performance.now() - started),
    }
  } finally {
    fetcher.dispose()
  }
}

/** The one-GET path applies: a small size known from the listing, nothing at the target, no record to resume. */
async function smallFileApplies(options: DownloadOptions): Promise<boolean> {
  if (options.sha256 !== undefined || options.expectedSize === undefined) return false
  const exists = (path: string) =>
    lstat(path).then(
      () => true,
      () => false,
    )
  const seen = options.seenAbsent
    ? { targetExists: false, recordExists: false }
    : { targetExists: await exists(options.target), recordExists: await exists(recordPathFor(options.target)) }
  return takesSmallPath({ expectedSize: options.expectedSize, ...seen })
}

/**
 * The checks a file passes before its commit: the bytes it holds (`written` when this run wrote it whole,
 * else its size on disk), its CRC-64 (undefined: fetch it once more), its SHA-256.
 */
async function verifyFile(
  options: DownloadOptions,
  remote: RemoteObject,
  seen: readonly CrcPiece[],
  emit: (e: DownloadEvent) => void,
  how: { retryOnMismatch?: boolean; written?: number } = {},
): Promise<Checked | undefined> {
  const { retryOnMismatch = true } = how
  const partial = partialPathFor(options.target)
  emit({ type: 'progress', receivedBytes: remote.size, completedBytes: remote.size, size: remote.size })
  // Every write was checked for the bytes that reached the file; this is their sum, or the size on disk.
  const written =
    how.written ??
    (await stat(partial).then(
      (s) => s.size,
      (err: unknown) => Promise.reject(toFileSystemError(err, partial, 'read')),
    ))
  if (written !== remote.size)
    throw new IntegrityError(
      'SIZE_MISMATCH',
      `the partial file holds ${written} bytes, the server said ${remote.size}`,
      { hint: 'run the same command again' },
    )
  let actual: bigint | undefined
  if (remote.crc !== null) {
    emit({ type: 'verify', check: 'crc64' })
    actual = await wholeFileCrc(partial, remote.size, seen)
  }
  let mismatch = false
  const checked = checkCrc(remote, actual ?? 0n, emit, () => (mismatch = true))
  if (mismatch) {
    await removeResumeFiles(options.target)
    if (retryOnMismatch) {
      emit({
        type: 'note',
        message: `CRC-64 mismatch (expected ${remote.crc}, got ${actual}): downloading the file once more from scratch`,
      })
      return undefined
    }
    throw new IntegrityError(
      'CRC64_MISMATCH',
      `the downloaded file failed its CRC-64 check twice (the server says ${remote.crc}, the bytes give ${actual}); nothing was written to ${options.target}`,
      {
        hint: 'the storage host or something between it and you corrupts the data: try another network or --no-intranet, and report it with the file id',
      },
    )
  }
  if (options.sha256 !== undefined) {
    emit({ type: 'verify', check: 'sha256' })
    const sha = await fileSha256(partial)
    // The bytes stay beside the target: a re-run with a corrected --sha256 finishes at once.
    if (sha !== options.sha256.toLowerCase())
      throw sha256MismatchError(sha, options.sha256, options.sha256From, `nothing was written to ${options.target}`)
    checked.push('sha256')
  }
  return checked
}

/**
 * Pure but for the note: the CRC-64 against the server's (a mismatch calls `onMismatch`), or why there was none to
 * check.
 */
function checkCrc(
  remote: RemoteObject,
  actual: bigint,
  emit: (e: DownloadEvent) => void,
  onMismatch: () => void,
): Checked {
  if (remote.crc === null) {
    const why =
      remote.crcMalformed !== null ? `a malformed CRC-64 (${JSON.stringify(remote.crcMalformed)})` : 'no CRC-64'
    emit({ type: 'note', message: `the server sent ${why} for this file: it was checked by size only` })
    return ['size']
  }
  if (actual !== remote.crc) {
    onMismatch()
    return ['size']
  }
  return ['size', 'crc64']
}

/** The verified partial file takes its final name (see disk/files.ts commitFile); the side files go. */
async function commit(
  options: DownloadOptions,
  remote: RemoteObject,
  mode: CommitMode,
  checked: Checked,
  how: How,
  sideFiles: boolean,
): Promise<Fetched> {
  await commitFile(partialPathFor(options.target), options.target, mode)
  if (sideFiles) await removeResumeFiles(options.target)
  return fetchedOf(remote, checked, how)
}

/** A target found identical: every check the user asked for still runs; side files of an earlier run go. */
async function upToDate(options: DownloadOptions, remote: RemoteObject): Promise<Fetched> {
  const checked: Checked = remote.crc === null ? ['size'] : ['size', 'crc64']
  // Up to date still runs every check the user asked for: a wrong SHA-256 must not pass as "up to date".
  if (options.sha256 !== undefined) {
    options.onEvent?.({ type: 'verify', check: 'sha256' })
    await checkUpToDateSha256(options.target, options.sha256, options.sha256From, remote.crc !== null)
    checked.push('sha256')
  }
  await removeResumeFiles(options.target)
  return { ...fetchedOf(remote, checked, { resumedBytes: 0, connections: 0, peakConnections: 0 }), upToDate: true }
}

/** A small file's one GET, or a stream: one connection throughout. */
const ONE_GET: How = { resumedBytes: 0, connections: 1, peakConnections: 1 }

const fetchedOf = (remote: RemoteObject, checked: Checked, how: How): Fetched => ({
  bytes: remote.size,
  etag: remote.etag,
  crc64: remote.crc === null ? null : remote.crc.toString(),
  checked,
  upToDate: false,
  ...how,
})
