// Crash safety of the parallel engine: kill -9 at random moments, Ctrl-C, and resuming with another -c.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DEMO, setupWorld, spawnCli, waitFor } from '../helpers.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId

describe('crash safety (-c 8)', () => {
  let w: World
  const SIZE = 160 * 1024 * 1024
  beforeEach(async () => {
    w = await setupWorld({
      files: [{ spaceId: SPACE, dentryId: '900', name: 'big.bin', size: SIZE }],
      faults: { bytesPerSecondPerConnection: 2_500_000 },
    })
  })
  afterEach(async () => w.close())

  it('survives kill -9 at five random moments: identical, at most 1.15x served, never a partial file at the target', async () => {
    const target = join(w.dir, 'big.bin')
    const args = ['get', SPACE, '900', '-o', target, '-c', '8']
    // Five random points along the transfer, each reached by a run of its own before the kill.
    const points = Array.from({ length: 5 }, () => 0.05 + Math.random() * 0.85).sort((a, b) => a - b)
    for (const point of points) {
      const child = spawnCli(args, { env: w.env(), cwd: w.dir })
      const start = w.emulator.stats.bytesServed
      // Each run must move some bytes of its own before the kill, even where two points are close together.
      await waitFor(
        () => w.emulator.stats.bytesServed >= Math.max(point * SIZE, start + 2 * 1024 * 1024),
        `the transfer to pass ${(point * 100).toFixed(0)}%`,
        60_000,
      )
      child.kill('SIGKILL')
      expect((await child.result).signal).toBe('SIGKILL')
      expect(existsSync(target)).toBe(false)
    }
    const r = await w.run(args)
    expect(r.code, r.stderr).toBe(0)
    expect((await readFile(target)).equals(await w.emulator.fileContent(SPACE, '900'))).toBe(true)
    const ratio = w.emulator.stats.bytesServed / SIZE
    expect(
      ratio,
      `served ${ratio.toFixed(3)}x the size at kill points ${points.map((p) => p.toFixed(2)).join(', ')}`,
    ).toBeLessThanOrEqual(1.15)
  })
})

describe('interrupting and resuming', () => {
  let w: World
  const SIZE = 24 * 1024 * 1024
  beforeEach(async () => {
    w = await setupWorld({
      files: [{ spaceId: SPACE, dentryId: '901', name: 'mid.bin', size: SIZE }],
      faults: { bytesPerSecondPerConnection: 4_000_000 },
    })
  })
  afterEach(async () => w.close())

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s exits %i, keeps the bytes, and a run with another -c finishes the file', async (signal, code) => {
    const target = join(w.dir, 'mid.bin')
    const child = spawnCli(['get', SPACE, '901', '-o', target, '-c', '4'], { env: w.env(), cwd: w.dir })
    await waitFor(() => w.emulator.stats.bytesServed > SIZE / 3, 'a third of the file')
    child.kill(signal)
    const first = await child.result
    expect(first.code).toBe(code)
    expect(first.stderr).toMatch(/run the same command again to resume/)
    expect(existsSync(target)).toBe(false)
    const r = await w.run(['get', SPACE, '901', '-o', target, '-c', '3'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/resuming with/)
    expect((await readFile(target)).equals(await w.emulator.fileContent(SPACE, '901'))).toBe(true)
    expect(w.emulator.stats.bytesServed).toBeLessThanOrEqual(SIZE * 1.1)
  })

  it('starts over, and says so, when the remote file changed since the interrupted run', async () => {
    const target = join(w.dir, 'mid.bin')
    const child = spawnCli(['get', SPACE, '901', '-o', target, '-c', '2'], { env: w.env(), cwd: w.dir })
    await waitFor(() => w.emulator.stats.bytesServed > SIZE / 4, 'a quarter of the file')
    child.kill('SIGKILL')
    await child.result
    const fresh = Buffer.alloc(5 * 1024 * 1024, 7)
    w.emulator.updateFile(SPACE, '901', fresh)
    w.emulator.setFaults({})
    const r = await w.run(['get', SPACE, '901', '-o', target])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/starting over.*(size|ETag)/)
    expect((await readFile(target)).equals(fresh)).toBe(true)
  })
})
