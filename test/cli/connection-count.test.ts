// The connection count found by the real CLI: more connections where each is capped, few where one limit is
// shared by all; -c stays fixed. What the CLI reports in --json is checked against what the emulator saw.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DEMO, setupWorld } from '../helpers.js'
import type { EmulatorFaults } from '../../src/emulator/index.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId
// 64 MiB: the size allows 16 connections. At 4 MB/s each that is about 1.5 s with the search; 2.1 s at 32 MB/s in all.
const SIZE = 64 * 1024 * 1024

describe('the connection count, found (no -c)', () => {
  let w: World
  beforeAll(async () => {
    w = await setupWorld({ files: [{ spaceId: SPACE, dentryId: '901', name: 'big.bin', size: SIZE }] })
  })
  afterAll(async () => w.close())

  /** One download under `faults`: its --json, and the most object responses the emulator sent at once. */
  async function fetchUnder(faults: EmulatorFaults, name: string, extra: string[] = []) {
    w.emulator.setFaults(faults)
    w.emulator.resetStats()
    const r = await w.run(['get', SPACE, '901', '-o', name, '--json', ...extra])
    expect(r.code, r.stderr).toBe(0)
    expect((await readFile(join(w.dir, name))).equals(await w.emulator.fileContent(SPACE, '901'))).toBe(true)
    const json = JSON.parse(r.stdout) as { connections: number; peakConnections: number; checked: string[] }
    expect(json.checked).toEqual(['size', 'crc64'])
    return { json, seen: w.emulator.stats.maxObjectResponses }
  }

  it('opens more connections on a path that caps each connection than on one that caps them all together', async () => {
    const perConnection = await fetchUnder({ bytesPerSecondPerConnection: 4_000_000 }, 'per-connection.bin')
    const shared = await fetchUnder({ bytesPerSecondTotal: 32_000_000 }, 'shared.bin')
    // Each connection capped: every doubling doubles the rate, up to the 16 the size allows.
    expect(perConnection.json).toMatchObject({ connections: 16, peakConnections: 16 })
    // One cap for all: eight brought nothing over four, so four were handed back.
    expect(shared.json).toMatchObject({ connections: 4, peakConnections: 8 })
    // The emulator saw it too: the bodies it was sending at once.
    expect(perConnection.seen).toBeGreaterThan(shared.seen)
    expect(perConnection.seen).toBeGreaterThanOrEqual(16)
    expect(shared.seen).toBeLessThanOrEqual(9)
  })

  it('-c keeps the count fixed, however much more connections would help', async () => {
    const fixed = await fetchUnder({ bytesPerSecondPerConnection: 20_000_000 }, 'fixed.bin', ['-c', '3'])
    expect(fixed.json).toMatchObject({ connections: 3, peakConnections: 3 })
    expect(fixed.seen).toBeLessThanOrEqual(4)
  })
})
