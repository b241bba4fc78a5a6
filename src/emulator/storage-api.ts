// The storage routes: download info, get dentry, list a folder, a space or versions, and how a dentry is described.

import { fail, isObject, ok, paginate, parseInteger, type ApiAnswer, type ApiCall } from './answer.js'
import type { EmulatorContext } from './context.js'
import { INTRANET_URL_INDEX, makeObjectKey } from './oss.js'
import type { StoredEntry } from './store.js'

export function getDownloadInfo(call: ApiCall): ApiAnswer {
  const { ctx } = call
  const [spaceId = '', dentryId = ''] = call.params
  const denied = checkUnionId(ctx, call.query.unionId)
  if (denied) return denied
  if (call.bodyInvalid || (call.body !== undefined && !isObject(call.body)))
    return fail(400, 'paramError', 'body is not valid JSON')
  const option = isObject(call.body) ? call.body.option : undefined
  if (option !== undefined && option !== null && !isObject(option))
    return fail(400, 'paramError', 'option must be an object')
  const requested = isObject(option) ? option.version : undefined
  let version: number | undefined
  if (requested !== undefined && requested !== null) {
    version = parseInteger(requested)
    if (version === undefined) return fail(400, 'paramError', 'option.version must be an integer')
  }
  const found = findEntry(ctx, spaceId, dentryId, true)
  if ('status' in found) return found
  const entry = found.entry
  if (entry.kind === 'FOLDER') return fail(400, 'operationNotSupported', 'a folder cannot be downloaded')
  if (entry.storageDriver === 'ALIDOC')
    return fail(400, 'operationNotSupported', 'an online document cannot be downloaded')
  version ??= entry.current
  if (!entry.versions.has(version)) return fail(404, 'dentryNotExist', `version ${version} does not exist`)
  if (entry.archived) {
    if (ctx.faults.isStillArchived(`${spaceId}/${dentryId}`))
      return fail(400, 'fileArchived', 'the file is archived; restoring it, retry later')
    entry.archived = false
  }

  const faults = ctx.faults.faults
  const protocol = faults.protocol ?? 'HEADER_SIGNATURE'
  if (protocol !== 'HEADER_SIGNATURE') return ok({ protocol })
  const key = makeObjectKey(spaceId, dentryId, version)
  return ok({
    protocol,
    headerSignatureInfo: {
      resourceUrls:
        entry.resourceUrl !== undefined ? [entry.resourceUrl] : [0, 1].map((index) => `${ctx.url}/oss/${index}/${key}`),
      headers: ctx.signer.sign(`/${key}`),
      expirationSeconds: ctx.faults.advertisedExpirationSeconds,
      region: 'ZHANGJIAKOU',
      // The server's default for preferIntranet is true: only an explicit false leaves them out.
      internalResourceUrls:
        faults.intranet && (!isObject(option) || option.preferIntranet !== false)
          ? [`${ctx.url}/oss/${INTRANET_URL_INDEX[faults.intranet]}/${key}`]
          : [],
    },
  })
}

export function getDentry(call: ApiCall): ApiAnswer {
  const { ctx } = call
  if (ctx.faults.faults.denyDentryQuery) {
    return {
      status: 403,
      body: {
        code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied',
        message: '没有调用该接口的权限，接口权限申请参考：https://open.dingtalk.com/document/orgapp/add-api-permission',
        accessdenieddetail: { requiredScopes: ['Storage.File.Read'] },
      },
    }
  }
  const denied = checkUnionId(ctx, call.query.unionId)
  if (denied) return denied
  const found = findEntry(ctx, call.params[0] ?? '', call.params[1] ?? '', false)
  if ('status' in found) return found
  return ok({ dentry: describeEntry(ctx, found.entry) })
}

export function listDentries(call: ApiCall): ApiAnswer {
  const { ctx, query } = call
  const spaceId = call.params[0] ?? ''
  const denied = checkUnionId(ctx, query.unionId)
  if (denied) return denied
  const parentId = query.parentId
  if (!parentId) return fail(400, 'paramError', 'parentId is mandatory')
  if (!ctx.store.hasSpace(spaceId)) return fail(404, 'spaceNotExist', `space ${spaceId} does not exist`)
  if (parentId !== '0') {
    const parent = ctx.store.getEntry(spaceId, parentId)
    if (!parent || parent.status !== 'NORMAL') return fail(404, 'dentryNotExist', `folder ${parentId} does not exist`)
    if (parent.kind !== 'FOLDER') return fail(400, 'paramError', `${parentId} is not a folder`)
  }
  if (ctx.faults.faults.denyListing?.includes(parentId))
    return fail(403, 'permissionDenied', `the user may not list folder ${parentId}`)
  const children = ctx.store.listChildren(spaceId, parentId)
  return paginate(
    call,
    children,
    `list:${spaceId}:${parentId}`,
    30,
    50,
    (e) => describeEntry(ctx, e),
    ctx.faults.faults.listPageSize,
  )
}

export function listVersions(call: ApiCall): ApiAnswer {
  const { ctx } = call
  const denied = checkUnionId(ctx, call.query.unionId)
  if (denied) return denied
  const found = findEntry(ctx, call.params[0] ?? '', call.params[1] ?? '', true)
  if ('status' in found) return found
  const entry = found.entry
  if (entry.kind === 'FOLDER') return fail(400, 'operationNotSupported', 'a folder has no versions')
  const versions = [...entry.versions.keys()].sort((a, b) => b - a)
  return paginate(call, versions, `versions:${entry.spaceId}:${entry.dentryId}`, 50, 100, (v) =>
    describeEntry(ctx, entry, v),
  )
}

/**
 * POST .../dentries/listAll: every file and folder of a space, flat, ordered by path; paged by the body's
 * option.maxResults (<= 50) and option.nextToken, as the real route takes them.
 */
export function listSpace(call: ApiCall): ApiAnswer {
  const { ctx } = call
  const spaceId = call.params[0] ?? ''
  const denied = checkUnionId(ctx, call.query.unionId)
  if (denied) return denied
  if (call.bodyInvalid || (call.body !== undefined && !isObject(call.body)))
    return fail(400, 'paramError', 'body is not valid JSON')
  const option = isObject(call.body) && isObject(call.body.option) ? call.body.option : {}
  if (!ctx.store.hasSpace(spaceId)) return fail(404, 'spaceNotExist', `space ${spaceId} does not exist`)
  const entries = ctx.store
    .allFiles()
    .filter((e) => e.spaceId === spaceId && e.status === 'NORMAL')
    .map((e) => ({ e, path: ctx.store.pathOf(e) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map(({ e }) => e)
  const query = {
    maxResults: option.maxResults === undefined || option.maxResults === null ? '' : String(option.maxResults),
    nextToken: typeof option.nextToken === 'string' ? option.nextToken : '',
  }
  return paginate(
    { ...call, query },
    entries,
    `listAll:${spaceId}`,
    50,
    50,
    (e) => describeEntry(ctx, e),
    ctx.faults.faults.listPageSize,
  )
}

function describeEntry(
  ctx: EmulatorContext,
  entry: StoredEntry,
  versionNumber = entry.current,
): Record<string, unknown> {
  const operator = [...ctx.unionIds][0] ?? 'emulator-user'
  const dentry: Record<string, unknown> = {
    id: entry.dentryId,
    spaceId: entry.spaceId,
    parentId: entry.parentId,
    type: entry.kind,
    name: entry.name,
    path: ctx.store.pathOf(entry),
    status: entry.status,
    creatorId: operator,
    modifierId: operator,
    createTime: entry.createTime,
    modifiedTime: entry.modifiedTime,
    uuid: entry.uuid,
    partitionType: 'PUBLIC_OSS_PARTITION',
    storageDriver: 'DINGTALK',
    properties: { readOnly: false },
  }
  if (entry.storageDriver !== undefined) dentry.storageDriver = entry.storageDriver
  const version = entry.versions.get(versionNumber)
  if (entry.kind === 'FILE' && version) {
    dentry.size = version.size
    dentry.version = version.version
    dentry.modifiedTime = version.modifiedTime
    const dot = entry.name.lastIndexOf('.')
    dentry.extension = dot > 0 ? entry.name.slice(dot + 1) : ''
  }
  const faults = ctx.faults.faults
  // The SDK's own examples spell the type both ways, and every field is optional there.
  if (faults.lowerCaseType) dentry.type = entry.kind.toLowerCase()
  for (const field of faults.omitFields?.[entry.dentryId] ?? []) delete dentry[field]
  return dentry
}

function findEntry(
  ctx: EmulatorContext,
  spaceId: string,
  dentryId: string,
  normalOnly: boolean,
): { entry: StoredEntry } | ApiAnswer {
  if (!ctx.store.hasSpace(spaceId)) return fail(404, 'spaceNotExist', `space ${spaceId} does not exist`)
  const entry = ctx.store.getEntry(spaceId, dentryId)
  if (!entry || (normalOnly && entry.status !== 'NORMAL'))
    return fail(404, 'dentryNotExist', `dentry ${dentryId} does not exist`)
  return { entry }
}

function checkUnionId(ctx: EmulatorContext, unionId: string | undefined): ApiAnswer | undefined {
  if (!unionId) return fail(400, 'paramError', 'unionId is mandatory')
  if (!ctx.unionIds.has(unionId)) return fail(403, 'permissionDenied', `user ${unionId} has no permission`)
  return undefined
}
