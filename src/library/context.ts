// The library's edges: settings from the options over the environment, events to onEvent, the caller's signal as an
// abort that says "aborted", and every failure a DtdlError that speaks the library's names, not the CLI's flags.
import { DtdlError, ExitCode, InterruptedError } from '../errors.js'
import { onAbort } from '../abort-fanout.js'
import { OPTIONS, longFlag } from '../config/options.js'
import type { DownloadEvent } from '../engine/download.js'
import type { ConnectionOptions, LibraryEvent } from './types.js'

export interface LibraryContext {
  env: Record<string, string | undefined>
  signal: AbortSignal
  reporter: { phase(text: string): void; note(text: string): void; event(e: DownloadEvent): void }
}

/**
 * Runs a task with the library's edges: settings from the options over the environment, events to `onEvent`,
 * the caller's signal turned into an abort ("aborted", exit code 130), and every failure a DtdlError.
 */
export async function withContext<T>(
  options: ConnectionOptions & { onEvent?: ((event: never) => void) | undefined },
  body: (ctx: LibraryContext) => Promise<T>,
): Promise<T> {
  const onEvent = options.onEvent as ((e: LibraryEvent) => void) | undefined
  const controller = new AbortController()
  const abort = () => controller.abort(new InterruptedError('abort', { cause: options.signal?.reason }))
  if (options.signal?.aborted) abort()
  // A caller may run many downloads on one signal: one listener on it for all of them (abort-fanout).
  const forget = options.signal ? onAbort(options.signal, abort) : () => {}
  const ctx: LibraryContext = {
    env: libraryEnv(options),
    signal: controller.signal,
    reporter: {
      phase: (text) => onEvent?.({ type: 'phase', text }),
      note: (text) => onEvent?.({ type: 'message', text: inLibraryTerms(text) }),
      event: (e) => onEvent?.(e),
    },
  }
  try {
    return await body(ctx)
  } catch (err) {
    throw toLibraryError(controller.signal.aborted ? controller.signal.reason : err)
  } finally {
    forget()
  }
}

/** The environment the settings chain reads: the caller's credentials, when given, replace those of the environment. */
function libraryEnv(options: ConnectionOptions): Record<string, string | undefined> {
  const env = { ...(options.env ?? process.env) }
  if (options.token !== undefined || options.appKey !== undefined || options.appSecret !== undefined) {
    delete env.DINGTALK_ACCESS_TOKEN
    delete env.DINGTALK_APP_KEY
    delete env.DINGTALK_APP_SECRET
  }
  if (options.token !== undefined) env.DINGTALK_ACCESS_TOKEN = options.token
  if (options.appKey !== undefined) env.DINGTALK_APP_KEY = options.appKey
  if (options.appSecret !== undefined) env.DINGTALK_APP_SECRET = options.appSecret
  return env
}

/** A failure as the library reports it: a DtdlError, its message and hint in the library's names. */
export function toLibraryError(err: unknown): DtdlError {
  if (!(err instanceof DtdlError)) {
    return new DtdlError(
      'UNEXPECTED',
      ExitCode.unexpected,
      `unexpected error: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    )
  }
  const message = inLibraryTerms(err.message)
  const hint = err.hint === undefined ? undefined : inLibraryTerms(err.hint)
  if (message === err.message && hint === err.hint) return err
  const copy = Object.create(Object.getPrototypeOf(err) as object) as DtdlError
  return Object.assign(copy, err, { message, hint, stack: err.stack })
}

/**
 * The CLI's words in the library's: every declared flag (`--lock-wait`, `-u`) as its option name, and the few
 * phrases that only make sense on a command line. Built from the declaration, so a new flag needs no entry.
 */
const TERMS: [RegExp, string][] = [
  ...OPTIONS.filter((o) => !o.cliOnly).flatMap((o): [RegExp, string][] => {
    const short = /^-([a-zA-Z])\b/.exec(o.flags)?.[1]
    const long = longFlag(o).replace(/[-]/g, '\\-')
    // A switch is set to true in the library; an option with a value is named.
    const name = o.kind.type === 'flag' ? `${o.key}: true` : o.key
    return [
      [new RegExp(`(?<![\\w-])${long}(?![\\w-])`, 'g'), name],
      ...(short ? [[new RegExp(`(?<![\\w-])-${short}(?![\\w-])`, 'g'), name] as [RegExp, string]] : []),
    ]
  }),
  [/\bthe first argument\b/g, 'spaceId'],
  [/\bthe second argument\b/g, 'dentryId'],
  [/\badd recursive: true\b/g, 'use mirrorFolder()'],
  [/\bdtdl get\b[^,;)]*/g, 'download()'],
]

/** Pure: `text` with the CLI's flags and phrases put in the library's names. */
export function inLibraryTerms(text: string): string {
  return TERMS.reduce((t, [pattern, name]) => t.replace(pattern, name), text)
}
