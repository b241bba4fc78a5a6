// The DingTalk open API calls dtdl makes: token, download info, dentries, folders, versions, dentryUuids, knowledge bases.
import { DtdlError, ExitCode } from '../errors.js'
import type { ApiKind } from '../http/request-counter.js'
import { callApi } from './api-call.js'
import type { ApiClientOptions, DingTalkApi } from './types.js'
import { parseDownloadInfo, readDentry, readDentryPage, readWorkspace, readWorkspacePage } from './answers.js'

export type { ApiClientOptions, ApiWaitEvent, DentryIds, Dentry, DingTalkApi, DownloadInfo, DownloadInfoRequest, Workspace } from './types.js'
export { mintAccessToken } from './mint-token.js'
export { readErrorBody, toApiError } from './transport.js'
export { parseDownloadInfo } from './answers.js'

export function createApiClient(options: ApiClientOptions): DingTalkApi {
  const call = (kind: ApiKind, method: 'GET' | 'POST', path: string, query: Record<string, string | undefined>, body: unknown, what: string, unionId?: string) =>
    callApi(options, kind, method, path, query, body, what, unionId)
  const storagePath = (spaceId: string, dentryId?: string) =>
    `/v1.0/storage/spaces/${encodeURIComponent(spaceId)}/dentries${dentryId === undefined ? '' : `/${encodeURIComponent(dentryId)}`}`

  return {
    async getDownloadInfo(req) {
      const option: Record<string, unknown> = {}
      if (req.version !== undefined) option.version = req.version
      if (req.preferIntranet !== undefined) option.preferIntranet = req.preferIntranet
      const raw = await call('downloadInfo', 'POST', `${storagePath(req.spaceId, req.dentryId)}/downloadInfos/query`, { unionId: req.unionId }, { option }, 'getting download info', req.unionId)
      return { ...parseDownloadInfo(raw), preferIntranet: req.preferIntranet === true }
    },
    async getDentry(spaceId, dentryId, unionId) {
      const what = 'getting file details'
      const raw = await call('dentry', 'POST', `${storagePath(spaceId, dentryId)}/query`, { unionId }, { option: { withThumbnail: false } }, what, unionId)
      if (raw.dentry === undefined || raw.dentry === null) throw new DtdlError('BAD_RESPONSE', ExitCode.remote, `${what} failed: the answer has no dentry`)
      return readDentry(raw.dentry, what, 'dentry')
    },
    async listDentries(spaceId, parentId, unionId, nextToken) {
      const what = 'listing a folder'
      return readDentryPage(await call('list', 'GET', storagePath(spaceId), { parentId, unionId, nextToken, maxResults: '50' }, undefined, what, unionId), what)
    },
    async listVersions(spaceId, dentryId, unionId, nextToken) {
      const what = 'listing versions'
      return readDentryPage(await call('versions', 'GET', `${storagePath(spaceId, dentryId)}/versions`, { unionId, nextToken, maxResults: '100' }, undefined, what, unionId), what)
    },
    async queryDentryId(dentryUuid, unionId) {
      const raw = await call('dentryUuid', 'GET', `/v2.0/doc/dentries/${encodeURIComponent(dentryUuid)}/queryDentryId`, { operatorId: unionId }, undefined, 'resolving the link', unionId)
      // Ids are strings in the SDK's model; a number would still name the same dentry.
      const spaceId = typeof raw.spaceId === 'number' ? String(raw.spaceId) : raw.spaceId
      const dentryId = typeof raw.dentryId === 'number' ? String(raw.dentryId) : raw.dentryId
      if (typeof spaceId !== 'string' || spaceId === '' || typeof dentryId !== 'string' || dentryId === '') {
        throw new DtdlError('BAD_RESPONSE', ExitCode.remote, `resolving the link failed: the answer for ${dentryUuid} has no spaceId and dentryId`)
      }
      return { spaceId, dentryId }
    },
    async listWorkspaces(unionId, nextToken) {
      const what = 'listing knowledge bases'
      return readWorkspacePage(await call('workspaces', 'GET', '/v2.0/wiki/workspaces', { operatorId: unionId, nextToken, maxResults: '30' }, undefined, what, unionId), what)
    },
    async getMineWorkspace(unionId) {
      const what = 'looking up your own knowledge base'
      const raw = await call('workspaces', 'GET', '/v2.0/wiki/mineWorkspaces', { operatorId: unionId }, undefined, what, unionId)
      return raw.workspace === undefined || raw.workspace === null ? undefined : readWorkspace(raw.workspace, what, 'workspace')
    },
  }
}

