// The connection count as pure decisions: its limits, when a window's rate counts, and add / hold / remove.
import { describe, expect, it } from 'vitest'
import {
  connectionLimits,
  decideConnections,
  isSteady,
  type CountDecision,
  type RateSample,
} from '../../src/engine/connection-count.js'
import { MiB } from '../../src/engine/segments.js'

const MB = 1e6
/**
 * A window: `connections` delivering `mbps` MB/s together, the event loop busy `loopBusy` of it (a long path: little).
 */
const at = (connections: number, mbps: number, loopBusy = 0.1): RateSample => ({
  connections,
  bytesPerSecond: mbps * MB,
  loopBusy,
})

describe('connectionLimits', () => {
  it.each<[string, number, { requested?: number; ceiling?: number }, { start: number; max: number }]>([
    ['nothing left: one', 0, {}, { start: 1, max: 1 }],
    ['just under 8 MiB: one', 8 * MiB - 1, {}, { start: 1, max: 1 }],
    ['8 MiB: two, fixed by size', 8 * MiB, {}, { start: 2, max: 2 }],
    ['16 MiB: four, nothing to find', 16 * MiB, {}, { start: 4, max: 4 }],
    ['40 MiB: four, up to ten', 40 * MiB, {}, { start: 4, max: 10 }],
    ['64 MiB: four, up to sixteen', 64 * MiB, {}, { start: 4, max: 16 }],
    ['1 GiB: still at most sixteen', 1024 * MiB, {}, { start: 4, max: 16 }],
    ["a batch's share of 4: fixed at four", 1024 * MiB, { ceiling: 4 }, { start: 4, max: 4 }],
    ["a batch's share of 2: two", 1024 * MiB, { ceiling: 2 }, { start: 2, max: 2 }],
    ["a batch's share of 8: four, up to eight", 1024 * MiB, { ceiling: 8 }, { start: 4, max: 8 }],
    ['a share above the size: the size', 12 * MiB, { ceiling: 16 }, { start: 3, max: 3 }],
    ['-c wins on a tiny file', 10, { requested: 16 }, { start: 16, max: 16 }],
    ['-c wins on a huge file', 1024 * MiB, { requested: 1 }, { start: 1, max: 1 }],
    ['-c wins over the share', 1024 * MiB, { requested: 6, ceiling: 2 }, { start: 6, max: 6 }],
  ])('%s', (_, remaining, options, expected) => expect(connectionLimits(remaining, options)).toEqual(expected))
})

describe('isSteady: does a window count, by its halves', () => {
  it.each<[string, number, number, boolean]>([
    ['equal halves', 16 * MB, 16 * MB, true],
    ['within 15%, rising', 17 * MB, 20 * MB, true],
    ['within 15%, falling', 20 * MB, 17 * MB, true],
    ['exactly 15% apart', 85 * MB, 100 * MB, true],
    ['still speeding up (a start-up)', 298 * MB, 576 * MB, false],
    ['slowing down', 600 * MB, 450 * MB, false],
    ['nothing at all', 0, 0, true],
    ['nothing, then bytes', 0, 5 * MB, false],
  ])('%s', (_, first, second, expected) => expect(isSteady(first, second)).toBe(expected))
})

describe('decideConnections: rate samples in, add / hold / remove out', () => {
  it.each<[string, RateSample, RateSample | undefined, number, CountDecision]>([
    // The first window: nothing to compare with yet, so the count doubles while there is room.
    ['first window: double', at(4, 16), undefined, 16, { action: 'add', to: 8 }],
    ['first window: no further than the size allows', at(4, 16), undefined, 6, { action: 'add', to: 6 }],
    ['first window at the most allowed: hold', at(4, 16), undefined, 4, { action: 'hold' }],
    ['nothing arrived in the window (every connection retrying): hold', at(4, 0), undefined, 16, { action: 'hold' }],
    // Each connection capped (a long path): every doubling doubles the rate.
    ['per-connection cap, 4 → 8 doubled the rate: double again', at(8, 32), at(4, 16), 16, { action: 'add', to: 16 }],
    ['per-connection cap, 8 → 16 doubled it: at the most, hold', at(16, 64), at(8, 32), 16, { action: 'hold' }],
    ['a gain of exactly a quarter of proportional counts', at(8, 20), at(4, 16), 16, { action: 'add', to: 16 }],
    ['4 → 6 (the size allowed no more) gained in proportion: hold', at(6, 24), at(4, 16), 6, { action: 'hold' }],
    [
      '4 → 6 gained 5 MB/s, more than a quarter of the 8 expected: hold at the most',
      at(6, 21),
      at(4, 16),
      6,
      { action: 'hold' },
    ],
    // One limit for all connections (a shared link, loopback, --limit-rate): more connections add nothing.
    [
      'shared bottleneck, 4 → 8 the same rate: hand the four back',
      at(8, 32),
      at(4, 32),
      16,
      { action: 'remove', to: 4 },
    ],
    ['shared bottleneck, 4 → 8 slower: hand them back', at(8, 28), at(4, 32), 16, { action: 'remove', to: 4 }],
    [
      'a gain just under a quarter of proportional: hand them back',
      at(8, 19.9),
      at(4, 16),
      16,
      { action: 'remove', to: 4 },
    ],
    ['8 → 16 gained too little (the path filled): back to 8', at(16, 40), at(8, 36), 16, { action: 'remove', to: 8 }],
    ['4 → 6 gained too little: back to 4', at(6, 17), at(4, 16), 6, { action: 'remove', to: 4 }],
    ['nothing arrived after an addition: hold, no verdict on it', at(8, 0), at(4, 16), 16, { action: 'hold' }],
    // The event loop reads every connection's bytes: when it is the bottleneck (loopback), more connections cannot pay.
    ['loopback, the loop busy all the window: hold at four', at(4, 600, 1), undefined, 16, { action: 'hold' }],
    ['the loop busy half the window: no room to double', at(4, 300, 0.5), undefined, 16, { action: 'hold' }],
    ['the loop busy 0.49: doubling fits', at(4, 300, 0.49), undefined, 16, { action: 'add', to: 8 }],
    ['busy 0.6, but only 4 → 6 allowed: fits (0.6 x 1.5 < 1)', at(4, 300, 0.6), undefined, 6, { action: 'add', to: 6 }],
    [
      'an addition that paid, but the loop is now busy: hold there',
      at(8, 64, 0.7),
      at(4, 32, 0.35),
      16,
      { action: 'hold' },
    ],
    [
      'an addition that did not pay is handed back, busy or not',
      at(8, 32, 0.9),
      at(4, 32, 0.5),
      16,
      { action: 'remove', to: 4 },
    ],
  ])('%s', (_, now, before, max, expected) => expect(decideConnections(now, before, max)).toEqual(expected))
})
