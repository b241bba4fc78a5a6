// Pure planning of byte ranges: what is missing, how to split it, who takes over what (the count: connection-count.ts).

/** A half-open byte range [start, end). */
export interface ByteRange {
  start: number
  end: number
}

export const MiB = 1024 * 1024

/** Sorts and merges touching or overlapping ranges; drops empty ones. */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = ranges.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start)
  const out: ByteRange[] = []
  for (const r of sorted) {
    const last = out[out.length - 1]
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end)
    else out.push({ start: r.start, end: r.end })
  }
  return out
}

/** The parts of [0, size) that `done` does not cover. */
export function missingRanges(done: readonly ByteRange[], size: number): ByteRange[] {
  const out: ByteRange[] = []
  let cursor = 0
  for (const r of mergeRanges(done)) {
    if (r.start >= size) break
    if (r.start > cursor) out.push({ start: cursor, end: r.start })
    cursor = Math.max(cursor, Math.min(r.end, size))
  }
  if (cursor < size) out.push({ start: cursor, end: size })
  return out
}

export const totalLength = (ranges: readonly ByteRange[]): number => ranges.reduce((n, r) => n + (r.end - r.start), 0)

/**
 * Splits the missing ranges into at most `connections` segments of near-equal size, never smaller than
 * `minSegment` (except a range that is small to begin with). Missing ranges are never joined: the bytes
 * between them are already on disk.
 */
export function planSegments(missing: readonly ByteRange[], connections: number, minSegment = MiB): ByteRange[] {
  const total = totalLength(missing)
  if (total === 0) return []
  const target = Math.max(minSegment, total / connections)
  const out: ByteRange[] = []
  for (const r of missing) {
    // floor, not round: rounding up would make pieces smaller than the target (and than minSegment);
    // the epsilon keeps 4 x (total / 4) from flooring to 3.
    const pieces = Math.max(1, Math.floor((r.end - r.start) / target + 1e-9))
    const step = Math.ceil((r.end - r.start) / pieces)
    for (let s = r.start; s < r.end; s += step) out.push({ start: s, end: Math.min(r.end, s + step) })
  }
  return out
}

/** A segment being downloaded: `pos` is the next byte to fetch; [start, pos) is on disk. */
export interface ActiveSegment {
  start: number
  pos: number
  end: number
}

/**
 * When a connection runs out of work it takes over the second half of the largest unfinished piece, so
 * one slow connection does not hold up the end. Returns the index of the segment to split and the split
 * point, or undefined when no piece is worth splitting (less than 2 x minSplit left).
 */
export function chooseSplit(
  segments: readonly ActiveSegment[],
  minSplit = MiB,
): { index: number; at: number } | undefined {
  let best = -1
  let bestLeft = 0
  segments.forEach((s, i) => {
    const left = s.end - s.pos
    if (left > bestLeft) {
      best = i
      bestLeft = left
    }
  })
  if (best < 0 || bestLeft < 2 * minSplit) return undefined
  const seg = segments[best]!
  return { index: best, at: seg.pos + Math.floor(bestLeft / 2) }
}

export interface ContentRange {
  start: number
  end: number // inclusive, as in the header
  total: number
}

/** Parses `Content-Range: bytes a-b/total`; undefined when absent or not of that form. */
export function parseContentRange(value: string | undefined): ContentRange | undefined {
  const m = value ? /^bytes\s+(\d+)-(\d+)\/(\d+)$/i.exec(value.trim()) : null
  if (!m) return undefined
  return { start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) }
}

/**
 * Pure: does a response to `Range: bytes=start-(end-1)` carry exactly those bytes of an object of `size`?
 * A 200 means the server ignored the Range header; a Content-Range that disagrees means the bytes are
 * somewhere else. Either way they must never be stitched into the file.
 */
export function checkRangeResponse(
  status: number,
  contentRange: string | undefined,
  asked: ByteRange,
  size: number,
): 'ok' | 'range-ignored' | 'range-mismatch' {
  if (status === 200) return 'range-ignored'
  if (status !== 206) return 'range-mismatch'
  const cr = parseContentRange(contentRange)
  if (!cr || cr.start !== asked.start || cr.end !== asked.end - 1 || cr.total !== size) return 'range-mismatch'
  return 'ok'
}
