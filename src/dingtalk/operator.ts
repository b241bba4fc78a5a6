// Who the operator is: a unionId as given, or one looked up from a userid or mobile number once and cached.
import { UsageError } from '../errors.js'
import type { OperatorRef } from '../config/settings.js'
import { userCacheKey, type LookupCache } from '../config/lookup-cache.js'
import type { OapiUser, OapiUserClient } from './oapi-user.js'

export interface OperatorDeps {
  oapi: OapiUserClient
  cache?: LookupCache | undefined
  /** What the cache keys carry: userids are unique only within one organisation (one app). */
  scope: { oapiEndpoint: string; appKey: string | undefined }
}

export function noOperatorError(): UsageError {
  return new UsageError("no operator given: the DingTalk API needs the operator's unionId", {
    code: 'NO_UNION_ID',
    hint: 'pass -u <unionId>, --user-id <userid> or --mobile <number>; or set DINGTALK_UNION_ID / DINGTALK_USER_ID, or `dtdl config set unionId|userId ...`',
  })
}

/** The full record of a userid or mobile number: cached, else one or two oapi calls (mobile → userid → unionId). */
export async function lookupUser(
  who: Exclude<OperatorRef, { kind: 'unionId' }>,
  deps: OperatorDeps,
): Promise<OapiUser & { cached: boolean }> {
  let userId = who.value
  let cached = true
  if (who.kind === 'mobile') {
    const key = userCacheKey(deps.scope, who)
    const hit = deps.cache?.getUser(key)
    if (hit) userId = hit.userId
    else {
      cached = false
      userId = await deps.oapi.getUserIdByMobile(who.value)
      await deps.cache?.setUser(key, { userId })
    }
  }
  const key = userCacheKey(deps.scope, { kind: 'userId', value: userId })
  const hit = deps.cache?.getUser(key)
  if (hit?.unionId !== undefined) return { userId, unionId: hit.unionId, name: hit.name, cached }
  const user = await deps.oapi.getUser(userId)
  await deps.cache?.setUser(key, { userId: user.userId, unionId: user.unionId, name: user.name })
  return { ...user, cached: false }
}

/** The operator's unionId, whichever way it was named; a usage error when it was not named at all. */
export async function resolveUnionId(operator: OperatorRef | undefined, deps: OperatorDeps): Promise<string> {
  if (operator === undefined) throw noOperatorError()
  if (operator.kind === 'unionId') return operator.value
  return (await lookupUser(operator, deps)).unionId
}
