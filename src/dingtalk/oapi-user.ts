// The old-style API (oapi.dingtalk.com) user lookups: userid → unionId, mobile → userid; errcode-typed errors.
import type { Dispatcher } from 'undici'
import { ApiError, DtdlError, ExitCode, NetworkError, UsageError } from '../errors.js'
import { ApiRetry } from './api-call.js'
import type { ApiWaitEvent } from './types.js'
import type { HttpLogger } from '../http/dispatcher.js'
import { send as transportSend } from './transport.js'
import type { TokenProvider } from './access-token.js'
import type { RequestCounter } from '../http/request-counter.js'

export interface OapiUser {
  userId: string
  unionId: string
  name?: string | undefined
}

export interface OapiUserClient {
  /** POST /topapi/v2/user/get: a userid's unionId and name (permission qyapi_get_member). */
  getUser(userId: string): Promise<OapiUser>
  /** POST /topapi/v2/user/getbymobile: an active member's userid (permission qyapi_get_member_by_mobile). */
  getUserIdByMobile(mobile: string): Promise<string>
}

export interface OapiClientOptions {
  endpoint: string
  dispatcher: Dispatcher
  tokens: TokenProvider
  log?: HttpLogger | undefined
  signal?: AbortSignal | undefined
  /** Counts every request sent (kind "user"). */
  counter?: RequestCounter | undefined
  /** Network failures and timeouts are retried as for every call (the one retry decision). */
  retries?: number | undefined
  stallTimeoutMs?: number | undefined
  onWait?: ((event: ApiWaitEvent) => void) | undefined
}

interface OapiAnswer {
  errcode?: unknown
  errmsg?: unknown
  sub_code?: unknown
  sub_msg?: unknown
  request_id?: unknown
  result?: Record<string, unknown>
}

/** errcode 40014: the access token is invalid (expired or revoked): renew it once. */
export const OAPI_INVALID_TOKEN = 40014

/**
 * Pure: what a non-zero errcode means. The old-style API answers HTTP 200 with errcode/errmsg; a missing
 * permission comes as its own code (60011, or 88 with sub_code 60011) with the permission in the message.
 */
export function classifyOapiError(answer: OapiAnswer, what: string, permission: string): DtdlError {
  const code = Number(answer.errcode)
  const subCode = answer.sub_code === undefined ? undefined : String(answer.sub_code)
  const message =
    [answer.errmsg, answer.sub_msg].filter((m): m is string => typeof m === 'string' && m !== '').join(': ') ||
    `errcode ${code}`
  const requestId = typeof answer.request_id === 'string' ? answer.request_id : undefined
  const named = /\[([A-Za-z0-9_.]+)\]/.exec(message)?.[1] ?? permission
  const options = { requestId, status: 200 }
  if (code === 60121)
    return new ApiError('userNotFound', ExitCode.notFound, `${what} failed: no such user (errcode 60121: ${message})`, {
      ...options,
      hint: 'check the userid (admin console > Contacts) or the mobile number (active members only)',
    })
  if (code === 40104)
    return new UsageError(`${what} failed: the mobile number is not valid (errcode 40104)`, {
      ...options,
      code: 'invalidMobile',
      hint: 'give the number as DingTalk has it, e.g. 13800000000',
    })
  if (code === OAPI_INVALID_TOKEN)
    return new ApiError(
      'InvalidAuthentication',
      ExitCode.auth,
      `${what} failed: the access token was refused (errcode 40014)`,
      { ...options, hint: 'set a fresh DINGTALK_ACCESS_TOKEN, or use app credentials so dtdl can renew it' },
    )
  if (code === 60011 || subCode === '60011' || /权限|permission/i.test(message)) {
    return new ApiError(
      'userQueryPermissionDenied',
      ExitCode.auth,
      `${what} failed: the app lacks the permission ${named} (errcode ${code}${subCode ? `/${subCode}` : ''})`,
      {
        ...options,
        hint: `add ${named} to the app in the DingTalk developer console, or give the unionId itself with -u`,
      },
    )
  }
  return new ApiError(`oapi.${code}`, ExitCode.remote, `${what} failed: errcode ${code}: ${message}`, {
    ...options,
    hint: 'run again later, or give the unionId itself with -u',
  })
}

export function createOapiUserClient(options: OapiClientOptions): OapiUserClient {
  /** One call; the token rides in the query (this API's way), so logged URLs are redacted. */
  async function post(
    path: string,
    body: Record<string, string>,
    what: string,
    permission: string,
  ): Promise<Record<string, unknown>> {
    let renewed = false
    const retry = new ApiRetry(options, false)
    for (;;) {
      const token = await options.tokens.get()
      const url = `${options.endpoint}${path}?access_token=${encodeURIComponent(token)}`
      let answer: OapiAnswer
      try {
        answer = await send(options, url, JSON.stringify(body), what)
      } catch (err) {
        if (!(err instanceof NetworkError)) throw err
        await retry.after({ kind: 'network', code: err.code }, err)
        continue
      }
      if (Number(answer.errcode) === 0 && answer.result && typeof answer.result === 'object') return answer.result
      if (Number(answer.errcode) === OAPI_INVALID_TOKEN && !renewed && options.tokens.canRenew) {
        renewed = true
        await options.tokens.renew(token)
        continue
      }
      if (Number(answer.errcode) === 0)
        throw new DtdlError('BAD_RESPONSE', ExitCode.remote, `${what} failed: the answer has no result`)
      throw classifyOapiError(answer, what, permission)
    }
  }

  return {
    async getUser(userId) {
      const result = await post(
        '/topapi/v2/user/get',
        { userid: userId },
        `looking up the user ${userId}`,
        'qyapi_get_member',
      )
      if (typeof result.unionid !== 'string' || result.unionid === '') {
        throw new DtdlError(
          'BAD_RESPONSE',
          ExitCode.remote,
          `looking up the user ${userId} failed: the answer has no unionid`,
        )
      }
      return {
        userId: typeof result.userid === 'string' ? result.userid : userId,
        unionId: result.unionid,
        name: typeof result.name === 'string' ? result.name : undefined,
      }
    },
    async getUserIdByMobile(mobile) {
      const result = await post(
        '/topapi/v2/user/getbymobile',
        { mobile },
        'looking up the mobile number',
        'qyapi_get_member_by_mobile',
      )
      if (typeof result.userid !== 'string' || result.userid === '')
        throw new DtdlError(
          'BAD_RESPONSE',
          ExitCode.remote,
          'looking up the mobile number failed: the answer has no userid',
        )
      return result.userid
    },
  }
}

/** One call through the API's own transport (its time and size bounds); the answer's errcode read here. */
async function send(options: OapiClientOptions, url: string, body: string, what: string): Promise<OapiAnswer> {
  const res = await transportSend('POST', url, { 'content-type': 'application/json' }, body, what, {
    ...options,
    count: () => options.counter?.api('user'),
  })
  try {
    const parsed = JSON.parse(res.text) as unknown
    if (parsed && typeof parsed === 'object' && 'errcode' in parsed) return parsed as OapiAnswer
  } catch {
    // handled below
  }
  throw new ApiError(
    `HTTP_${res.status}`,
    res.status === 403 ? ExitCode.auth : ExitCode.remote,
    `the user lookup at ${new URL(url).origin} answered HTTP ${res.status} without an errcode`,
    {
      status: res.status,
      hint: 'check DTDL_OAPI_ENDPOINT (default https://oapi.dingtalk.com); run again later',
    },
  )
}
