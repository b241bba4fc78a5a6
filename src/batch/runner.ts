// Running many downloads as one batch: N files at a time through the one engine, failures collected, not fatal.
import type { Dispatcher } from 'undici'
import { downloadFile, type DownloadResult } from '../engine/download.js'
import { RateLimiter } from '../engine/rate-limiter.js'
import { checkUpToDateSha256 } from '../engine/existing-target.js'
import type { SignedSource } from '../engine/signed-url-source.js'
import type { SpeedLimit } from '../engine/resource-fetcher.js'
import { DtdlError, ExitCode } from '../errors.js'
import type { HttpLogger } from '../http/dispatcher.js'
import { MAX_CONNECTIONS, connectionLimits } from '../engine/connection-count.js'
import type { RequestCounter } from '../http/request-counter.js'
import { eachAtOnce } from '../each-at-once.js'
import { DescriptorGate } from './descriptor-gate.js'

import { summarize, worstExitCode, type BatchEvent, type BatchFileResult, type BatchResult } from './results.js'

/** Connections across all the files of a batch, when -c is not given. */
export const MAX_BATCH_CONNECTIONS = MAX_CONNECTIONS

/** One file to fetch. A known failure (bad input line, unsafe name, unlisted folder) rides along as `error`. */
export interface BatchItem {
  /** Shown in progress lines and as `path` in --json; null when no path could be worked out. */
  path: string | null
  spaceId: string
  dentryId: string
  /** The final file path; required unless `error` is set. */
  target?: string | undefined
  /** From the listing or the lookup; chooses the connection count. */
  size?: number | undefined
  /** Work to do right before the download (creating folders); a throw is this file's failure. */
  prepare?: (() => Promise<void>) | undefined
  error?: DtdlError | undefined
  /** Input-file line number, reported in --json. */
  line?: number | undefined
  /** A SHA-256 to check (from an input file's `sha256=` line or --sha256-file), and where it came from. */
  sha256?: string | undefined
  sha256From?: string | undefined
  /** Known to be up to date (sync state, --skip-existing): reported as skipped with no request at all. */
  skip?: 'up-to-date' | 'exists' | undefined
  /** A target that differs may be replaced without --force (the sync state says dtdl placed it). */
  replace?: boolean | undefined
  /** Called once the file is in place (downloaded or found identical), before it is reported. */
  onDone?: ((result: DownloadResult) => Promise<void>) | undefined
  /** The listing or lookup said FILE: a download refusal then means an online document. */
  knownFile?: boolean | undefined
  /** Its folder was missing or empty when the batch was planned (see DownloadOptions.seenAbsent). */
  seenAbsent?: boolean | undefined
}

export interface BatchOptions {
  /** Files at a time, 1..16. */
  jobs: number
  /** -c: connections per file; undefined = found per file, within its share of the budget (see connectionsPerFile). */
  connections?: number | undefined
  dispatcher: Dispatcher
  getDownloadInfo: (item: {
    spaceId: string
    dentryId: string
    knownFile?: boolean | undefined
  }) => Promise<SignedSource>
  retries?: number | undefined
  stallTimeoutMs?: number | undefined
  /** Overall cap in bytes per second, split evenly between the jobs. */
  limitRate?: number | undefined
  speedLimit?: SpeedLimit | undefined
  force?: boolean | undefined
  /** How long each file waits for another dtdl writing the same target (ms); see downloadFile. */
  lockWaitMs?: number | undefined
  signal: AbortSignal
  onEvent?: ((e: BatchEvent) => void) | undefined
  log?: HttpLogger | undefined
  /** The run's request counter (storage requests are counted where they are sent). */
  requests?: RequestCounter | undefined
  /** A line for people about the batch as a whole (said once: fewer files at a time after EMFILE). */
  onNote?: ((text: string) => void) | undefined
}

/**
 * Pure: the most connections one file may use. -c wins as given; otherwise the files running at once share
 * 16, floor(16 / min(jobs, files)) each, and a file's size may allow fewer (one per 4 MiB): the engine finds
 * its count within that.
 */
export function connectionsPerFile(input: {
  jobs: number
  files: number
  requested?: number | undefined
  size?: number | undefined
}): number {
  if (input.requested !== undefined) return input.requested
  const share = Math.max(1, Math.floor(MAX_BATCH_CONNECTIONS / Math.max(1, Math.min(input.jobs, input.files))))
  return connectionLimits(input.size ?? Number.POSITIVE_INFINITY, { ceiling: share }).max
}

/** Anything thrown that is not a DtdlError is a bug: the file fails with exit 1, the batch goes on. */
function asDtdlError(err: unknown): DtdlError {
  if (err instanceof DtdlError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new DtdlError('UNEXPECTED', ExitCode.unexpected, `unexpected error: ${message}`, { cause: err })
}

/**
 * A file skipped with no request (the sync state says it is unchanged, or --skip-existing found it) still
 * gets the SHA-256 it was given: that check needs only the local file, and must not pass silently.
 */
async function skipItem(item: BatchItem): Promise<DownloadResult['checked'] | undefined> {
  if (item.sha256 === undefined || item.target === undefined) return undefined
  await checkUpToDateSha256(item.target, item.sha256, item.sha256From, item.skip === 'up-to-date')
  return item.skip === 'up-to-date' ? ['size', 'sha256'] : ['sha256']
}

/** What the files of one running batch share: its options, the rate limiter, and where results go. */
interface BatchRun {
  options: BatchOptions
  limiter: RateLimiter | undefined
  /** Files without a known failure: they share the connection budget. */
  runnable: number
  emit: (e: BatchEvent) => void
  finish: (index: number, file: BatchFileResult) => void
  fail: (index: number, item: BatchItem, err: DtdlError, bytes?: number) => void
  descriptors: DescriptorGate
}

/** One file of the batch: skipped with no request, or downloaded; its result, or its failure, recorded. */
async function runItem(run: BatchRun, item: BatchItem, index: number): Promise<void> {
  const { options, emit, finish, fail } = run
  const label = item.path ?? item.dentryId
  if (item.skip) {
    const skip =
      item.skip === 'exists' ? ({ existing: true, skip: 'left-alone' } as const) : ({ skip: 'unchanged' } as const)
    await skipItem(item).then(
      (checked) =>
        finish(index, {
          path: item.path,
          spaceId: item.spaceId,
          dentryId: item.dentryId,
          status: 'skipped',
          bytes: item.size ?? 0,
          ...skip,
          ...(item.line !== undefined ? { line: item.line } : {}),
          ...(checked ? { checked } : {}),
          exitCode: ExitCode.ok,
        }),
      (err: unknown) => fail(index, item, asDtdlError(err), item.size ?? 0),
    )
    return
  }
  try {
    if (item.target === undefined) throw new DtdlError('UNEXPECTED', ExitCode.unexpected, `no target for ${label}`)
    await item.prepare?.()
    emit({ type: 'file-start', index, path: label, size: item.size })
    let calls = 0
    const counted = { ...item, getDownloadInfo: () => (calls++, options.getDownloadInfo(item)) }
    const r = await run.descriptors.run(() => downloadOne(run, counted, index, label))
    await item.onDone?.(r)
    finish(index, {
      path: item.path,
      spaceId: item.spaceId,
      dentryId: item.dentryId,
      status: r.upToDate ? 'skipped' : 'downloaded',
      ...(r.upToDate ? { skip: 'checked' as const } : r.replaced ? { replaced: true } : {}),
      bytes: r.bytes,
      ...(item.line !== undefined ? { line: item.line } : {}),
      checked: r.checked,
      downloadInfoCalls: calls,
      ...(r.upToDate ? {} : { connections: r.connections, peakConnections: r.peakConnections }),
      exitCode: ExitCode.ok,
    })
  } catch (err) {
    // An abort is not this file's failure: the whole batch stops (runBatch throws the abort reason).
    if (options.signal.aborted) return
    fail(index, item, asDtdlError(err), item.size ?? 0)
  }
}

/** One file through the engine, with the batch's shares: connections, rate, counters. */
function downloadOne(
  run: BatchRun,
  item: BatchItem & { getDownloadInfo: () => Promise<SignedSource> },
  index: number,
  label: string,
) {
  const { options, limiter, runnable, emit } = run
  return downloadFile({
    request: { spaceId: item.spaceId, dentryId: item.dentryId, version: null },
    getDownloadInfo: item.getDownloadInfo,
    target: item.target!,
    dispatcher: options.dispatcher,
    ...(options.connections !== undefined
      ? { connections: options.connections }
      : { maxConnections: connectionsPerFile({ jobs: options.jobs, files: runnable, size: item.size }) }),
    retries: options.retries,
    stallTimeoutMs: options.stallTimeoutMs,
    limiter,
    speedLimit: options.speedLimit,
    force: options.force,
    replace: item.replace,
    lockWaitMs: options.lockWaitMs,
    sha256: item.sha256,
    sha256From: item.sha256From,
    signal: options.signal,
    onEvent: (event) => emit({ type: 'file-event', index, path: label, event }),
    log: options.log,
    expectedSize: item.size,
    seenAbsent: item.seenAbsent,
    requests: options.requests,
  })
}

/**
 * Downloads every item, `jobs` at a time. A file's failure is recorded and the others go on; an abort
 * (Ctrl-C) lets the running files checkpoint, then throws the abort reason: partial files stay for a re-run.
 */
export async function runBatch(items: readonly BatchItem[], options: BatchOptions): Promise<BatchResult> {
  const started = performance.now()
  const emit = options.onEvent ?? (() => {})
  const results: (BatchFileResult | undefined)[] = new Array(items.length)
  const runnable = items.filter((i) => !i.error).length
  emit({ type: 'plan', files: items.length, bytes: items.reduce((n, i) => n + (i.size ?? 0), 0) })

  const finish = (index: number, file: BatchFileResult) => {
    results[index] = file
    emit({ type: 'file-done', index, file })
  }
  const fail = (index: number, item: BatchItem, err: DtdlError, bytes = 0) =>
    finish(index, {
      path: item.path,
      spaceId: item.spaceId,
      dentryId: item.dentryId,
      status: 'failed',
      bytes,
      ...(item.line !== undefined ? { line: item.line } : {}),
      error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) },
      exitCode: err.exitCode,
    })

  // Known failures are reported first, so they lead the output instead of hiding among the downloads.
  items.forEach((item, index) => {
    if (item.error) fail(index, item, item.error)
  })

  // One bucket for every file in flight: the cap is on the whole batch, however many files run.
  const limiter = options.limitRate ? new RateLimiter(options.limitRate) : undefined
  const descriptors = new DescriptorGate(Math.max(1, options.jobs), () =>
    options.onNote?.(
      'dtdl: this process ran out of open files (EMFILE): fewer files at a time from now on (raise the limit with `ulimit -n`, or lower -j or -c)',
    ),
  )
  const run: BatchRun = { options, limiter, runnable, emit, finish, fail, descriptors }
  await eachAtOnce(
    items,
    Math.max(1, options.jobs),
    async (item, index) => (item.error ? undefined : runItem(run, item, index)),
    options.signal,
  )
  if (options.signal.aborted) throw options.signal.reason

  const files = results.filter((r): r is BatchFileResult => r !== undefined)
  const exitCode = worstExitCode(files.map((f) => f.exitCode))
  return {
    ok: exitCode === ExitCode.ok,
    exitCode,
    files,
    summary: summarize(files, Math.round(performance.now() - started)),
  }
}
