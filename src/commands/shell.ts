// What every command shares with the process: stderr/stdout lines (secrets masked), signals → AbortSignal, the
// progress display, and the one place that turns errors into output and exit codes.
import { createRequire } from 'node:module'
import type * as CommanderModule from 'commander'
import { ApiBudgetError, DtdlError, ExitCode, InterruptedError, MaxTimeError, OutputClosedError, UsageError, formatError } from '../errors.js'
import { onAbort } from '../abort-fanout.js'
import { parseIntegerOption } from '../config/settings.js'
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
const { Option } = commander

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

/** Called once at start-up: EPIPE on stdout or stderr ends the run quietly with 141; other write errors stay crashes. */
export function watchOutputs(): void {
  for (const [stream, name] of [[process.stdout, 'stdout'], [process.stderr, 'stderr']] as const) {
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
  /** --max-time in seconds: the whole command stops with exit 28 when it runs out. */
  maxTime?: number
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
  body: (ctx: { signal: AbortSignal; reporter: ProgressReporter; log: ((e: HttpLogEntry) => void) | undefined }) => Promise<unknown>,
  onSuccess: (result: unknown) => void,
  // Given what the engine's last events say is on disk; without it that amount is the report.
  onInterrupted: (kept: Kept | undefined) => InterruptReport = (kept) => ({ kept }),
): Promise<void> {
  const controller = new AbortController()
  let interrupts = 0
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    interrupts++
    // A second Ctrl-C means "now": the record from the last checkpoint still allows resuming.
    if (interrupts > 1) process.exit(signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted)
    controller.abort(new InterruptedError(signal))
  }
  // --max-time stops everything as Ctrl-C would (records flushed, claims released), with its own exit code.
  const maxTime = flags.maxTime === undefined ? undefined : setTimeout(() => controller.abort(new MaxTimeError(flags.maxTime!)), flags.maxTime * 1000)
  const sigint = () => onSignal('SIGINT')
  const sigterm = () => onSignal('SIGTERM')
  process.on('SIGINT', sigint)
  process.on('SIGTERM', sigterm)
  const forgetOutput = onAbort(outputClosed.signal, (reason) => controller.abort(reason))
  if (outputClosed.signal.aborted) controller.abort(outputClosed.signal.reason)

  const { chooseProgressMode, createProgressReporter } = await import('../output/progress.js')
  const mode = progressModeFor(flags, chooseProgressMode)
  const reporter = await createProgressReporter({ mode, stream: process.stderr, showProgress: flags.progress !== false, noColor: Boolean(process.env.NO_COLOR) })
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
    ? (e: HttpLogEntry) => logLine(`${e.method} ${e.url} → ${e.status} in ${Math.round(e.durationMs)} ms${e.note ? ` (${e.note})` : ''}`)
    : undefined
  try {
    const result = await body({ signal: controller.signal, reporter: wrapped, log })
    reporter.finish()
    onSuccess(result)
  } catch (raw) {
    reporter.finish()
    const err = toDtdlError(controller.signal.aborted && !(raw instanceof DtdlError && raw.exitCode !== ExitCode.interrupted) ? controller.signal.reason : raw)
    if (err instanceof OutputClosedError || outputClosed.signal.aborted) {
      // Nobody is reading any more: no error line, no JSON; exit as a process ended by SIGPIPE.
      process.exitCode = ExitCode.outputClosed
      return
    }
    // --max-time and --max-api-calls stop a run as Ctrl-C does, and report it the same way (what was kept), under their own names.
    const interrupted = err instanceof InterruptedError || err instanceof MaxTimeError || err instanceof ApiBudgetError ? onInterrupted(kept) : undefined
    if (flags.json) {
      print(JSON.stringify({ ok: false, exitCode: err.exitCode, ...interrupted?.json, error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}), ...(err.requestId ? { requestId: err.requestId } : {}) } }))
    }
    if (interrupted) {
      const { describeInterrupted } = await import('../output/end-lines.js')
      if (!flags.quiet) for (const line of interrupted.lines ?? []) say(line)
      say(describeInterrupted(interrupted.kept, err instanceof MaxTimeError ? `--max-time ${flags.maxTime}s ran out` : err instanceof ApiBudgetError ? `--max-api-calls ${err.cap} reached` : undefined))
    } else if (!flags.json || !flags.quiet) {
      say(formatError(err))
    }
    if (flags.verbose) {
      for (const line of describeCauses(err)) say(line)
      if (err.exitCode === ExitCode.unexpected && err.cause instanceof Error && err.cause.stack) say(err.cause.stack)
    }
    process.exitCode = err.exitCode
  } finally {
    clearTimeout(maxTime)
    process.off('SIGINT', sigint)
    process.off('SIGTERM', sigterm)
    forgetOutput()
  }
}

/** A positive number of seconds (fractions allowed, as curl takes them), or a usage error. */
export const secondsOption = (flag: string) => (value: string) => {
  const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : Number.NaN
  if (!(n > 0) || n > 31_536_000) throw new UsageError(`${flag} must be a number of seconds above 0, such as 30 or 0.5, not ${JSON.stringify(value)}`, { code: 'BAD_OPTION' })
  return n
}

export const intOption = (flag: string, min: number, max?: number) => (value: string) => parseIntegerOption(value, flag, min, max)

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

/** --limit-rate as bytes per second, or a usage error. */
export async function parseLimitRate(value: unknown): Promise<number | undefined> {
  if (value === undefined) return undefined
  const { parseRate } = await import('../output/format.js')
  const rate = parseRate(String(value))
  if (rate === undefined) throw new UsageError(`--limit-rate must be a rate such as 500K or 10M, not ${JSON.stringify(value)}`, { code: 'BAD_OPTION' })
  return rate
}

/** --speed-limit and --speed-time as the engine takes them: either one sets both (curl: 1 B/s, 30 s), or neither. */
export async function parseSpeedLimit(limit: unknown, seconds: unknown): Promise<{ bytesPerSecond: number; seconds: number } | undefined> {
  if (limit === undefined && seconds === undefined) return undefined
  let bytesPerSecond = 1
  if (limit !== undefined) {
    const { parseRate } = await import('../output/format.js')
    const rate = parseRate(String(limit))
    if (rate === undefined || rate <= 0) throw new UsageError(`--speed-limit must be a rate above 0 such as 100K or 1M, not ${JSON.stringify(limit)}`, { code: 'BAD_OPTION' })
    bytesPerSecond = rate
  }
  return { bytesPerSecond, seconds: (seconds as number | undefined) ?? 30 }
}

/** Who asks (three ways to say it) and where: every API command takes these. */
export function addOperatorOptions(command: Command): Command {
  return command
    .option('-u, --union-id <id>', "the operator's unionId (or DINGTALK_UNION_ID, or config unionId)")
    .option('--user-id <userid>', "the operator's userid, looked up once (or DINGTALK_USER_ID, or config userId)")
    .option('--mobile <number>', "the operator's mobile number, looked up once")
    .option('--endpoint <url>', 'API base URL (or DTDL_ENDPOINT, or config endpoint); the user lookups use it too unless DTDL_OAPI_ENDPOINT is set')
    .addOption(apiQpsOption())
    .addOption(new Option('--max-api-calls <n>', 'send at most n DingTalk API calls in this run, then stop with exit 8; a re-run goes on (or DTDL_MAX_API_CALLS, or config maxApiCalls)').argParser(intOption('--max-api-calls', 1)))
}

/** The operator flags' values, as the commands take them. */
export const operatorFlags = (o: Record<string, unknown>) => ({
  unionId: o.unionId as string | undefined,
  userId: o.userId as string | undefined,
  mobile: o.mobile as string | undefined,
  endpoint: o.endpoint as string | undefined,
  apiQps: o.apiQps as number | undefined,
  maxApiCalls: o.maxApiCalls as number | undefined,
})

/** The API flags get and info share: who asks, where, which version, intranet or not. */
export function addFileApiOptions(command: Command): Command {
  return addOperatorOptions(command)
    .addOption(new Option('--version <n>', 'file version (integer >= 1)').argParser(intOption('--version', 1)))
    .option('--intranet', 'try the intranet resource URLs first when DingTalk offers them (option.preferIntranet = true)')
    .option('--no-intranet', 'ask for public resource URLs (option.preferIntranet = false)')
}

/** --api-qps: the run's budget per DingTalk API (get, info, ls). */
export function apiQpsOption(): InstanceType<typeof Option> {
  return new Option('--api-qps <n>', 'DingTalk API calls per second per API, shared by all jobs; 0 = no pacing (or DTDL_API_QPS, or config apiQps; default 20)').argParser(intOption('--api-qps', 0, 10_000))
}

/** The end of a run, for people: its line with the request counts, then the throttling summary if any. */
export function sayEndLine(flags: OutputFlags, line: string | undefined, counts: RequestCounts): void {
  if (flags.quiet) return
  say(line === undefined ? describeRequests(counts) : withRequests(line, counts))
  for (const note of requestNotes(counts)) say(note)
}

/** The counts as --json carries them. */
export const requestsJson = (c: RequestCounts) => ({ apiCalls: c.apiCalls, storageRequests: c.storageRequests, apiThrottled: c.apiThrottled })

/** Those flags' values, as the commands take them. */
export const fileApiFlags = (o: Record<string, unknown>) => ({
  ...operatorFlags(o),
  version: o.version as number | undefined,
  preferIntranet: o.intranet as boolean | undefined,
})

/** Commander's way to take a repeatable option: each use appends to the list. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

