// Drawing progress for people on stderr: a live spinner and bar on a terminal, a few plain lines elsewhere.
import type { Writable } from 'node:stream'
import type { DownloadEvent } from '../engine/download.js'
import { terminalSafe } from './terminal-text.js'
import { formatBytes, formatDuration, formatSpeed } from './format.js'
import { layoutLine } from './line-layout.js'

export type ProgressMode =
  | 'tty' // spinner and bar, redrawn in place
  | 'plain' // CI and pipes: start line, a progress line every few seconds, end line; no escape codes
  | 'silent' // --quiet or --json without a terminal: nothing but errors

export interface ProgressOptions {
  mode: ProgressMode
  stream: Writable & { isTTY?: boolean; columns?: number }
  /** --no-progress: keep the start and end lines, drop the periodic ones and the bar. */
  showProgress: boolean
  /** NO_COLOR: no colours even on a terminal. */
  noColor?: boolean
  /** Seconds between plain progress lines. */
  plainIntervalMs?: number
}

/** Pure: chooses the mode from the terminal and the flags. */
export function chooseProgressMode(input: {
  isTTY: boolean
  ci: boolean
  quiet: boolean
  term?: string | undefined
  columns?: number | undefined
}): ProgressMode {
  if (input.quiet) return 'silent'
  if (!input.isTTY || input.ci || input.term === 'dumb') return 'plain'
  // A terminal that reports no width (some pseudo-terminals) cannot be redrawn in place safely.
  if (input.columns !== undefined && input.columns <= 0) return 'plain'
  return 'tty'
}

/** Speed over a sliding window of recent samples, so the figure settles instead of jumping. */
export class RateMeter {
  readonly #samples: { t: number; bytes: number }[] = []
  /** minSpanMs: a span of samples shorter than this is noise, not a speed (the first frames of a transfer). */
  constructor(
    readonly windowMs = 5000,
    readonly minSpanMs = 0,
  ) {}
  add(t: number, bytes: number): void {
    this.#samples.push({ t, bytes })
    while (this.#samples.length > 2 && t - this.#samples[0]!.t > this.windowMs) this.#samples.shift()
  }
  get bytesPerSecond(): number {
    return this.measured ?? 0
  }
  /** The speed, or undefined until two samples at least `minSpanMs` apart make one. */
  get measured(): number | undefined {
    const first = this.#samples[0]
    const last = this.#samples[this.#samples.length - 1]
    if (!first || !last || last.t <= first.t || last.t - first.t < this.minSpanMs) return undefined
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t)
  }
}

/** What the live line of one file shows. */
export interface LiveProgress {
  completed: number
  size: number
  /** Bytes per second; undefined before there is a measurement. */
  rate: number | undefined
}

const etaOf = (p: LiveProgress) =>
  p.rate !== undefined && p.rate > 0 ? formatDuration(((p.size - p.completed) / p.rate) * 1000) : '--'

/** Pure: the whole-number percent, never 100 before the last byte. */
export const percentOf = (completed: number, size: number): number =>
  size > 0 ? Math.min(100, Math.floor((completed / size) * 100)) : 100

/**
 * Pure: the live line of one file for a terminal `width` columns wide. Figures are padded to fixed widths
 * so nothing jumps between frames; when the line does not fit, the ETA goes first, then the speed, then the bar.
 */
export function renderProgressLine(width: number, p: LiveProgress): string {
  return layoutLine(width, {
    fraction: p.size > 0 ? p.completed / p.size : 1,
    barDrop: 3,
    parts: [
      { text: `${percentOf(p.completed, p.size)}%`.padStart(4) },
      { text: `${formatBytes(p.completed).padStart(8)} of ${formatBytes(p.size)}` },
      { text: formatSpeed(p.rate).padStart(10), drop: 2 },
      { text: `ETA ${etaOf(p)}`, drop: 1 },
    ],
  })
}

/** The line that opens a download: its size, connections, and what a resume starts from. */
export function describeStart(e: Extract<DownloadEvent, { type: 'start' }>): string {
  return (
    `downloading ${formatBytes(e.size)} over ${e.connections} connection${e.connections === 1 ? '' : 's'}` +
    (e.maxConnections !== undefined ? ` (up to ${e.maxConnections} if more are faster)` : '') +
    (e.resumedBytes > 0 ? `, resuming with ${formatBytes(e.resumedBytes)} already on disk` : '')
  )
}

export interface ProgressReporter {
  /** A step before the transfer (token, download info): a spinner on a terminal. */
  phase(text: string): void
  event(e: DownloadEvent): void
  /** A line for people (notes, warnings), printed above any bar. */
  note(text: string): void
  /** Clears live output; `line` is the end line (omitted when silent). */
  finish(line?: string): void
}

export async function createProgressReporter(options: ProgressOptions): Promise<ProgressReporter> {
  if (options.mode === 'tty') return createTtyReporter(options)
  return createPlainReporter(options)
}

function createPlainReporter(options: ProgressOptions): ProgressReporter {
  const out = options.stream
  const silent = options.mode === 'silent'
  const interval = options.plainIntervalMs ?? 5000
  const meter = new RateMeter()
  let lastLine = 0
  const write = (line: string) => {
    if (!silent) out.write(`${terminalSafe(line)}\n`)
  }
  return {
    phase() {},
    note: write,
    event(e) {
      switch (e.type) {
        case 'start':
          lastLine = Date.now()
          meter.add(lastLine, e.resumedBytes)
          write(describeStart(e))
          break
        case 'progress': {
          const now = Date.now()
          meter.add(now, e.completedBytes)
          if (!options.showProgress || now - lastLine < interval || e.completedBytes >= e.size) return
          lastLine = now
          write(progressLine(e.completedBytes, e.size, meter.measured))
          break
        }
        case 'retry':
        case 'refresh':
        case 'note':
        case 'waiting':
          write(describeEvent(e))
          break
        case 'verify':
          break
      }
    },
    finish(line) {
      if (line) write(line)
    },
  }
}

/** The line people read for an event that is news rather than progress. */
export function describeEvent(e: Extract<DownloadEvent, { type: 'retry' | 'refresh' | 'note' | 'waiting' }>): string {
  switch (e.type) {
    case 'retry':
      return `retrying in ${(e.delayMs / 1000).toFixed(1)}s (attempt ${e.attempt}): ${e.reason}`
    case 'refresh':
      return `refreshed the download URL: ${e.reason}`
    case 'note':
    case 'waiting':
      return e.message
  }
}

function progressLine(done: number, size: number, rate: number | undefined): string {
  const pct = size > 0 ? ((done / size) * 100).toFixed(1) : '100.0'
  return `${pct}% ${formatBytes(done)} of ${formatBytes(size)} at ${formatSpeed(rate)}, ETA ${etaOf({ completed: done, size, rate })}`
}

/** A terminal's first frames come fast: wait for this much transfer time before showing a speed. */
const FIRST_SPEED_AFTER_MS = 300

/** What the spinner says while a check runs. */
const VERIFYING = {
  crc64: 'verifying CRC-64',
  sha256: 'verifying SHA-256',
  existing: 'comparing the existing file with the remote',
} as const

async function createTtyReporter(options: ProgressOptions): Promise<ProgressReporter> {
  // Loaded only on a terminal: plain runs (CI, scripts) never pay for them.
  const [{ default: ora }, cliProgress] = await Promise.all([import('ora'), import('cli-progress')])
  const out = options.stream
  const spinner = ora({ stream: out, discardStdin: false, ...(options.noColor ? { color: false as const } : {}) })
  const meter = new RateMeter(5000, FIRST_SPEED_AFTER_MS)
  let bar: InstanceType<typeof cliProgress.SingleBar> | undefined
  const live: LiveProgress = { completed: 0, size: 0, rate: undefined }

  const stopSpinner = () => {
    if (spinner.isSpinning) spinner.stop()
  }
  const print = (raw: string) => {
    const text = terminalSafe(raw)
    if (bar) {
      // Print above the bar: clear its line, write, let the next update redraw it.
      out.write(`\r\x1b[2K${text}\n`)
    } else if (spinner.isSpinning) {
      spinner.clear()
      out.write(`${text}\n`)
      spinner.render()
    } else out.write(`${text}\n`)
  }

  const start = (e: Extract<DownloadEvent, { type: 'start' }>) => {
    stopSpinner()
    // The same line as outside a terminal: how big, over how many connections, resumed from where.
    print(describeStart(e))
    Object.assign(live, { completed: e.resumedBytes, size: e.size, rate: undefined })
    meter.add(Date.now(), e.resumedBytes)
    if (!options.showProgress) return
    bar = new cliProgress.SingleBar({
      stream: out,
      // The layout is ours: one column spare, so a terminal that wraps at the last column never does.
      format: (_o: unknown, params: { maxWidth: number }) => renderProgressLine(params.maxWidth - 1, live),
      hideCursor: true,
      clearOnComplete: true,
      fps: 8,
    })
    bar.start(e.size, e.resumedBytes)
  }

  return {
    phase(raw) {
      if (bar) return
      const text = terminalSafe(raw)
      if (spinner.isSpinning) spinner.text = text
      else spinner.start(text)
    },
    note: print,
    event(e) {
      switch (e.type) {
        case 'start':
          start(e)
          break
        case 'progress': {
          meter.add(Date.now(), e.completedBytes)
          Object.assign(live, { completed: e.completedBytes, size: e.size, rate: meter.measured })
          bar?.update(e.completedBytes)
          break
        }
        case 'retry':
        case 'refresh':
        case 'note':
        case 'waiting':
          print(describeEvent(e))
          break
        case 'verify':
          if (bar) {
            bar.stop()
            bar = undefined
          }
          spinner.start(VERIFYING[e.check])
          break
      }
    },
    finish(line) {
      bar?.stop()
      bar = undefined
      stopSpinner()
      if (line) out.write(`${terminalSafe(line)}\n`)
    },
  }
}
