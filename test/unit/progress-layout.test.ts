// Live progress lines laid out for a terminal width, and the end lines people read: pure functions, tables.
import { describe, expect, it } from 'vitest'
import { displayWidth, drawBar, fitStart, layoutLine } from '../../src/output/line-layout.js'
import { describeStart, renderProgressLine } from '../../src/output/progress.js'
import {
  batchBarWidth,
  describeFileResult,
  describeSummary,
  renderFileRow,
  renderOverallLine,
  showsFileLine,
} from '../../src/output/batch-progress.js'
import type { BatchFileResult, BatchSummary, FileStatus } from '../../src/batch/results.js'
import { describeGetResult, describeInterrupted } from '../../src/output/end-lines.js'
import { formatBytes, formatElapsed, formatSpeed } from '../../src/output/format.js'

const KiB = 1024
const MiB = 1024 * KiB
const BAR = /[█░]+/

describe('renderProgressLine: ETA goes first, then the speed, then the bar; never wider than the terminal', () => {
  const live = { completed: 12.3 * MiB, size: 40 * MiB, rate: 2.5 * MiB }
  it.each<[number, { bar: boolean; speed: boolean; eta: boolean }]>([
    [200, { bar: true, speed: true, eta: true }],
    [120, { bar: true, speed: true, eta: true }],
    [62, { bar: true, speed: true, eta: true }],
    [61, { bar: true, speed: true, eta: false }],
    [52, { bar: true, speed: true, eta: false }],
    [51, { bar: true, speed: false, eta: false }],
    [39, { bar: true, speed: false, eta: false }],
    [38, { bar: false, speed: false, eta: false }],
    [28, { bar: false, speed: false, eta: false }],
  ])('%i columns', (width, shows) => {
    const line = renderProgressLine(width, live)
    expect(displayWidth(line)).toBeLessThanOrEqual(width)
    expect(BAR.test(line)).toBe(shows.bar)
    expect(line.includes('2.5 MiB/s')).toBe(shows.speed)
    expect(line.includes('ETA 11s')).toBe(shows.eta)
    expect(line).toContain('30% | 12.3 MiB of 40.0 MiB')
  })

  it.each([1, 5, 10, 20, 26])('%i columns: cut, never wider', (width) =>
    expect(displayWidth(renderProgressLine(width, live))).toBeLessThanOrEqual(width),
  )

  it.each<[string, number | undefined, string]>([
    ['no measurement yet', undefined, '--'],
    ['a measurement', 100 * MiB, '100 MiB/s'],
    ['just under 100', 99.97 * MiB, '100 MiB/s'],
    ['stalled after a measurement', 0, '0 B/s'],
  ])('speed, %s: %s', (_, rate, shown) => {
    const line = renderProgressLine(120, { completed: MiB, size: 40 * MiB, rate })
    expect(line).toContain(`| ${shown.padStart(10)} |`)
    if (rate === undefined) expect(line).not.toMatch(/\d B\/s/)
  })

  it('keeps every field at one width from frame to frame', () => {
    const frames = [0, 0.5 * MiB, 9.96 * MiB, 99.9 * MiB, 100 * MiB].map((completed, i) =>
      renderProgressLine(120, {
        completed,
        size: 200 * MiB,
        rate: [undefined, 99.94 * MiB, 99.96 * MiB, 512 * KiB, 1000][i],
      }),
    )
    const cut = (l: string) => l.slice(0, l.indexOf('ETA'))
    expect(new Set(frames.map((l) => displayWidth(cut(l)))).size).toBe(1)
  })
})

describe('batch rows on a terminal', () => {
  it.each<[number, boolean]>([
    [120, true],
    [60, true],
    [50, false],
    [40, false],
  ])('overall line at %i columns: speed shown %s, never wider', (width, speed) => {
    const line = renderOverallLine(width, { counter: '3/10', completed: 12.3 * MiB, total: 400 * MiB, rate: 9.5 * MiB })
    expect(displayWidth(line)).toBeLessThanOrEqual(width)
    expect(line).toContain('3/10 files | 12.3 MiB of 400 MiB')
    expect(line.includes('9.5 MiB/s')).toBe(speed)
  })

  it.each<[number, string, string, boolean]>([
    [120, 'reports/2024/q1.pdf', ' 42% | reports/2024/q1.pdf', true],
    [40, 'a/very/long/path/to/some/deeply/nested/report.pdf', ' 42% | …', false],
    [60, 'a/very/long/path/to/some/deeply/nested/report.pdf', ' 42% | …', true],
    [50, '报告/第一季度/财务报表汇总（最终版）.xlsx', '.xlsx', true],
    [20, 'reports/2024/q1.pdf', ' 42% | …', false],
  ])('file row at %i columns: %s', (width, path, contains, bar) => {
    const line = renderFileRow(
      width,
      { path, completed: 42 * KiB, size: 100 * KiB },
      batchBarWidth(width, '3/10'.length),
    )
    expect(displayWidth(line)).toBeLessThanOrEqual(width)
    expect(line).toMatch(/ 42% /)
    expect(line).toContain(contains)
    expect(line.endsWith(path.slice(-5))).toBe(true)
    expect(BAR.test(line)).toBe(bar)
  })

  // Where the bar starts and how wide it is, in columns; undefined when the row has none.
  const barOf = (line: string) => {
    const m = BAR.exec(line)
    return m ? { at: displayWidth(line.slice(0, m.index)), width: m[0].length } : undefined
  }
  // "  3/300 files | 12.3 MiB of 400 MiB |  9.5 MiB/s" is 49 columns at its widest, 36 without the speed.
  it.each<[number, number]>([
    [200, 24],
    [120, 24],
    [75, 24],
    [74, 23],
    [61, 10],
    [60, 22],
    [58, 20],
    [48, 10],
    [47, 0],
    [30, 0],
  ])(
    'at %i columns every row of a batch has a bar of %i cells, in the same place, none wider than the terminal',
    (width, cells) => {
      const counter = '  3/300' // padded to its widest, as the display does
      expect(batchBarWidth(width, counter.length)).toBe(cells)
      const rows = [
        renderOverallLine(width, { counter, completed: 12.3 * MiB, total: 400 * MiB, rate: 9.5 * MiB }),
        renderOverallLine(width, { counter: '300/300', completed: 400 * MiB, total: 400 * MiB, rate: undefined }),
        ...[
          'a.bin',
          'reports/2024/q1.pdf',
          'a/very/long/path/to/some/deeply/nested/and/then/some/more/report.pdf',
          '报告/第一季度/财务报表汇总（最终版）.xlsx',
        ].map((path) =>
          renderFileRow(width, { path, completed: 42 * KiB, size: 100 * KiB }, batchBarWidth(width, counter.length)),
        ),
      ]
      for (const row of rows) expect(displayWidth(row), row).toBeLessThanOrEqual(width)
      expect(new Set(rows.map((row) => JSON.stringify(barOf(row))))).toEqual(
        new Set([JSON.stringify(cells > 0 ? { at: 1, width: cells } : undefined)]),
      )
    },
  )
})

describe('layout pieces', () => {
  it.each<[string, number]>([
    ['abc', 3],
    ['钉钉', 4],
    ['a\u0301', 1],
    ['█░', 2],
    ['', 0],
  ])('displayWidth(%j) = %i', (text, width) => expect(displayWidth(text)).toBe(width))

  it.each<[string, number, string]>([
    ['short', 10, 'short'],
    ['a/b/c/name.bin', 9, '…name.bin'],
    ['钉钉钉钉', 5, '…钉钉'],
    ['abc', 0, ''],
  ])('fitStart(%j, %i) = %j', (text, width, out) => expect(fitStart(text, width)).toBe(out))

  it.each<[number, number, string]>([
    [0, 4, '░░░░'],
    [0.5, 4, '██░░'],
    [1, 4, '████'],
    [2, 3, '███'],
    [Number.NaN, 2, '░░'],
  ])('drawBar(%d, %i) = %s', (f, w, out) => expect(drawBar(f, w)).toBe(out))

  it('drops the lowest number first, the bar included', () => {
    const spec = {
      fraction: 0.5,
      barDrop: 2,
      barMin: 4,
      barMax: 4,
      parts: [{ text: 'keep' }, { text: 'first', drop: 1 }, { text: 'third', drop: 3 }],
    }
    expect(layoutLine(100, spec)).toBe(' ██░░ keep | first | third')
    expect(layoutLine(20, spec)).toBe(' ██░░ keep | third')
    expect(layoutLine(15, spec)).toBe(' keep | third')
    expect(layoutLine(8, spec)).toBe(' keep')
  })
})

describe('sizes and speeds: one format', () => {
  it.each<[number, string]>([
    [99.94 * KiB, '99.9 KiB'],
    [99.96 * KiB, '100 KiB'],
    [99.96 * MiB, '100 MiB'],
    [1023.6 * KiB, '1.0 MiB'],
    [4194304, '4.0 MiB'],
  ])('formatBytes(%d) = %s', (n, out) => expect(formatBytes(n)).toBe(out))

  it.each<[number | undefined, string]>([
    [undefined, '--'],
    [0, '0 B/s'],
    [99.97 * MiB, '100 MiB/s'],
  ])('formatSpeed(%s) = %s', (n, out) => expect(formatSpeed(n)).toBe(out))

  it.each<[number, string]>([
    [0, '0.0s'],
    [1234, '1.2s'],
    [59_900, '59.9s'],
    [59_960, '1m00s'],
    [125_000, '2m05s'],
  ])('formatElapsed(%d) = %s', (ms, out) => expect(formatElapsed(ms)).toBe(out))
})

describe('the start line', () => {
  const start = { type: 'start' as const, etag: null, crc64: null, region: 'zjk', hosts: [] }
  it.each<[string, Parameters<typeof describeStart>[0], string]>([
    [
      'one connection',
      { ...start, size: 3 * MiB, resumedBytes: 0, connections: 1 },
      'downloading 3.0 MiB over 1 connection',
    ],
    [
      'a fixed count',
      { ...start, size: 256 * MiB, resumedBytes: 0, connections: 8 },
      'downloading 256 MiB over 8 connections',
    ],
    [
      'a count to be found',
      { ...start, size: 256 * MiB, resumedBytes: 0, connections: 4, maxConnections: 16 },
      'downloading 256 MiB over 4 connections (up to 16 if more are faster)',
    ],
    [
      'a resume',
      { ...start, size: 40 * MiB, resumedBytes: 12.3 * MiB, connections: 4, maxConnections: 6 },
      'downloading 40.0 MiB over 4 connections (up to 6 if more are faster), resuming with 12.3 MiB already on disk',
    ],
  ])('%s', (_, e, line) => expect(describeStart(e)).toBe(line))
})

describe('end lines', () => {
  const base = {
    path: 'db.tar',
    bytes: 4194304,
    upToDate: false,
    checked: ['size', 'crc64'] as ('size' | 'crc64' | 'sha256')[],
    durationMs: 2000,
    resumedBytes: 0,
  }
  it.each<[string, Partial<typeof base>, string]>([
    ['saved', {}, 'saved db.tar (4.0 MiB in 2.0s at 2.0 MiB/s, checked: size + CRC-64)'],
    [
      'saved after a resume',
      { resumedBytes: 2 * MiB },
      'saved db.tar (4.0 MiB in 2.0s at 1.0 MiB/s, 2.0 MiB of it from an earlier run, checked: size + CRC-64)',
    ],
    [
      'with SHA-256',
      { checked: ['size', 'crc64', 'sha256'] },
      'saved db.tar (4.0 MiB in 2.0s at 2.0 MiB/s, checked: size + CRC-64 + SHA-256)',
    ],
    ['streamed', { path: '-', checked: ['size'] }, 'streamed to stdout (4.0 MiB in 2.0s at 2.0 MiB/s, checked: size)'],
    ['up to date', { upToDate: true }, 'up to date: db.tar (4.0 MiB, same size and CRC-64): nothing downloaded'],
    [
      'up to date, with SHA-256',
      { upToDate: true, checked: ['size', 'crc64', 'sha256'] },
      'up to date: db.tar (4.0 MiB, same size, CRC-64 and SHA-256): nothing downloaded',
    ],
    [
      'up to date, no CRC-64 from the server',
      { upToDate: true, checked: ['size'] },
      'up to date: db.tar (4.0 MiB, same size; the server sends no CRC-64): nothing downloaded',
    ],
    ['an empty file', { bytes: 0, durationMs: 5 }, 'saved db.tar (0 B in 0.0s, checked: size + CRC-64)'],
  ])('%s', (_, change, line) => expect(describeGetResult({ ...base, ...change })).toBe(line))

  it('takes one more part where a caller adds one', () =>
    expect(describeGetResult(base, ['4.0 MiB', '3 API calls'])).toBe('saved db.tar (4.0 MiB, 3 API calls)'))

  it.each<[string, Parameters<typeof describeInterrupted>[0], string]>([
    ['before the transfer', undefined, 'dtdl: interrupted; run the same command again to resume'],
    [
      'part way',
      { bytes: 12.3 * MiB, size: 40 * MiB },
      'dtdl: interrupted; 12.3 MiB of 40.0 MiB kept: run the same command again to resume',
    ],
    [
      'a stream',
      { bytes: 5 * MiB, size: 40 * MiB, streamed: true },
      'dtdl: interrupted after 5.0 MiB of 40.0 MiB went to stdout: a stream does not resume, run the command again to start over',
    ],
  ])('interrupted %s', (_, kept, line) => expect(describeInterrupted(kept)).toBe(line))
})

describe('a batch: the summary, and which files get a line', () => {
  const none = {
    downloaded: 0,
    replaced: 0,
    skipped: 0,
    unchanged: 0,
    checked: 0,
    checkedCalls: 0,
    leftAlone: 0,
    failed: 0,
    deleted: 0,
    bytes: 8 * MiB,
    durationMs: 3000,
  }
  it.each<[string, Partial<BatchSummary>, boolean, string]>([
    ['a first run', { downloaded: 300 }, false, '300 downloaded, 0 failed; 8.0 MiB in 3s'],
    ['interrupted', { downloaded: 2 }, true, '2 downloaded, 0 failed so far; 8.0 MiB in 3s'],
    [
      'a no-op re-run',
      { unchanged: 300, skipped: 300 },
      false,
      '0 downloaded, 300 unchanged (no call), 0 failed; 8.0 MiB in 3s',
    ],
    [
      'probes',
      { checked: 5, checkedCalls: 6, skipped: 5 },
      false,
      '0 downloaded, 5 checked (6 calls), 0 failed; 8.0 MiB in 3s',
    ],
    [
      'one probe',
      { checked: 1, checkedCalls: 1, skipped: 1 },
      false,
      '0 downloaded, 1 checked (1 call), 0 failed; 8.0 MiB in 3s',
    ],
    [
      '--skip-existing',
      { leftAlone: 2, skipped: 2 },
      false,
      '0 downloaded, 2 left alone (--skip-existing), 0 failed; 8.0 MiB in 3s',
    ],
    [
      'everything',
      {
        downloaded: 4,
        replaced: 2,
        unchanged: 10,
        checked: 3,
        checkedCalls: 3,
        leftAlone: 1,
        skipped: 14,
        failed: 1,
        deleted: 2,
      },
      false,
      '4 downloaded (2 replaced), 10 unchanged (no call), 3 checked (3 calls), 1 left alone (--skip-existing), 1 failed, 2 deleted; 8.0 MiB in 3s',
    ],
  ])('%s', (_, counts, soFar, line) =>
    expect(describeSummary({ summary: { ...none, ...counts } }, { soFar })).toBe(line),
  )

  const file = { path: 'a/b.bin', spaceId: 's', dentryId: '9', bytes: 4 * MiB, exitCode: 0 } as const
  it.each<[string, Partial<BatchFileResult>, number, string]>([
    ['downloaded', { status: 'downloaded' }, 0, 'downloaded: a/b.bin (4.0 MiB)'],
    [
      'downloaded after a resume',
      { status: 'downloaded' },
      MiB,
      'downloaded: a/b.bin (4.0 MiB, 1.0 MiB of it from an earlier run)',
    ],
    ['replaced', { status: 'downloaded', replaced: true }, 0, 'replaced: a/b.bin (4.0 MiB)'],
    ['unchanged', { status: 'skipped', skip: 'unchanged' }, 0, 'unchanged (no call): a/b.bin (4.0 MiB)'],
    ['checked', { status: 'skipped', skip: 'checked' }, 0, 'checked, up to date: a/b.bin (4.0 MiB)'],
    [
      'left alone',
      { status: 'skipped', skip: 'left-alone', existing: true },
      0,
      'exists, left alone (--skip-existing): a/b.bin (4.0 MiB)',
    ],
    ['deleted', { status: 'deleted' }, 0, 'deleted (gone from the remote): a/b.bin (4.0 MiB)'],
    [
      'failed',
      { status: 'failed', error: { code: 'X', message: 'boom', hint: 'try again' } },
      0,
      'failed: a/b.bin: boom (hint: try again)',
    ],
  ])('the line of a file %s', (_, change, resumed, line) =>
    expect(describeFileResult({ ...file, status: 'downloaded', ...change }, resumed)).toBe(line),
  )

  // Columns: without a terminal (CI), with -v, under -q, under -q -v, on a terminal.
  it.each<[FileStatus, boolean, boolean, boolean, boolean, boolean]>([
    ['downloaded', true, true, false, true, false],
    ['skipped', false, true, false, true, false],
    ['deleted', true, true, false, true, true],
    ['failed', true, true, true, true, true],
  ])(
    'a %s file has a line: CI %s, -v %s, -q %s, -q -v %s, terminal %s',
    (status, ci, verbose, quiet, quietVerbose, terminal) => {
      expect(showsFileLine({ status }, { verbose: false, quiet: false, terminal: false })).toBe(ci)
      expect(showsFileLine({ status }, { verbose: true, quiet: false, terminal: false })).toBe(verbose)
      expect(showsFileLine({ status }, { verbose: false, quiet: true, terminal: false })).toBe(quiet)
      expect(showsFileLine({ status }, { verbose: true, quiet: true, terminal: false })).toBe(quietVerbose)
      expect(showsFileLine({ status }, { verbose: false, quiet: false, terminal: true })).toBe(terminal)
    },
  )
})
