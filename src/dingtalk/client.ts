// The DingTalk open API calls dtdl makes: token, download info, dentries, folders, versions, dentryUuids, knowledge bases.
import type { Dispatcher } from 'undici'
import { childSignal } from '../abort-fanout.js'
import { ApiError, DtdlError, ExitCode, NetworkError } from '../errors.js'
import { classifyApiError } from './api-errors.js'
import { headerValue, loadHttpClient, readBodyText, type HttpLogger } from '../http/dispatcher.js'
import { networkErrorCode, parseRetryAfter, retryDelay, sleep } from '../http/retry.js'
import { describeUnreachable } from '../http/proxy-env.js'
import { redactUrl } from '../redact.js'
import type { TokenProvider } from './access-token.js'
import { isThrottleAnswer, type ApiPacer } from './api-pacer.js'
import type { ApiKind, RequestCounter } from '../http/request-counter.js'

/** What download info tells us: where the bytes are and the signed headers to send (valid for a while). */
export interface DownloadInfo {
  resourceUrls: string[]
  /** Intranet URLs for dedicated storage; used only when the caller asked for intranet URLs (see signed-url-source). */
  internalResourceUrls: string[]
  headers: Record<string, string>
  expirationSeconds: number
  region: string
  /** Epoch ms when the answer arrived: signatures count from about then. */
  issuedAt: number
  /** The request asked for intranet URLs (--intranet): only then are internalResourceUrls tried. */
  preferIntranet?: boolean | undefined
}

/** A file or folder as the storage API describes it: every field optional, as in the official SDK's model. */
export interface Dentry {
  id?: string
  spaceId?: string
  parentId?: string
  /** "FILE" / "FOLDER", in either case (compare with dentryKind). */
  type?: string
  name?: string
  size?: number
  path?: string
  version?: number
  status?: string
  modifiedTime?: string
  modifierId?: string
  creatorId?: string
  uuid?: string
  /** "ALIDOC" marks an online DingTalk document: not a stored file, download info refuses it. */
  storageDriver?: string
}

/** A knowledge base (wiki workspace); its root node is a dentryUuid. */
export interface Workspace {
  workspaceId?: string
  name?: string
  type?: string
  rootNodeId?: string
  url?: string
}

/** What a dentryUuid (the id in a link) stands for in the storage API. */
export interface DentryIds {
  spaceId: string
  dentryId: string
}

export interface DownloadInfoRequest {
  spaceId: string
  dentryId: string
  unionId: string
  version?: number | undefined
  preferIntranet?: boolean | undefined
}

/** Waits the API client takes on its own, reported so people know why nothing moves. */
export interface ApiWaitEvent {
  type: 'api-wait'
  reason: 'throttled' | 'busy' | 'archived' | 'network' | 'token-renewed'
  code: string
  delayMs: number
}

export interface ApiClientOptions {
  endpoint: string
  dispatcher: Dispatcher
  tokens: TokenProvider
  log?: HttpLogger | undefined
  onWait?: ((event: ApiWaitEvent) => void) | undefined
  /** Consecutive failures of one call before giving up (network errors, 5xx, busy, throttling). */
  retries?: number | undefined
  /** How long to keep waiting for an archived file to be restored, in ms. */
  archiveWaitMs?: number | undefined
  signal?: AbortSignal | undefined
  /** Paces every call to each API (shared by all jobs of the run); none = no pacing. */
  pacer?: ApiPacer | undefined
  /** Counts every request sent. */
  counter?: RequestCounter | undefined
}

export interface DingTalkApi {
  getDownloadInfo(req: DownloadInfoRequest): Promise<DownloadInfo>
  getDentry(spaceId: string, dentryId: string, unionId: string): Promise<Dentry>
  listDentries(spaceId: string, parentId: string, unionId: string, nextToken?: string): Promise<{ dentries: Dentry[]; nextToken?: string }>
  /** One page of a file's versions, newest first (at most 100). */
  listVersions(spaceId: string, dentryId: string, unionId: string, nextToken?: string): Promise<{ dentries: Dentry[]; nextToken?: string }>
  /** GET /v2.0/doc/dentries/{dentryUuid}/queryDentryId: a link's id → the storage ids. */
  queryDentryId(dentryUuid: string, unionId: string): Promise<DentryIds>
  /** One page of the knowledge bases the operator can see (at most 30). */
  listWorkspaces(unionId: string, nextToken?: string): Promise<{ workspaces: Workspace[]; nextToken?: string }>
  /** The operator's own knowledge base, when there is one. */
  getMineWorkspace(unionId: string): Promise<Workspace | undefined>
}

interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/** Sends one request; network failures become a NetworkError carrying the undici code. */
async function send(
  dispatcher: Dispatcher,
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  log: HttpLogger | undefined,
  signal: AbortSignal | undefined,
  count: (() => void) | undefined,
  note?: string,
): Promise<RawResponse> {
  const started = performance.now()
  const { request } = await loadHttpClient()
  // The files of a batch call the API at once on one shared signal; undici would add a listener each.
  const own = signal ? childSignal(signal) : undefined
  count?.()
  try {
    const res = await request(url, { method, headers, body: body ?? null, dispatcher, signal: own?.signal ?? null })
    const text = await readBodyText(res.body)
    log?.({ method, url: redactUrl(url), status: res.statusCode, durationMs: performance.now() - started, ...(note ? { note } : {}) })
    return { status: res.statusCode, headers: res.headers, text }
  } catch (err) {
    if (signal?.aborted) throw signal.reason
    const code = networkErrorCode(err) ?? (err as { code?: string }).code ?? 'NETWORK'
    log?.({ method, url: redactUrl(url), status: code, durationMs: performance.now() - started, ...(note ? { note } : {}) })
    const { message, hint } = describeUnreachable(url, code)
    throw new NetworkError(message, { code: `NET_${code}`, hint, cause: err })
  } finally {
    own?.release()
  }
}

/** The keys of an error body, read in either case as the SDK's gateway does (`Code`|`code`, ...). */
export function readErrorBody(parsed: Record<string, unknown>): { code?: string; message?: string; requestId?: string; requiredScopes?: string[] } {
  const pick = (upper: string, lower: string): unknown => parsed[upper] ?? parsed[lower]
  const code = pick('Code', 'code')
  const message = pick('Message', 'message')
  const requestId = pick('RequestId', 'requestid')
  const detail = pick('AccessDeniedDetail', 'accessdenieddetail') as Record<string, unknown> | undefined
  const scopes = detail && typeof detail === 'object' ? (detail.requiredScopes ?? detail.RequiredScopes) : undefined
  return {
    ...(typeof code === 'string' && code !== '' ? { code } : {}),
    ...(typeof message === 'string' && message !== '' ? { message } : {}),
    ...(typeof requestId === 'string' && requestId !== '' ? { requestId } : {}),
    ...(Array.isArray(scopes) ? { requiredScopes: scopes.map(String) } : {}),
  }
}

/** Turns a non-2xx answer into an ApiError: JSON {code, requestid, message} in either case, or anything else (an HTML block page). */
export function toApiError(res: RawResponse, what: string, unionId?: string): ApiError {
  const headerRequestId = headerValue(res.headers, 'x-acs-request-id')
  let parsed: unknown
  try {
    parsed = JSON.parse(res.text)
  } catch {
    parsed = undefined
  }
  const body = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? readErrorBody(parsed as Record<string, unknown>) : {}
  if (body.code === undefined) {
    const isHtml = /^\s*</.test(res.text)
    const code = isHtml && res.status === 403 ? 'IpBlocked' : `HTTP_${res.status}`
    return new ApiError(
      code,
      res.status === 403 || res.status === 401 ? ExitCode.auth : ExitCode.remote,
      isHtml
        ? `${what} failed: DingTalk answered HTTP ${res.status} with an HTML page instead of JSON`
        : `${what} failed: HTTP ${res.status} with an unreadable body`,
      {
        status: res.status,
        requestId: headerRequestId,
        hint: isHtml
          ? 'this is usually the block DingTalk puts on an IP after too many calls (over 10,000 in 20 s): wait 5 minutes and run again'
          : 'run again later; check --endpoint if this persists',
      },
    )
  }
  const cls = classifyApiError(res.status, body.code, { unionId, requiredScopes: body.requiredScopes, what })
  return new ApiError(body.code, cls.exitCode, `${what} failed: ${body.code}: ${body.message ?? body.code}`, {
    status: res.status,
    requestId: headerRequestId ?? body.requestId,
    hint: cls.hint,
  })
}

/**
 * POST /v1.0/oauth2/accessToken: exchanges app credentials for a token (JSON body; a form body is refused).
 * Network failures, 5xx, busy and throttling are retried as every other call is (`retries`, backoff).
 */
export async function mintAccessToken(
  endpoint: string,
  dispatcher: Dispatcher,
  appKey: string,
  appSecret: string,
  options: { log?: HttpLogger | undefined; signal?: AbortSignal | undefined; retries?: number | undefined; onWait?: ((event: ApiWaitEvent) => void) | undefined; counter?: RequestCounter | undefined } = {},
): Promise<{ accessToken: string; expireIn: number }> {
  const retries = options.retries ?? 5
  for (let failures = 1; ; failures++) {
    let res: RawResponse
    try {
      res = await send(dispatcher, 'POST', `${endpoint}/v1.0/oauth2/accessToken`, { 'content-type': 'application/json' }, JSON.stringify({ appKey, appSecret }), options.log, options.signal, () => options.counter?.api('token'))
    } catch (err) {
      if (!(err instanceof NetworkError) || failures > retries) throw gaveUp(err, failures - 1)
      await waitBeforeRetry(options, { reason: 'network', code: err.code, delayMs: retryDelay(failures, undefined) })
      continue
    }
    if (res.status >= 200 && res.status < 300) {
      const body = JSON.parse(res.text) as { accessToken?: unknown; expireIn?: unknown }
      if (typeof body.accessToken !== 'string' || !body.accessToken) {
        throw new ApiError('BAD_TOKEN_RESPONSE', ExitCode.remote, 'getting an access token failed: the answer has no accessToken')
      }
      return { accessToken: body.accessToken, expireIn: typeof body.expireIn === 'number' ? body.expireIn : 7200 }
    }
    const error = toApiError(res, 'getting an access token')
    const action = classifyApiError(res.status, error.code).action
    if ((action !== 'throttled' && action !== 'transient') || failures > retries) throw error
    const delayMs = retryDelay(failures, parseRetryAfter(headerValue(res.headers, 'retry-after')), action === 'throttled' ? 1_000 : 0)
    await waitBeforeRetry(options, { reason: action === 'throttled' ? 'throttled' : 'busy', code: error.code, delayMs })
  }
}

async function waitBeforeRetry(options: { onWait?: ((event: ApiWaitEvent) => void) | undefined; signal?: AbortSignal | undefined }, wait: Omit<ApiWaitEvent, 'type'>): Promise<void> {
  options.onWait?.({ type: 'api-wait', ...wait })
  await sleep(wait.delayMs, options.signal)
}

/** The last network failure of a call that was retried says so: the retry lines before it are condensed. */
function gaveUp(err: unknown, retried: number): unknown {
  if (!(err instanceof NetworkError) || retried === 0) return err
  return new NetworkError(`${err.message} (after ${retried} ${retried === 1 ? 'retry' : 'retries'})`, { code: err.code, hint: err.hint, cause: err.cause })
}

export function createApiClient(options: ApiClientOptions): DingTalkApi {
  const retries = options.retries ?? 5
  const archiveWaitMs = options.archiveWaitMs ?? 600_000

  /**
   * One API call with the recovery the docs ask for: renew a stale minted token once, wait out throttling
   * (the penalty lasts about a second), back off on busy/5xx/network errors, and wait for archive restores.
   */
  async function call<T>(kind: ApiKind, method: 'GET' | 'POST', path: string, query: Record<string, string | undefined>, body: unknown, what: string, unionId?: string): Promise<T> {
    const url = new URL(options.endpoint + path)
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v)
    let failures = 0
    let renewed = false
    const archiveDeadline = Date.now() + archiveWaitMs
    for (let attempt = 1; ; attempt++) {
      const token = await options.tokens.get()
      const headers: Record<string, string> = { 'x-acs-dingtalk-access-token': token }
      if (body !== undefined) headers['content-type'] = 'application/json'
      let res: RawResponse
      // Waiting for this API's slot is silent: it is the budget working, not a problem.
      await options.pacer?.take(kind, options.signal)
      try {
        res = await send(options.dispatcher, method, url.href, headers, body === undefined ? undefined : JSON.stringify(body), options.log, options.signal, () => options.counter?.api(kind))
      } catch (err) {
        if (!(err instanceof NetworkError) || ++failures > retries) throw gaveUp(err, failures - 1)
        const delayMs = retryDelay(failures, undefined)
        options.onWait?.({ type: 'api-wait', reason: 'network', code: err.code, delayMs })
        await sleep(delayMs, options.signal)
        continue
      }
      const error = res.status >= 200 && res.status < 300 ? undefined : toApiError(res, what, unionId)
      const throttled = error !== undefined && isThrottleAnswer(res.status, error.code)
      options.pacer?.report(kind, throttled)
      if (throttled) options.counter?.throttled(error.code)
      if (error === undefined) return JSON.parse(res.text) as T
      const action = classifyApiError(res.status, error.code).action
      const retryAfter = parseRetryAfter(headerValue(res.headers, 'retry-after'))
      if (action === 'renew-token' && !renewed && options.tokens.canRenew) {
        renewed = true
        await options.tokens.renew(token)
        options.onWait?.({ type: 'api-wait', reason: 'token-renewed', code: error.code, delayMs: 0 })
        continue
      }
      if (action === 'archived') {
        const delayMs = Math.min(retryDelay(attempt, retryAfter, 1_000, { baseMs: 1_000, maxMs: 60_000 }), archiveDeadline - Date.now())
        if (delayMs <= 0) throw error
        options.onWait?.({ type: 'api-wait', reason: 'archived', code: error.code, delayMs })
        await sleep(delayMs, options.signal)
        continue
      }
      if ((action === 'throttled' || action === 'transient') && ++failures <= retries) {
        // Throttling penalties last about a second: retrying sooner only extends them.
        const delayMs = retryDelay(failures, retryAfter, throttled ? 1_000 : 0)
        options.onWait?.({ type: 'api-wait', reason: throttled ? 'throttled' : 'busy', code: error.code, delayMs })
        await sleep(delayMs, options.signal)
        continue
      }
      throw error
    }
  }

  const storagePath = (spaceId: string, dentryId?: string) =>
    `/v1.0/storage/spaces/${encodeURIComponent(spaceId)}/dentries${dentryId === undefined ? '' : `/${encodeURIComponent(dentryId)}`}`

  return {
    async getDownloadInfo(req) {
      const option: Record<string, unknown> = {}
      if (req.version !== undefined) option.version = req.version
      if (req.preferIntranet !== undefined) option.preferIntranet = req.preferIntranet
      const raw = await call<{ protocol?: string; headerSignatureInfo?: Record<string, unknown> }>(
        'downloadInfo',
        'POST',
        `${storagePath(req.spaceId, req.dentryId)}/downloadInfos/query`,
        { unionId: req.unionId },
        { option },
        'getting download info',
        req.unionId,
      )
      return { ...parseDownloadInfo(raw), preferIntranet: req.preferIntranet === true }
    },
    async getDentry(spaceId, dentryId, unionId) {
      const raw = await call<{ dentry?: Dentry }>('dentry', 'POST', `${storagePath(spaceId, dentryId)}/query`, { unionId }, { option: { withThumbnail: false } }, 'getting file details', unionId)
      if (!raw.dentry) throw new DtdlError('BAD_RESPONSE', ExitCode.remote, 'getting file details failed: the answer has no dentry')
      return raw.dentry
    },
    async listDentries(spaceId, parentId, unionId, nextToken) {
      const raw = await call<{ dentries?: Dentry[]; nextToken?: string }>(
        'list',
        'GET',
        storagePath(spaceId),
        { parentId, unionId, nextToken, maxResults: '50' },
        undefined,
        'listing a folder',
        unionId,
      )
      return { dentries: raw.dentries ?? [], ...(raw.nextToken ? { nextToken: raw.nextToken } : {}) }
    },
    async listVersions(spaceId, dentryId, unionId, nextToken) {
      const raw = await call<{ dentries?: Dentry[]; nextToken?: string }>(
        'versions',
        'GET',
        `${storagePath(spaceId, dentryId)}/versions`,
        { unionId, nextToken, maxResults: '100' },
        undefined,
        'listing versions',
        unionId,
      )
      return { dentries: raw.dentries ?? [], ...(raw.nextToken ? { nextToken: raw.nextToken } : {}) }
    },
    async queryDentryId(dentryUuid, unionId) {
      const raw = await call<{ spaceId?: unknown; dentryId?: unknown }>(
        'dentryUuid',
        'GET',
        `/v2.0/doc/dentries/${encodeURIComponent(dentryUuid)}/queryDentryId`,
        { operatorId: unionId },
        undefined,
        'resolving the link',
        unionId,
      )
      // Ids are strings in the SDK's model; a number would still name the same dentry.
      const spaceId = typeof raw.spaceId === 'number' ? String(raw.spaceId) : raw.spaceId
      const dentryId = typeof raw.dentryId === 'number' ? String(raw.dentryId) : raw.dentryId
      if (typeof spaceId !== 'string' || spaceId === '' || typeof dentryId !== 'string' || dentryId === '') {
        throw new DtdlError('BAD_RESPONSE', ExitCode.remote, `resolving the link failed: the answer for ${dentryUuid} has no spaceId and dentryId`)
      }
      return { spaceId, dentryId }
    },
    async listWorkspaces(unionId, nextToken) {
      const raw = await call<{ workspaces?: Workspace[]; nextToken?: string }>('workspaces', 'GET', '/v2.0/wiki/workspaces', { operatorId: unionId, nextToken, maxResults: '30' }, undefined, 'listing knowledge bases', unionId)
      return { workspaces: raw.workspaces ?? [], ...(raw.nextToken ? { nextToken: raw.nextToken } : {}) }
    },
    async getMineWorkspace(unionId) {
      const raw = await call<{ workspace?: Workspace }>('workspaces', 'GET', '/v2.0/wiki/mineWorkspaces', { operatorId: unionId }, undefined, 'looking up your own knowledge base', unionId)
      return raw.workspace && typeof raw.workspace === 'object' ? raw.workspace : undefined
    },
  }
}

/** The distinct hosts of the resource URLs: what progress and `info` show instead of signed URLs. */
export function resourceHosts(info: Pick<DownloadInfo, 'resourceUrls'>): string[] {
  return [...new Set(info.resourceUrls.map((u) => new URL(u).host))]
}

/** Pure: validates the download-info answer; only HEADER_SIGNATURE is supported. */
export function parseDownloadInfo(raw: { protocol?: string; headerSignatureInfo?: Record<string, unknown> }, now = Date.now()): DownloadInfo {
  if (raw.protocol !== 'HEADER_SIGNATURE' || !raw.headerSignatureInfo) {
    throw new DtdlError('UNSUPPORTED_PROTOCOL', ExitCode.remote, `DingTalk offered the download protocol ${raw.protocol ?? '(none)'}, and dtdl supports only HEADER_SIGNATURE`, {
      hint: 'please report this with the file type; the file cannot be fetched this way yet',
    })
  }
  const info = raw.headerSignatureInfo
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((u): u is string => typeof u === 'string' && u !== '') : [])
  const urls = strings(info.resourceUrls)
  if (urls.length === 0) throw new DtdlError('BAD_RESPONSE', ExitCode.remote, 'download info has no resource URL')
  const headers: Record<string, string> = {}
  if (info.headers && typeof info.headers === 'object') {
    for (const [k, v] of Object.entries(info.headers as Record<string, unknown>)) if (v !== undefined && v !== null) headers[k] = String(v)
  }
  return {
    resourceUrls: urls,
    internalResourceUrls: strings(info.internalResourceUrls),
    headers,
    expirationSeconds: typeof info.expirationSeconds === 'number' && info.expirationSeconds > 0 ? info.expirationSeconds : 900,
    region: typeof info.region === 'string' ? info.region : 'UNKNOWN',
    issuedAt: now,
  }
}
