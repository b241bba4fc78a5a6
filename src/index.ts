// dtdl as a Node library: the same engine as the CLI, with typed options, events, an AbortSignal and thrown
// errors. Nothing here writes to stdout or stderr, exits the process or installs signal handlers.
import { runGet } from './tasks/get.js'
import { runBatchGet, type BatchGetResult } from './tasks/get-batch.js'
import { runInfo, type FileInfo } from './tasks/info.js'
import { runLs, type LsResult } from './tasks/ls.js'
import type { DownloadEvent } from './engine/download.js'
import type { GetResult } from './tasks/get.js'
import type { BatchEvent } from './batch/runner.js'
import { DtdlError, ExitCode, InterruptedError, UsageError } from './errors.js'
import { parseDentryLink, type DentryRef } from './dingtalk/dentry-ref.js'
import { refOf } from './dingtalk/connect.js'
import { onAbort } from './abort-fanout.js'

export { DtdlError, UsageError, ApiError, StorageError, NetworkError, IntegrityError, FileSystemError, InterruptedError, ExitCode } from './errors.js'
export type { ExitCodeValue } from './errors.js'
export type { DownloadEvent, DownloadResult } from './engine/download.js'
export type { BatchEvent, BatchFileResult, BatchSummary, FileStatus } from './batch/runner.js'
export type { BatchGetResult } from './tasks/get-batch.js'
export type { FileInfo } from './tasks/info.js'
export type { LsEntry, LsResult } from './tasks/ls.js'
export type { GetResult } from './tasks/get.js'
export type { RequestCounts, ApiKind } from './http/request-counter.js'

/** How the library finds the access token and the API. Unset fields follow the CLI's chain: env, then the config store. */
export interface ConnectionOptions {
  /** The operator's unionId (else DINGTALK_UNION_ID, else config `unionId`). */
  unionId?: string
  /** Or the operator's userid (looked up once on the oapi host, then cached), or mobile number. */
  userId?: string
  mobile?: string
  /** API base URL (else DTDL_ENDPOINT, else config `endpoint`, else https://api.dingtalk.com). */
  endpoint?: string
  /** A ready access token. Takes precedence over app credentials. */
  token?: string
  /** App credentials: dtdl mints a token and caches it in the config store (DTDL_CONFIG_DIR). */
  appKey?: string
  appSecret?: string
  /**
   * DingTalk API calls per second per API (0 = no pacing); else DTDL_API_QPS, else config `apiQps`, else 20.
   * One budget per call: every job of a batch shares it, and it slows down when DingTalk throttles.
   */
  apiQps?: number
  /** The environment to read settings from; default `process.env`. */
  env?: Record<string, string | undefined>
  /** Cancels the call: it rejects with a DtdlError whose exitCode is 130, keeping what was downloaded. */
  signal?: AbortSignal
}

/** Everything a library call reports while it runs: engine events, plus the steps and notes the CLI would print. */
export type LibraryEvent = DownloadEvent | { type: 'phase'; text: string } | { type: 'message'; text: string }

export interface DownloadOptions extends ConnectionOptions {
  /** The file by its ids; or give `link` instead. */
  spaceId?: string
  dentryId?: string
  /** A link copied from DingTalk (`https://alidocs.dingtalk.com/i/nodes/<dentryUuid>`) or a bare dentryUuid, resolved once and cached. */
  link?: string
  /** A file path, or an existing directory to save into under the file's own name. Default: the file's name in the current directory. */
  output?: string
  /** A file version (integer >= 1); default the current one. */
  version?: number
  /** Ask for intranet (true) or public (false) resource URLs; unset: the server's default. */
  preferIntranet?: boolean
  /**
   * Parallel connections, 1-16, fixed. Default: found while downloading: 4 to start (fewer for a small file),
   * doubled while doubling raises the rate, up to 16 and one per 4 MiB still to fetch; `peakConnections` in
   * the result says how far the search went, `connections` where it ended.
   */
  connections?: number
  /** Also check the whole file's SHA-256 (64 hex digits). */
  sha256?: string
  /** Overall speed cap in bytes per second. */
  limitRate?: number
  /** Replace an existing target that differs from the remote file. */
  force?: boolean
  /** Consecutive failures of one connection before giving up (default 5). */
  retries?: number
  /** Abort and retry a response silent this long (default 30 000 ms). */
  stallTimeoutMs?: number
  /** How long to wait for an archived file to be restored (default 600 000 ms). */
  archiveWaitMs?: number
  /** Create the output's missing parent directories (curl's --create-dirs); without it a missing directory is a FileSystemError. */
  createDirs?: boolean
  /** How long to wait for another dtdl writing the same target, in ms (default 3 600 000); 0 = fail at once with TARGET_BUSY. */
  lockWaitMs?: number
  /** Leave an existing target alone, unchecked (curl's --skip-existing): no API call when `output` names the file. */
  skipExisting?: boolean
  onEvent?: (event: LibraryEvent) => void
}

/**
 * Downloads one file, resumably and verified; resolves when it is complete at `result.path`.
 *
 * @example
 * ```ts
 * import { download } from 'dtdl'
 * const result = await download({ spaceId: '123456', dentryId: '7890123', unionId: 'abc', output: 'backups/', appKey, appSecret })
 * console.log(result.path, result.bytes, result.checked) // '/home/me/backups/db.tar' 1048576 ['size', 'crc64']
 * console.log(result.apiCalls.total, result.storageRequests) // 3 1 (token, dentry, download info; one GET)
 * ```
 * @throws {DtdlError} with `code` and `exitCode` (the CLI's exit codes); 130 when `signal` aborted it.
 */
export async function download(options: DownloadOptions): Promise<GetResult> {
  if (options.output === '-') throw new UsageError('the library writes files: give output a path', { code: 'BAD_OPTION' })
  const ref = toRef(options)
  return withContext(options, (ctx) =>
    runGet(
      {
        ref,
        output: options.output,
        unionId: options.unionId,
        userId: options.userId,
        mobile: options.mobile,
        endpoint: options.endpoint,
        apiQps: options.apiQps,
        version: options.version,
        preferIntranet: options.preferIntranet,
        connections: options.connections,
        ...tuning(options),
        sha256: options.sha256,
        limitRate: options.limitRate,
        force: options.force,
        createDirs: options.createDirs,
        lockWaitMs: options.lockWaitMs,
        skipExisting: options.skipExisting,
      },
      ctx,
    ),
  )
}

/** What a batch reports: the steps before it, then one event per file's progress. */
export type BatchLibraryEvent = BatchEvent | { type: 'phase'; text: string } | { type: 'message'; text: string }

export interface BatchOptions extends ConnectionOptions {
  /** Files at a time, 1-16 (default 4). */
  jobs?: number
  /** Connections per file, fixed; default found per file, at most floor(16 / jobs). */
  connections?: number
  preferIntranet?: boolean
  limitRate?: number
  force?: boolean
  retries?: number
  stallTimeoutMs?: number
  archiveWaitMs?: number
  /** SHA-256s in sha256sum's format: paths relative to the mirror (mirrorFolder) or the current directory (downloadList). */
  sha256File?: string
  /** Create missing parent directories of `output` (the mirror's own tree is always created). */
  createDirs?: boolean
  /** How long to wait for another dtdl writing the same target, in ms (default 3 600 000). */
  lockWaitMs?: number
  onEvent?: (event: BatchLibraryEvent) => void
}

export interface MirrorOptions extends BatchOptions {
  spaceId: string
  /** The folder's dentryId ("0" = the space root). */
  dentryId: string
  /** The directory the folder's contents go into (created if missing); default ./<folder name>. */
  output?: string
  /** Globs on the path inside the mirror (see the README); a file is taken if it matches any include (or none is given) and no exclude. */
  include?: string[]
  exclude?: string[]
  /** Remove local files an earlier run placed (named in the sync state) that are gone from the remote folder. */
  delete?: boolean
}

/**
 * Mirrors a folder's tree into a directory: every file through the same resumable, verified engine; files
 * already there and identical are skipped. Per-file failures are in `result.files`, not thrown.
 *
 * @example
 * ```ts
 * import { mirrorFolder } from 'dtdl'
 * const r = await mirrorFolder({ spaceId: '123456', dentryId: '4455', output: 'mirror/', exclude: ['*.tmp'] })
 * if (!r.ok) process.exitCode = r.exitCode // r.files lists what failed and why
 * ```
 */
export async function mirrorFolder(options: MirrorOptions): Promise<BatchGetResult> {
  return runBatch(options, { kind: 'folder', spaceId: options.spaceId, dentryId: options.dentryId }, options.output, { include: options.include ?? [], exclude: options.exclude ?? [] }, { delete: options.delete })
}

export interface ListOptions extends BatchOptions {
  /** The files, or the text of an input file (`<spaceId> <dentryId> [output]` per line, as `dtdl get -i`). */
  files: { spaceId: string; dentryId: string; output?: string; /** Checked on every path, also when the file is already up to date. */ sha256?: string }[] | string
  /** Base directory for relative outputs (created when `createDirs` is set). */
  output?: string
  /** Leave files that already exist alone, unchecked: no API call for a line whose output names the file. */
  skipExisting?: boolean
}

/**
 * Downloads a list of files as one batch (`dtdl get -i`). Per-file failures are in `result.files`.
 *
 * @example
 * ```ts
 * import { downloadList } from 'dtdl'
 * const r = await downloadList({ files: [{ spaceId: '1', dentryId: '2' }, { spaceId: '1', dentryId: '3', output: 'b.pdf' }], output: 'downloads/' })
 * console.log(r.summary) // { downloaded: 2, skipped: 0, failed: 0, bytes: ..., durationMs: ... }
 * ```
 */
export async function downloadList(options: ListOptions): Promise<BatchGetResult> {
  const text = typeof options.files === 'string' ? options.files : options.files.map(toInputLine).join('\n')
  return runBatch(options, { kind: 'text', text }, options.output, { include: [], exclude: [] }, { skipExisting: options.skipExisting })
}

/**
 * A file's metadata and its download info (signed URLs and headers masked unless `showSecrets`).
 *
 * @example
 * ```ts
 * import { getFileInfo } from 'dtdl'
 * const info = await getFileInfo({ spaceId: '123456', dentryId: '7890123' })
 * console.log(info.name, info.size, info.download?.region)
 * ```
 */
export async function getFileInfo(options: ConnectionOptions & { spaceId: string; dentryId: string; version?: number; preferIntranet?: boolean; showSecrets?: boolean; onEvent?: (event: LibraryEvent) => void }): Promise<FileInfo> {
  return withContext(options, (ctx) => runInfo({ ...options }, ctx))
}

/**
 * A folder's entries (the space root when `folderId` is omitted), or its whole tree with `recursive`.
 *
 * @example
 * ```ts
 * import { listFolder } from 'dtdl'
 * const { entries, apiCalls } = await listFolder({ spaceId: '123456', folderId: '4455', recursive: true })
 * for (const e of entries) console.log(e.type, e.path, e.size)
 * console.log(apiCalls.list) // list pages fetched
 * ```
 */
export async function listFolder(options: ConnectionOptions & { spaceId: string; folderId?: string; recursive?: boolean; onEvent?: (event: LibraryEvent) => void }): Promise<LsResult> {
  return withContext(options, (ctx) => runLs({ spaceId: options.spaceId, folderId: options.folderId, recursive: Boolean(options.recursive), unionId: options.unionId, userId: options.userId, mobile: options.mobile, endpoint: options.endpoint, apiQps: options.apiQps }, ctx))
}

function toInputLine(file: { spaceId: string; dentryId: string; output?: string; sha256?: string }): string {
  if (/[\s]/.test(file.spaceId + file.dentryId + (file.sha256 ?? '')) || /[\r\n]/.test(file.output ?? '')) {
    throw new UsageError('a file of the list has whitespace in its ids or SHA-256, or a line break in its output', { code: 'BAD_OPTION' })
  }
  const line = [file.spaceId, file.dentryId, ...(file.output !== undefined ? [JSON.stringify(file.output)] : [])].join(' ')
  // The input file's own per-entry option line: a bad hash fails that file, as in `dtdl get -i`.
  return file.sha256 === undefined ? line : `${line}\n  sha256=${file.sha256}`
}

async function runBatch(
  options: BatchOptions,
  source: Parameters<typeof runBatchGet>[0]['source'],
  output: string | undefined,
  filters: { include: string[]; exclude: string[] },
  extra: { delete?: boolean | undefined; skipExisting?: boolean | undefined } = {},
): Promise<BatchGetResult> {
  return withContext(options, (ctx) =>
    runBatchGet(
      {
        source,
        output,
        filters,
        jobs: options.jobs,
        connections: options.connections,
        unionId: options.unionId,
        userId: options.userId,
        mobile: options.mobile,
        endpoint: options.endpoint,
        apiQps: options.apiQps,
        preferIntranet: options.preferIntranet,
        ...tuning(options),
        limitRate: options.limitRate,
        force: Boolean(options.force),
        sha256File: options.sha256File,
        createDirs: options.createDirs,
        lockWaitMs: options.lockWaitMs,
        ...extra,
      },
      {
        ...ctx,
        reporter: { ...ctx.reporter, finish: () => {} },
        readStdin: () => Promise.reject(new UsageError('the library reads no stdin: pass the list as files', { code: 'BAD_OPTION' })),
        openProgress: async () => ({ note: ctx.reporter.note, event: (e: BatchEvent) => options.onEvent?.(e), finish: () => {} }),
      },
    ),
  )
}

/** The file a library call names: a link or dentryUuid, or the two ids (a usage error when neither is complete). */
function toRef(options: { spaceId?: string | undefined; dentryId?: string | undefined; link?: string | undefined }): DentryRef {
  if (options.link !== undefined) {
    const dentryUuid = parseDentryLink(options.link)
    if (dentryUuid === undefined) throw new UsageError(`not a DingTalk link or dentryUuid: ${JSON.stringify(options.link)}`, { code: 'BAD_LINK', hint: 'give the address of the file from the browser bar, or spaceId + dentryId' })
    return { kind: 'uuid', dentryUuid }
  }
  return refOf(options)
}

/** The engine's patience, with the CLI's defaults: what `--retries`, `--stall-timeout` and `--archive-wait` set there. */
function tuning(options: { retries?: number; stallTimeoutMs?: number; archiveWaitMs?: number }) {
  return { retries: options.retries ?? 5, stallTimeoutMs: options.stallTimeoutMs ?? 30_000, archiveWaitMs: options.archiveWaitMs ?? 600_000 }
}

interface LibraryContext {
  env: Record<string, string | undefined>
  signal: AbortSignal
  reporter: { phase(text: string): void; note(text: string): void; event(e: DownloadEvent): void }
}

/**
 * Runs a core call with the library's edges: settings from the options over the environment, events to
 * `onEvent`, the caller's signal turned into an interruption, and every failure a DtdlError.
 */
async function withContext<T>(options: ConnectionOptions & { onEvent?: ((event: never) => void) | undefined }, body: (ctx: LibraryContext) => Promise<T>): Promise<T> {
  const onEvent = options.onEvent as ((e: LibraryEvent) => void) | undefined
  const controller = new AbortController()
  const abort = () => controller.abort(new InterruptedError('SIGINT', { cause: options.signal?.reason }))
  if (options.signal?.aborted) abort()
  // A caller may run many downloads on one signal: one listener on it for all of them (abort-fanout).
  const forget = options.signal ? onAbort(options.signal, abort) : () => {}
  const ctx: LibraryContext = {
    env: libraryEnv(options),
    signal: controller.signal,
    reporter: {
      phase: (text) => onEvent?.({ type: 'phase', text }),
      note: (text) => onEvent?.({ type: 'message', text }),
      event: (e) => onEvent?.(e),
    },
  }
  try {
    return await body(ctx)
  } catch (err) {
    if (controller.signal.aborted) throw controller.signal.reason
    if (err instanceof DtdlError) throw err
    throw new DtdlError('UNEXPECTED', ExitCode.unexpected, `unexpected error: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  } finally {
    forget()
  }
}

/** The environment the settings chain reads: the caller's credentials, when given, replace those of the environment. */
function libraryEnv(options: ConnectionOptions): Record<string, string | undefined> {
  const env = { ...(options.env ?? process.env) }
  if (options.token !== undefined || options.appKey !== undefined || options.appSecret !== undefined) {
    delete env.DINGTALK_ACCESS_TOKEN
    delete env.DINGTALK_APP_KEY
    delete env.DINGTALK_APP_SECRET
  }
  if (options.token !== undefined) env.DINGTALK_ACCESS_TOKEN = options.token
  if (options.appKey !== undefined) env.DINGTALK_APP_KEY = options.appKey
  if (options.appSecret !== undefined) env.DINGTALK_APP_SECRET = options.appSecret
  return env
}
