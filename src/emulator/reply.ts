// How an API answer goes on the wire, and the faults that spoil it there: stalls, escapes, garbage and huge bodies.

import type { ServerResponse } from 'node:http'
import { isObject, type ApiAnswer } from './answer.js'
import { waitForDrain } from './body.js'
import type { EmulatorContext } from './context.js'
import type { ApiRequestLog, EmulatorApiName, EmulatorGarbageKind } from './types.js'

/** What the escapes fault appends: a title change, a screen clear, a carriage return and a bidi override. */
export const HOSTILE_TEXT = '\u001b]0;pwned\u0007\u001b[2J\r\u202e'

/** A text as the escapes fault sends it (unchanged without the fault). */
export function hostile(ctx: EmulatorContext, text: string): string {
  return ctx.faults.faults.escapes ? `${text}${HOSTILE_TEXT}` : text
}

const JSON_TYPE = 'application/json;charset=utf-8'
const PAD_CHUNK = Buffer.alloc(64 << 10, 'x')
const CAPTIVE_PORTAL =
  '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Wi-Fi 登录 / Sign in</title>' +
  '<meta http-equiv="refresh" content="0; url=http://portal.example.invalid/login"></head>\n' +
  '<body><h1>请先登录网络 Please sign in to the network</h1><form action="/login"><input name="user"></form></body></html>\n'

/**
 * The apiStall fault: holds this call's socket with headers sent ('after-headers') or with nothing sent
 * ('no-headers'), and resolves (true) once the client or close() ends it; false when the call must not stall.
 */
export async function stallIfDue(
  ctx: EmulatorContext,
  api: EmulatorApiName,
  res: ServerResponse,
  log: ApiRequestLog,
  headers: Record<string, string>,
): Promise<boolean> {
  const mode = ctx.faults.takeStall(api)
  if (!mode) return false
  if (mode === 'after-headers') {
    log.status = 200
    // No Content-Length: chunked, and the first chunk never comes.
    res.writeHead(200, { ...headers, 'Content-Type': JSON_TYPE })
    res.flushHeaders()
  }
  if (!res.destroyed) await new Promise<void>((resolve) => res.once('close', () => resolve()))
  return true
}

/** Writes `answer` as JSON, unless garbage or hugeBody says otherwise for this call of `api`. */
export async function sendAnswer(
  ctx: EmulatorContext,
  res: ServerResponse,
  api: EmulatorApiName | undefined,
  answer: ApiAnswer,
  headers: Record<string, string>,
  log: ApiRequestLog,
): Promise<void> {
  const kind = api && ctx.faults.takeGarbage(api, (k) => garbageFits(k, answer))
  if (kind === 'html')
    return writeWhole(res, log, 200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' }, CAPTIVE_PORTAL)
  const { status, body } = kind ? { status: 200, body: spoil(kind, answer.body) } : answer
  const padTo = api && status === 200 && isObject(body) ? ctx.faults.hugeBodyBytes(api) : undefined
  if (padTo !== undefined) return writePadded(res, log, headers, body as Record<string, unknown>, padTo)
  writeWhole(res, log, status, { ...headers, 'Content-Type': JSON_TYPE }, JSON.stringify(body))
}

function writeWhole(
  res: ServerResponse,
  log: ApiRequestLog,
  status: number,
  headers: Record<string, string>,
  payload: string,
): void {
  log.status = status
  res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(payload)) })
  res.end(payload)
}

/** Whether a garbage kind has something to spoil in this answer (the first three replace any answer). */
function garbageFits(kind: EmulatorGarbageKind, answer: ApiAnswer): boolean {
  if (kind === 'html' || kind === 'null' || kind === 'not-object') return true
  const body = answer.body
  if (answer.status !== 200 || !isObject(body)) return false
  if (kind === 'dentries-not-array') return Array.isArray(body.dentries)
  if (kind === 'name-number') return Array.isArray(body.dentries) || isObject(body.dentry)
  if (kind === 'token-newline') return typeof body.accessToken === 'string'
  return isObject(body.headerSignatureInfo)
}

const BAD_URLS: Partial<Record<EmulatorGarbageKind, string>> = {
  'url-file': 'file:///etc/passwd',
  'url-data': 'data:text/plain,hi',
  'url-invalid': 'not a url',
}

/** The answer body in the wrong shape `kind` names (garbageFits said it applies). */
function spoil(kind: EmulatorGarbageKind, body: unknown): unknown {
  if (kind === 'null') return null
  if (kind === 'not-object') return [1, 2]
  const answer = structuredClone(body) as Record<string, unknown>
  const dentries = answer.dentries as Record<string, unknown>[] | undefined
  if (kind === 'dentries-not-array')
    answer.dentries = Object.fromEntries((dentries ?? []).map((d, i) => [String(i), d]))
  else if (kind === 'name-number')
    for (const [i, d] of [...(dentries ?? []), ...(isObject(answer.dentry) ? [answer.dentry] : [])].entries())
      d.name = 1000 + i
  else if (kind === 'token-newline') {
    const token = answer.accessToken as string
    answer.accessToken = `${token.slice(0, 8)}\n${token.slice(8)}`
  } else {
    const info = answer.headerSignatureInfo as { resourceUrls: unknown[] }
    info.resourceUrls = info.resourceUrls.map(() => BAD_URLS[kind])
  }
  return answer
}

/** The hugeBody fault: `body` plus a "pad" string, `bytes` long in all, streamed with backpressure. */
async function writePadded(
  res: ServerResponse,
  log: ApiRequestLog,
  headers: Record<string, string>,
  body: Record<string, unknown>,
  bytes: number,
): Promise<void> {
  const json = JSON.stringify(body)
  const head = Buffer.from(json === '{}' ? '{"pad":"' : `${json.slice(0, -1)},"pad":"`)
  const tail = Buffer.from('"}')
  let left = Math.max(0, bytes - head.length - tail.length)
  log.status = 200
  res.writeHead(200, {
    ...headers,
    'Content-Type': JSON_TYPE,
    'Content-Length': String(head.length + left + tail.length),
  })
  let ok = res.write(head)
  while (left > 0 && !res.destroyed) {
    if (!ok) await waitForDrain(res)
    const piece = PAD_CHUNK.subarray(0, Math.min(left, PAD_CHUNK.length))
    left -= piece.length
    ok = res.write(piece)
  }
  if (!res.destroyed) res.end(tail)
}
