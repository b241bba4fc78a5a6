// The resource (OSS) routes: /oss/{urlIndex}/{objectKey}, with header signatures, expiry, ranges and XML errors.

import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { writeBody } from './body.js'
import { logRequest, type EmulatorContext } from './context.js'
import { hostile } from './reply.js'
import { getVersionCrc, type StoredVersion } from './store.js'
import type { EmulatorFaults, ResourceRequestLog } from './types.js'

export const RESOURCE_PREFIX = '/oss/'

/** The URL index of internalResourceUrls under each `intranet` fault (0 and 1 are the resourceUrls). */
export const INTRANET_URL_INDEX = { working: 2, failing: 3, refusing: 4 } as const

/** The object key of one file version; prefixes keep ids like ".." from becoming dot segments in URLs. */
export function makeObjectKey(spaceId: string, dentryId: string, version: number): string {
  return `s_${encodeURIComponent(spaceId)}/d_${encodeURIComponent(dentryId)}/v${version}`
}

function parseObjectKey(key: string): { spaceId: string; dentryId: string; version: number } | undefined {
  const match = /^s_([^/]*)\/d_([^/]*)\/v(\d+)$/.exec(key)
  if (!match) return undefined
  try {
    return {
      spaceId: decodeURIComponent(match[1]!),
      dentryId: decodeURIComponent(match[2]!),
      version: Number(match[3]),
    }
  } catch {
    return undefined
  }
}

export type RangeDecision =
  { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' }

/**
 * OSS range rules: one range only; anything invalid or out of bounds is ignored (200, whole object),
 * unless `x-oss-range-behavior: standard`, where a start past the end is 416 and an end past it is clipped.
 */
export function decideRange(header: string | undefined, size: number, standard: boolean): RangeDecision {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'full' }
  const outOfBounds: RangeDecision = standard ? { kind: 'unsatisfiable' } : { kind: 'full' }
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0 || size === 0) return outOfBounds
    if (suffix > size) return standard ? { kind: 'partial', start: 0, end: size - 1 } : { kind: 'full' }
    return { kind: 'partial', start: size - suffix, end: size - 1 }
  }
  const start = Number(match[1])
  const end = match[2] === '' ? size - 1 : Number(match[2])
  if (end < start) return { kind: 'full' }
  if (start >= size) return outOfBounds
  if (end >= size) return standard ? { kind: 'partial', start, end: size - 1 } : { kind: 'full' }
  return { kind: 'partial', start, end }
}

export async function handleResource(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  const match = /^\/oss\/(\d+)\/(.+)$/.exec(pathname)
  const range = typeof req.headers.range === 'string' ? req.headers.range : undefined
  const log: ResourceRequestLog = {
    path: pathname,
    urlIndex: match ? Number(match[1]) : -1,
    range,
    status: 0,
    bytesSent: 0,
    headers: flattenHeaders(req.headers),
  }
  logRequest(ctx, ctx.stats.resourceRequests, log)
  const fail = (status: number, code: string, message: string): void =>
    sendXmlError(ctx, res, log, status, code, message)
  const faults = ctx.faults.faults

  // 0 and 1: resourceUrls; 2, 3, 4: internalResourceUrls (INTRANET_URL_INDEX).
  if (!match || log.urlIndex > 4) return fail(404, 'NoSuchKey', 'The specified key does not exist.')
  if (faults.failFirstUrl && log.urlIndex === 0)
    return fail(503, 'ServiceUnavailable', 'Please reduce your request rate.')
  if (log.urlIndex === INTRANET_URL_INDEX.failing)
    return fail(503, 'ServiceUnavailable', 'The intranet endpoint is not reachable from here.')
  // Refused before the signature is looked at: no fresh signature gets past a bucket ACL.
  if (log.urlIndex === INTRANET_URL_INDEX.refusing)
    return fail(403, 'AccessDenied', 'You have no right to access this object because of bucket acl.')
  overwriteIfDue(ctx)
  const key = match[2]!
  const check = ctx.signer.verify(req.method ?? 'GET', req.headers, `/${key}`)
  if (!check.ok) return fail(403, 'SignatureDoesNotMatch', check.message)
  // Checked on arrival only: a response already streaming is allowed to finish.
  if (Date.now() - check.issuedAt > ctx.faults.signatureTtlSeconds * 1000) {
    return fail(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
    )
  }
  const ids = parseObjectKey(key)
  const entry = ids && ctx.store.getEntry(ids.spaceId, ids.dentryId)
  const version = ids && entry?.versions.get(ids.version)
  if (!entry || !version) return fail(404, 'NoSuchKey', 'The specified key does not exist.')
  const ifMatch = req.headers['if-match']
  if (
    ifMatch !== undefined &&
    ifMatch.trim() !== '*' &&
    !ifMatch.split(',').some((tag) => tag.trim() === version.etag)
  ) {
    return fail(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.')
  }
  let crc: bigint | null
  try {
    crc = await getVersionCrc(version)
  } catch (err) {
    return fail(500, 'InternalError', `cannot read object: ${(err as Error).message}`)
  }
  await sendObject(ctx, req, res, version, crc, range, log)
}

async function sendObject(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  version: StoredVersion,
  crc: bigint | null,
  range: string | undefined,
  log: ResourceRequestLog,
): Promise<void> {
  const faults = ctx.faults.faults
  const size = version.size
  const standard = String(req.headers['x-oss-range-behavior']).toLowerCase() === 'standard'
  const decision = faults.ignoreRange ? ({ kind: 'full' } as const) : decideRange(range, size, standard)
  if (decision.kind === 'unsatisfiable')
    return sendXmlError(ctx, res, log, 416, 'InvalidRange', 'The requested range cannot be satisfied.', {
      'Content-Range': `bytes */${size}`,
    })

  let start = 0
  let end = size - 1
  if (decision.kind === 'partial') {
    const shifted = faults.wrongContentRange ? shiftRange(decision.start, decision.end, size) : decision
    start = shifted.start
    end = shifted.end
  }
  const headers = objectHeaders(faults, version, crc, end - start + 1)
  if (decision.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end}/${size}`
  log.status = decision.kind === 'partial' ? 206 : 200
  res.writeHead(log.status, headers)
  // A copy: this response goes on with the bytes it started with if mutateAfterResponses overwrites them now.
  const started = { ...version }
  const plan = ctx.faults.planBody(end - start + 1)
  overwriteIfDue(ctx)
  ctx.stats.maxObjectResponses = Math.max(ctx.stats.maxObjectResponses, ++ctx.objectResponses)
  try {
    await writeBody(ctx, res, started, { start, end }, plan, log)
  } finally {
    ctx.objectResponses--
  }
}

/** The mutateAfterResponses fault: overwrites the files in place once enough responses have started. */
function overwriteIfDue(ctx: EmulatorContext): void {
  const due = ctx.faults.takeMutation()
  if (due) ctx.store.overwriteInPlace(due.dentryId)
}

/** The headers of a 200/206 object response, shaped by the etag, lastModified, crcHeader and wrongCrc faults. */
function objectHeaders(
  faults: EmulatorFaults,
  version: StoredVersion,
  crc: bigint | null,
  length: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(Math.max(0, length)),
    'Accept-Ranges': 'bytes',
    'x-oss-request-id': makeOssRequestId(),
    'x-oss-object-type': 'Normal',
    'x-oss-storage-class': 'Standard',
  }
  const etag = faults.etag ?? 'strong'
  if (etag !== 'none') headers.ETag = etag === 'weak' ? `W/${version.etag}` : version.etag
  if (faults.lastModified !== false) headers['Last-Modified'] = new Date(version.modifiedTime).toUTCString()
  const crcHeader = faults.crcHeader ?? 'ok'
  if (crcHeader === 'malformed') headers['x-oss-hash-crc64ecma'] = '12ab-not-a-number'
  else if (crcHeader === 'ok' && crc !== null)
    headers['x-oss-hash-crc64ecma'] = (faults.wrongCrc ? crc ^ 0x5a5a5a5an : crc).toString()
  return headers
}

/** One byte later (or earlier at the object's end) than asked: what a buggy proxy does. */
function shiftRange(start: number, end: number, size: number): { start: number; end: number } {
  if (end + 1 < size) return { start: start + 1, end: end + 1 }
  if (start > 0) return { start: start - 1, end: end - 1 }
  return { start: start + 1, end }
}

const XML_EC: Record<string, string> = {
  SignatureDoesNotMatch: '0002-00000040',
  RequestTimeTooSkewed: '0002-00000504',
  NoSuchKey: '0026-00000001',
  InvalidRange: '0014-00000001',
  PreconditionFailed: '0026-00000002',
  ServiceUnavailable: '0002-00000503',
  InternalError: '0002-00000500',
  AccessDenied: '0003-00000001',
}

function sendXmlError(
  ctx: EmulatorContext,
  res: ServerResponse,
  log: ResourceRequestLog,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): void {
  const requestId = makeOssRequestId()
  const ec = XML_EC[code] ?? '0000-00000000'
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${escapeXml(hostile(ctx, code))}</Code>\n  <Message>${escapeXml(hostile(ctx, message))}</Message>\n` +
    `  <RequestId>${requestId}</RequestId>\n  <HostId>dtdl-emulator.oss-cn-zhangjiakou.aliyuncs.com</HostId>\n  <EC>${ec}</EC>\n</Error>\n`
  log.status = status
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': String(Buffer.byteLength(body)),
    'x-oss-request-id': requestId,
    'x-oss-ec': ec,
    ...extra,
  })
  res.end(body)
}

function makeOssRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase()
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

export function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value
  return flat
}
