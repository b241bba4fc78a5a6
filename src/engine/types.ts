// What the engine takes and gives: its options, its events and its result, as plain data.
import type { Dispatcher } from 'undici'
import type { HttpLogger } from '../http/dispatcher.js'
import type { RateLimiter } from './rate-limiter.js'
import type { RequestIdentity } from './resume-record.js'
import type { RequestCounter } from '../http/request-counter.js'
import type { SignedSource } from './signed-url-source.js'
import type { SpeedLimit } from './resource-fetcher.js'

export type DownloadEvent =
  /** `connections` to start with; `maxConnections` when more will be tried (the count is being found). */
  | {
      type: 'start'
      size: number
      resumedBytes: number
      connections: number
      maxConnections?: number
      etag: string | null
      crc64: string | null
      region: string
      hosts: string[]
    }
  | { type: 'progress'; receivedBytes: number; completedBytes: number; size: number }
  | { type: 'retry'; reason: string; attempt: number; delayMs: number }
  | { type: 'refresh'; reason: string }
  | { type: 'note'; message: string }
  | { type: 'verify'; check: 'crc64' | 'sha256' | 'existing' }
  /**
   * The connection count is being found (no fixed count): the aggregate rate measured over a window at
   * `measured.connections`, and what was done about it. `connections` is the count from now on.
   */
  | {
      type: 'connections'
      action: 'add' | 'hold' | 'remove'
      connections: number
      measured: { connections: number; bytesPerSecond: number; loopBusy: number }
    }
  /** Another dtdl holds the target's claim: this one waits (see target-claim.ts). Worth a line even in a batch. */
  | { type: 'waiting'; message: string }

export interface DownloadOptions {
  /** What to fetch; `version: null` means the current version. */
  request: RequestIdentity
  /** Fetches (fresh) download info: called once at the start and again whenever the signature expires. */
  getDownloadInfo: () => Promise<SignedSource>
  /** The final path. The partial file and resume record live beside it until the rename. */
  target: string
  dispatcher: Dispatcher
  /** 1..16, fixed; undefined finds the count while downloading (see connection-count.ts). */
  connections?: number | undefined
  /** Without `connections`: the most the found count may reach (a batch's share of its budget). Default 16. */
  maxConnections?: number | undefined
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
  /**
   * --speed-limit / --speed-time (curl's -Y / -y): a slower connection is restarted, a slower transfer stopped (exit
   * 28).
   */
  speedLimit?: SpeedLimit | undefined
  /** A cap shared with other downloads (a batch); wins over limitRate. */
  limiter?: RateLimiter | undefined
  /** Replace an existing, different target (atomically, once the new file is verified). */
  force?: boolean | undefined
  /**
   * The caller knows dtdl placed the target (the sync state): replace it if it differs, provided it is still
   * the same file when the new one is ready (else it is left alone: TARGET_CHANGED).
   */
  replace?: boolean | undefined
  /**
   * How long to wait for another dtdl writing the same target, in ms (default: the declaration's lockWaitMs,
   * config/options.ts); 0 = fail at once.
   */
  lockWaitMs?: number | undefined
  signal?: AbortSignal | undefined
  onEvent?: ((event: DownloadEvent) => void) | undefined
  log?: HttpLogger | undefined
  /**
   * Least time between resume-record updates, in ms (default 100). The real interval adapts: at least
   * twice the last fsync's duration, so checkpoints never keep the disk busy for long.
   */
  checkpointIntervalMs?: number | undefined
  /** The size the listing gave: a small file is then fetched with one GET, no probe (see small-file.ts). */
  expectedSize?: number | undefined
  /**
   * The caller saw the target's folder missing or empty when it planned (a mirror's first run): there is no
   * target and no resume record to look for, and a small file goes straight to its GET. Another dtdl writing
   * there meanwhile is kept apart by the claim; a file put there meanwhile is left alone (TARGET_APPEARED).
   */
  seenAbsent?: boolean | undefined
  /** Counts every storage request sent (the run's counter, see dingtalk/connect.ts). */
  requests?: RequestCounter | undefined
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
  /** Present (true) when the new file replaced one that was at the target (a changed file, or --force). */
  replaced?: boolean
  resumedBytes: number
  retries: number
  urlRefreshes: number
  /** The connection count in effect at the end: the fixed one, or the one found (0 when nothing was fetched). */
  connections: number
  /** The most connections open at once (equal to `connections` unless the count was found and changed). */
  peakConnections: number
  durationMs: number
}

/** What the first response (the 1-byte probe, or a small file's one GET) says about the object. */
export interface RemoteObject {
  size: number
  etag: string | null
  /** The whole object's CRC-64, or null when the server sends none (or a malformed one). */
  crc: bigint | null
  /** The CRC-64 header as sent, when it was not a CRC-64: said so, not taken for absent. */
  crcMalformed: string | null
  /**
   * What proves a later response is this same object (remote.ts validatorOf); null when the server offers
   * none: then the file comes from one response on one connection, and does not resume across runs.
   */
  validator: string | null
  /** The host answered the Range probe with the whole object. */
  rangeIgnored: boolean
}
