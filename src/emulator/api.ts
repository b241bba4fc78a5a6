// The DingTalk open API: the route table, what every call goes through (faults, token check), and the token route.

import { randomBytes, randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { endlessPage, fail, isObject, ok, type ApiAnswer, type ApiCall } from './answer.js'
import { logRequest, wait, type EmulatorContext } from './context.js'
import { listWorkspaces, mineWorkspace, queryDentryId, queryDentryUuid } from './doc-api.js'
import { flattenHeaders } from './oss.js'
import { hostile, sendAnswer, stallIfDue } from './reply.js'
import { getDentry, getDownloadInfo, listDentries, listSpace, listVersions } from './storage-api.js'
import type { ApiRequestLog, EmulatorApiName } from './types.js'

interface Route {
  method: string
  pattern: RegExp
  api: EmulatorApiName
  handle(call: ApiCall): ApiAnswer
}

const SEGMENT = '([^/]+)'
const routes: Route[] = [
  { method: 'POST', pattern: /^\/v1\.0\/oauth2\/accessToken$/, api: 'token', handle: mintToken },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1\\.0/storage/spaces/${SEGMENT}/dentries/${SEGMENT}/downloadInfos/query$`),
    api: 'downloadInfo',
    handle: getDownloadInfo,
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1\\.0/storage/spaces/${SEGMENT}/dentries/${SEGMENT}/query$`),
    api: 'dentry',
    handle: getDentry,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1\\.0/storage/spaces/${SEGMENT}/dentries$`),
    api: 'list',
    handle: listDentries,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1\\.0/storage/spaces/${SEGMENT}/dentries/${SEGMENT}/versions$`),
    api: 'versions',
    handle: listVersions,
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1\\.0/storage/spaces/${SEGMENT}/dentries/listAll$`),
    api: 'listAll',
    handle: listSpace,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v2\\.0/doc/dentries/${SEGMENT}/queryDentryId$`),
    api: 'dentryUuid',
    handle: queryDentryId,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v2\\.0/doc/dentries/${SEGMENT}/queryDentryUuid$`),
    api: 'queryDentryUuid',
    handle: queryDentryUuid,
  },
  { method: 'GET', pattern: /^\/v2\.0\/wiki\/workspaces$/, api: 'workspaces', handle: listWorkspaces },
  { method: 'GET', pattern: /^\/v2\.0\/wiki\/mineWorkspaces$/, api: 'mineWorkspaces', handle: mineWorkspace },
]

const MAX_BODY = 1 << 20
const IP_BLOCK_PAGE =
  '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>访问被拒绝 Access Denied</title></head>\n' +
  '<body><h1>访问被拒绝</h1><p>您的IP访问过于频繁，已被暂时封禁，请5分钟后再试。</p>' +
  '<p>Your IP has been blocked for too many requests. Try again in 5 minutes.</p></body></html>\n'

export async function handleApi(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  // A gateway's rate limit counts a call when it arrives, not when its body has been read.
  const arrivedAt = performance.now()
  const raw = await readBody(req)
  let body: unknown
  let bodyInvalid = false
  if (raw.trim() !== '') {
    try {
      body = JSON.parse(raw)
    } catch {
      body = raw
      bodyInvalid = true
    }
  }
  const query = Object.fromEntries(url.searchParams)
  const tokenHeader = req.headers['x-acs-dingtalk-access-token']
  const token = typeof tokenHeader === 'string' ? tokenHeader : undefined
  const log: ApiRequestLog = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query,
    body,
    status: 0,
    token,
    headers: flattenHeaders(req.headers),
  }
  logRequest(ctx, ctx.stats.apiRequests, log)

  const requestId = randomUUID().toUpperCase()
  const headers = { 'x-acs-request-id': requestId, 'x-acs-trace-id': randomBytes(16).toString('hex') }
  const found = findRoute(log.method, url.pathname)
  if (found && (await stallIfDue(ctx, found.route.api, res, log, headers))) return
  if (ctx.faults.faults.htmlBlock) {
    // The IP block comes from a gateway, not the API: HTML, so clients must not assume JSON errors.
    log.status = 403
    res.writeHead(403, {
      ...headers,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(IP_BLOCK_PAGE)),
    })
    return void res.end(IP_BLOCK_PAGE)
  }
  const answer = answerCall(
    ctx,
    log.method,
    url.pathname,
    found,
    { ctx, params: [], query, body, bodyInvalid, contentType: req.headers['content-type'] ?? '' },
    token,
    arrivedAt,
  )
  if (found) await answerLater(ctx, found.route.api)
  // Error bodies carry the same request id as the header: it is what DingTalk support asks for.
  const sent =
    answer.status >= 400
      ? { status: answer.status, body: errorBody(ctx, { ...(answer.body as object), requestid: requestId }) }
      : answer
  await sendAnswer(ctx, res, found?.route.api, sent, headers, log)
}

/** The apiLatency fault: the answer waits, and the calls of each API being answered at once are counted. */
async function answerLater(ctx: EmulatorContext, api: EmulatorApiName): Promise<void> {
  const latency = ctx.faults.faults.apiLatency
  if (!latency || (latency.api !== undefined && latency.api !== api)) return
  const inFlight = (ctx.inFlight[api] ?? 0) + 1
  ctx.inFlight[api] = inFlight
  ctx.stats.maxInFlight[api] = Math.max(ctx.stats.maxInFlight[api] ?? 0, inFlight)
  try {
    await wait(ctx, latency.ms + Math.random() * (latency.jitterMs ?? 0))
  } finally {
    ctx.inFlight[api] = (ctx.inFlight[api] ?? 1) - 1
  }
}

/** The SDK's gateway reads Code|code, Message|message, RequestId|requestid, AccessDeniedDetail|accessdenieddetail. */
const CAPITALISED: Record<string, string> = {
  code: 'Code',
  message: 'Message',
  requestid: 'RequestId',
  accessdenieddetail: 'AccessDeniedDetail',
}

/** An error answer's body as the capitalErrorKeys and escapes faults shape it. */
function errorBody(ctx: EmulatorContext, body: Record<string, unknown>): Record<string, unknown> {
  for (const key of ['code', 'message']) if (typeof body[key] === 'string') body[key] = hostile(ctx, body[key])
  if (!ctx.faults.faults.capitalErrorKeys) return body
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [CAPITALISED[k] ?? k, v]))
}

/** The route a request is for, and its path parameters as matched (undecoded). */
function findRoute(method: string, pathname: string): { route: Route; raw: string[] } | undefined {
  for (const route of routes) {
    const match = route.method === method ? route.pattern.exec(pathname) : null
    if (match) return { route, raw: match.slice(1) }
  }
  return undefined
}

function answerCall(
  ctx: EmulatorContext,
  method: string,
  pathname: string,
  found: ReturnType<typeof findRoute>,
  call: ApiCall,
  token: string | undefined,
  arrivedAt: number,
): ApiAnswer {
  if (!found) return fail(404, 'resourceNotFound', `no API at ${method} ${pathname}`)
  const { route } = found
  try {
    call.params = found.raw.map((p) => decodeURIComponent(p))
  } catch {
    return fail(400, 'paramError', 'malformed path parameter')
  }
  if (route.api === 'downloadInfo') ctx.stats.downloadInfoCalls++
  const injected = ctx.faults.takeApiError(route.api) ?? ctx.faults.takeQpsRejection(route.api, arrivedAt)
  if (injected) return fail(injected.status, injected.code, injected.message)
  if (route.api !== 'token' && !ctx.tokens.isValid(token)) {
    return fail(400, 'InvalidAuthentication', 'access token is missing, invalid or expired')
  }
  if (ctx.faults.isEndless(route.api)) return endlessPage()
  return route.handle(call)
}

function mintToken({ ctx, body, contentType }: ApiCall): ApiAnswer {
  if (contentType.includes('application/x-www-form-urlencoded') || !isObject(body)) {
    return fail(400, 'MissingBody', 'body is mandatory')
  }
  if (body.appKey !== ctx.appKey || body.appSecret !== ctx.appSecret) {
    return fail(400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret')
  }
  ctx.stats.tokenMints++
  return ok(ctx.tokens.mint())
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size <= MAX_BODY) chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
