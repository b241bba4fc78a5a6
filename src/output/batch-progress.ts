// Drawing a batch's progress on stderr: an overall bar plus one per active file on a terminal, plain lines elsewhere.
import type { Writable } from 'node:stream'
import type { BatchEvent, BatchFileResult, BatchResult } from '../batch/runner.js'
import { formatBytes, formatDuration, formatRate } from './format.js'
import { RateMeter, type ProgressMode } from './progress.js'
import { secrets } from '../redact.js'

export interface BatchProgressOptions {
  mode: ProgressMode
  stream: Writable
  /** --no-progress: keep the per-file lines, drop the bars and the periodic overall lines. */
  showProgress: boolean
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

/** Pure: the one line a finished file gets. */
export function describeFileResult(file: BatchFileResult): string {
  // An input line's failure already says "line N: ..." in its message.
  const where = file.path ?? (file.line === undefined ? file.dentryId : undefined)
  if (file.status === 'failed') return `failed: ${where === undefined ? '' : `${where}: `}${file.error?.message ?? 'unknown error'}${file.error?.hint ? ` (hint: ${file.error.hint})` : ''}`
  return `${file.status === 'skipped' ? 'up to date' : 'downloaded'}: ${where ?? `line ${file.line}`} (${formatBytes(file.bytes)})`
}

/** Pure: the end-of-batch line. */
export function describeSummary(result: BatchResult): string {
  const s = result.summary
  return `${s.downloaded} downloaded, ${s.skipped} skipped (up to date), ${s.failed} failed; ${formatBytes(s.bytes)} in ${formatDuration(s.durationMs)}`
}

export async function createBatchProgress(options: BatchProgressOptions): Promise<BatchProgress> {
  return options.mode === 'tty' && options.showProgress ? createTtyBatchProgress(options) : createPlainBatchProgress(options)
}

/** CI and pipes: a line per file start and end, an overall line at most every few seconds; --quiet: failures only. */
function createPlainBatchProgress(options: BatchProgressOptions): BatchProgress {
  const silent = options.mode === 'silent'
  const interval = options.plainIntervalMs ?? 5000
  const tally = new Tally()
  const meter = new RateMeter()
  let last = Date.now()
  // Error messages can quote what a server said: mask any secret before it reaches the terminal.
  const write = (line: string) => options.stream.write(`${secrets.redact(line)}\n`)
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
          if (d.type === 'start' && !silent) {
            write(`downloading ${e.path} (${formatBytes(d.size)}${d.resumedBytes > 0 ? `, resuming with ${formatBytes(d.resumedBytes)} already on disk` : ''})`)
          } else if (d.type === 'progress') {
            tally.progress(e.index, d.completedBytes)
            const now = Date.now()
            meter.add(now, tally.completedBytes)
            if (silent || !options.showProgress || now - last < interval) return
            last = now
            write(`${tally.counter} files, ${formatBytes(tally.completedBytes)}${tally.bytes > 0 ? ` of ${formatBytes(tally.bytes)}` : ''} at ${formatRate(meter.bytesPerSecond)}`)
          } else if (d.type === 'retry' && !silent) {
            write(`${e.path}: retrying in ${(d.delayMs / 1000).toFixed(1)}s (attempt ${d.attempt}): ${d.reason}`)
          } else if (d.type === 'waiting' && !silent) {
            write(d.message)
          }
          break
        }
        case 'file-done':
          tally.done(e.index, e.file)
          if (!silent || e.file.status === 'failed') write(`[${tally.counter}] ${describeFileResult(e.file)}`)
          break
      }
    },
    finish() {},
  }
}

/** A terminal: one overall bar (files and bytes) and a bar per active file, redrawn in place. */
async function createTtyBatchProgress(options: BatchProgressOptions): Promise<BatchProgress> {
  const cliProgress = await import('cli-progress')
  const tally = new Tally()
  const meter = new RateMeter()
  const multi = new cliProgress.MultiBar(
    { stream: options.stream, hideCursor: true, clearOnComplete: true, fps: 8, barsize: 24, autopadding: true, format: ' {bar} {label}' },
    cliProgress.Presets.shades_classic,
  )
  const overall = multi.create(1, 0, { label: '' })
  const bars = new Map<number, ReturnType<typeof multi.create>>()
  const drawOverall = () => {
    meter.add(Date.now(), tally.completedBytes)
    overall.setTotal(Math.max(1, tally.bytes))
    overall.update(Math.min(tally.completedBytes, Math.max(1, tally.bytes)), {
      label: `${tally.counter} files | ${formatBytes(tally.completedBytes)} of ${formatBytes(tally.bytes)} | ${formatRate(meter.bytesPerSecond)}`,
    })
  }
  const log = (text: string) => multi.log(`${secrets.redact(text)}\n`)
  return {
    note: log,
    event(e) {
      switch (e.type) {
        case 'plan':
          tally.plan(e.files, e.bytes)
          drawOverall()
          break
        case 'file-start':
          bars.set(e.index, multi.create(Math.max(1, e.size ?? 1), 0, { label: e.path }))
          break
        case 'file-event': {
          const d = e.event
          const bar = bars.get(e.index)
          if (d.type === 'start') {
            // The listing's size may be missing or stale; the probe's is the truth.
            bar?.setTotal(Math.max(1, d.size))
            if (d.resumedBytes > 0) log(`${e.path}: resuming with ${formatBytes(d.resumedBytes)} already on disk`)
          } else if (d.type === 'progress') {
            tally.progress(e.index, d.completedBytes)
            bar?.update(d.completedBytes, { label: e.path })
            drawOverall()
          } else if (d.type === 'retry') {
            log(`${e.path}: retrying in ${(d.delayMs / 1000).toFixed(1)}s (attempt ${d.attempt}): ${d.reason}`)
          } else if (d.type === 'waiting') {
            log(d.message)
          }
          break
        }
        case 'file-done': {
          const bar = bars.get(e.index)
          if (bar) multi.remove(bar)
          bars.delete(e.index)
          tally.done(e.index, e.file)
          if (e.file.status === 'failed') log(describeFileResult(e.file))
          drawOverall()
          break
        }
      }
    },
    finish() {
      multi.stop()
    },
  }
}
