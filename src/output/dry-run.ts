// --dry-run renderings: one line per file (stdout) and one summary line (stderr).
import type { DryRunAction, DryRunResult } from '../batch/dry-run.js'
import { terminalSafe } from './terminal-text.js'
import { formatBytes } from './format.js'

const WORD: Record<DryRunAction['action'], string> = {
  download: 'download',
  replace: 'replace',
  check: 'check',
  skip: 'skip',
  delete: 'delete',
  keep: 'keep',
  fail: 'fail',
}

/** Pure: "download  12.0 KiB  docs/a.txt  (new)"; control characters in names are shown as escapes. */
export function describeDryRunAction(a: DryRunAction): string {
  const where = a.path ?? (a.line !== undefined ? `line ${a.line}` : a.dentryId)
  const size = a.bytes === null ? '?' : formatBytes(a.bytes)
  return `${WORD[a.action].padEnd(8)}  ${size.padStart(10)}  ${terminalSafe(where)}  (${terminalSafe(a.reason)})`
}

/** Pure: the end line of a dry run. */
export function describeDryRunSummary(r: DryRunResult): string {
  const s = r.summary
  const parts = [
    `${s.download} to download`,
    `${s.replace} to replace`,
    `${s.check} to check`,
    `${s.skip} up to date`,
    `${s.delete} to delete`,
  ]
  if (s.keep > 0) parts.push(`${s.keep} kept`)
  if (s.fail > 0) parts.push(`${s.fail} failing`)
  return `dry run: ${parts.join(', ')}; up to ${formatBytes(s.bytes)} to fetch; nothing was downloaded or written`
}
