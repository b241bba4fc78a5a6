// The DingTalk open API calls dtdl makes: token, download info, dentries, folders, versions, dentryUuids, knowledge
// bases.
import { DtdlError, ExitCode } from '../errors.js'
import type { ApiKind } from '../http/request-counter.js'
import { callApi } from './api-call.js'
import type {
  ApiClientOptions,
  Dentry,
  DentryIds,
  DingTalkApi,
  DownloadInfo,
  DownloadInfoRequest,
  Workspace,
} from './types.js'
import { parseDownloadInfo, readDentry, readDentryPage, readWorkspace, readWorkspacePage } from './answers.js'

export type {
  ApiClientOptions,
  ApiWaitEvent,
  DentryIds,
  Dentry,
  DingTalkApi,
  DownloadInfo,
  DownloadInfoRequest,
  Workspace,
} from './types.js'
export { mintAccessToken } from './mint-token.js'
export { readErrorBody, toApiError } from './transport.js'
export { parseDownloadInfo } from './answers.js'

/** One call of the open API: which budget it counts against, where it goes, and how its failure reads. */
interface ApiRequest {
  kind: ApiKind
  method: 'GET' | 'POST'
  path: string
  query: Record<string, string | undefined>
  body?: unknown
  what: string
  unionId?: string
}

const storagePath = (spaceId: string, dentryId?: string) =>
  `/v1.0/storage/spaces/${encodeURIComponent(spaceId)}/dentries${dentryId === undefined ? '' : `/${encodeURIComponent(dentryId)}`}`

export function createApiClient(options: ApiClientOptions): DingTalkApi {
  return new ApiClient(options)
}

class ApiClient implements DingTalkApi {
  constructor(private readonly options: ApiClientOptions) {}

  private call(r: ApiRequest): Promise<Record<string, unknown>> {
    return callApi(this.options, r.kind, r.method, r.path, r.query, r.body, r.what, r.unionId)
  }

  async getDownloadInfo(req: DownloadInfoRequest): Promise<DownloadInfo> {
    const option: Record<string, unknown> = {}
    if (req.version !== undefined) option.version = req.version
    if (req.preferIntranet !== undefined) option.preferIntranet = req.preferIntranet
    const path = `${storagePath(req.spaceId, req.dentryId)}/downloadInfos/query`
    const { unionId } = req
    const raw = await this.call({
      kind: 'downloadInfo',
      method: 'POST',
      path,
      query: { unionId },
      body: { option },
      what: 'getting download info',
      unionId,
    })
    return { ...parseDownloadInfo(raw), preferIntranet: req.preferIntranet === true }
  }

  async getDentry(spaceId: string, dentryId: string, unionId: string): Promise<Dentry> {
    const what = 'getting file details'
    const path = `${storagePath(spaceId, dentryId)}/query`
    const raw = await this.call({
      kind: 'dentry',
      method: 'POST',
      path,
      query: { unionId },
      body: { option: { withThumbnail: false } },
      what,
      unionId,
    })
    if (raw.dentry === undefined || raw.dentry === null) {
      throw new DtdlError('BAD_RESPONSE', ExitCode.remote, `${what} failed: the answer has no dentry`)
    }
    return readDentry(raw.dentry, what, 'dentry')
  }

  async listDentries(spaceId: string, parentId: string, unionId: string, nextToken?: string) {
    const what = 'listing a folder'
    const query = { parentId, unionId, nextToken, maxResults: '50' }
    return readDentryPage(
      await this.call({ kind: 'list', method: 'GET', path: storagePath(spaceId), query, what, unionId }),
      what,
    )
  }

  async listVersions(spaceId: string, dentryId: string, unionId: string, nextToken?: string) {
    const what = 'listing versions'
    const path = `${storagePath(spaceId, dentryId)}/versions`
    const query = { unionId, nextToken, maxResults: '100' }
    return readDentryPage(await this.call({ kind: 'versions', method: 'GET', path, query, what, unionId }), what)
  }

  async queryDentryId(dentryUuid: string, unionId: string): Promise<DentryIds> {
    const path = `/v2.0/doc/dentries/${encodeURIComponent(dentryUuid)}/queryDentryId`
    const raw = await this.call({
      kind: 'dentryUuid',
      method: 'GET',
      path,
      query: { operatorId: unionId },
      what: 'resolving the link',
      unionId,
    })
    // Ids are strings in the SDK's model; a number would still name the same dentry.
    const spaceId = typeof raw.spaceId === 'number' ? String(raw.spaceId) : raw.spaceId
    const dentryId = typeof raw.dentryId === 'number' ? String(raw.dentryId) : raw.dentryId
    if (typeof spaceId !== 'string' || spaceId === '' || typeof dentryId !== 'string' || dentryId === '') {
      throw new DtdlError(
        'BAD_RESPONSE',
        ExitCode.remote,
        `resolving the link failed: the answer for ${dentryUuid} has no spaceId and dentryId`,
      )
    }
    return { spaceId, dentryId }
  }

  async listWorkspaces(unionId: string, nextToken?: string) {
    const what = 'listing knowledge bases'
    const query = { operatorId: unionId, nextToken, maxResults: '30' }
    return readWorkspacePage(
      await this.call({ kind: 'workspaces', method: 'GET', path: '/v2.0/wiki/workspaces', query, what, unionId }),
      what,
    )
  }

  async getMineWorkspace(unionId: string): Promise<Workspace | undefined> {
    const what = 'looking up your own knowledge base'
    const path = '/v2.0/wiki/mineWorkspaces'
    const raw = await this.call({
      kind: 'workspaces',
      method: 'GET',
      path,
      query: { operatorId: unionId },
      what,
      unionId,
    })
    return raw.workspace === undefined || raw.workspace === null
      ? undefined
      : readWorkspace(raw.workspace, what, 'workspace')
  }
}
