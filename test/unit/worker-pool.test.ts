// The worker pool while its count changes: every byte fetched exactly once, never more connections than asked,
// added ones take over halves, retired ones hand the rest back. A stand-in connection takes 256 KiB per turn.
import { describe, expect, it } from 'vitest'
import { toSegment, type Segment } from '../../src/engine/receive.js'
import { MiB, mergeRanges, planSegments, totalLength, type ByteRange } from '../../src/engine/segments.js'
import { WorkerPool } from '../../src/engine/worker-pool.js'

const STEP = 256 * 1024

interface Run {
  pool: WorkerPool
  segments: Segment[]
  received: ByteRange[]
  /** The most segments being received at once. */
  maxActive: number
  /** Segments being received now. */
  active: number
  /** `active` at every turn after the last resize took effect. */
  activeAfter: number[]
  stop: AbortController
}

/**
 * A pool over `size` bytes planned for `start` connections; `onTurn(turn, run)` runs after every 256 KiB any
 * connection takes (the place to resize). Receives like receive.ts: up to the segment's end as it is now.
 */
function makeRun(
  size: number,
  start: number,
  onTurn: (turn: number, run: Run) => void = () => {},
  fail?: (seg: Segment) => boolean,
): Run {
  const segments = planSegments([{ start: 0, end: size }], start).map(toSegment)
  const stop = new AbortController()
  let turn = 0
  const run: Run = {
    pool: undefined as unknown as WorkerPool,
    segments,
    received: [],
    active: 0,
    maxActive: 0,
    activeAfter: [],
    stop,
  }
  run.pool = new WorkerPool(segments, stop, async (seg) => {
    run.maxActive = Math.max(run.maxActive, ++run.active)
    try {
      while (seg.pos < seg.end) {
        if (stop.signal.aborted) throw stop.signal.reason
        await new Promise((resolve) => setImmediate(resolve))
        if (fail?.(seg)) throw new Error(`segment at ${seg.start} failed`)
        const room = seg.end - seg.pos
        if (room <= 0) break
        const n = Math.min(STEP, room)
        run.received.push({ start: seg.pos, end: seg.pos + n })
        seg.pos += n
        seg.flushed = seg.pos
        onTurn(++turn, run)
      }
    } finally {
      run.active--
    }
  })
  return run
}

/** Every byte of [0, size) received, none twice. */
function expectExactlyOnce(run: Run, size: number): void {
  expect(totalLength(run.received)).toBe(size)
  expect(mergeRanges(run.received)).toEqual([{ start: 0, end: size }])
}

describe('WorkerPool', () => {
  it('a fixed count: as many connections as asked, each byte once', async () => {
    const run = makeRun(64 * MiB, 4)
    await run.pool.run(4)
    expectExactlyOnce(run, 64 * MiB)
    expect(run.maxActive).toBe(4)
    expect(run.pool.peak).toBe(4)
  })

  it('grown from 4 to 16: the new ones take over halves of running pieces', async () => {
    const run = makeRun(64 * MiB, 4, (turn, r) => {
      if (turn === 8) r.pool.resize(8)
      if (turn === 40) r.pool.resize(16)
    })
    await run.pool.run(4)
    expectExactlyOnce(run, 64 * MiB)
    expect(run.pool.peak).toBe(16)
    expect(run.maxActive).toBe(16)
    // Four planned pieces, at least twelve stolen halves.
    expect(run.segments.length).toBeGreaterThanOrEqual(16)
  })

  it('shrunk from 8 to 4: the newest stop where they are and hand back the rest', async () => {
    let resizedAt = 0
    const run = makeRun(64 * MiB, 4, (turn, r) => {
      if (turn === 8) r.pool.resize(8)
      if (turn === 40) {
        r.pool.resize(4)
        resizedAt = turn
      }
      // Once the retired connections' turns are over (one each at most), no more than four receive at once.
      if (resizedAt > 0 && turn > resizedAt + 8) r.activeAfter.push(r.active)
    })
    await run.pool.run(4)
    expectExactlyOnce(run, 64 * MiB)
    expect(run.pool.peak).toBe(8)
    expect(run.activeAfter.length).toBeGreaterThan(0)
    expect(Math.max(...run.activeAfter)).toBeLessThanOrEqual(4)
    // The retired four's rests were handed back: pieces that start where a retired piece ended.
    const ends = new Set(run.segments.map((s) => s.end))
    expect(run.segments.filter((s) => s.start > 0 && ends.has(s.start)).length).toBeGreaterThanOrEqual(4)
  })

  it('grown past what is worth splitting: the extra connections end at once, the bytes still arrive once', async () => {
    const run = makeRun(3 * MiB, 1, (turn, r) => {
      if (turn === 1) r.pool.resize(16)
    })
    await run.pool.run(1)
    expectExactlyOnce(run, 3 * MiB)
    expect(run.maxActive).toBeLessThanOrEqual(2)
  })

  it('a connection failing for good stops them all and throws its error', async () => {
    const run = makeRun(
      16 * MiB,
      4,
      () => {},
      (seg) => seg.start === 4 * MiB && seg.pos > seg.start,
    )
    await expect(run.pool.run(4)).rejects.toThrow('segment at 4194304 failed')
    expect(run.stop.signal.aborted).toBe(true)
    // A resize after the end does nothing.
    run.pool.resize(8)
    expect(run.pool.working).toBe(0)
  })
})
