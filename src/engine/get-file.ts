// `dtdl get`: settings → token → target path → download engine, with progress for people and a result for scripts.
import { createApiClient, mintAccessToken, type ApiWaitEvent, type DingTalkApi } from '../dingtalk/client.js'
import { createTokenProvider } from '../dingtalk/access-token.js'
import { openConfigStore } from '../config/store.js'
import { createDispatcher, type HttpLogger } from '../http/dispatcher.js'
import { crc64Implementation } from '../crc64/crc64.js'
import { downloadFile, type DownloadResult } from './download.js'
import { streamFile } from './stream-download.js'
import { resolveSettings } from '../config/settings.js'
import { resolveTargetPath } from './target-path.js'
import { ApiError, UsageError } from '../errors.js'
import { secrets } from '../redact.js'
import type { ProgressReporter } from '../output/progress.js'
import type { DownloadEvent } from './download.js'
import type { Writable } from 'node:stream'

export interface GetOptions {
  spaceId: string
  dentryId: string
  output?: string | undefined
  unionId?: string | undefined
  endpoint?: string | undefined
  version?: number | undefined
  preferIntranet?: boolean | undefined
  connections?: number | undefined
  retries?: number | undefined
  stallTimeoutMs?: number | undefined
  archiveWaitMs?: number | undefined
  sha256?: string | undefined
  limitRate?: number | undefined
  force?: boolean | undefined
}

/** What the shell hands in: the process's edges, as plain values. */
export interface CommandContext {
  env: Record<string, string | undefined>
  signal: AbortSignal
  reporter: ProgressReporter
  log?: HttpLogger | undefined
  /** Where `-o -` writes the file's bytes. */
  stdout: Writable
}

/** Signed-header names whose values are credentials: they are masked in every line dtdl prints. */
const SECRET_HEADER = /authorization|signature|token|credential|security/i

/** Builds the API client with the token chain the README documents; shared by get, info and ls. */
export async function connectApi(ctx: Omit<CommandContext, 'stdout'>, flags: { unionId?: string | undefined; endpoint?: string | undefined }, tuning: { retries?: number | undefined; archiveWaitMs?: number | undefined } = {}) {
  const store = await openConfigStore(ctx.env)
  const settings = resolveSettings({ flags, env: ctx.env, store: store.read() })
  if (settings.credentials.kind === 'app') secrets.add(settings.credentials.appSecret)
  if (settings.credentials.kind === 'token') secrets.add(settings.credentials.token)
  const dispatcher = await createDispatcher()
  const tokens = createTokenProvider({
    credentials: settings.credentials,
    mint: (appKey, appSecret) => mintAccessToken(settings.endpoint, dispatcher, appKey, appSecret, { log: ctx.log, signal: ctx.signal }),
    cache: { get: () => store.getCachedToken(), set: (t) => store.setCachedToken(t) },
    onToken: (t) => secrets.add(t),
  })
  const onWait = (e: ApiWaitEvent) => {
    const why = {
      throttled: 'DingTalk throttled the request',
      busy: 'DingTalk is busy',
      archived: 'the file is archived and being restored',
      network: 'the network failed',
      'token-renewed': 'the access token was refused, so a new one was minted',
    }[e.reason]
    ctx.reporter.note(e.delayMs > 0 ? `${why} (${e.code}): waiting ${(e.delayMs / 1000).toFixed(1)}s` : `${why}`)
  }
  const api = createApiClient({ endpoint: settings.endpoint, dispatcher, tokens, log: ctx.log, onWait, retries: tuning.retries, archiveWaitMs: tuning.archiveWaitMs, signal: ctx.signal })
  return { api, dispatcher, settings, store }
}

/** Download info with the signed header values registered as secrets, so no printed line shows them. */
export function signedDownloadInfo(api: DingTalkApi, unionId: string, preferIntranet: boolean | undefined, version?: number | undefined) {
  return async (file: { spaceId: string; dentryId: string }) => {
    const info = await api.getDownloadInfo({ spaceId: file.spaceId, dentryId: file.dentryId, unionId, preferIntranet, version })
    for (const [name, value] of Object.entries(info.headers)) if (SECRET_HEADER.test(name)) secrets.add(value)
    return info
  }
}

export function requireUnionId(unionId: string | undefined): string {
  if (unionId === undefined) {
    throw new UsageError('no unionId given: the DingTalk API needs the operator\'s unionId', {
      code: 'NO_UNION_ID',
      hint: 'pass -u <unionId>, set DINGTALK_UNION_ID, or run `dtdl config set unionId <unionId>`',
    })
  }
  return unionId
}

/** The remote name for the target path, or undefined when the lookup is refused for lack of permission. */
async function lookupRemoteName(api: DingTalkApi, spaceId: string, dentryId: string, unionId: string): Promise<string | undefined> {
  try {
    const dentry = await api.getDentry(spaceId, dentryId, unionId)
    if (dentry.type.toUpperCase() === 'FOLDER') throw folderError(dentry.name)
    return dentry.name
  } catch (err) {
    if (isPermissionDenied(err)) return undefined
    throw err
  }
}

/** A lookup refused for lack of permission: not fatal where the id can stand in for the name. */
export const isPermissionDenied = (err: unknown): boolean =>
  err instanceof ApiError && (err.code === 'Forbidden.AccessDenied.AccessTokenPermissionDenied' || err.code === 'permissionDenied')

export function folderError(name: string): UsageError {
  return new UsageError(`${JSON.stringify(name)} is a folder`, { code: 'IS_FOLDER', hint: 'add -r to download the whole folder' })
}

export async function runGet(options: GetOptions, ctx: CommandContext): Promise<DownloadResult> {
  ctx.reporter.phase('resolving credentials')
  const { api, dispatcher, settings } = await connectApi(ctx, options, options)
  const unionId = requireUnionId(settings.unionId)
  // --verbose says which CRC-64 runs: the native addon is optional, and a slow verify is the first question.
  if (ctx.log) ctx.reporter.note(`CRC-64: ${{ native: 'native addon (carry-less multiplication)', wasm: 'WebAssembly', js: 'JavaScript' }[crc64Implementation]}`)
  try {
    const fetchInfo = signedDownloadInfo(api, unionId, options.preferIntranet, options.version)
    const getDownloadInfo = () => fetchInfo(options)
    const common = {
      request: { spaceId: options.spaceId, dentryId: options.dentryId, version: options.version ?? null },
      getDownloadInfo,
      dispatcher,
      retries: options.retries,
      stallTimeoutMs: options.stallTimeoutMs,
      sha256: options.sha256,
      limitRate: options.limitRate,
      signal: ctx.signal,
      onEvent: (e: DownloadEvent) => ctx.reporter.event(e),
      log: ctx.log,
    }
    if (options.output === '-') {
      ctx.reporter.phase('getting download info')
      return await streamFile({ ...common, out: ctx.stdout })
    }
    ctx.reporter.phase('looking up the file')
    const target = await resolveTargetPath(options.output, options.dentryId, () => lookupRemoteName(api, options.spaceId, options.dentryId, unionId))
    if (target.usedFallbackName) {
      ctx.reporter.note(`the app may not read file details (Storage.File.Read), so the file is saved under its dentryId: ${target.path}`)
    }
    ctx.reporter.phase('getting download info')
    return await downloadFile({ ...common, target: target.path, connections: options.connections, force: options.force })
  } finally {
    // Nothing is in flight any more; destroy rather than close so a failed run exits at once.
    await dispatcher.destroy().catch(() => {})
  }
}
