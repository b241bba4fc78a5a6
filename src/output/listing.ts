// How `dtdl ls`, `info`, `versions`, `spaces` and `user` show their answers to people: aligned columns, control
// characters escaped.
import { formatBytes } from './format.js'
import type { LsEntry } from '../tasks/ls.js'
import { terminalSafe } from './terminal-text.js'
import type { FileInfo } from '../tasks/info.js'
import type { VersionEntry } from '../tasks/versions.js'
import type { SpaceEntry } from '../tasks/spaces.js'
import type { UserInfo } from '../tasks/user.js'

/** Pure: one aligned line per entry: TYPE  SIZE  MODIFIED  ID  PATH (folders end in "/"). */
export function formatLs(entries: readonly LsEntry[]): string[] {
  const rows = entries.map((e) => [
    e.type === 'FOLDER' ? 'folder' : e.type === 'FILE' ? 'file' : '?',
    e.size === null ? '-' : formatBytes(e.size),
    e.modifiedTime ?? '-',
    e.id,
    terminalSafe(e.path) + (e.type === 'FOLDER' ? '/' : ''),
  ])
  const widths = [0, 1, 2, 3].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)))
  // Sizes right-aligned so they line up by magnitude; the path last and unpadded.
  return rows.map((r) =>
    [
      r[0]!.padEnd(widths[0]!),
      r[1]!.padStart(widths[1]!),
      r[2]!.padEnd(widths[2]!),
      r[3]!.padEnd(widths[3]!),
      r[4],
    ].join('  '),
  )
}

/** The human rendering of `dtdl info`: aligned `key: value` lines. */
export function formatInfo(info: FileInfo): string[] {
  const rows: [string, string][] = [
    ['name', info.name],
    // The ids a link stands for: what `get <spaceId> <dentryId>`, `-i` lines and scripts take.
    ['spaceId', info.spaceId],
    ['dentryId', info.dentryId],
    ['dentryUuid', info.dentryUuid ?? '-'],
    [
      'type',
      info.storageDriver?.toUpperCase() === 'ALIDOC'
        ? 'online document (not downloadable)'
        : (info.type ?? '- (not given by the server)'),
    ],
    ['size', info.size === null ? '-' : `${info.size} bytes`],
    ['version', info.version === null ? '-' : String(info.version)],
    ['modified', info.modifiedTime ?? '-'],
    ['path', info.path ?? '-'],
  ]
  if (info.download) {
    rows.push(
      ['region', info.download.region],
      ['expires in', `${info.download.expirationSeconds} s`],
      ['hosts', info.download.hosts.join(', ')],
    )
    info.download.internalResourceUrls.forEach((u, i) => rows.push([`intranet url ${i + 1}`, u]))
    info.download.resourceUrls.forEach((u, i) => rows.push([`url ${i + 1}`, u]))
    for (const [k, v] of Object.entries(info.download.headers)) rows.push([`header ${k}`, v])
  }
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`)
}

/** Pure: one aligned line per version: VERSION  SIZE  MODIFIED  MODIFIER. */
export function formatVersions(versions: readonly VersionEntry[]): string[] {
  const rows = versions.map((v) => [
    v.version === null ? '?' : `v${v.version}`,
    v.size === null ? '-' : formatBytes(v.size),
    v.modifiedTime ?? '-',
    v.modifierId ?? '-',
  ])
  const widths = [0, 1, 2].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)))
  return rows.map((r) =>
    [r[0]!.padEnd(widths[0]!), r[1]!.padStart(widths[1]!), r[2]!.padEnd(widths[2]!), r[3]].join('  '),
  )
}

/** Pure: one aligned line per knowledge base: TYPE  ROOT NODE ID  NAME. */
export function formatSpaces(spaces: readonly SpaceEntry[]): string[] {
  const rows = spaces.map((s) => [s.type ?? '-', s.rootNodeId ?? '-', s.name ?? '-'])
  const widths = [0, 1].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)))
  return rows.map((r) => [r[0]!.padEnd(widths[0]!), r[1]!.padEnd(widths[1]!), r[2]].join('  '))
}

/** Pure: `dtdl user`: aligned key/value lines. */
export function formatUser(user: UserInfo): string[] {
  return [`name     ${user.name ?? '-'}`, `userid   ${user.userId}`, `unionId  ${user.unionId}`]
}
