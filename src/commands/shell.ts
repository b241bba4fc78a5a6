// What every command shares with the process: stderr/stdout lines (secrets masked), signals → AbortSignal, the
// progress display, and the one place that turns errors into output and exit codes.
import { createRequire } from 'node:module'
import type * as CommanderModule from 'commander'
import {
  ApiBudgetError,
  DtdlError,
  ExitCode,
  InterruptedError,
  MaxTimeError,
  OutputClosedError,
  formatError,
} from '../errors.js'
import { onAbort } from '../abort-fanout.js'
import { secrets } from '../redact.js'
import type { HttpLogEntry } from '../http/dispatcher.js'
import type { ProgressReporter } from '../output/progress.js'
import type { Kept } from '../output/end-lines.js'
import type { RequestCounts } from '../http/request-counter.js'
import { describeRequests, requestNotes, withRequests } from '../output/request-costs.js'
import { terminalSafe } from '../output/terminal-text.js'

// commander is CommonJS: require() loads it in about half the time of an ESM import (no ESM wrapper and
// export scan), which is most of what `dtdl --help` costs beyond Node's own start-up.
export const commander = createRequire(import.meta.url)('commander') as typeof CommanderModule
export type Command = CommanderModule.Command

/**
 * Aborted when a reader closes stdout or stderr (`| head`). That is how pipelines end, not an error: the
 * run stops as if Ctrl-C'd (what was downloaded is kept), prints nothing more, and exits 141, the status
 * a shell shows for a process ended by SIGPIPE (Node ignores SIGPIPE, so dtdl sees EPIPE instead).
 */
const outputClosed = new AbortController()

/** Every line for people goes through here: stderr, secrets masked, control characters shown, never obeyed. */
export const say = (line: string) => {
  if (!outputClosed.signal.aborted) process.stderr.write(`${terminalSafe(secrets.redact(line))}\n`)
}
/** --json on stdout: exact JSON (its strings escape control characters themselves), secrets masked. */
export const print = (line: string) => {
  if (!outputClosed.signal.aborted) process.stdout.write(`${secrets.redact(line)}\n`)
}
/** Data for people on stdout (ls, info tables): as `say`, control characters shown. */
export const printText = (line: string) => print(terminalSafe(line))

/**
 * Called once at start-up: EPIPE on stdout or stderr ends the run quietly with 141; other write errors stay crashes.
 */
export function watchOutputs(): void {
  for (const [stream, name] of [
    [process.stdout, 'stdout'],
    [process.stderr, 'stderr'],
  ] as const) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err
      if (!outputClosed.signal.aborted) outputClosed.abort(new OutputClosedError(name, { cause: err }))
    })
  }
  // Set at exit, after every write: the EPIPE of the last line may be reported after the command returned.
  process.on('exit', () => {
    if (outputClosed.signal.aborted) process.exitCode = ExitCode.outputClosed
  })
}

export interface OutputFlags {
  json?: boolean
  quiet?: boolean
  progress?: boolean
  verbose?: boolean
  /** --max-time in ms: the whole command stops with exit 28 when it runs out. */
  maxTimeMs?: number
}

/** Anything thrown that is not a DtdlError is a bug: exit 1, with the stack only under --verbose. */
export function toDtdlError(err: unknown): DtdlError {
  if (err instanceof DtdlError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new DtdlError('UNEXPECTED', ExitCode.unexpected, `unexpected error: ${message}`, {
    hint: 'run again with --verbose and report it at the project issue tracker',
    cause: err,
  })
}

function describeCauses(err: unknown): string[] {
  const lines: string[] = []
  let e = (err as { cause?: unknown }).cause
  for (let i = 0; e && i < 5; i++) {
    const code = (e as { code?: string }).code
    lines.push(`  caused by: ${(e as Error).message ?? String(e)}${code ? ` (${code})` : ''}`)
    e = (e as { cause?: unknown }).cause
  }
  return lines
}

/** What a command adds to the end of an interrupted run: the amount kept, lines before it, --json fields. */
export interface InterruptReport {
  kept?: Kept | undefined
  /** Lines for people before the interrupted line (a batch's summary so far); not under --quiet. */
  lines?: string[]
  /** Fields for the one --json object (a batch's files so far). */
  json?: Record<string, unknown>
}

/**
 * Runs one command with the process's edges wired in: an AbortSignal tied to SIGINT/SIGTERM, a progress
 * reporter chosen from the terminal, and one place that turns errors into output and exit codes.
 */
export async function runWithShell(
  flags: OutputFlags,
  body: (ctx: {
    signal: AbortSignal
    reporter: ProgressReporter
    log: ((e: HttpLogEntry) => void) | undefined
  }) => Promise<unknown>,
  onSuccess: (result: unknown) => void,
  // Given what the engine's last events say is on disk; without it that amount is the report.
  onInterrupted: (kept: Kept | undefined) => InterruptReport = (kept) => ({ kept }),
): Promise<void> {
  const controller = new AbortController()
  const releaseStops = stopOn(controller, flags)

  const { chooseProgressMode, createProgressReporter } = await import('../output/progress.js')
  const mode = progressModeFor(flags, chooseProgressMode)
  const reporter = await createProgressReporter({
    mode,
    stream: process.stderr,
    showProgress: flags.progress !== false,
    noColor: Boolean(process.env.NO_COLOR),
  })
  // Once a reader has gone, nothing more is drawn (the engine is stopping; its last events are noise).
  const open = () => !outputClosed.signal.aborted
  // The last start/progress event says how much is on disk, for the interrupted line.
  let kept: Kept | undefined
  const wrapped: ProgressReporter = {
    phase: (t) => open() && reporter.phase(t),
    event: (e) => {
      if (e.type === 'start') kept = { bytes: e.resumedBytes, size: e.size }
      else if (e.type === 'progress') kept = { bytes: e.completedBytes, size: e.size }
      if (open()) reporter.event(e)
    },
    note: (t) => open() && reporter.note(secrets.redact(t)),
    finish: (l) => reporter.finish(l === undefined ? undefined : secrets.redact(l)),
  }
  // -q -v (curl's -sv): -q drops progress and the end line, not the request lines -v asked for.
  const logLine = flags.quiet ? (t: string) => open() && say(t) : wrapped.note
  const log = flags.verbose
    ? (e: HttpLogEntry) =>
        logLine(`${e.method} ${e.url} → ${e.status} in ${Math.round(e.durationMs)} ms${e.note ? ` (${e.note})` : ''}`)
    : undefined
  try {
    const result = await body({ signal: controller.signal, reporter: wrapped, log })
    reporter.finish()
    onSuccess(result)
  } catch (raw) {
    reporter.finish()
    const err = toDtdlError(
      controller.signal.aborted && !(raw instanceof DtdlError && raw.exitCode !== ExitCode.interrupted)
        ? controller.signal.reason
        : raw,
    )
    if (err instanceof OutputClosedError || outputClosed.signal.aborted) {
      // Nobody is reading any more: no error line, no JSON; exit as a process ended by SIGPIPE.
      process.exitCode = ExitCode.outputClosed
      return
    }
    await reportFailure(err, flags, () => onInterrupted(kept))
  } finally {
    releaseStops()
  }
}

/**
 * What stops a run: SIGINT / SIGTERM (a second one exits at once), --max-time, and a reader gone from stdout or
 * stderr. Each aborts `controller` with its own reason; the returned function stops listening.
 */
function stopOn(controller: AbortController, flags: OutputFlags): () => void {
  let interrupts = 0
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    interrupts++
    // A second Ctrl-C means "now": the record from the last checkpoint still allows resuming.
    if (interrupts > 1) process.exit(signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted)
    controller.abort(new InterruptedError(signal))
  }
  // --max-time stops everything as Ctrl-C would (records flushed, claims released), with its own exit code.
  const maxTime =
    flags.maxTimeMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(new MaxTimeError(flags.maxTimeMs! / 1000)), flags.maxTimeMs)
  const sigint = () => onSignal('SIGINT')
  const sigterm = () => onSignal('SIGTERM')
  process.on('SIGINT', sigint)
  process.on('SIGTERM', sigterm)
  const forgetOutput = onAbort(outputClosed.signal, (reason) => controller.abort(reason))
  if (outputClosed.signal.aborted) controller.abort(outputClosed.signal.reason)
  return () => {
    clearTimeout(maxTime)
    process.off('SIGINT', sigint)
    process.off('SIGTERM', sigterm)
    forgetOutput()
  }
}

/**
 * A failed run's output: the --json object, the interrupted line (with what was kept) or the error, and its exit code.
 */
async function reportFailure(
  err: DtdlError,
  flags: OutputFlags,
  interruptReport: () => InterruptReport,
): Promise<void> {
  // --max-time and --max-api-calls stop a run as Ctrl-C does, and report it the same way (what was kept), under their
  // own names.
  const interrupted =
    err instanceof InterruptedError || err instanceof MaxTimeError || err instanceof ApiBudgetError
      ? interruptReport()
      : undefined
  if (flags.json) {
    print(
      JSON.stringify({
        ok: false,
        exitCode: err.exitCode,
        ...interrupted?.json,
        error: {
          code: err.code,
          message: err.message,
          ...(err.hint ? { hint: err.hint } : {}),
          ...(err.requestId ? { requestId: err.requestId } : {}),
        },
      }),
    )
  }
  if (interrupted) {
    const { describeInterrupted } = await import('../output/end-lines.js')
    if (!flags.quiet) for (const line of interrupted.lines ?? []) say(line)
    say(
      describeInterrupted(
        interrupted.kept,
        err instanceof MaxTimeError
          ? `--max-time ${flags.maxTimeMs! / 1000}s ran out`
          : err instanceof ApiBudgetError
            ? `--max-api-calls ${err.cap} reached`
            : undefined,
      ),
    )
  } else if (!flags.json || !flags.quiet) {
    say(formatError(err))
  }
  if (flags.verbose) {
    for (const line of describeCauses(err)) say(line)
    if (err.exitCode === ExitCode.unexpected && err.cause instanceof Error && err.cause.stack) {
      for (const line of err.cause.stack.split('\n')) say(line)
    }
  }
  process.exitCode = err.exitCode
}

/** The output mode from the terminal, CI and flags: one rule for single files and batches. */
export function progressModeFor(flags: OutputFlags, choose: typeof import('../output/progress.js').chooseProgressMode) {
  return choose({
    isTTY: Boolean(process.stderr.isTTY),
    ci: Boolean(process.env.CI) && process.env.CI !== 'false',
    quiet: Boolean(flags.quiet),
    term: process.env.TERM,
    columns: process.stderr.columns,
  })
}

/** The end of a run, for people: its line with the request counts, then the throttling summary if any. */
export function sayEndLine(flags: OutputFlags, line: string | undefined, counts: RequestCounts): void {
  if (flags.quiet) return
  say(line === undefined ? describeRequests(counts) : withRequests(line, counts))
  for (const note of requestNotes(counts)) say(note)
}

/** The counts as --json carries them. */
export const requestsJson = (c: RequestCounts) => ({
  apiCalls: c.apiCalls,
  storageRequests: c.storageRequests,
  apiThrottled: c.apiThrottled,
})

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
