// `dtdl user <userid|mobile>`: who that is (name, userid, unionId), looked up once through oapi and cached.
import { connectApi, type ApiContext } from '../dingtalk/connect.js'
import { lookupUser } from '../dingtalk/operator.js'

export interface UserOptions {
  /** A userid, or a mobile number. */
  who: string
  /** What `who` is; default: a mobile number when it looks like one (see looksLikeMobile), else a userid. */
  as?: 'userId' | 'mobile' | undefined
  endpoint?: string | undefined
}

export interface UserInfo {
  name: string | null
  userId: string
  unionId: string
  /** Answered from the config store's cache, no call made. */
  cached: boolean
}

/**
 * Pure: a mainland mobile number (11 digits starting with 1) or an international one (+ and digits). Userids
 * can be all digits too, so anything else is taken for a userid (`--mobile` / `--user-id` force either).
 */
export const looksLikeMobile = (text: string): boolean => /^1\d{10}$/.test(text) || /^\+\d[\d-]{5,19}$/.test(text)

export async function runUser(options: UserOptions, ctx: ApiContext): Promise<UserInfo> {
  ctx.reporter.phase('looking up the user')
  const connected = await connectApi(ctx, { endpoint: options.endpoint })
  try {
    const kind = options.as ?? (looksLikeMobile(options.who) ? 'mobile' : 'userId')
    const user = await lookupUser({ kind, value: options.who }, connected.operatorDeps)
    return { name: user.name ?? null, userId: user.userId, unionId: user.unionId, cached: user.cached }
  } finally {
    await connected.dispatcher.destroy().catch(() => {})
  }
}
