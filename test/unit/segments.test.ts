// Byte-range planning: merging, gaps, segment plans, work stealing, Range answers (the count:
// connection-count.test.ts).
import { describe, expect, it } from 'vitest'
import {
  MiB,
  checkRangeResponse,
  chooseSplit,
  mergeRanges,
  missingRanges,
  parseContentRange,
  planSegments,
  totalLength,
  type ByteRange,
} from '../../src/engine/segments.js'

/** Compact ranges: [[0, 10], [20, 30]] → [{start: 0, end: 10}, ...]. */
const R = (pairs: [number, number][]): ByteRange[] => pairs.map(([start, end]) => ({ start, end }))

/** mulberry32: a seeded PRNG so a failing random case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('mergeRanges', () => {
  it.each<[string, [number, number][], [number, number][]]>([
    ['empty', [], []],
    ['one', [[0, 5]], [[0, 5]]],
    [
      'drops empty and inverted',
      [
        [3, 3],
        [7, 4],
      ],
      [],
    ],
    [
      'sorts',
      [
        [10, 20],
        [0, 5],
      ],
      [
        [0, 5],
        [10, 20],
      ],
    ],
    [
      'merges touching',
      [
        [0, 5],
        [5, 9],
      ],
      [[0, 9]],
    ],
    [
      'merges overlapping',
      [
        [0, 6],
        [4, 9],
      ],
      [[0, 9]],
    ],
    [
      'keeps a gap of one byte',
      [
        [0, 5],
        [6, 9],
      ],
      [
        [0, 5],
        [6, 9],
      ],
    ],
    [
      'swallows a contained range',
      [
        [0, 10],
        [2, 3],
      ],
      [[0, 10]],
    ],
    [
      'chains unsorted',
      [
        [8, 12],
        [0, 4],
        [4, 8],
        [20, 21],
      ],
      [
        [0, 12],
        [20, 21],
      ],
    ],
  ])('%s', (_, input, expected) => expect(mergeRanges(R(input))).toEqual(R(expected)))

  it('does not mutate its input', () => {
    const input = R([
      [4, 8],
      [0, 5],
    ])
    mergeRanges(input)
    expect(input).toEqual(
      R([
        [4, 8],
        [0, 5],
      ]),
    )
  })
})

describe('missingRanges', () => {
  it.each<[string, [number, number][], number, [number, number][]]>([
    ['nothing done', [], 100, [[0, 100]]],
    ['all done', [[0, 100]], 100, []],
    ['size zero', [], 0, []],
    ['head done', [[0, 40]], 100, [[40, 100]]],
    ['tail done', [[60, 100]], 100, [[0, 60]]],
    [
      'middle done',
      [[30, 60]],
      100,
      [
        [0, 30],
        [60, 100],
      ],
    ],
    [
      'two holes',
      [
        [0, 10],
        [20, 30],
        [90, 100],
      ],
      100,
      [
        [10, 20],
        [30, 90],
      ],
    ],
    [
      'unsorted overlapping done',
      [
        [50, 70],
        [0, 20],
        [10, 30],
      ],
      100,
      [
        [30, 50],
        [70, 100],
      ],
    ],
    ['done past the end is clipped', [[80, 150]], 100, [[0, 80]]],
    ['done entirely past the end is ignored', [[200, 300]], 100, [[0, 100]]],
  ])('%s', (_, done, size, expected) => expect(missingRanges(R(done), size)).toEqual(R(expected)))
})

describe('totalLength', () => {
  it.each<[[number, number][], number]>([
    [[], 0],
    [[[0, 10]], 10],
    [
      [
        [0, 10],
        [20, 25],
      ],
      15,
    ],
    [[[5, 5]], 0],
  ])('%j → %d', (ranges, expected) => expect(totalLength(R(ranges))).toBe(expected))
})

/** The invariants every plan must keep, checked for one input. */
function checkPlan(missing: ByteRange[], plan: ByteRange[]): void {
  // Covers exactly the missing bytes: same total, each segment inside one missing range, no overlap.
  expect(totalLength(plan)).toBe(totalLength(missing))
  for (const s of plan) {
    expect(s.end).toBeGreaterThan(s.start)
    expect(missing.some((m) => s.start >= m.start && s.end <= m.end)).toBe(true)
  }
  const sorted = [...plan].sort((a, b) => a.start - b.start)
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start).toBeGreaterThanOrEqual(sorted[i - 1]!.end)
}

describe('planSegments', () => {
  it.each<[string, [number, number][], number, [number, number][]]>([
    ['nothing missing', [], 4, []],
    ['only empty ranges', [[5, 5]], 4, []],
    ['one connection, one range', [[0, 10 * MiB]], 1, [[0, 10 * MiB]]],
    [
      '10 MiB over 4',
      [[0, 10 * MiB]],
      4,
      [
        [0, 2.5 * MiB],
        [2.5 * MiB, 5 * MiB],
        [5 * MiB, 7.5 * MiB],
        [7.5 * MiB, 10 * MiB],
      ],
    ],
    [
      '3 MiB over 8: 1 MiB minimum',
      [[0, 3 * MiB]],
      8,
      [
        [0, MiB],
        [MiB, 2 * MiB],
        [2 * MiB, 3 * MiB],
      ],
    ],
    ['a small file stays whole', [[0, 500_000]], 8, [[0, 500_000]]],
    ['1 byte', [[0, 1]], 8, [[0, 1]]],
    [
      'two holes over 2 are never joined',
      [
        [0, 4 * MiB],
        [6 * MiB, 10 * MiB],
      ],
      2,
      [
        [0, 4 * MiB],
        [6 * MiB, 10 * MiB],
      ],
    ],
    [
      'two holes over 1 are still two',
      [
        [0, 4 * MiB],
        [6 * MiB, 10 * MiB],
      ],
      1,
      [
        [0, 4 * MiB],
        [6 * MiB, 10 * MiB],
      ],
    ],
    [
      'a resumed tail over 2',
      [[8 * MiB, 16 * MiB]],
      2,
      [
        [8 * MiB, 12 * MiB],
        [12 * MiB, 16 * MiB],
      ],
    ],
  ])('%s', (_, missing, connections, expected) => {
    const plan = planSegments(R(missing), connections)
    expect(plan).toEqual(R(expected))
    checkPlan(R(missing), plan)
  })

  it.each<[string, [number, number][], number, number]>([
    ['one range', [[0, 100 * MiB]], 8, 8],
    ['one odd-sized range', [[0, 100 * MiB + 7]], 3, 3],
    [
      'two equal ranges',
      [
        [0, 8 * MiB],
        [10 * MiB, 18 * MiB],
      ],
      4,
      4,
    ],
    // 16 MiB over 4 aims at 4 MiB pieces; 6 MiB holes round up to 2 pieces each.
    [
      'uneven holes no more than connections',
      [
        [0, 6 * MiB],
        [7 * MiB, 13 * MiB],
        [14 * MiB, 16 * MiB],
        [17 * MiB, 19 * MiB],
      ],
      4,
      4,
    ],
  ])('%s: at most `connections` segments', (_, missing, connections, atMost) => {
    const plan = planSegments(R(missing), connections)
    checkPlan(R(missing), plan)
    expect(plan.length).toBeLessThanOrEqual(Math.max(atMost, missing.length))
  })

  it.each<[string, [number, number][], number, number]>([
    ['2.5 MiB over 8', [[0, 2.5 * MiB]], 8, MiB],
    ['10 MiB over 4', [[0, 10 * MiB]], 4, MiB],
    ['9 MiB over 2, 4 MiB minimum', [[0, 9 * MiB]], 2, 4 * MiB],
    ['64 KiB minimum', [[0, 1000 * 1024]], 16, 64 * 1024],
  ])('%s: no segment below the minimum', (_, missing, connections, minSegment) => {
    const plan = planSegments(R(missing), connections, minSegment)
    checkPlan(R(missing), plan)
    for (const s of plan) expect(s.end - s.start).toBeGreaterThanOrEqual(minSegment)
  })

  it('random done sets: plan ∪ done covers [0, size) exactly once', () => {
    const random = prng(20240601)
    for (let run = 0; run < 200; run++) {
      const size = Math.floor(random() * 40 * MiB)
      const done: ByteRange[] = []
      const pieces = Math.floor(random() * 8)
      for (let i = 0; i < pieces; i++) {
        const start = Math.floor(random() * size)
        done.push({ start, end: start + Math.floor(random() * (size - start + 1)) })
      }
      const connections = 1 + Math.floor(random() * 16)
      const plan = planSegments(missingRanges(done, size), connections)
      const all = [...plan, ...mergeRanges(done)].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start)
      let cursor = 0
      for (const r of all) {
        expect(r.start, `run ${run}: gap or overlap at ${cursor}`).toBe(cursor)
        cursor = r.end
      }
      expect(cursor, `run ${run}`).toBe(size)
    }
  })
})

describe('chooseSplit', () => {
  const S = (triples: [number, number, number][]) => triples.map(([start, pos, end]) => ({ start, pos, end }))
  it.each<[string, [number, number, number][], number, { index: number; at: number } | undefined]>([
    ['no segments', [], MiB, undefined],
    ['all finished', [[0, 10 * MiB, 10 * MiB]], MiB, undefined],
    ['just under 2 x minSplit left', [[0, 0, 2 * MiB - 1]], MiB, undefined],
    ['exactly 2 x minSplit left', [[0, 0, 2 * MiB]], MiB, { index: 0, at: MiB }],
    ['halfway between pos and end', [[0, 2 * MiB, 10 * MiB]], MiB, { index: 0, at: 6 * MiB }],
    ['odd length rounds down', [[0, 0, 5]], 1, { index: 0, at: 2 }],
    [
      'largest remaining, not largest segment',
      [
        [0, 9 * MiB, 10 * MiB],
        [10 * MiB, 10 * MiB, 14 * MiB],
      ],
      MiB,
      { index: 1, at: 12 * MiB },
    ],
    [
      'first of equals',
      [
        [0, 0, 4 * MiB],
        [4 * MiB, 4 * MiB, 8 * MiB],
      ],
      MiB,
      { index: 0, at: 2 * MiB },
    ],
    ['custom minSplit', [[0, 0, 100]], 50, { index: 0, at: 50 }],
    ['custom minSplit too large', [[0, 0, 100]], 51, undefined],
  ])('%s', (_, segs, minSplit, expected) => expect(chooseSplit(S(segs), minSplit)).toEqual(expected))
})

describe('parseContentRange', () => {
  it.each<[string | undefined, { start: number; end: number; total: number } | undefined]>([
    ['bytes 0-99/100', { start: 0, end: 99, total: 100 }],
    ['bytes 100-199/1000', { start: 100, end: 199, total: 1000 }],
    ['BYTES 0-0/1', { start: 0, end: 0, total: 1 }],
    ['  bytes 5-9/10  ', { start: 5, end: 9, total: 10 }],
    ['bytes 0-99/*', undefined],
    ['bytes */100', undefined],
    ['bytes 0-99', undefined],
    ['items 0-99/100', undefined],
    ['bytes -1-99/100', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j', (value, expected) => expect(parseContentRange(value)).toEqual(expected))
})

describe('checkRangeResponse', () => {
  const asked = { start: 100, end: 200 } // Range: bytes=100-199
  it.each<[string, number, string | undefined, 'ok' | 'range-ignored' | 'range-mismatch']>([
    ['200 ignores the range', 200, undefined, 'range-ignored'],
    ['200 even with a Content-Range', 200, 'bytes 100-199/1000', 'range-ignored'],
    ['206 exact', 206, 'bytes 100-199/1000', 'ok'],
    ['206 start off by one', 206, 'bytes 101-199/1000', 'range-mismatch'],
    ['206 start off by minus one', 206, 'bytes 99-199/1000', 'range-mismatch'],
    ['206 end exclusive by mistake', 206, 'bytes 100-200/1000', 'range-mismatch'],
    ['206 end short', 206, 'bytes 100-198/1000', 'range-mismatch'],
    ['206 total off by one', 206, 'bytes 100-199/999', 'range-mismatch'],
    ['206 total unknown', 206, 'bytes 100-199/*', 'range-mismatch'],
    ['206 without Content-Range', 206, undefined, 'range-mismatch'],
    ['416', 416, 'bytes */1000', 'range-mismatch'],
    ['403', 403, undefined, 'range-mismatch'],
    ['500', 500, undefined, 'range-mismatch'],
    ['304', 304, undefined, 'range-mismatch'],
  ])('%s', (_, status, contentRange, expected) =>
    expect(checkRangeResponse(status, contentRange, asked, 1000)).toBe(expected),
  )
})
