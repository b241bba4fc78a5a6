// The library's options and events, as callers see them. Every option's range and default come from the one
// declaration (config/options.ts), and test/unit/options.test.ts holds these names to it.
import type { DownloadEvent } from '../engine/download.js'
import type { BatchEvent } from '../batch/results.js'

/**
 * How the library finds the access token and the API. Unset fields follow the CLI's chain: env, then the config store.
 */
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
  /**
   * The most DingTalk API calls this call may send (else DTDL_MAX_API_CALLS, else config `maxApiCalls`, else
   * no cap). Reaching it rejects with an `ApiBudgetError` (`code` MAX_API_CALLS, `exitCode` 8) after what was
   * finished is kept (a mirror's state saved): the next call goes on from there.
   */
  maxApiCalls?: number
  /** The environment to read settings from; default `process.env`. */
  env?: Record<string, string | undefined>
  /** Cancels the call: it rejects with a DtdlError whose exitCode is 130, keeping what was downloaded. */
  signal?: AbortSignal
}

/** Everything a library call reports while it runs: engine events, plus the steps and notes the CLI would print. */
export type LibraryEvent = DownloadEvent | { type: 'phase'; text: string } | { type: 'message'; text: string }

/** How every file is fetched: the options download(), mirrorFolder() and downloadList() share. */
export interface TransferOptions extends ConnectionOptions {
  /** Ask for intranet (true) or public (false) resource URLs; unset: the server's default. */
  preferIntranet?: boolean
  /**
   * Parallel connections per file, 1-16, fixed. Default: found while downloading: 4 to start (fewer for a small
   * file), doubled while doubling raises the rate, up to 16 and one per 4 MiB still to fetch (in a batch at most
   * floor(16 / jobs)); `peakConnections` in the result says how far the search went, `connections` where it ended.
   */
  connections?: number
  /** Overall speed cap in bytes per second (a batch's: shared by every file in flight); 0 or absent: none. */
  limitRate?: number
  /**
   * Fail with exit code 28 (`TOO_SLOW`) when a file's transfer stays below this many bytes per second for `speedTimeMs`
   * (curl's -Y).
   */
  speedLimit?: number
  /** How long a transfer may stay below `speedLimit`, in ms (default 30 000). */
  speedTimeMs?: number
  /** Give up a connection attempt after this long, in ms (default 10 000; it is retried). */
  connectTimeoutMs?: number
  /** Replace an existing target that differs from the remote file. */
  force?: boolean
  /** Failures in a row of a connection or an API call before giving up (default 5). */
  retries?: number
  /** Abort and retry an answer silent this long (default 30 000 ms). */
  stallTimeoutMs?: number
  /** How long to wait for an archived file to be restored (default 600 000 ms). */
  archiveWaitMs?: number
  /**
   * Create the output's missing parent directories (curl's --create-dirs); without it a missing directory is a
   * FileSystemError.
   */
  createDirs?: boolean
  /**
   * How long to wait for another dtdl writing the same target, in ms (default 3 600 000); 0 = fail at once with
   * TARGET_BUSY.
   */
  lockWaitMs?: number
}

export interface DownloadOptions extends TransferOptions {
  /** The file by its ids; or give `link` instead. */
  spaceId?: string
  dentryId?: string
  /**
   * A link copied from DingTalk (`https://alidocs.dingtalk.com/i/nodes/<dentryUuid>`) or a bare dentryUuid, resolved
   * once and cached.
   */
  link?: string
  /**
   * A file path, or an existing directory to save into under the file's own name. Default: the file's name in the
   * current directory.
   */
  output?: string
  /** A file version (integer >= 1); default the current one. */
  version?: number
  /** Also check the whole file's SHA-256 (64 hex digits). */
  sha256?: string
  /** Leave an existing target alone, unchecked (curl's --skip-existing): no API call when `output` names the file. */
  skipExisting?: boolean
  onEvent?: (event: LibraryEvent) => void
}

/** What a batch reports: the steps before it, then one event per file's progress. */
export type BatchLibraryEvent = BatchEvent | { type: 'phase'; text: string } | { type: 'message'; text: string }

export interface BatchOptions extends TransferOptions {
  /** Files at a time, 1-16 (default 4). */
  jobs?: number
  /**
   * SHA-256s in sha256sum's format: paths relative to the mirror (mirrorFolder) or the current directory
   * (downloadList).
   */
  sha256File?: string
  onEvent?: (event: BatchLibraryEvent) => void
}

export interface MirrorOptions extends BatchOptions {
  spaceId: string
  /** The folder's dentryId ("0" = the space root). */
  dentryId: string
  /** The directory the folder's contents go into (created if missing); default ./<folder name>. */
  output?: string
  /**
   * Globs on the path inside the mirror (see the README); a file is taken if it matches any include (or none is given)
   * and no exclude.
   */
  include?: string[]
  exclude?: string[]
  /** Remove local files an earlier run placed (named in the sync state) that are gone from the remote folder. */
  delete?: boolean
}

export interface ListOptions extends BatchOptions {
  /** The files, or the text of an input file (`<spaceId> <dentryId> [output]` per line, as `dtdl get -i`). */
  files:
    | {
        spaceId: string
        dentryId: string
        output?: string
        /** Checked on every path, also when the file is already up to date. */ sha256?: string
      }[]
    | string
  /** Base directory for relative outputs (created when `createDirs` is set). */
  output?: string
  /** Leave files that already exist alone, unchecked: no API call for a line whose output names the file. */
  skipExisting?: boolean
}
