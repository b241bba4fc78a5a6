// The last line a person reads: what a one-file get did, and what an interruption kept. Pure, built from parts.
import type { DownloadResult } from '../engine/download.js'
import { formatBytes, formatElapsed, formatRate } from './format.js'

type GetEnd = Pick<DownloadResult, 'path' | 'bytes' | 'upToDate' | 'checked' | 'durationMs' | 'resumedBytes'>

const CHECK_NAMES: Record<DownloadResult['checked'][number], string> = {
  size: 'size',
  crc64: 'CRC-64',
  sha256: 'SHA-256',
}

/**
 * Pure: the parenthesised parts of the end line, in order. One more fact (a count of requests, say) is one
 * more entry here, and every variant of the line gets it.
 */
export function getResultParts(r: GetEnd): string[] {
  if (r.upToDate) {
    // The comparison is the news: without a CRC-64 from the server only the size could be compared.
    const same = r.checked.map((c) => CHECK_NAMES[c])
    const how = `same ${same.length > 1 ? `${same.slice(0, -1).join(', ')} and ${same.at(-1)}` : same[0]}${r.checked.includes('crc64') ? '' : '; the server sends no CRC-64'}`
    return [formatBytes(r.bytes), how]
  }
  const fetched = r.bytes - r.resumedBytes
  const parts = [
    `${formatBytes(r.bytes)} in ${formatElapsed(r.durationMs)}${r.durationMs > 0 && fetched > 0 ? ` at ${formatRate((fetched * 1000) / r.durationMs)}` : ''}`,
  ]
  if (r.resumedBytes > 0) parts.push(`${formatBytes(r.resumedBytes)} of it from an earlier run`)
  parts.push(`checked: ${r.checked.map((c) => CHECK_NAMES[c]).join(' + ')}`)
  return parts
}

/** Pure: the one end line of a one-file get (stderr, for people; --json carries the exact figures). */
export function describeGetResult(r: GetEnd, parts: string[] = getResultParts(r)): string {
  const details = `(${parts.join(', ')})`
  if (r.upToDate) return `up to date: ${r.path} ${details}: nothing downloaded`
  if (r.path === '-') return `streamed to stdout ${details}`
  return `saved ${r.path} ${details}`
}

/** What an interrupted run leaves on disk for the next one (undefined when the transfer had not started). */
export interface Kept {
  bytes: number
  size: number
  /** -o -: the bytes went to stdout, and nothing is kept to resume from. */
  streamed?: boolean
}

/** Pure: the line an interruption ends with, saying how much the next run starts from. */
export function describeInterrupted(kept: Kept | undefined, stopped = 'interrupted'): string {
  if (kept === undefined) return `dtdl: ${stopped}; run the same command again to resume`
  const amount = `${formatBytes(kept.bytes)} of ${formatBytes(kept.size)}`
  if (kept.streamed)
    return `dtdl: ${stopped} after ${amount} went to stdout: a stream does not resume, run the command again to start over`
  return `dtdl: ${stopped}; ${amount} kept: run the same command again to resume`
}
