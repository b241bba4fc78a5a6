// The old-style API host's user routes (oapi.dingtalk.com/topapi/...): HTTP 200 with errcode/errmsg, token in the
// query.

import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { readBody } from './api.js'
import { flattenHeaders } from './oss.js'
import { logRequest, type EmulatorContext } from './context.js'
import { hostile, sendAnswer, stallIfDue } from './reply.js'
import type { ApiRequestLog, EmulatorApiName } from './types.js'

export const OAPI_PREFIX = '/topapi/'

const PERMISSION: Record<string, string> = {
  userGet: 'qyapi_get_member',
  userGetByMobile: 'qyapi_get_member_by_mobile',
}

export async function handleOapi(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const raw = await readBody(req)
  let body: unknown
  try {
    body = raw.trim() === '' ? undefined : JSON.parse(raw)
  } catch {
    body = raw
  }
  const query = Object.fromEntries(url.searchParams)
  const log: ApiRequestLog = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query,
    body,
    status: 0,
    token: query.access_token,
    headers: flattenHeaders(req.headers),
  }
  logRequest(ctx, ctx.stats.apiRequests, log)
  ctx.stats.oapiCalls++
  const method = req.method ?? 'GET'
  const api: EmulatorApiName | undefined =
    method === 'POST' && url.pathname === '/topapi/v2/user/get'
      ? 'userGet'
      : method === 'POST' && url.pathname === '/topapi/v2/user/getbymobile'
        ? 'userGetByMobile'
        : undefined
  if (api && (await stallIfDue(ctx, api, res, log, {}))) return
  const answer = api
    ? answerOapi(ctx, api, query.access_token, body)
    : { errcode: 22, errmsg: `Invalid method[submsg=不合法ApiName, ${url.pathname}]` }
  if (answer.errcode !== 0 && typeof answer.errmsg === 'string') answer.errmsg = hostile(ctx, answer.errmsg)
  // Failures too come as HTTP 200: only errcode tells them apart.
  await sendAnswer(
    ctx,
    res,
    api,
    { status: 200, body: { ...answer, request_id: randomBytes(6).toString('hex') } },
    {},
    log,
  )
}

function answerOapi(
  ctx: EmulatorContext,
  api: EmulatorApiName,
  token: string | undefined,
  body: unknown,
): Record<string, unknown> {
  const injected = ctx.faults.takeApiError(api)
  if (injected) return { errcode: Number(injected.code), errmsg: injected.message }
  if (!ctx.tokens.isValid(token)) return { errcode: 40014, errmsg: '不合法的access_token' }
  if (ctx.faults.faults.denyUserQuery) {
    const scope = PERMISSION[api]!
    return {
      errcode: 88,
      sub_code: '60011',
      sub_msg: `应用尚未开通所需的权限：[${scope}]`,
      errmsg: `ding talk error[subcode=60011,submsg=应用尚未开通所需的权限：[${scope}]]`,
    }
  }
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
  if (api === 'userGetByMobile') {
    const mobile = typeof fields.mobile === 'string' ? fields.mobile : ''
    if (!/^\+?[\d-]{5,20}$/.test(mobile)) return { errcode: 40104, errmsg: '无效的手机号' }
    const user = ctx.users.find((u) => u.mobile === mobile)
    if (!user) return { errcode: 60121, errmsg: '找不到该用户' }
    return { errcode: 0, errmsg: 'ok', result: { userid: user.userid } }
  }
  const userid = typeof fields.userid === 'string' ? fields.userid : ''
  if (userid === '') return { errcode: 400002, errmsg: '无效的参数: userid' }
  const user = ctx.users.find((u) => u.userid === userid)
  if (!user) return { errcode: 60121, errmsg: '找不到该用户' }
  return {
    errcode: 0,
    errmsg: 'ok',
    result: {
      userid: user.userid,
      unionid: user.unionid,
      name: user.name,
      active: true,
      ...(user.mobile ? { mobile: user.mobile } : {}),
    },
  }
}
