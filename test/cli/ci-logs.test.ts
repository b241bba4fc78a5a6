// CI logs that say what changed: without a terminal, a batch prints a line per file that changed (or failed), then
// the summary, which tells a free skip (sync state), a paid check (its calls) and --skip-existing apart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DEMO, randomBytes, setupWorld } from '../helpers.js'
import type { EmulatorFileSpec } from '../../src/emulator/index.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const S = DEMO.spaceId
const N = 300
const FILES: EmulatorFileSpec[] = Array.from({ length: N }, (_, i) => ({
  spaceId: S,
  dentryId: String(7000 + i),
  name: `c${i}.bin`,
  parentId: '6000',
  size: 500 + i,
}))
const NAMES = FILES.map((f) => f.name)

interface BatchJson {
  files: {
    path: string
    status: string
    skip?: string
    replaced?: boolean
    existing?: boolean
    downloadInfoCalls?: number
  }[]
  summary: Record<string, number>
}

const linesOf = (stderr: string) => stderr.split('\n').filter((l) => l !== '')
/** The lines that name `name` as a file of the mirror (": c12.bin (" cannot match c120.bin). */
const naming = (lines: string[], name: string) => lines.filter((l) => l.includes(`: ${name} (`))

describe('a 300-file mirror in CI (no terminal)', () => {
  let w: World
  // --api-qps 0: the emulator does not throttle, and 300 download-info calls at 20 a second would take 15 s.
  const mirror = (...extra: string[]) =>
    w.run(['get', S, '6000', '-r', '-o', 'm', '--api-qps', '0', '-j', '8', ...extra])
  const downloadInfoCalls = () =>
    w.emulator.stats.apiRequests.filter((a) => a.path.endsWith('/downloadInfos/query')).length

  beforeAll(async () => {
    w = await setupWorld({ files: FILES, folders: [{ spaceId: S, dentryId: '6000', name: 'ci' }] })
  })
  afterAll(() => w.close())

  it('first run: one line per file downloaded, then the summary: at most 300 + 5 lines', async () => {
    const r = await mirror()
    expect(r.code, r.stderr).toBe(0)
    const lines = linesOf(r.stderr)
    expect(lines.length, r.stderr).toBeLessThanOrEqual(N + 5)
    for (const name of NAMES)
      expect(naming(lines, name), name).toEqual([
        expect.stringMatching(new RegExp(`^\\[\\d+/300\\] downloaded: ${name} \\(\\d+ B\\)$`)),
      ])
    expect(lines.at(-1)).toMatch(/^300 downloaded, 0 failed; [\d.]+ KiB in \d+s; \d+ API calls, 300 storage requests$/)
  })

  it('a no-op re-run prints at most 5 lines, no file named, the skips counted as "unchanged (no call)"', async () => {
    w.emulator.resetStats()
    const r = await mirror()
    expect(r.code, r.stderr).toBe(0)
    const lines = linesOf(r.stderr)
    expect(lines.length, r.stderr).toBeLessThanOrEqual(5)
    expect(NAMES.filter((name) => naming(lines, name).length > 0)).toEqual([])
    expect(lines.at(-1)).toMatch(
      /^0 downloaded, 300 unchanged \(no call\), 0 failed; 0 B in \d+s; \d+ API calls, 0 storage requests$/,
    )
    expect(downloadInfoCalls()).toBe(0)
  })

  it('-v names every file, unchanged ones too, besides its request lines', async () => {
    const r = await mirror('-v')
    expect(r.code, r.stderr).toBe(0)
    const lines = linesOf(r.stderr)
    for (const name of NAMES)
      expect(naming(lines, name), name).toEqual([
        expect.stringMatching(new RegExp(`^\\[\\d+/300\\] unchanged \\(no call\\): ${name} \\(`)),
      ])
    expect(
      lines.some((l) =>
        /^GET http:\/\/127\.0\.0\.1:\d+\/v1\.0\/storage\/spaces\/.*\/dentries\?parentId=6000.* → 200 in \d+ ms$/.test(
          l,
        ),
      ),
    ).toBe(true)
    expect(lines.at(-1)).toMatch(/^0 downloaded, 300 unchanged \(no call\), 0 failed;/)
  })

  it('-q -v keeps what -v asked for (request lines, a line per file) and drops the summary; -q alone prints nothing', async () => {
    const both = await mirror('-q', '-v')
    expect(both.code, both.stderr).toBe(0)
    const lines = linesOf(both.stderr)
    for (const name of NAMES) expect(naming(lines, name), name).toHaveLength(1)
    expect(lines.filter((l) => / → 200 in \d+ ms$/.test(l)).length).toBeGreaterThan(0)
    expect(lines.filter((l) => /failed;|API calls/.test(l))).toEqual([])
    expect(lines).toHaveLength(N + lines.filter((l) => / → \d+ in \d+ ms/.test(l)).length)
    const quiet = await mirror('-q')
    expect([quiet.code, quiet.stderr]).toEqual([0, ''])
  })

  it('files changed remotely are "replaced", one gone is "deleted" with --delete: a line each, the rest counted', async () => {
    for (const id of ['7003', '7101']) w.emulator.updateFile(S, id, randomBytes(900, Number(id)))
    w.emulator.removeFile(S, '7200')
    const r = await mirror('--delete')
    expect(r.code, r.stderr).toBe(0)
    const lines = linesOf(r.stderr)
    // The counter says in which order files finished: left out, so the lines compare in any order.
    expect(
      lines
        .filter((l) => !/^\d+ downloaded/.test(l))
        .map((l) => l.replace(/^\[\d+\/299\] /, ''))
        .sort(),
    ).toEqual([
      'deleted (gone from the remote): c200.bin (700 B)',
      'replaced: c101.bin (900 B)',
      'replaced: c3.bin (900 B)',
    ])
    expect(lines.filter((l) => l.startsWith('[')).every((l) => /^\[\d+\/299\] replaced: /.test(l))).toBe(true)
    expect(lines.at(-1)).toMatch(
      /^2 downloaded \(2 replaced\), 297 unchanged \(no call\), 0 failed, 1 deleted; 1\.8 KiB in \d+s;/,
    )
  })

  it('without the sync state every file is checked by a probe: "checked (299 calls)", the calls the emulator counted', async () => {
    const alive = N - 1 // c200.bin was deleted above
    const state = (await readdir(join(w.dir, 'm'))).find((n) => n.startsWith('.dtdl-sync-'))!
    await rm(join(w.dir, 'm', state))
    w.emulator.resetStats()
    const r = await mirror('--json')
    expect(r.code, r.stderr).toBe(0)
    const json = JSON.parse(r.stdout) as BatchJson
    expect(json.summary).toMatchObject({
      downloaded: 0,
      replaced: 0,
      skipped: alive,
      unchanged: 0,
      checked: alive,
      checkedCalls: downloadInfoCalls(),
      leftAlone: 0,
      failed: 0,
    })
    expect(downloadInfoCalls()).toBe(alive)
    expect(new Set(json.files.map((f) => `${f.status} ${f.skip} ${f.downloadInfoCalls}`))).toEqual(
      new Set(['skipped checked 1']),
    )
    expect(linesOf(r.stderr)).toEqual([
      expect.stringMatching(
        /^0 downloaded, 299 checked \(299 calls\), 0 failed; 0 B in \d+s; \d+ API calls, 299 storage requests$/,
      ),
    ])
  })
})

describe('-i --skip-existing, and one file under -q -v, in CI', () => {
  let w: World
  beforeAll(async () => {
    w = await setupWorld({ files: FILES.slice(0, 3) })
  })
  afterAll(() => w.close())

  it('files left alone are counted as such, not as up to date, in the summary and --json; -v names them', async () => {
    await writeFile(
      join(w.dir, 'list.txt'),
      FILES.slice(0, 3)
        .map((f) => `${S} ${f.dentryId} ${f.name}`)
        .join('\n'),
    )
    await writeFile(join(w.dir, 'c0.bin'), 'mine')
    await writeFile(join(w.dir, 'c1.bin'), 'mine too')
    const r = await w.run(['get', '-i', 'list.txt', '--skip-existing', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const json = JSON.parse(r.stdout) as BatchJson
    expect(json.summary).toMatchObject({ downloaded: 1, skipped: 2, leftAlone: 2, unchanged: 0, checked: 0 })
    expect(json.files.filter((f) => f.status === 'skipped').map((f) => [f.skip, f.existing])).toEqual([
      ['left-alone', true],
      ['left-alone', true],
    ])
    const lines = linesOf(r.stderr)
    expect(lines).toEqual([
      expect.stringMatching(/^\[\d\/3\] downloaded: .*c2\.bin \(502 B\)$/),
      expect.stringMatching(/^1 downloaded, 2 left alone \(--skip-existing\), 0 failed;/),
    ])
    expect(r.stderr).not.toMatch(/up to date|unchanged|checked/)
    const verbose = await w.run(['get', '-i', 'list.txt', '--skip-existing', '-v'])
    expect(linesOf(verbose.stderr).filter((l) => l.includes('exists, left alone (--skip-existing): '))).toHaveLength(3)
  })

  it('one file, -q -v: the request lines and nothing else (no start line, no end line); -q alone: nothing', async () => {
    const r = await w.run(['get', S, FILES[2]!.dentryId, '-o', 'one.bin', '-q', '-v'])
    expect(r.code, r.stderr).toBe(0)
    const lines = linesOf(r.stderr)
    expect(lines.length).toBeGreaterThanOrEqual(2) // the download info call and the storage GET at least
    for (const line of lines)
      expect(line).toMatch(/^(GET|POST) http:\/\/127\.0\.0\.1:\d+\/\S* → \d+ in \d+ ms( \(.*\))?$/)
    const quiet = await w.run(['get', S, FILES[2]!.dentryId, '-o', 'two.bin', '-q'])
    expect([quiet.code, quiet.stderr]).toEqual([0, ''])
  })
})
