// Progress on a real pseudo-terminal at 50 and 120 columns, the end lines, and what an interruption says it kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BIN, DEMO, setupWorld, spawnCli, waitFor } from '../helpers.js'
import { formatBytes } from '../../src/output/format.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId
const MiB = 1024 * 1024
const hasScript = spawnSync('script', ['--version']).status === 0

/** Runs the CLI under script(1)'s pseudo-terminal, `cols` wide, and returns everything it drew. */
async function onTerminal(w: World, cols: number, args: string[]): Promise<{ code: number | null; raw: string }> {
  // script(1) starts the terminal with no size: give it one, as a real terminal has.
  const cmd = `stty cols ${cols} rows 40; ${[process.execPath, BIN, ...args].map((a) => JSON.stringify(a)).join(' ')}`
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
    env: w.env({ TERM: 'xterm-256color' }),
    cwd: w.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let raw = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (raw += d))
  const code = await new Promise<number | null>((done) => child.on('close', done))
  return { code, raw }
}

/**
 * What a person saw, line by line: a cursor move to a column or line starts a new line (that is how a bar
 * redraws), other escape sequences are removed, and the text is split on \r and \n.
 */
function renderedLines(raw: string): string[] {
  return raw
    .replace(/\x1b\[[0-9;?]*[GHfABEF]/g, '\n')
    .replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, '')
    .split(/[\r\n]/)
    .filter((l) => l.trim() !== '')
}

const columns = (line: string) => [...line].length // the test's names and bars are all one column a character

describe.skipIf(!hasScript)('progress on a terminal', () => {
  let w: World
  beforeEach(async () => {
    w = await setupWorld({
      files: [
        { spaceId: SPACE, dentryId: '501', name: 'one.bin', size: 3 * MiB },
        { spaceId: SPACE, dentryId: '502', name: 'two.bin', size: 2 * MiB },
      ],
      faults: { bytesPerSecondPerConnection: 1_500_000 },
    })
  })
  afterEach(async () => w.close())

  it.each<[number, { speed: boolean; eta: boolean }]>([
    [50, { speed: false, eta: false }],
    [120, { speed: true, eta: true }],
  ])(
    'one file at %i columns: no drawn line is wider, the bar shortens, the connections are named',
    async (cols, shows) => {
      const r = await onTerminal(w, cols, ['get', SPACE, '501', '-o', `w${cols}.bin`, '-c', '1'])
      expect(r.code, r.raw).toBe(0)
      const lines = renderedLines(r.raw)
      const end = lines.findIndex((l) => l.startsWith('saved '))
      expect(end, r.raw).toBeGreaterThan(0)
      // The end line is printed once and may wrap like any text; everything drawn before it is live output.
      const live = lines.slice(0, end)
      for (const line of live) expect(columns(line), JSON.stringify(line)).toBeLessThanOrEqual(cols)
      const frames = live.filter((l) => /[█░]{5,}/.test(l))
      expect(frames.length, r.raw).toBeGreaterThanOrEqual(3)
      for (const f of frames) expect(f).toMatch(/\d+% \|\s+[\d.]+ \w+ of 3\.0 MiB/)
      expect(frames.some((f) => /MiB\/s|KiB\/s/.test(f))).toBe(shows.speed)
      expect(frames.some((f) => /ETA \d/.test(f))).toBe(shows.eta)
      // Until there is a measurement the speed reads "--", never a made-up 0 B/s.
      expect(r.raw).not.toContain('0 B/s')
      expect(live).toContain('downloading 3.0 MiB over 1 connection')
      expect(lines[end]).toMatch(
        /^saved .*w\d+\.bin \(3\.0 MiB in [\d.]+s at [\d.]+ [KM]iB\/s, checked: size \+ CRC-64\); \d+ API calls?, \d+ storage requests?$/,
      )
    },
  )

  it.each([50, 120])('a batch at %i columns: rows with a percent, no drawn line wider', async (cols) => {
    await writeFile(join(w.dir, 'list.txt'), `${SPACE} 501 a.bin\n${SPACE} 502 b.bin\n`)
    const r = await onTerminal(w, cols, ['get', '-i', 'list.txt', '-c', '1'])
    expect(r.code, r.raw).toBe(0)
    const lines = renderedLines(r.raw)
    const end = lines.findIndex((l) => /^2 downloaded/.test(l))
    expect(end, r.raw).toBeGreaterThan(0)
    for (const line of lines.slice(0, end)) expect(columns(line), JSON.stringify(line)).toBeLessThanOrEqual(cols)
    expect(
      lines.some((l) => /[█░]{5,}\s+\d+% \| .*a\.bin$/.test(l)),
      r.raw,
    ).toBe(true)
    expect(
      lines.some((l) => /\d\/2 files \|/.test(l)),
      r.raw,
    ).toBe(true)
  })
})

describe('end lines', () => {
  let w: World
  beforeEach(async () => {
    w = await setupWorld({ files: [{ spaceId: SPACE, dentryId: '511', name: 'four.bin', size: 4 * MiB }] })
  })
  afterEach(async () => w.close())

  it('says sizes as people read them; --json keeps the exact bytes; an up-to-date file gets one line', async () => {
    const first = await w.run(['get', SPACE, '511', '-o', 'four.bin'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr).toMatch(
      /^saved .*four\.bin \(4\.0 MiB in [\d.]+s at [\d.]+ [KMG]iB\/s, checked: size \+ CRC-64\); \d+ API calls?, 2 storage requests$/m,
    )
    expect(first.stderr).not.toMatch(/4194304|bytes/)

    const again = await w.run(['get', SPACE, '511', '-o', 'four.bin'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr.trim().split('\n')).toEqual([
      `up to date: ${join(w.dir, 'four.bin')} (4.0 MiB, same size and CRC-64): nothing downloaded; 1 API call, 1 storage request`,
    ])

    const json = await w.run(['get', SPACE, '511', '-o', 'four.bin', '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, bytes: 4 * MiB, upToDate: true })
  })
})

describe('interrupted', () => {
  let w: World
  const SIZE = 24 * MiB
  beforeEach(async () => {
    w = await setupWorld({
      files: [
        { spaceId: SPACE, dentryId: '521', name: 'big.bin', size: SIZE },
        { spaceId: SPACE, dentryId: '522', name: 'small.bin', size: 64 * 1024 },
      ],
      faults: { bytesPerSecondPerConnection: 2_000_000 },
    })
  })
  afterEach(async () => w.close())

  /**
   * Waits until the emulator has served real bytes (the partial file is allocated whole at once), then sends SIGINT.
   */
  async function interruptUnderWay(child: ReturnType<typeof spawnCli>) {
    await waitFor(() => w.emulator.stats.bytesServed > 4 * MiB, 'the transfer to be under way')
    child.kill('SIGINT')
    return child.result
  }

  it('one file: exit 130 and the amount kept, which the next run resumes from', async () => {
    const target = join(w.dir, 'big.bin')
    const child = spawnCli(['get', SPACE, '521', '-o', target, '-c', '2'], { env: w.env(), cwd: w.dir })
    const r = await interruptUnderWay(child)
    expect(r.code, r.stderr).toBe(130)
    const m = /^dtdl: interrupted; ([\d.]+) MiB of 24\.0 MiB kept: run the same command again to resume$/m.exec(
      r.stderr,
    )
    expect(m, r.stderr).not.toBeNull()
    expect(Number(m![1])).toBeGreaterThan(0)
    expect(Number(m![1])).toBeLessThan(24)
    w.emulator.setFaults({})
    const next = await w.run(['get', SPACE, '521', '-o', target])
    expect(next.code, next.stderr).toBe(0)
    // The next run starts from about what the line said was kept (checkpoints lag the bytes a little).
    const resumed = /resuming with ([\d.]+) MiB already on disk/.exec(next.stderr)
    expect(resumed, next.stderr).not.toBeNull()
    expect(Math.abs(Number(resumed![1]) - Number(m![1]))).toBeLessThan(2)
  })

  it('one file, --json: one object with the bytes kept, exactly what the next run resumes with, as the line says', async () => {
    const target = join(w.dir, 'big.bin')
    const child = spawnCli(['get', SPACE, '521', '-o', target, '-c', '2', '--json'], { env: w.env(), cwd: w.dir })
    const r = await interruptUnderWay(child)
    expect(r.code, r.stderr).toBe(130)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({ ok: false, exitCode: 130, size: SIZE, error: { code: 'INTERRUPTED' } })
    expect(out.keptBytes).toBeGreaterThan(0)
    expect(out.keptBytes).toBeLessThan(SIZE)
    // The amount comes from the last checkpoint (written after the abort), not from the last progress event.
    expect(r.stderr).toContain(`dtdl: interrupted; ${formatBytes(out.keptBytes)} of 24.0 MiB kept`)
    w.emulator.setFaults({})
    const next = await w.run(['get', SPACE, '521', '-o', target, '--json'])
    expect(next.code, next.stderr).toBe(0)
    expect(JSON.parse(next.stdout)).toMatchObject({ ok: true, bytes: SIZE, resumedBytes: out.keptBytes })
  })

  it.each([false, true])(
    'a batch (--json %s): the summary so far, then what was kept; --json one object',
    async (json) => {
      const list = join(w.dir, 'list.txt')
      await writeFile(list, `${SPACE} 522 small.bin\n${SPACE} 521 big.bin\n`)
      const child = spawnCli(
        ['get', '-i', list, '-o', 'out', '--create-dirs', '-j', '1', '-c', '2', ...(json ? ['--json'] : [])],
        { env: w.env(), cwd: w.dir },
      )
      const r = await interruptUnderWay(child)
      expect(r.code, r.stderr).toBe(130)
      const lines = r.stderr.trim().split('\n')
      expect(lines.at(-2)).toMatch(/^1 downloaded, 0 failed so far; 64\.0 KiB in \d+s$/)
      expect(lines.at(-1)).toMatch(
        /^dtdl: interrupted; [\d.]+ MiB of 24\.1 MiB kept: run the same command again to resume$/,
      )
      if (json) {
        expect(r.stdout.trim().split('\n')).toHaveLength(1)
        const out = JSON.parse(r.stdout)
        expect(out).toMatchObject({
          ok: false,
          exitCode: 130,
          summary: { downloaded: 1, skipped: 0, failed: 0, bytes: 64 * 1024 },
          error: { code: 'INTERRUPTED' },
        })
        expect(out.files).toEqual([
          expect.objectContaining({ dentryId: '522', status: 'downloaded', bytes: 64 * 1024 }),
        ])
        expect(out.keptBytes).toBeGreaterThan(64 * 1024)
      } else expect(r.stdout).toBe('')
    },
  )
})
