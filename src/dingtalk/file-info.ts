// `dtdl info`: a file's metadata and its download info (region, hosts, expiry), secrets masked by default.
import { connectApi, requireUnionId, type ApiContext } from './connect.js'
import { maskSecret, redactUrl } from '../redact.js'
import { resourceHosts } from './client.js'

export interface InfoOptions {
  spaceId: string
  dentryId: string
  unionId?: string | undefined
  endpoint?: string | undefined
  version?: number | undefined
  preferIntranet?: boolean | undefined
  showSecrets?: boolean | undefined
}

export interface FileInfo {
  spaceId: string
  dentryId: string
  name: string
  type: string
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
    headers: Record<string, string>
  } | null
}

export async function runInfo(options: InfoOptions, ctx: ApiContext): Promise<FileInfo> {
  ctx.reporter.phase('looking up the file')
  const { api, dispatcher, settings } = await connectApi(ctx, options)
  const unionId = requireUnionId(settings.unionId)
  try {
    const dentry = await api.getDentry(options.spaceId, options.dentryId, unionId)
    const base: FileInfo = {
      spaceId: options.spaceId,
      dentryId: options.dentryId,
      name: dentry.name,
      type: dentry.type,
      size: dentry.size ?? null,
      version: dentry.version ?? null,
      modifiedTime: dentry.modifiedTime ?? null,
      path: dentry.path ?? null,
      download: null,
    }
    // A folder has no download info: its metadata is the whole answer.
    if (dentry.type.toUpperCase() === 'FOLDER') return base
    ctx.reporter.phase('getting download info')
    const info = await api.getDownloadInfo({ spaceId: options.spaceId, dentryId: options.dentryId, unionId, version: options.version, preferIntranet: options.preferIntranet })
    const show = Boolean(options.showSecrets)
    return {
      ...base,
      download: {
        protocol: 'HEADER_SIGNATURE',
        region: info.region,
        expirationSeconds: info.expirationSeconds,
        hosts: resourceHosts(info),
        resourceUrls: show ? info.resourceUrls : info.resourceUrls.map(redactUrl),
        headers: Object.fromEntries(Object.entries(info.headers).map(([k, v]) => [k, show || /^x-oss-date$/i.test(k) ? v : maskSecret(v)])),
      },
    }
  } finally {
    await dispatcher.destroy().catch(() => {})
  }
}
