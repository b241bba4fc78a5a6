// The doc and wiki routes: dentryId/dentryUuid lookups and the knowledge bases (workspaces).

import { fail, ok, paginate, type ApiAnswer, type ApiCall } from './answer.js'
import type { EmulatorContext } from './context.js'

export function queryDentryId(call: ApiCall): ApiAnswer {
  const { ctx } = call
  const operatorId = call.query.operatorId
  if (!operatorId) return fail(400, 'paramError', 'operatorId is mandatory')
  if (!ctx.unionIds.has(operatorId)) return fail(403, 'permissionDenied', 'the operator may not access this dentry')
  const entry = ctx.store.getByUuid(call.params[0] ?? '')
  if (!entry || entry.status !== 'NORMAL') return fail(404, 'documentNotExist', 'no document has this dentryUuid')
  return ok({ dentryUuid: entry.uuid, dentryId: entry.dentryId, spaceId: entry.spaceId })
}

export function queryDentryUuid(call: ApiCall): ApiAnswer {
  const { ctx, query } = call
  if (!query.operatorId || !query.spaceId) return fail(400, 'paramError', 'operatorId and spaceId are mandatory')
  if (!ctx.unionIds.has(query.operatorId))
    return fail(403, 'permissionDenied', 'the operator may not access this dentry')
  const entry = ctx.store.getEntry(query.spaceId, call.params[0] ?? '')
  if (!entry || entry.status !== 'NORMAL') return fail(404, 'documentNotExist', 'no such dentry')
  return ok({ dentryUuid: entry.uuid, dentryId: entry.dentryId, spaceId: entry.spaceId })
}

/** GET /v2.0/wiki/workspaces: the knowledge bases the operator can see, 30 a page at most. */
export function listWorkspaces(call: ApiCall): ApiAnswer {
  const { ctx, query } = call
  if (!query.operatorId) return fail(400, 'paramError', 'operatorId is mandatory')
  if (!ctx.unionIds.has(query.operatorId))
    return fail(403, 'permissionDenied', 'the operator may not list knowledge bases')
  const page = paginate(call, ctx.workspaces, 'workspaces', 30, 30, (w) => describeWorkspace(ctx, w))
  if (page.status !== 200) return page
  const { dentries, ...rest } = page.body as { dentries: unknown[]; nextToken?: string }
  return ok({ workspaces: dentries, ...rest })
}

/** GET /v2.0/wiki/mineWorkspaces: the operator's own knowledge base. */
export function mineWorkspace(call: ApiCall): ApiAnswer {
  const { ctx, query } = call
  if (!query.operatorId) return fail(400, 'paramError', 'operatorId is mandatory')
  if (!ctx.unionIds.has(query.operatorId))
    return fail(403, 'permissionDenied', 'the operator may not list knowledge bases')
  const mine = ctx.workspaces.find((w) => w.mine)
  return ok(mine ? { workspace: describeWorkspace(ctx, mine) } : {})
}

function describeWorkspace(ctx: EmulatorContext, w: EmulatorContext['workspaces'][number]): Record<string, unknown> {
  const rootNodeId = ctx.store.getEntry(w.root.spaceId, w.root.dentryId)?.uuid ?? ''
  return {
    workspaceId: w.workspaceId,
    name: w.name,
    type: w.type ?? 'TEAM',
    rootNodeId,
    url: `https://alidocs.dingtalk.com/i/spaces/${w.workspaceId}/overview`,
    corpId: 'dingemulatorcorp',
    createTime: '2024-05-01T08:00:00Z',
    modifiedTime: '2024-05-01T08:00:00Z',
  }
}
