// The one HTTP transport every request goes through: undici, with HTTP(S)_PROXY / NO_PROXY honoured.
import { createRequire } from 'node:module'
import { setFlagsFromString } from 'node:v8'
import type { Dispatcher } from 'undici'
import { DtdlError, ExitCode } from '../errors.js'

/** One line of `--verbose`: what was asked, what came back, how long it took. URLs are already redacted. */
export interface HttpLogEntry {
  method: string
  url: string
  status: number | string
  durationMs: number
  note?: string
}
export type HttpLogger = (entry: HttpLogEntry) => void

type RequestOptions = {
  method: 'GET' | 'POST'
  headers: Record<string, string>
  body?: string | null
  dispatcher: Dispatcher
  signal?: AbortSignal | null
  /** This request's bounds (undici's): no status line within `headersTimeout`, no body byte for `bodyTimeout`. */
  headersTimeout?: number
  bodyTimeout?: number
}
interface HttpClient {
  request(url: string, options: RequestOptions): Promise<Dispatcher.ResponseData>
  EnvHttpProxyAgent: typeof import('undici').EnvHttpProxyAgent
}
let client: Promise<HttpClient> | undefined
let tuneV8 = false

/**
 * The CLI asks for this (see CLI_V8_FLAGS); a library caller's process keeps its own V8 flags, since they
 * would also slow its own WebAssembly and delay the optimisation of its own code.
 */
export function tuneV8ForTheCli(): void {
  tuneV8 = true
}

/**
 * V8 flags for a dtdl process, set once undici's modules (and Node's http, tls and http2 beneath them) are
 * loaded: a changed flag makes V8 refuse Node's built-in code cache for every module compiled afterwards,
 * and those three compiled from source cost ~40 ms of the main thread (`dtdl --help` loads none of them).
 */
const CLI_V8_FLAGS = [
  // Keep WebAssembly on V8's baseline compiler. Otherwise V8 optimises undici's HTTP parser in the
  // background, and Node waits for that compile before the process exits: 150-300 ms after every run,
  // and ~25 MiB more peak RSS, for a parser that downloads no faster optimised (measured: 2 GiB on one
  // connection, 512 MiB on eight). The parser is compiled at the first connection, after this.
  '--liftoff-only',
  // Optimise a function after three times V8's default budget of bytecode run (67,584). By default V8
  // optimises hundreds of functions of undici and dtdl in a run of one or two seconds, on background
  // threads that take the CPU from the download: 0.45 CPU-s of a 1,000-small-file mirror on two cores,
  // which ran 0.88x as long with three times the budget (six times: no faster, 20 interleaved pairs).
  // What stays hot in a long download is optimised all the same, a few thousand chunks later: six times
  // cost a 2 GiB download ~5% more CPU, three times nothing measurable (10 pairs).
  '--interrupt-budget=200000',
]

/**
 * Loads the two pieces of undici dtdl uses. undici's index loads every feature (fetch, WebSocket, caches,
 * mocks): about 200 ms and 16 MiB before the first request. Its request API and proxy agent alone take a
 * quarter of that, so load those files directly, and fall back to the public entry point should a
 * future undici move them.
 */
export function loadHttpClient(): Promise<HttpClient> {
  client ??= (async () => {
    try {
      const require = createRequire(import.meta.url)
      const EnvHttpProxyAgent =
        require('undici/lib/dispatcher/env-http-proxy-agent.js') as HttpClient['EnvHttpProxyAgent']
      const DispatcherClass = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object }
      const api = require('undici/lib/api/index.js') as Record<string, unknown>
      const apiRequest = api.request as (
        this: Dispatcher,
        opts: Dispatcher.RequestOptions,
      ) => Promise<Dispatcher.ResponseData>
      if (
        typeof EnvHttpProxyAgent !== 'function' ||
        typeof apiRequest !== 'function' ||
        typeof api.connect !== 'function'
      )
        throw new Error('undici layout changed')
      // What undici's index does on load: the proxy agent tunnels with dispatcher.connect(), which
      // exists only once the API methods are on the prototype.
      if (!('connect' in DispatcherClass.prototype)) Object.assign(DispatcherClass.prototype, api)
      setCliV8Flags()
      return {
        EnvHttpProxyAgent,
        // What undici's own request(url, opts) does before calling the same function.
        request: (url, { dispatcher, ...opts }) => {
          const u = new URL(url)
          return apiRequest.call(dispatcher, { ...opts, origin: u.origin, path: `${u.pathname}${u.search}` })
        },
      }
    } catch {
      const undici = await import('undici')
      setCliV8Flags()
      return { EnvHttpProxyAgent: undici.EnvHttpProxyAgent, request: (url, opts) => undici.request(url, opts) }
    }
  })()
  return client
}

function setCliV8Flags(): void {
  if (tuneV8) for (const flag of CLI_V8_FLAGS) setFlagsFromString(flag)
}

/**
 * Creates the shared dispatcher. EnvHttpProxyAgent sends requests through HTTPS_PROXY / HTTP_PROXY unless
 * NO_PROXY matches, and behaves as a plain Agent when none is set.
 */
export async function createDispatcher(
  options: { connectionsPerOrigin?: number; connectTimeoutMs?: number | undefined } = {},
): Promise<Dispatcher> {
  const { EnvHttpProxyAgent } = await loadHttpClient()
  return new EnvHttpProxyAgent({
    connections: options.connectionsPerOrigin ?? 32,
    keepAliveTimeout: 10_000,
    // Stalls are detected by the engine itself (--stall-timeout); these are the outer safety nets.
    headersTimeout: 60_000,
    bodyTimeout: 0,
    // --connect-timeout: how long a TCP (and TLS) connect may take; undici's default is 10 s.
    ...(options.connectTimeoutMs !== undefined ? { connect: { timeout: options.connectTimeoutMs } } : {}),
  })
}

/**
 * How long an API call may wait for DingTalk's status line before it is abandoned and retried (the retry
 * decision counts it as a network failure). Real answers take well under a second.
 */
export const API_HEADERS_TIMEOUT_MS = 20_000

/**
 * A success answer of the DingTalk API is read whole up to this: a listing page of 50 entries with deep
 * Chinese paths is about 80 KB and a versions page of 100 about 66 KB, so 32 MiB is far above anything real
 * and still small enough to hold. Anything larger is refused, not cut (a cut JSON page is a lie).
 */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024
/** An error answer is read up to this and cut: only its code, message and request id matter. */
export const MAX_ERROR_BYTES = 64 * 1024

/** A body over its limit: refused while reading, before it is all in memory. */
export class BodyTooLargeError extends DtdlError {
  constructor(what: string, limit: number) {
    super(
      'ANSWER_TOO_LARGE',
      ExitCode.remote,
      `${what}: the answer is larger than ${limit / 1024 / 1024} MiB, and was refused`,
      {
        hint: 'something between you and DingTalk answers with something else: check --endpoint, a proxy (HTTPS_PROXY) or the network',
      },
    )
  }
}

/**
 * Reads a response body as text. `cut` (error bodies): at most `limit` bytes are kept, the rest read and
 * dropped. Otherwise a body over `limit` (said by Content-Length, or found while reading) is refused with
 * BodyTooLargeError and destroyed at once: nothing is ever cut without a word.
 */
export async function readBodyText(
  body: AsyncIterable<Uint8Array> & { destroy?: (err?: Error) => unknown },
  options:
    { limit: number; cut: true } | { limit: number; cut: false; what: string; contentLength?: string | undefined },
): Promise<string> {
  const { limit } = options
  const refuse = () => {
    const err = new BodyTooLargeError(options.cut ? '' : options.what, limit)
    body.destroy?.(err)
    return err
  }
  if (
    !options.cut &&
    options.contentLength !== undefined &&
    /^\d+$/.test(options.contentLength) &&
    Number(options.contentLength) > limit
  )
    throw refuse()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    if (!options.cut && size + chunk.length > limit) throw refuse()
    if (size < limit) chunks.push(Buffer.from(chunk))
    size += chunk.length
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8')
}

export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}
