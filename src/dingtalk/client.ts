// The DingTalk open API calls dtdl makes: token, download info, dentries, folders, versions, dentryUuids, knowledge bases.
import { DtdlError, ExitCode } from '../errors.js'
import type { ApiKind } from '../http/request-counter.js'
import { callApi } from './api-call.js'
import type { ApiClientOptions, DingTalkApi, DownloadInfo, Dentry, Workspace } from './types.js'

export type { ApiClientOptions, ApiWaitEvent, DentryIds, Dentry, DingTalkApi, DownloadInfo, DownloadInfoRequest, Workspace } from './types.js'
export { mintAccessToken } from './mint-token.js'
export { readErrorBody, toApiError } from './transport.js'

export function createApiClient(options: ApiClientOptions): DingTalkApi {
  const call = <T>(kind: ApiKind, method: 'GET' | 'POST', path: string, query: Record<string, string | undefined>, body: unknown, what: string, unionId?: string) =>
    callApi<T>(options, kind, method, path, query, body, what, unionId)
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
