// Drawing a batch's progress on stderr: an overall bar plus one per active file on a terminal, plain lines elsewhere.
import type { Writable } from 'node:stream'
import type { BatchEvent, BatchFileResult, BatchResult, SkipKind } from '../batch/results.js'
import { formatBytes, formatDuration, formatSpeed } from './format.js'
import { displayWidth, layoutLine } from './line-layout.js'
import { percentOf, RateMeter, type ProgressMode } from './progress.js'
import { secrets } from '../redact.js'
import { terminalSafe } from './terminal-text.js'

export interface BatchProgressOptions {
  mode: ProgressMode
  stream: Writable
  /** --no-progress: keep the per-file lines, drop the bars and the periodic overall lines. */
  showProgress: boolean
  /** -v: every file gets its line, unchanged ones too (also under -q). */
  verbose?: boolean | undefined
  plainIntervalMs?: number | undefined
}

export interface BatchProgress {
  event(e: BatchEvent): void
  /** A line for people, above any bars. */
  note(text: string): void
  /** Clears live output. */
  finish(): void
}

/** Running totals both renderers draw from. */
class Tally {
  files = 0
  bytes = 0
  finished = 0
  /** Bytes of finished files plus what active files have so far. */
  readonly active = new Map<number, number>()
  doneBytes = 0
  plan(files: number, bytes: number) {
    this.files = files
    this.bytes = bytes
  }
  progress(index: number, completed: number) {
    this.active.set(index, completed)
  }
  done(index: number, file: BatchFileResult) {
    this.active.delete(index)
    this.finished++
    if (file.status !== 'failed') this.doneBytes += file.bytes
  }
  get completedBytes() {
    let n = this.doneBytes
    for (const v of this.active.values()) n += v
    return n
  }
  get counter() {
    return `${this.finished}/${this.files}`
  }
}

const SKIPPED_AS: Record<SkipKind, string> = {
  unchanged: 'unchanged (no call)',
  checked: 'checked, up to date',
  'left-alone': 'exists, left alone (--skip-existing)',
}

/** Pure: the one line a finished file gets; `resumedBytes`: what an earlier run had fetched of it. */
export function describeFileResult(file: BatchFileResult, resumedBytes = 0): string {
  // An input line's failure already says "line N: ..." in its message.
  const where = file.path ?? (file.line === undefined ? file.dentryId : undefined)
  if (file.status === 'failed')
    return `failed: ${where === undefined ? '' : `${where}: `}${file.error?.message ?? 'unknown error'}${file.error?.hint ? ` (hint: ${file.error.hint})` : ''}`
  const what =
    file.status === 'skipped'
      ? SKIPPED_AS[file.skip ?? (file.existing ? 'left-alone' : 'checked')]
      : file.status === 'deleted'
        ? 'deleted (gone from the remote)'
        : file.replaced
          ? 'replaced'
          : 'downloaded'
  const details = [
    formatBytes(file.bytes),
    ...(file.status === 'downloaded' && resumedBytes > 0
      ? [`${formatBytes(resumedBytes)} of it from an earlier run`]
      : []),
  ]
  return `${what}: ${where ?? `line ${file.line}`} (${details.join(', ')})`
}

/**
 * Pure: whether a finished file gets its line. What changed always does (downloaded, replaced, deleted,
 * failed); on a terminal the bars show the downloads, so only failures and deletions. Unchanged files
 * (sync state, found identical, --skip-existing) only with -v. -q keeps failures, and with -v every file.
 */
export function showsFileLine(
  file: Pick<BatchFileResult, 'status'>,
  o: { verbose: boolean; quiet: boolean; terminal: boolean },
): boolean {
  if (o.verbose || file.status === 'failed') return true
  if (o.quiet) return false
  return o.terminal ? file.status === 'deleted' : file.status !== 'skipped'
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`

/**
 * Pure: the end-of-batch line, built from its parts; `soFar` for a batch that was interrupted. Skipped files
 * are told apart by what they cost: the sync state's (no call), a probe's (its calls), --skip-existing's (unchecked).
 */
export function describeSummary(result: Pick<BatchResult, 'summary'>, options: { soFar?: boolean } = {}): string {
  const s = result.summary
  const counts = [`${s.downloaded} downloaded${s.replaced > 0 ? ` (${s.replaced} replaced)` : ''}`]
  if (s.unchanged > 0) counts.push(`${s.unchanged} unchanged (no call)`)
  if (s.checked > 0) counts.push(`${s.checked} checked (${plural(s.checkedCalls, 'call')})`)
  if (s.leftAlone > 0) counts.push(`${s.leftAlone} left alone (--skip-existing)`)
  counts.push(`${s.failed} failed`)
  if (s.deleted > 0) counts.push(`${s.deleted} deleted`)
  return [
    `${counts.join(', ')}${options.soFar ? ' so far' : ''}`,
    `${formatBytes(s.bytes)} in ${formatDuration(s.durationMs)}`,
  ].join('; ')
}

/** The widest figures of the overall row: a size ("99.9 MiB") and the speed as padded ("99.9 MiB/s"). */
const SIZE_COLUMNS = 8
const SPEED_COLUMNS = 10

/**
 * Pure: the bar width every row of a batch shares at `width` columns, so the bars line up: what the overall
 * row leaves at its widest (every figure at its widest; `counterColumns` for "12/300"), 10 to 24 cells, with
 * its speed if there is room, else without; 0 when not even then (no row has a bar).
 */
export function batchBarWidth(width: number, counterColumns: number): number {
  const text = counterColumns + ' files | '.length + SIZE_COLUMNS + ' of '.length + SIZE_COLUMNS
  for (const columns of [text + ' | '.length + SPEED_COLUMNS, text]) {
    // One leading space, and one between the bar and the text.
    const room = width - 2 - columns
    if (room >= 10) return Math.min(24, room)
  }
  return 0
}

/**
 * Pure: the overall row of a batch on a terminal (`counter` padded to its widest); the speed goes first when narrow,
 * then the bar.
 */
export function renderOverallLine(
  width: number,
  o: { counter: string; completed: number; total: number; rate: number | undefined },
): string {
  const bar = batchBarWidth(width, displayWidth(o.counter))
  return layoutLine(width, {
    fraction: bar > 0 ? (o.total > 0 ? Math.min(1, o.completed / o.total) : 0) : undefined,
    barDrop: 2,
    barMin: bar,
    barMax: bar,
    parts: [
      { text: `${o.counter} files` },
      { text: `${formatBytes(o.completed).padStart(SIZE_COLUMNS)} of ${formatBytes(o.total)}` },
      { text: formatSpeed(o.rate).padStart(SPEED_COLUMNS), drop: 1 },
    ],
  })
}

/**
 * Pure: one active file's row on a terminal: a bar as wide as the overall row's (`barWidth`), percent, and its path
 * (shortened from the start to fit).
 */
export function renderFileRow(
  width: number,
  f: { path: string; completed: number; size: number | undefined },
  barWidth: number,
): string {
  const size = f.size ?? 0
  return layoutLine(width, {
    fraction: barWidth > 0 ? (size > 0 ? f.completed / size : 0) : undefined,
    barMin: barWidth,
    barMax: barWidth,
    parts: [{ text: `${size > 0 ? percentOf(f.completed, size) : 0}%`.padStart(4) }, { text: f.path, shrink: true }],
  })
}

export async function createBatchProgress(options: BatchProgressOptions): Promise<BatchProgress> {
  return options.mode === 'tty' && options.showProgress
    ? createTtyBatchProgress(options)
    : createPlainBatchProgress(options)
}

/**
 * CI and pipes: a line per file that changed (or failed), and an overall line when nothing else was said for a
 * few seconds (a large file in flight); -v: every file, and a line as each starts. --quiet: failures only.
 */
function createPlainBatchProgress(options: BatchProgressOptions): BatchProgress {
  const silent = options.mode === 'silent'
  const verbose = Boolean(options.verbose)
  const interval = options.plainIntervalMs ?? 5000
  const tally = new Tally()
  const meter = new RateMeter()
  /** What an earlier run had fetched of each file in flight, for its end line. */
  const resumed = new Map<number, number>()
  let lastWrite = Date.now()
  // Error messages can quote what a server said: mask any secret before it reaches the terminal.
  const write = (line: string) => {
    lastWrite = Date.now()
    options.stream.write(`${terminalSafe(secrets.redact(line))}\n`)
  }
  const shows = (file: BatchFileResult) => showsFileLine(file, { verbose, quiet: silent, terminal: false })
  return {
    note: (text) => {
      if (!silent) write(text)
    },
    event(e) {
      switch (e.type) {
        case 'plan':
          tally.plan(e.files, e.bytes)
          break
        case 'file-start':
          break
        case 'file-event': {
          const d = e.event
          if (d.type === 'start') {
            if (d.resumedBytes > 0) resumed.set(e.index, d.resumedBytes)
            if (verbose && !silent)
              write(
                `downloading ${e.path} (${formatBytes(d.size)}${d.resumedBytes > 0 ? `, resuming with ${formatBytes(d.resumedBytes)} already on disk` : ''})`,
              )
          } else if (d.type === 'progress') {
            tally.progress(e.index, d.completedBytes)
            const now = Date.now()
            meter.add(now, tally.completedBytes)
            if (silent || !options.showProgress || now - lastWrite < interval) return
            write(
              `${tally.counter} files, ${formatBytes(tally.completedBytes)}${tally.bytes > 0 ? ` of ${formatBytes(tally.bytes)}` : ''} at ${formatSpeed(meter.measured)}`,
            )
          } else if (d.type === 'retry' && !silent) {
            write(`${e.path}: retrying in ${(d.delayMs / 1000).toFixed(1)}s (attempt ${d.attempt}): ${d.reason}`)
          } else if (d.type === 'waiting' && !silent) {
            write(d.message)
          }
          break
        }
        case 'file-done':
          tally.done(e.index, e.file)
          if (shows(e.file)) write(`[${tally.counter}] ${describeFileResult(e.file, resumed.get(e.index))}`)
          resumed.delete(e.index)
          break
        case 'delete-done':
          if (shows(e.file)) write(describeFileResult(e.file))
          break
      }
    },
    finish() {},
  }
}

/** Each row draws itself: the payload carries the function, so one MultiBar serves rows of two kinds. */
type RowPayload = { render: (width: number) => string }

/** A terminal: one overall bar (files and bytes) and a bar per active file, redrawn in place. */
async function createTtyBatchProgress(options: BatchProgressOptions): Promise<BatchProgress> {
  const cliProgress = await import('cli-progress')
  const tally = new Tally()
  const meter = new RateMeter(5000, 300)
  const multi = new cliProgress.MultiBar({
    stream: options.stream,
    hideCursor: true,
    clearOnComplete: true,
    fps: 8,
    // One column spare, so a terminal that wraps at the last column never does.
    format: (_o: unknown, params: { maxWidth: number }, payload: RowPayload) => payload.render(params.maxWidth - 1),
  })
  // The counter padded to its widest ("  3/300"), so the overall row's bar keeps its width as files finish.
  const counter = () => tally.counter.padStart(`${tally.files}/${tally.files}`.length)
  const overallRow: RowPayload = {
    render: (width) =>
      renderOverallLine(width, {
        counter: counter(),
        completed: tally.completedBytes,
        total: tally.bytes,
        rate: meter.measured,
      }),
  }
  const overall = multi.create(1, 0, overallRow)
  type FileBar = {
    bar: ReturnType<typeof multi.create>
    row: { path: string; completed: number; size: number | undefined }
  }
  const bars = new Map<number, FileBar>()
  const drawOverall = () => {
    meter.add(Date.now(), tally.completedBytes)
    overall.setTotal(Math.max(1, tally.bytes))
    overall.update(Math.min(tally.completedBytes, Math.max(1, tally.bytes)), overallRow)
  }
  const log = (text: string) => multi.log(`${terminalSafe(secrets.redact(text))}\n`)
  return {
    note: log,
    event(e) {
      switch (e.type) {
        case 'plan':
          tally.plan(e.files, e.bytes)
          drawOverall()
          break
        case 'file-start': {
          const row = { path: terminalSafe(e.path), completed: 0, size: e.size }
          const render = (width: number) => renderFileRow(width, row, batchBarWidth(width, counter().length))
          bars.set(e.index, { bar: multi.create(Math.max(1, e.size ?? 1), 0, { render } satisfies RowPayload), row })
          break
        }
        case 'file-event':
          onFileEvent(e, bars.get(e.index), { tally, log, drawOverall })
          break
        case 'file-done': {
          const entry = bars.get(e.index)
          if (entry) multi.remove(entry.bar)
          bars.delete(e.index)
          tally.done(e.index, e.file)
          if (showsFileLine(e.file, { verbose: Boolean(options.verbose), quiet: false, terminal: true }))
            log(describeFileResult(e.file))
          drawOverall()
          break
        }
        case 'delete-done':
          log(describeFileResult(e.file))
          break
      }
    },
    finish() {
      multi.stop()
    },
  }
}

/** A file's row on the terminal: its bar, and what the bar's text is drawn from. */
type FileBar = {
  bar: { setTotal(total: number): void; update(value: number): void }
  row: { path: string; completed: number; size: number | undefined }
}

/** One file's engine event on a terminal: its row follows the bytes; a resume, a retry and a wait get a line. */
function onFileEvent(
  e: Extract<BatchEvent, { type: 'file-event' }>,
  entry: FileBar | undefined,
  to: { tally: Tally; log: (text: string) => void; drawOverall: () => void },
): void {
  const d = e.event
  if (d.type === 'start') {
    // The listing's size may be missing or stale; the probe's is the truth.
    if (entry) Object.assign(entry.row, { size: d.size, completed: d.resumedBytes })
    entry?.bar.setTotal(Math.max(1, d.size))
    if (d.resumedBytes > 0) to.log(`${e.path}: resuming with ${formatBytes(d.resumedBytes)} already on disk`)
  } else if (d.type === 'progress') {
    to.tally.progress(e.index, d.completedBytes)
    if (entry) entry.row.completed = d.completedBytes
    entry?.bar.update(d.completedBytes)
    to.drawOverall()
  } else if (d.type === 'retry') {
    to.log(`${e.path}: retrying in ${(d.delayMs / 1000).toFixed(1)}s (attempt ${d.attempt}): ${d.reason}`)
  } else if (d.type === 'waiting') {
    to.log(d.message)
  }
}
