// What every open-API route handler shares: the call it gets, the answer it gives, and nextToken pagination.

import { randomUUID } from 'node:crypto'
import type { EmulatorContext } from './context.js'

export interface ApiAnswer {
  status: number
  body: unknown
}

export interface ApiCall {
  ctx: EmulatorContext
  params: string[]
  query: Record<string, string>
  body: unknown
  /** The body was sent but is not JSON. */
  bodyInvalid: boolean
  contentType: string
}

/** Pages through `items` with an opaque nextToken bound to the listing it came from; none on the last page. */
export function paginate<T>(
  call: ApiCall,
  items: T[],
  scope: string,
  defaultMax: number,
  limit: number,
  render: (item: T) => unknown,
  pageSize?: number,
): ApiAnswer {
  const maxRaw = call.query.maxResults
  const maxResults = maxRaw === undefined || maxRaw === '' ? defaultMax : parseInteger(maxRaw)
  if (maxResults === undefined || maxResults < 1 || maxResults > limit)
    return fail(400, 'paramError', `maxResults must be 1..${limit}`)
  let offset = 0
  if (call.query.nextToken) {
    const decoded = decodeNextToken(call.query.nextToken)
    if (!decoded || decoded.scope !== scope) return fail(400, 'paramError', 'invalid nextToken')
    offset = decoded.offset
  }
  const count = Math.min(maxResults, pageSize ?? limit)
  const page = items.slice(offset, offset + count)
  const next = offset + page.length
  const answer: { dentries: unknown[]; nextToken?: string } = { dentries: page.map(render) }
  if (next < items.length) answer.nextToken = Buffer.from(JSON.stringify({ scope, offset: next })).toString('base64url')
  return ok(answer)
}

/** The endlessPages fault's answer: an empty page that promises another, under a token never given before. */
export function endlessPage(): ApiAnswer {
  return ok({
    dentries: [],
    nextToken: Buffer.from(JSON.stringify({ scope: 'endless', offset: 0, id: randomUUID() })).toString('base64url'),
  })
}

function decodeNextToken(token: string): { scope: string; offset: number } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString())
    if (isObject(value) && typeof value.scope === 'string' && Number.isInteger(value.offset))
      return { scope: value.scope, offset: value.offset as number }
  } catch {
    // not one of ours
  }
  return undefined
}

export function parseInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value)
  return undefined
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function ok(body: unknown): ApiAnswer {
  return { status: 200, body }
}

export function fail(status: number, code: string, message: string): ApiAnswer {
  return { status, body: { code, message } }
}
