// What a batch reports: each file's result, the summary of them all, and the batch's exit code (pure).
import type { DownloadEvent, DownloadResult } from '../engine/download.js'
import { ExitCode, type ExitCodeValue } from '../errors.js'

export type FileStatus = 'downloaded' | 'skipped' | 'failed' | 'deleted'
export type SkipKind = 'unchanged' | 'checked' | 'left-alone'

export interface BatchFileResult {
  path: string | null
  spaceId: string
  dentryId: string
  status: FileStatus
  /** The file's size (downloaded or already there); 0 when it failed before the size was known. */
  bytes: number
  line?: number
  /** What was verified, for downloaded and skipped files: size, crc64 when the server sent one, sha256 when given. */
  checked?: DownloadResult['checked']
  /** --skip-existing: skipped because the target exists (not checked against the remote). */
  existing?: boolean
  /**
   * Why a file was skipped: `unchanged` (the sync state shows it unchanged: no call at all), `checked` (found
   * identical to the remote by a probe, at the cost of `downloadInfoCalls`), `left-alone` (--skip-existing: not
   * checked).
   */
  skip?: SkipKind
  /** A downloaded file that replaced the one at its target (changed remotely or locally, or --force). */
  replaced?: boolean
  /** Download-info calls this file asked for (1, plus one per signature refresh); for files the engine ran. */
  downloadInfoCalls?: number
  /** A downloaded file's connection count at the end (fixed, or found) and the most open at once. */
  connections?: number
  peakConnections?: number
  error?: { code: string; message: string; hint?: string }
  exitCode: ExitCodeValue
}

export interface BatchSummary {
  /** Every file downloaded, `replaced` ones included. */
  downloaded: number
  /** Of `downloaded`, the files that replaced one at their target. */
  replaced: number
  /** Every file skipped: `unchanged` + `checked` + `leftAlone`. */
  skipped: number
  /** Skipped with no call at all: the sync state shows them unchanged. */
  unchanged: number
  /** Found identical to the remote by a probe (size and CRC-64), which cost `checkedCalls` download-info calls. */
  checked: number
  checkedCalls: number
  /** --skip-existing left them alone, unchecked. */
  leftAlone: number
  failed: number
  /** --delete: files removed because they are gone from the remote. */
  deleted: number
  /** Bytes of the files downloaded this run (skipped files not counted). */
  bytes: number
  durationMs: number
}

export interface BatchResult {
  ok: boolean
  exitCode: ExitCodeValue
  files: BatchFileResult[]
  summary: BatchSummary
}

/**
 * The batch's exit code is its worst file's, by this severity (not by number): an interruption, then
 * corrupted data (6), the local disk (7), the network or server (5), permission (3), not found (4), bad
 * input (2), a bug (1). The first things on the list are the ones a script most needs to react to.
 */
const SEVERITY: readonly number[] = [
  ExitCode.interrupted,
  ExitCode.terminated,
  ExitCode.integrity,
  ExitCode.fileSystem,
  ExitCode.remote,
  ExitCode.auth,
  ExitCode.notFound,
  ExitCode.usage,
  ExitCode.unexpected,
]

/** Pure: the exit code of a batch from its files' exit codes (0 when all went well). */
export function worstExitCode(codes: readonly ExitCodeValue[]): ExitCodeValue {
  for (const code of SEVERITY) if (codes.includes(code as ExitCodeValue)) return code as ExitCodeValue
  return ExitCode.ok
}

/** Pure: counts and bytes of the finished files. */
export function summarize(files: readonly BatchFileResult[], durationMs: number): BatchSummary {
  const count = (s: FileStatus) => files.filter((f) => f.status === s).length
  const skipped = (k: SkipKind) => files.filter((f) => f.status === 'skipped' && f.skip === k)
  const bytes = files.filter((f) => f.status === 'downloaded').reduce((n, f) => n + f.bytes, 0)
  const checked = skipped('checked')
  return {
    downloaded: count('downloaded'),
    replaced: files.filter((f) => f.status === 'downloaded' && f.replaced).length,
    skipped: count('skipped'),
    unchanged: skipped('unchanged').length,
    checked: checked.length,
    checkedCalls: checked.reduce((n, f) => n + (f.downloadInfoCalls ?? 0), 0),
    leftAlone: skipped('left-alone').length,
    failed: count('failed'),
    deleted: count('deleted'),
    bytes,
    durationMs,
  }
}

/** Plain data for whoever draws progress (see batch-progress.ts). */
export type BatchEvent =
  | { type: 'plan'; files: number; bytes: number }
  | { type: 'file-start'; index: number; path: string; size: number | undefined }
  | { type: 'file-event'; index: number; path: string; event: DownloadEvent }
  | { type: 'file-done'; index: number; file: BatchFileResult }
  /** --delete, after the downloads: a file removed (status `deleted`) or that could not be (`failed`). */
  | { type: 'delete-done'; file: BatchFileResult }
