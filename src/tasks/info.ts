// `dtdl info`: a file's metadata and its download info (region, hosts, expiry), secrets masked by default.
import { connectApi, refOf, type ApiContext, type ApiFlags } from '../dingtalk/connect.js'
import { maskSecret, redactUrl } from '../redact.js'
import { resourceHosts } from '../engine/signed-url-source.js'
import type { DentryRef } from '../dingtalk/dentry-ref.js'
import { dentryKind, dentryName } from '../dingtalk/folder-walk.js'
import { explainRefusal, isOnlineDocument } from '../dingtalk/online-document.js'
import type { RequestCounts } from '../http/request-counter.js'

export interface InfoOptions extends ApiFlags {
  /** The file: `ref` (a link's dentryUuid, or the ids), or spaceId + dentryId. */
  spaceId?: string | undefined
  dentryId?: string | undefined
  ref?: DentryRef | undefined
  version?: number | undefined
  preferIntranet?: boolean | undefined
  showSecrets?: boolean | undefined
}

export interface FileInfo extends RequestCounts {
  spaceId: string
  dentryId: string
  /** The dentryUuid, when the server or the link gave one. */
  dentryUuid: string | null
  name: string
  /** FILE or FOLDER; null when the server did not say (the field is optional). */
  type: 'FILE' | 'FOLDER' | null
  /** "ALIDOC" for an online document (which has no download info). */
  storageDriver: string | null
  size: number | null
  version: number | null
  modifiedTime: string | null
  path: string | null
  download: {
    protocol: 'HEADER_SIGNATURE'
    region: string
    expirationSeconds: number
    hosts: string[]
    resourceUrls: string[]
    /** Asked for with --intranet: tried first, before resourceUrls. */
    internalResourceUrls: string[]
    headers: Record<string, string>
  } | null
}

export async function runInfo(options: InfoOptions, ctx: ApiContext): Promise<FileInfo> {
  ctx.reporter.phase('looking up the file')
  const connected = await connectApi(ctx, options)
  const { api, dispatcher, requests } = connected
  try {
    const unionId = await connected.unionId()
    const { spaceId, dentryId, dentryUuid } = await connected.resolve(refOf(options))
    const dentry = await api.getDentry(spaceId, dentryId, unionId)
    const name = dentryName({ id: dentryId, ...dentry })
    const base: Omit<FileInfo, keyof RequestCounts> = {
      spaceId,
      dentryId,
      dentryUuid: dentry.uuid ?? dentryUuid ?? null,
      name,
      type: dentryKind(dentry) ?? null,
      storageDriver: dentry.storageDriver ?? null,
      size: dentry.size ?? null,
      version: dentry.version ?? null,
      modifiedTime: dentry.modifiedTime ?? null,
      path: dentry.path ?? null,
      download: null,
    }
    // A folder or an online document has no download info: its metadata is the whole answer.
    if (base.type === 'FOLDER' || isOnlineDocument(dentry)) return { ...base, ...requests.snapshot() }
    ctx.reporter.phase('getting download info')
    const info = await api
      .getDownloadInfo({ spaceId, dentryId, unionId, version: options.version, preferIntranet: options.preferIntranet })
      .catch((err: unknown) => {
        throw explainRefusal(err, base.type === 'FILE', name)
      })
    const show = Boolean(options.showSecrets)
    return {
      ...base,
      download: {
        protocol: 'HEADER_SIGNATURE',
        region: info.region,
        expirationSeconds: info.expirationSeconds,
        hosts: resourceHosts(info),
        resourceUrls: show ? info.resourceUrls : info.resourceUrls.map(redactUrl),
        internalResourceUrls:
          options.preferIntranet !== true
            ? []
            : show
              ? info.internalResourceUrls
              : info.internalResourceUrls.map(redactUrl),
        headers: Object.fromEntries(
          Object.entries(info.headers).map(([k, v]) => [k, show || /^x-oss-date$/i.test(k) ? v : maskSecret(v)]),
        ),
      },
      ...requests.snapshot(),
    }
  } finally {
    await dispatcher.destroy().catch(() => {})
  }
}
