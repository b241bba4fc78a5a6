// The engine under every fault the emulator can produce, with 4 connections: byte-identical or the documented exit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { DEMO, setupWorld } from '../helpers.js'
import type { EmulatorFaults } from '../../src/emulator/index.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId
const SIZE = 8 * 1024 * 1024 + 12345

describe('engine faults (-c 4)', () => {
  let w: World
  beforeEach(async () => {
    w = await setupWorld({ files: [{ spaceId: SPACE, dentryId: '801', name: 'f.bin', size: SIZE }] })
  })
  afterEach(async () => w.close())

  const expected = () => w.emulator.fileContent(SPACE, '801')
  const get = (extra: string[] = []) => w.run(['get', SPACE, '801', '-o', 'f.bin', '-c', '4', '--json', ...extra])
  const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>

  it.each<[string, EmulatorFaults, string[], RegExp | undefined]>([
    ['responses cut every 2nd time after 300 KB', { cutEveryKth: { k: 2, afterBytes: 300_000 } }, [], /retrying/],
    [
      'a response going silent',
      { silentAfterBytes: { afterBytes: 200_000, times: 2 } },
      ['--stall-timeout', '1'],
      /no data for 1 s/,
    ],
    ['one corrupted response', { corruptOnce: true }, [], /CRC-64 mismatch.*once more/],
    ['a failing first resource URL', { failFirstUrl: true }, [], /switching to URL 2/],
    ['a server that ignores Range', { ignoreRange: true }, [], /ignores Range/],
    [
      'a Content-Range that does not match',
      { wrongContentRange: true },
      [],
      /other bytes than asked.*one connection from byte 0/,
    ],
    ['fileArchived twice', { apiError: { code: 'fileArchived', status: 400, times: 2 } }, [], /archived/],
    [
      'a QPS limit twice',
      { apiError: { code: 'Forbidden.AccessDenied.QpsLimitForApi', status: 403, times: 2 } },
      [],
      /throttled/,
    ],
    ['systemBusy (429) twice', { apiError: { code: 'systemBusy', status: 429, times: 2 } }, [], /busy/],
  ])('%s → byte-identical', async (_name, faults, extra, note) => {
    w.emulator.setFaults(faults)
    const r = await get(extra)
    expect(r.code, r.stderr).toBe(0)
    expect((await readFile(join(w.dir, 'f.bin'))).equals(await expected())).toBe(true)
    expect(json(r.stdout)).toMatchObject({ ok: true, bytes: SIZE, checked: ['size', 'crc64'] })
    if (note) expect(r.stderr).toMatch(note)
  })

  it('counts retries in --json after cut connections', async () => {
    w.emulator.setFaults({ cutEveryKth: { k: 1, afterBytes: 500_000 } })
    const r = await get()
    expect(r.code, r.stderr).toBe(0)
    expect(json(r.stdout).retries).toBeGreaterThan(0)
  })

  it('refreshes an expired signature once per expiry, not once per connection', async () => {
    // Each connection's first response (~2.1 MB) is cut after 1.2 MB (~1.2 s in), past the 1 s signature
    // life: all four then meet RequestTimeTooSkewed together, and must share one refresh. The rest of each
    // segment (~0.9 MB) is not cut again, so there is exactly one expiry to handle.
    w.emulator.setFaults({
      signatureTtlSeconds: 1,
      bytesPerSecondPerConnection: 1_000_000,
      cutEveryKth: { k: 1, afterBytes: 1_200_000 },
    })
    const r = await get()
    expect(r.code, r.stderr).toBe(0)
    expect((await readFile(join(w.dir, 'f.bin'))).equals(await expected())).toBe(true)
    // The signature did expire, and all four connections went on with new requests after it...
    const requests = w.emulator.stats.resourceRequests
    const firstSkew = requests.findIndex((q) => q.status === 403)
    expect(firstSkew).toBeGreaterThan(0)
    expect(requests.slice(firstSkew).filter((q) => q.status === 206).length).toBeGreaterThanOrEqual(4)
    // ...yet download info was fetched again only once.
    expect(json(r.stdout).urlRefreshes).toBe(1)
    expect(w.emulator.stats.downloadInfoCalls).toBe(2)
  })

  it('refreshes before a signature expires when download info says it will', async () => {
    // Segments of ~2.1 MB at 1 MB/s are cut at 1.9 MB: the retries start past 90% of the 2 s life.
    w.emulator.setFaults({
      expirationSeconds: 2,
      bytesPerSecondPerConnection: 1_000_000,
      cutEveryKth: { k: 1, afterBytes: 1_900_000 },
    })
    const r = await get()
    expect(r.code, r.stderr).toBe(0)
    expect((await readFile(join(w.dir, 'f.bin'))).equals(await expected())).toBe(true)
    expect(json(r.stdout).urlRefreshes).toBeGreaterThanOrEqual(1)
    expect(w.emulator.stats.resourceRequests.filter((q) => q.status === 403)).toEqual([])
  })

  it('a wrong CRC exits 6 with nothing at the final path', async () => {
    w.emulator.setFaults({ wrongCrc: true })
    const r = await get()
    expect(r.code).toBe(6)
    expect(json(r.stdout)).toMatchObject({ ok: false, exitCode: 6, error: { code: 'CRC64_MISMATCH' } })
    expect(r.stderr).toMatch(/CRC-64/)
    expect(await readdir(w.dir)).not.toContain('f.bin')
    expect(existsSync(join(w.dir, 'f.bin'))).toBe(false)
  })

  it('--sha256 checks the whole file', async () => {
    const { createHash } = await import('node:crypto')
    const good = createHash('sha256')
      .update(await expected())
      .digest('hex')
    const ok = await get(['--sha256', good])
    expect(ok.code, ok.stderr).toBe(0)
    expect(json(ok.stdout).checked).toEqual(['size', 'crc64', 'sha256'])
    const bad = await w.run(['get', SPACE, '801', '-o', 'g.bin', '--sha256', 'a'.repeat(64)])
    expect(bad.code).toBe(6)
    expect(existsSync(join(w.dir, 'g.bin'))).toBe(false)
  })

  it('says the file was checked by size only when the server sends no CRC', async () => {
    w.emulator.addFile({ spaceId: SPACE, dentryId: '802', name: 'nocrc.bin', size: 100_000, crc64: null })
    const r = await w.run(['get', SPACE, '802', '-o', 'n.bin', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(json(r.stdout)).toMatchObject({ crc64: null, checked: ['size'] })
    expect(r.stderr).toMatch(/size only/)
  })

  it('gives up with exit 5 when a connection keeps failing', async () => {
    w.emulator.setFaults({ cutEveryKth: { k: 1, afterBytes: 0 } })
    const r = await get(['--retries', '2'])
    expect(r.code).toBe(5)
    expect(existsSync(join(w.dir, 'f.bin'))).toBe(false)
  })
})
