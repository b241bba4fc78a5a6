// The DingTalk API as the commands and the library reach it: settings → token chain → client, plus the helpers they share.
import { createApiClient, mintAccessToken, type ApiWaitEvent, type DingTalkApi } from './client.js'
import { createTokenProvider } from './access-token.js'
import { openConfigStore } from '../config/store.js'
import { createDispatcher, type HttpLogger } from '../http/dispatcher.js'
import { resolveSettings } from '../config/settings.js'
import { ApiError, UsageError } from '../errors.js'
import { secrets } from '../redact.js'

/** Where the steps before a transfer are told: the shell draws them; a library caller may ignore them. */
export interface StepReporter {
  /** A step before the transfer (token, download info). */
  phase(text: string): void
  /** A line for people: waits, fallbacks, warnings. */
  note(text: string): void
}

/** What the shell (or a library caller) hands in: the process's edges, as plain values. */
export interface ApiContext {
  env: Record<string, string | undefined>
  signal: AbortSignal
  reporter: StepReporter
  log?: HttpLogger | undefined
}

/** Signed-header names whose values are credentials: they are masked in every line dtdl prints. */
const SECRET_HEADER = /authorization|signature|token|credential|security/i

/** Builds the API client with the token chain the README documents; shared by get, info and ls. */
export async function connectApi(ctx: ApiContext, flags: { unionId?: string | undefined; endpoint?: string | undefined }, tuning: { retries?: number | undefined; archiveWaitMs?: number | undefined } = {}) {
  const store = await openConfigStore(ctx.env)
  const settings = resolveSettings({ flags, env: ctx.env, store: store.read() })
  if (settings.credentials.kind === 'app') secrets.add(settings.credentials.appSecret)
  if (settings.credentials.kind === 'token') secrets.add(settings.credentials.token)
  const dispatcher = await createDispatcher()
  const tokens = createTokenProvider({
    credentials: settings.credentials,
    endpoint: settings.endpoint,
    mint: (appKey, appSecret) => mintAccessToken(settings.endpoint, dispatcher, appKey, appSecret, { log: ctx.log, signal: ctx.signal }),
    cache: { get: (scope) => store.getCachedToken(scope), set: (t) => store.setCachedToken(t), prepare: () => store.prepareWrite() },
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
export async function lookupRemoteName(api: DingTalkApi, spaceId: string, dentryId: string, unionId: string): Promise<string | undefined> {
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

