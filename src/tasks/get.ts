// One file by its ids: settings → token → target path → download engine (or a stream to stdout); the core of `dtdl
// get`.
import { crc64Implementation } from '../crc64/crc64.js'
import { downloadFile, type DownloadEvent, type DownloadResult } from '../engine/download.js'
import { streamFile } from '../engine/download.js'
import { namedTarget, resolveTargetPath } from '../disk/paths.js'
import { stat } from 'node:fs/promises'
import {
  connectApi,
  lookupRemoteName,
  refOf,
  signedDownloadInfo,
  type ApiContext,
  type ApiFlags,
  type StepReporter,
} from '../dingtalk/connect.js'
import type { DentryRef } from '../dingtalk/dentry-ref.js'
import { UsageError } from '../errors.js'
import type { SpeedLimit } from '../engine/resource-fetcher.js'
import { numberDefault } from '../config/options.js'
import type { Writable } from 'node:stream'
import { RequestCounter, type RequestCounts } from '../http/request-counter.js'

export interface GetOptions extends ApiFlags {
  /** The file: `ref` (a link's dentryUuid, or the ids), or spaceId + dentryId. */
  spaceId?: string | undefined
  dentryId?: string | undefined
  ref?: DentryRef | undefined
  output?: string | undefined
  unionId?: string | undefined
  endpoint?: string | undefined
  /** Calls per second per DingTalk API (0 = no pacing); default from env/config, else 20. */
  apiQps?: number | undefined
  version?: number | undefined
  preferIntranet?: boolean | undefined
  connections?: number | undefined
  retries?: number | undefined
  stallTimeoutMs?: number | undefined
  archiveWaitMs?: number | undefined
  sha256?: string | undefined
  limitRate?: number | undefined
  /** --speed-limit in bytes per second, and --speed-time in ms (see engine/resource-fetcher.ts). */
  speedLimit?: number | undefined
  speedTimeMs?: number | undefined
  force?: boolean | undefined
  /** --connect-timeout in ms (undici's default 10 s when absent). */
  connectTimeoutMs?: number | undefined
  /** Also find out the version downloaded when nothing else asks the server (--json): one more API call. */
  reportVersion?: boolean | undefined
  /** --create-dirs: make missing directories of the target (else a missing one is FS_ENOENT). */
  createDirs?: boolean | undefined
  /** How long to wait for another dtdl writing the same target (ms). */
  lockWaitMs?: number | undefined
  /** Leave an existing target alone, unchecked: no API call at all when `output` names the file. */
  skipExisting?: boolean | undefined
}

/**
 * What `get` of one file reports: the engine's result (or `existing: true` when --skip-existing left the target alone),
 * the version fetched (null when unknown or nothing was fetched), and what the run cost.
 */
export type GetResult = DownloadResult & RequestCounts & { existing?: true; version: number | null }

/** The shell's edges for one file: the API context, engine events, and where `-o -` writes the bytes. */
export interface CommandContext extends ApiContext {
  reporter: StepReporter & { event(e: DownloadEvent): void }
  /** Absent for library callers, who save to files. */
  stdout?: Writable | undefined
}

export async function runGet(options: GetOptions, ctx: CommandContext): Promise<GetResult> {
  const started = performance.now()
  // Before settings and credentials: an -o naming an existing file needs nothing from DingTalk.
  const named = options.skipExisting ? await namedTarget(options.output) : undefined
  const early = named === undefined ? undefined : await existingResult(named, started, new RequestCounter())
  if (early) return early
  ctx.reporter.phase('resolving credentials')
  const connected = await connectApi(ctx, options, options)
  const { api, dispatcher, requests } = connected
  // --verbose says which CRC-64 runs: the native addon is optional, and a slow verify is the first question.
  if (ctx.log)
    ctx.reporter.note(
      `CRC-64: ${{ native: 'native addon (carry-less multiplication)', wasm: 'WebAssembly', js: 'JavaScript' }[crc64Implementation]}`,
    )
  try {
    const unionId = await connected.unionId()
    if (options.ref?.kind === 'uuid') ctx.reporter.phase('resolving the link')
    const { spaceId, dentryId } = await connected.resolve(refOf(options))
    // What the name lookup learns (a file, its name) explains a later refusal of download info.
    const seen: { knownFile?: boolean; name?: string; version?: number } = {}
    const fetchInfo = signedDownloadInfo(api, unionId, options.preferIntranet, options.version)
    const getDownloadInfo = () => fetchInfo({ spaceId, dentryId, knownFile: seen.knownFile, name: seen.name })
    const common = {
      request: { spaceId, dentryId, version: options.version ?? null },
      getDownloadInfo,
      dispatcher,
      retries: options.retries,
      stallTimeoutMs: options.stallTimeoutMs,
      sha256: options.sha256,
      limitRate: options.limitRate,
      speedLimit: speedLimitOf(options),
      signal: connected.signal,
      onEvent: (e: DownloadEvent) => ctx.reporter.event(e),
      log: ctx.log,
      requests,
    }
    if (options.output === '-') {
      ctx.reporter.phase('getting download info')
      if (!ctx.stdout) throw new UsageError('-o - needs a stream to write to', { code: 'BAD_OPTION' })
      return {
        ...(await streamFile({ ...common, out: ctx.stdout })),
        version: options.version ?? null,
        ...requests.snapshot(),
      }
    }
    ctx.reporter.phase('looking up the file')
    const lookup = () => lookupRemoteName(api, spaceId, dentryId, unionId, seen)
    const target = await resolveTargetPath(options.output, dentryId, lookup, { createDirs: options.createDirs })
    // --json reports the version downloaded: the one asked for, else the current one the file's details name.
    if (options.version === undefined && seen.version === undefined && seen.name === undefined && options.reportVersion)
      await lookup()
    const version = options.version ?? seen.version ?? null
    if (target.usedFallbackName) {
      ctx.reporter.note(
        `the app may not read file details (Storage.File.Read), so the file is saved under its dentryId: ${target.path}`,
      )
    }
    const existing = options.skipExisting ? await existingResult(target.path, started, requests) : undefined
    if (existing) return existing
    ctx.reporter.phase('getting download info')
    const result = await downloadFile({
      ...common,
      target: target.path,
      connections: options.connections,
      force: options.force,
      lockWaitMs: options.lockWaitMs,
    })
    return { ...result, version, ...requests.snapshot() }
  } finally {
    // Nothing is in flight any more; destroy rather than close so a failed run exits at once.
    await dispatcher.destroy().catch(() => {})
  }
}

/** --skip-existing: the result for a target that is already there (whatever it holds), or undefined. */
async function existingResult(path: string, started: number, requests: RequestCounter): Promise<GetResult | undefined> {
  const s = await stat(path).catch(() => undefined)
  if (!s) return undefined
  const durationMs = Math.round(performance.now() - started)
  return {
    path,
    bytes: s.size,
    etag: null,
    crc64: null,
    checked: [],
    upToDate: false,
    existing: true,
    version: null,
    resumedBytes: 0,
    retries: 0,
    urlRefreshes: 0,
    connections: 0,
    peakConnections: 0,
    durationMs,
    ...requests.snapshot(),
  }
}

/** --speed-limit and --speed-time as the engine takes them: either one sets both (curl's defaults: 1 B/s, 30 s). */
export function speedLimitOf(options: {
  speedLimit?: number | undefined
  speedTimeMs?: number | undefined
}): SpeedLimit | undefined {
  if (options.speedLimit === undefined) return undefined
  return { bytesPerSecond: options.speedLimit, seconds: (options.speedTimeMs ?? numberDefault('speedTimeMs')) / 1000 }
}
