// The DingTalk API as the commands and the library reach it: settings → token chain → client, plus the helpers they
// share.
import { numberDefault } from '../config/options.js'
import { createApiClient, mintAccessToken, type ApiWaitEvent, type DingTalkApi } from './client.js'
import { createTokenProvider } from './access-token.js'
import { openConfigStore } from '../config/store.js'
import { describeMissingCredentials } from '../config/credential-gaps.js'
import { createDispatcher, type HttpLogger } from '../http/dispatcher.js'
import { resolveSettings, type ApiFlags } from '../config/settings.js'
import { ApiError, UsageError } from '../errors.js'
import { secrets } from '../redact.js'
import { lookupCache } from '../config/lookup-cache.js'
import { createOapiUserClient } from './oapi-user.js'
import { resolveUnionId } from './operator.js'
import { resolveDentryRef } from './resolve-link.js'
import type { DentryRef } from './dentry-ref.js'
import { dentryKind, dentryName } from './folder-walk.js'
import { explainRefusal, isOnlineDocument, onlineDocumentError } from './online-document.js'
import { ApiPacer } from './api-pacer.js'
import { RequestCounter } from '../http/request-counter.js'

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

export type { ApiFlags } from '../config/settings.js'

/**
 * Builds the API client with the token chain the README documents; shared by every API command. `unionId()`
 * names the operator (looked up once and cached when given as a userid or mobile number) and `resolve()`
 * turns a link or dentryUuid into storage ids (cached too). `requests` counts what the run sends.
 */
export async function connectApi(
  ctx: ApiContext,
  flags: ApiFlags,
  tuning: {
    retries?: number | undefined
    archiveWaitMs?: number | undefined
    connectTimeoutMs?: number | undefined
    stallTimeoutMs?: number | undefined
  } = {},
) {
  const store = await openConfigStore(ctx.env)
  const settings = resolveSettings({ flags, env: ctx.env, store: store.read() })
  if (settings.credentials.kind === 'app') secrets.add(settings.credentials.appSecret)
  if (settings.credentials.kind === 'token') secrets.add(settings.credentials.token)
  const dispatcher = await createDispatcher({ connectTimeoutMs: tuning.connectTimeoutMs })
  // --max-api-calls stops the whole run, as Ctrl-C would: `signal` is what everything of this run listens to.
  const budgetStop = new AbortController()
  const signal = AbortSignal.any([ctx.signal, budgetStop.signal])
  // One counter and one pacer per run: everything this command sends is counted and paced together.
  const requests = new RequestCounter({ cap: settings.maxApiCalls, onCap: (err) => budgetStop.abort(err) })
  const pacer = new ApiPacer(settings.apiQps)
  const tokens = createTokenProvider({
    credentials: settings.credentials,
    noCredentials: settings.credentials.kind === 'none' ? describeMissingCredentials(ctx.env, store.read()) : undefined,
    endpoint: settings.endpoint,
    mint: (appKey, appSecret) =>
      mintAccessToken(settings.endpoint, dispatcher, appKey, appSecret, {
        log: ctx.log,
        signal,
        retries: tuning.retries,
        stallTimeoutMs: tuning.stallTimeoutMs,
        onWait,
        counter: requests,
      }),
    cache: {
      get: (scope) => store.getCachedToken(scope),
      set: (t) => store.setCachedToken(t),
      prepare: () => store.prepareWrite(),
    },
    onToken: (t) => secrets.add(t),
  })
  const onWait = waitNotes(ctx, tuning.retries)
  const api = createApiClient({
    endpoint: settings.endpoint,
    dispatcher,
    tokens,
    log: ctx.log,
    onWait,
    retries: tuning.retries,
    archiveWaitMs: tuning.archiveWaitMs,
    stallTimeoutMs: tuning.stallTimeoutMs,
    signal,
    pacer,
    counter: requests,
  })
  const cache = lookupCache(store)
  const operatorDeps = {
    oapi: createOapiUserClient({
      endpoint: settings.oapiEndpoint,
      dispatcher,
      tokens,
      log: ctx.log,
      signal,
      counter: requests,
      retries: tuning.retries,
      stallTimeoutMs: tuning.stallTimeoutMs,
      onWait,
    }),
    cache,
    scope: {
      oapiEndpoint: settings.oapiEndpoint,
      appKey: settings.credentials.kind === 'app' ? settings.credentials.appKey : undefined,
    },
  }
  let unionId: Promise<string> | undefined
  const getUnionId = () => (unionId ??= resolveUnionId(settings.operator, operatorDeps))
  const resolve = async (ref: DentryRef) => resolveDentryRef(ref, { api, unionId: await getUnionId(), cache })
  return { api, dispatcher, settings, store, unionId: getUnionId, resolve, operatorDeps, requests, signal }
}

/**
 * What an API wait says on stderr: one line per kind of wait, not one per attempt (five "waiting 0.2s" lines
 * before an error told nothing the first did not). --verbose (which logs every request anyway) shows each one.
 */
function waitNotes(ctx: ApiContext, retries = numberDefault('retries')): (e: ApiWaitEvent) => void {
  const told = new Set<string>()
  return (e) => {
    // Throttling is summed up once at the end (see output/request-costs.ts), not one line per call.
    if (e.reason === 'throttled') return
    const why = {
      busy: 'DingTalk is busy',
      archived: 'the file is archived and being restored',
      network: 'the network failed',
      'token-renewed': 'the access token was refused, so a new one was minted',
    }[e.reason]
    const kind = `${e.reason} ${e.code}`
    if (told.has(kind) && !ctx.log) return
    told.add(kind)
    const retrying =
      e.reason === 'archived' || ctx.log ? '' : ` (retrying up to ${retries} time${retries === 1 ? '' : 's'})`
    ctx.reporter.note(
      e.delayMs > 0 ? `${why} (${e.code}): waiting ${(e.delayMs / 1000).toFixed(1)}s${retrying}` : `${why}`,
    )
  }
}

/**
 * Download info with the signed header values registered as secrets, so no printed line shows them. An
 * entry known to be a file (`knownFile`) that is refused as operationNotSupported is an online document.
 */
export function signedDownloadInfo(
  api: DingTalkApi,
  unionId: string,
  preferIntranet: boolean | undefined,
  version?: number | undefined,
) {
  return async (file: {
    spaceId: string
    dentryId: string
    knownFile?: boolean | undefined
    name?: string | undefined
  }) => {
    let info
    try {
      info = await api.getDownloadInfo({
        spaceId: file.spaceId,
        dentryId: file.dentryId,
        unionId,
        preferIntranet,
        version,
      })
    } catch (err) {
      throw explainRefusal(err, file.knownFile === true, file.name)
    }
    for (const [name, value] of Object.entries(info.headers)) if (SECRET_HEADER.test(name)) secrets.add(value)
    return info
  }
}

/** The file an options object names: its `ref`, else its spaceId + dentryId. */
export function refOf(options: {
  ref?: DentryRef | undefined
  spaceId?: string | undefined
  dentryId?: string | undefined
}): DentryRef {
  if (options.ref) return options.ref
  if (options.spaceId === undefined || options.dentryId === undefined)
    throw new UsageError('missing <spaceId> <dentryId> (or a link)', { code: 'MISSING_ARGUMENT' })
  return { kind: 'ids', spaceId: options.spaceId, dentryId: options.dentryId }
}

/**
 * The remote name for the target path (undefined when the lookup is refused for lack of permission);
 * `seen` records what the lookup learnt, so a later refusal of download info can be explained.
 */
export async function lookupRemoteName(
  api: DingTalkApi,
  spaceId: string,
  dentryId: string,
  unionId: string,
  seen: { knownFile?: boolean; name?: string; version?: number } = {},
): Promise<string | undefined> {
  try {
    const dentry = await api.getDentry(spaceId, dentryId, unionId)
    const name = dentryName({ id: dentryId, ...dentry })
    if (dentryKind(dentry) === 'FOLDER') throw folderError(name)
    if (isOnlineDocument(dentry)) throw onlineDocumentError(name)
    seen.knownFile = dentryKind(dentry) === 'FILE'
    seen.name = name
    if (typeof dentry.version === 'number') seen.version = dentry.version
    return dentry.name || undefined
  } catch (err) {
    if (isPermissionDenied(err)) return undefined
    throw err
  }
}

/** A lookup refused for lack of permission: not fatal where the id can stand in for the name. */
export const isPermissionDenied = (err: unknown): boolean =>
  err instanceof ApiError &&
  (err.code === 'Forbidden.AccessDenied.AccessTokenPermissionDenied' || err.code === 'permissionDenied')

export function folderError(name: string): UsageError {
  return new UsageError(`${JSON.stringify(name)} is a folder`, {
    code: 'IS_FOLDER',
    hint: 'add -r to download the whole folder',
  })
}
