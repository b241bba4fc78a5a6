// Human-readable numbers and progress decisions: sizes, durations, --limit-rate parsing, mode choice, speed.
import { describe, expect, it } from 'vitest'
import { formatBytes, formatDuration, formatRate } from '../../src/output/format.js'
import { parseRate } from '../../src/config/option-values.js'
import { chooseProgressMode, RateMeter, type ProgressMode } from '../../src/output/progress.js'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

describe('formatBytes', () => {
  it.each<[number, string]>([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [10 * KiB, '10.0 KiB'],
    [99.94 * KiB, '99.9 KiB'],
    [100 * KiB, '100 KiB'],
    [1000 * KiB, '1000 KiB'],
    [MiB, '1.0 MiB'],
    [2.25 * MiB, '2.3 MiB'],
    [512 * MiB, '512 MiB'],
    [GiB, '1.0 GiB'],
    [1.5 * GiB, '1.5 GiB'],
    [1024 * GiB, '1.0 TiB'],
    [1024 * 1024 * GiB, '1024 TiB'],
  ])('%d → %s', (n, expected) => expect(formatBytes(n)).toBe(expected))

  it.each<[number, string]>([
    [0, '0 B/s'],
    [512.4, '512 B/s'],
    [2 * MiB, '2.0 MiB/s'],
  ])('formatRate(%d) → %s', (n, expected) => expect(formatRate(n)).toBe(expected))
})

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [499, '0s'],
    [500, '1s'],
    [1_000, '1s'],
    [59_000, '59s'],
    [59_499, '59s'],
    [59_500, '1m00s'],
    [60_000, '1m00s'],
    [61_000, '1m01s'],
    [605_000, '10m05s'],
    [3_599_000, '59m59s'],
    [3_600_000, '1h00m'],
    [3_660_000, '1h01m'],
    [86_400_000, '24h00m'],
    [-1, '--'],
    [Number.NaN, '--'],
    [Number.POSITIVE_INFINITY, '--'],
  ])('%d ms → %s', (ms, expected) => expect(formatDuration(ms)).toBe(expected))
})

describe('parseRate', () => {
  it.each<[string, number | undefined]>([
    ['500K', 500 * KiB],
    ['500k', 500 * KiB],
    ['10M', 10 * MiB],
    ['1.5G', 1.5 * GiB],
    ['100', 100],
    ['100B', 100],
    ['10MiB', 10 * MiB],
    ['10MB', 10 * MiB],
    ['10M/s', 10 * MiB],
    ['2 MiB/s', 2 * MiB],
    [' 1K ', KiB],
    ['0.5K', 512],
    ['0.6', 1],
    ['abc', undefined],
    // Zero reads as zero: --limit-rate 0 is "no cap"; --speed-limit refuses it (its declared minimum is 1).
    ['0', 0],
    ['0K', 0],
    ['0.1', 0],
    ['', undefined],
    ['-1M', undefined],
    ['10T', undefined],
    ['1.5.5M', undefined],
    ['M', undefined],
    ['10 M B', undefined],
  ])('%j → %s', (text, expected) => expect(parseRate(text)).toBe(expected))
})

describe('chooseProgressMode', () => {
  it.each<[boolean, boolean, boolean, string | undefined, ProgressMode]>([
    [true, false, false, 'xterm-256color', 'tty'],
    [true, false, false, undefined, 'tty'],
    [true, true, false, 'xterm', 'plain'],
    [true, false, false, 'dumb', 'plain'],
    [false, false, false, 'xterm', 'plain'],
    [false, true, false, undefined, 'plain'],
    [true, false, true, 'xterm', 'silent'],
    [false, false, true, undefined, 'silent'],
    [true, true, true, 'dumb', 'silent'],
  ])('isTTY %s, ci %s, quiet %s, TERM %s → %s', (isTTY, ci, quiet, term, expected) =>
    expect(chooseProgressMode({ isTTY, ci, quiet, term })).toBe(expected),
  )
})

describe('RateMeter', () => {
  it.each<[string, number, [number, number][], number]>([
    ['no samples', 5000, [], 0],
    ['one sample', 5000, [[1000, 500]], 0],
    [
      'two samples at the same time',
      5000,
      [
        [1000, 0],
        [1000, 500],
      ],
      0,
    ],
    [
      '1000 B over 1 s',
      5000,
      [
        [0, 0],
        [1000, 1000],
      ],
      1000,
    ],
    [
      'steady 1 MiB/s',
      5000,
      [
        [0, 0],
        [1000, MiB],
        [2000, 2 * MiB],
        [3000, 3 * MiB],
      ],
      MiB,
    ],
    [
      'within the window the average counts',
      5000,
      [
        [0, 0],
        [1000, 4000],
        [2000, 4000],
      ],
      2000,
    ],
    [
      'old fast samples slide out',
      2000,
      [
        [0, 0],
        [1000, 10_000],
        [2000, 10_000],
        [3000, 10_000],
        [4000, 10_000],
      ],
      0,
    ],
    [
      'speed-up shows once the slow start leaves the window',
      1000,
      [
        [0, 0],
        [1000, 100],
        [2000, 5100],
        [3000, 10_100],
      ],
      5000,
    ],
    [
      'keeps at least two samples when they are far apart',
      1000,
      [
        [0, 0],
        [10_000, 5000],
      ],
      500,
    ],
  ])('%s', (_, windowMs, samples, expected) => {
    const meter = new RateMeter(windowMs)
    for (const [t, bytes] of samples) meter.add(t, bytes)
    expect(meter.bytesPerSecond).toBeCloseTo(expected, 6)
  })

  it('defaults to a 5 s window', () => expect(new RateMeter().windowMs).toBe(5000))
})
