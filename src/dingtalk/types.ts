// The DingTalk API as dtdl models it: what the calls take and give (every field of a dentry optional, as in the SDK).
import type { Dispatcher } from 'undici'
import type { HttpLogger } from '../http/dispatcher.js'
import type { TokenProvider } from './access-token.js'
import type { ApiPacer } from './api-pacer.js'
import type { RequestCounter } from '../http/request-counter.js'

/** What download info tells us: where the bytes are and the signed headers to send (valid for a while). */
export interface DownloadInfo {
  resourceUrls: string[]
  /** Intranet URLs for dedicated storage; used only when the caller asked for intranet URLs (see signed-url-source). */
  internalResourceUrls: string[]
  headers: Record<string, string>
  expirationSeconds: number
  region: string
  /** Epoch ms when the answer arrived: signatures count from about then. */
  issuedAt: number
  /** The request asked for intranet URLs (--intranet): only then are internalResourceUrls tried. */
  preferIntranet?: boolean | undefined
}

/** A file or folder as the storage API describes it: every field optional, as in the official SDK's model. */
export interface Dentry {
  id?: string
  spaceId?: string
  parentId?: string
  /** "FILE" / "FOLDER", in either case (compare with dentryKind). */
  type?: string
  name?: string
  size?: number
  path?: string
  version?: number
  status?: string
  modifiedTime?: string
  modifierId?: string
  creatorId?: string
  uuid?: string
  /** "ALIDOC" marks an online DingTalk document: not a stored file, download info refuses it. */
  storageDriver?: string
}

/** A knowledge base (wiki workspace); its root node is a dentryUuid. */
export interface Workspace {
  workspaceId?: string
  name?: string
  type?: string
  rootNodeId?: string
  url?: string
}

/** What a dentryUuid (the id in a link) stands for in the storage API. */
export interface DentryIds {
  spaceId: string
  dentryId: string
}

export interface DownloadInfoRequest {
  spaceId: string
  dentryId: string
  unionId: string
  version?: number | undefined
  preferIntranet?: boolean | undefined
}

/** Waits the API client takes on its own, reported so people know why nothing moves. */
export interface ApiWaitEvent {
  type: 'api-wait'
  reason: 'throttled' | 'busy' | 'archived' | 'network' | 'token-renewed'
  code: string
  delayMs: number
}

export interface ApiClientOptions {
  endpoint: string
  dispatcher: Dispatcher
  tokens: TokenProvider
  log?: HttpLogger | undefined
  onWait?: ((event: ApiWaitEvent) => void) | undefined
  /** Consecutive failures of one call before giving up (network errors, 5xx, busy, throttling). */
  retries?: number | undefined
  /** How long to keep waiting for an archived file to be restored, in ms. */
  archiveWaitMs?: number | undefined
  /** A call whose answer delivers no byte for this long is abandoned and retried (--stall-timeout; default 30 s). */
  stallTimeoutMs?: number | undefined
  signal?: AbortSignal | undefined
  /** Paces every call to each API (shared by all jobs of the run); none = no pacing. */
  pacer?: ApiPacer | undefined
  /** Counts every request sent. */
  counter?: RequestCounter | undefined
}

export interface DingTalkApi {
  getDownloadInfo(req: DownloadInfoRequest): Promise<DownloadInfo>
  getDentry(spaceId: string, dentryId: string, unionId: string): Promise<Dentry>
  listDentries(
    spaceId: string,
    parentId: string,
    unionId: string,
    nextToken?: string,
  ): Promise<{ dentries: Dentry[]; nextToken?: string }>
  /** One page of a file's versions, newest first (at most 100). */
  listVersions(
    spaceId: string,
    dentryId: string,
    unionId: string,
    nextToken?: string,
  ): Promise<{ dentries: Dentry[]; nextToken?: string }>
  /** GET /v2.0/doc/dentries/{dentryUuid}/queryDentryId: a link's id → the storage ids. */
  queryDentryId(dentryUuid: string, unionId: string): Promise<DentryIds>
  /** One page of the knowledge bases the operator can see (at most 30). */
  listWorkspaces(unionId: string, nextToken?: string): Promise<{ workspaces: Workspace[]; nextToken?: string }>
  /** The operator's own knowledge base, when there is one. */
  getMineWorkspace(unionId: string): Promise<Workspace | undefined>
}
