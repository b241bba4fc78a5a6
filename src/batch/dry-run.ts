// --dry-run for `get -r` and `get -i`: what a run would do, per file, planned from listings alone.
import { ExitCode, type DtdlError, type ExitCodeValue } from '../errors.js'
import { type BatchItem } from './runner.js'
import { worstExitCode } from './results.js'
import type { SyncAction, SyncActionKind } from './sync-plan.js'

export type DryRunKind = SyncActionKind | 'fail'

export interface DryRunAction {
  action: DryRunKind
  /** -r: relative to `dir`; -i: the target path (null when none could be worked out). */
  path: string | null
  dentryId: string
  /** Remote size for fetches and skips, local size for deletes and keeps; null when unknown. */
  bytes: number | null
  reason: string
  line?: number
  error?: { code: string; message: string; exitCode: ExitCodeValue }
}

export interface DryRunResult {
  dryRun: true
  ok: boolean
  exitCode: ExitCodeValue
  dir?: string
  actions: DryRunAction[]
  /** Count per action, and the bytes that would be fetched (download + replace + check). */
  summary: Record<DryRunKind, number> & { bytes: number }
}

/** Pure: a sync action as a dry-run line. */
export const fromSyncAction = (a: SyncAction): DryRunAction => ({
  action: a.kind,
  path: a.relPath,
  dentryId: a.dentryId,
  bytes: a.size ?? null,
  reason: a.reason,
})

/** Pure: a batch item known to fail (bad line, unlisted folder, unsafe name) as a dry-run line. */
export function fromFailedItem(item: BatchItem & { error: DtdlError }): DryRunAction {
  return {
    action: 'fail',
    path: item.path,
    dentryId: item.dentryId,
    bytes: item.size ?? null,
    reason: item.error.message,
    ...(item.line !== undefined ? { line: item.line } : {}),
    error: { code: item.error.code, message: item.error.message, exitCode: item.error.exitCode },
  }
}

/** Pure: the dry run's result: counts, bytes to fetch, and the exit code the failures would give. */
export function dryRunResult(actions: DryRunAction[], dir: string | undefined): DryRunResult {
  const summary = { download: 0, replace: 0, check: 0, skip: 0, delete: 0, keep: 0, fail: 0, bytes: 0 }
  for (const a of actions) {
    summary[a.action]++
    if (a.action === 'download' || a.action === 'replace' || a.action === 'check') summary.bytes += a.bytes ?? 0
  }
  const exitCode = worstExitCode(actions.map((a) => a.error?.exitCode ?? ExitCode.ok))
  return {
    dryRun: true,
    ok: exitCode === ExitCode.ok,
    exitCode,
    ...(dir !== undefined ? { dir } : {}),
    actions,
    summary,
  }
}
