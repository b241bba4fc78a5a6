// DingTalk's success answers read with suspicion: every field is optional (as in the SDK), but one that is there
// must have its type; a list must be a list, a URL http(s). Anything else is BAD_RESPONSE naming the call.
import { DtdlError, ExitCode } from '../errors.js'
import { badResponse } from './transport.js'
import type { Dentry, DownloadInfo, Workspace } from './types.js'

/** The string fields of a dentry; ids may come as numbers and are read as their digits. */
const DENTRY_STRINGS = [
  'type',
  'name',
  'path',
  'status',
  'modifiedTime',
  'modifierId',
  'creatorId',
  'uuid',
  'storageDriver',
] as const
const DENTRY_IDS = ['id', 'spaceId', 'parentId'] as const
const DENTRY_COUNTS = ['size', 'version'] as const

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const describe = (v: unknown) =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'string'
        ? `the text ${JSON.stringify(v.slice(0, 30))}`
        : `a ${typeof v}`

/** Pure: one dentry of an answer, its fields checked; `at` names where it was ("dentries[3]"). */
export function readDentry(raw: unknown, what: string, at: string): Dentry {
  if (!isObject(raw)) throw badResponse(what, `${at} is ${describe(raw)}, not an object`)
  const out: Record<string, unknown> = {}
  for (const key of DENTRY_IDS) {
    const v = raw[key]
    if (v === undefined || v === null) continue
    if (typeof v === 'number' && Number.isSafeInteger(v)) out[key] = String(v)
    else if (typeof v === 'string') out[key] = v
    else throw badResponse(what, `${at}.${key} is ${describe(v)}, not an id`)
  }
  for (const key of DENTRY_STRINGS) {
    const v = raw[key]
    if (v === undefined || v === null) continue
    if (typeof v !== 'string') throw badResponse(what, `${at}.${key} is ${describe(v)}, not text`)
    out[key] = v
  }
  for (const key of DENTRY_COUNTS) {
    const v = raw[key]
    if (v === undefined || v === null) continue
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      throw badResponse(what, `${at}.${key} is ${describe(v)}, not a whole number`)
    out[key] = v
  }
  return out as Dentry
}

/** Pure: a page of dentries (`dentries` may be absent: no entries), and its nextToken. */
export function readDentryPage(raw: Record<string, unknown>, what: string): { dentries: Dentry[]; nextToken?: string } {
  const list = raw.dentries ?? []
  if (!Array.isArray(list)) throw badResponse(what, `"dentries" is ${describe(list)}, not a list`)
  return { dentries: list.map((d, i) => readDentry(d, what, `dentries[${i}]`)), ...readNextToken(raw, what) }
}

/** Pure: a page of knowledge bases. */
export function readWorkspacePage(
  raw: Record<string, unknown>,
  what: string,
): { workspaces: Workspace[]; nextToken?: string } {
  const list = raw.workspaces ?? []
  if (!Array.isArray(list)) throw badResponse(what, `"workspaces" is ${describe(list)}, not a list`)
  return { workspaces: list.map((w, i) => readWorkspace(w, what, `workspaces[${i}]`)), ...readNextToken(raw, what) }
}

export function readWorkspace(raw: unknown, what: string, at: string): Workspace {
  if (!isObject(raw)) throw badResponse(what, `${at} is ${describe(raw)}, not an object`)
  for (const key of ['workspaceId', 'name', 'type', 'rootNodeId', 'url']) {
    const v = raw[key]
    if (v !== undefined && v !== null && typeof v !== 'string')
      throw badResponse(what, `${at}.${key} is ${describe(v)}, not text`)
  }
  return raw as Workspace
}

function readNextToken(raw: Record<string, unknown>, what: string): { nextToken?: string } {
  const t = raw.nextToken
  if (t === undefined || t === null || t === '') return {}
  if (typeof t !== 'string') throw badResponse(what, `"nextToken" is ${describe(t)}, not text`)
  return { nextToken: t }
}

/**
 * Pure: the download-info answer; only HEADER_SIGNATURE is supported. Every resource URL must be an http or
 * https URL (a file: or data: URL is never requested), and every signed header a value that can be sent.
 */
export function parseDownloadInfo(raw: Record<string, unknown>, now = Date.now()): DownloadInfo {
  const what = 'getting download info'
  if (raw.protocol !== 'HEADER_SIGNATURE' || !isObject(raw.headerSignatureInfo)) {
    const protocol = typeof raw.protocol === 'string' ? raw.protocol : '(none)'
    throw new DtdlError(
      'UNSUPPORTED_PROTOCOL',
      ExitCode.remote,
      `DingTalk offered the download protocol ${JSON.stringify(protocol)}, and dtdl supports only HEADER_SIGNATURE`,
      {
        hint: 'please report this with the file type; the file cannot be fetched this way yet',
      },
    )
  }
  const info = raw.headerSignatureInfo
  const urls = (key: string): string[] => {
    const list = info[key] ?? []
    if (!Array.isArray(list)) throw badResponse(what, `"${key}" is ${describe(list)}, not a list`)
    return list.filter((u) => u !== '' && u !== null).map((u, i) => checkResourceUrl(u, what, `${key}[${i}]`))
  }
  const resourceUrls = urls('resourceUrls')
  if (resourceUrls.length === 0) throw badResponse(what, 'the answer has no resource URL')
  const headers: Record<string, string> = {}
  if (info.headers !== undefined && info.headers !== null) {
    if (!isObject(info.headers)) throw badResponse(what, `"headers" is ${describe(info.headers)}, not an object`)
    for (const [k, v] of Object.entries(info.headers)) {
      if (v === undefined || v === null) continue
      const value = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined
      // A header dtdl would send as it is: no line breaks or control characters (they would split the request).
      if (value === undefined || !/^[\t\x20-\x7e\x80-\xff]*$/.test(value) || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k))
        throw badResponse(what, `the signed header ${JSON.stringify(k.slice(0, 40))} cannot be sent`)
      headers[k] = value
    }
  }
  return {
    resourceUrls,
    internalResourceUrls: urls('internalResourceUrls'),
    headers,
    expirationSeconds:
      typeof info.expirationSeconds === 'number' && info.expirationSeconds > 0 ? info.expirationSeconds : 900,
    region: typeof info.region === 'string' ? info.region : 'UNKNOWN',
    issuedAt: now,
  }
}

/** Pure: a resource URL, if it is an http(s) URL; else BAD_RESPONSE naming what it is. */
export function checkResourceUrl(raw: unknown, what: string, at: string): string {
  if (typeof raw !== 'string') throw badResponse(what, `${at} is ${describe(raw)}, not a URL`)
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw badResponse(what, `${at} is not a URL (${JSON.stringify(raw.slice(0, 40))})`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badResponse(what, `${at} is a ${url.protocol} URL; dtdl fetches only http and https URLs`)
  return raw
}
