// Pure: what people copy from DingTalk (a document link, a bare dentryUuid, or the raw ids) → what to resolve.
import { UsageError } from '../errors.js'

/** A file or folder as named on the command line or in an input file. */
export type DentryRef = { kind: 'ids'; spaceId: string; dentryId: string } | { kind: 'uuid'; dentryUuid: string }

/** How `ls` reads one argument: a link or dentryUuid names a node, anything else is a spaceId (its root). */
export type ListRef = DentryRef | { kind: 'space'; spaceId: string }

const LINK_HOST = /^alidocs\.dingtalk\.com$/i
const HOW_TO_COPY =
  'open the file or folder in DingTalk and copy the address from the browser bar: https://alidocs.dingtalk.com/i/nodes/<dentryUuid>'

/**
 * Pure: a dentryUuid as DingTalk issues them (32 letters and digits in practice); a storage id is all
 * digits, so an argument of letters and digits of that length that is not all digits is taken for one.
 */
export function looksLikeDentryUuid(text: string): boolean {
  return /^[A-Za-z0-9]{20,64}$/.test(text) && /[A-Za-z]/.test(text)
}

/** Pure: is this meant as a URL (so it must be a link dtdl understands)? */
const looksLikeUrl = (text: string): boolean =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^alidocs\.dingtalk\.com\//i.test(text)

/**
 * Pure: a link or bare dentryUuid → its dentryUuid; undefined when `text` is neither (a raw id).
 * Links that name no document (short share links, a knowledge base's overview) are a usage error that
 * says what to copy instead.
 *
 * @example
 * parseDentryLink('https://alidocs.dingtalk.com/i/nodes/R1zknDm0WR6XzZ4Lt1Q7MNEyWBQEx5rG?utm_scene=team_space')
 */
export function parseDentryLink(text: string): string | undefined {
  const trimmed = text.trim()
  if (!looksLikeUrl(trimmed)) return looksLikeDentryUuid(trimmed) ? trimmed : undefined
  let url: URL
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`)
  } catch {
    throw new UsageError(`not a link dtdl can read: ${JSON.stringify(text)}`, { code: 'BAD_LINK', hint: HOW_TO_COPY })
  }
  if (!LINK_HOST.test(url.hostname) || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new UsageError(`not a DingTalk document link: ${url.origin}`, { code: 'BAD_LINK', hint: HOW_TO_COPY })
  }
  const segments = url.pathname.split('/').filter((s) => s !== '')
  if (segments[0] === 'i' && segments[1] === 'nodes' && segments[2] !== undefined && segments.length === 3) {
    const uuid = decodeURIComponent(segments[2])
    if (/^[A-Za-z0-9_-]{8,128}$/.test(uuid)) return uuid
  }
  if (segments[0] === 'i' && segments[1] === 'p') {
    throw new UsageError('a short share link (/i/p/...) cannot be resolved through the DingTalk API', {
      code: 'SHORT_LINK',
      hint: `${HOW_TO_COPY} (open the share link first)`,
    })
  }
  if (segments[0] === 'i' && segments[1] === 'spaces') {
    throw new UsageError("a knowledge base's overview link names no file or folder", {
      code: 'SPACE_LINK',
      hint: 'run `dtdl spaces` for its rootNodeId (then `dtdl ls <rootNodeId>`), or open a document and copy its /i/nodes/ link',
    })
  }
  throw new UsageError(`this DingTalk link names no document dtdl can find: ${url.pathname}`, {
    code: 'BAD_LINK',
    hint: HOW_TO_COPY,
  })
}

/**
 * Pure: `<spaceId> <dentryId>` or `<link-or-dentryUuid>` (get, info, versions). A link with a second id is a
 * usage error: the link names the file by itself.
 */
export function parseFileArgs(first: string | undefined, second: string | undefined, usage: string): DentryRef {
  if (first === undefined) throw new UsageError(`missing ${usage}`, { code: 'MISSING_ARGUMENT' })
  const uuid = parseDentryLink(first)
  if (uuid !== undefined) {
    if (second !== undefined)
      throw new UsageError(`a link or dentryUuid names the file by itself: drop ${JSON.stringify(second)}`, {
        code: 'BAD_ARGUMENT',
        hint: 'use -o to say where to save it',
      })
    return { kind: 'uuid', dentryUuid: uuid }
  }
  if (second === undefined)
    throw new UsageError(`missing <dentryId> after ${JSON.stringify(first)}`, {
      code: 'MISSING_ARGUMENT',
      hint: `give ${usage}`,
    })
  return { kind: 'ids', spaceId: first, dentryId: second }
}

/** Pure: `ls <spaceId> [folderId]` or `ls <link-or-dentryUuid>`. */
export function parseListArgs(first: string, second: string | undefined): ListRef {
  const uuid = parseDentryLink(first)
  if (uuid !== undefined) {
    if (second !== undefined)
      throw new UsageError(`a link or dentryUuid names the folder by itself: drop ${JSON.stringify(second)}`, {
        code: 'BAD_ARGUMENT',
      })
    return { kind: 'uuid', dentryUuid: uuid }
  }
  return second === undefined ? { kind: 'space', spaceId: first } : { kind: 'ids', spaceId: first, dentryId: second }
}
