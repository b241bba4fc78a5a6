// Every path verifies or says it did not: --sha256 when up to date, in -i and -r; no leftover .tmp; a full
// disk resumed; a truncated partial; and a target that cannot be written costs no API call.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { partialPathFor, readResumeRecord, recordPathFor } from '../../src/engine/resume-record.js'
import { totalLength } from '../../src/engine/segments.js'
import { DEMO, canMountTmpfs, mountTmpfs, setupWorld } from '../helpers.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId
const MiB = 1024 * 1024

if (!canMountTmpfs)
  console.warn('integrity-paths: cannot mount a tmpfs here (needs root): the disk-full and read-only tests are skipped')

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')
const WRONG = 'a'.repeat(64)

/** Every file below `dir`, relative. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix + e.name
    if (e.isDirectory()) out.push(...(await walk(join(dir, e.name), `${rel}/`)))
    else out.push(rel)
  }
  return out
}

interface FileJson {
  path: string | null
  status: string
  line?: number
  checked?: string[]
  error?: { code: string; message: string; exitCode: number }
}

describe('--sha256 on every path', () => {
  let w: World
  const a = Buffer.from('the first file, small and plain\n')
  const b = Buffer.from('another file with other bytes\n')
  beforeEach(async () => {
    w = await setupWorld({
      folders: [{ spaceId: SPACE, dentryId: '90', name: 'docs' }],
      files: [
        { spaceId: SPACE, dentryId: '91', name: 'a.txt', parentId: '90', content: a },
        { spaceId: SPACE, dentryId: '92', name: 'b.txt', parentId: '90', content: b },
        { spaceId: SPACE, dentryId: '93', name: 'nocrc.bin', content: b, crc64: null },
      ],
    })
  })
  afterEach(async () => w.close())

  it('checks an up-to-date target: a wrong hash exits 6 and keeps the file, the right one lists sha256 in checked', async () => {
    expect((await w.run(['get', SPACE, '91', '-o', 'x.txt'])).code).toBe(0)
    const wrong = await w.run(['get', SPACE, '91', '-o', 'x.txt', '--sha256', WRONG, '--json'])
    expect(wrong.code, wrong.stderr).toBe(6)
    const err = JSON.parse(wrong.stdout) as { ok: boolean; error: { code: string; message: string } }
    expect(err).toMatchObject({ ok: false, error: { code: 'SHA256_MISMATCH' } })
    expect(err.error.message).toMatch(/matches the remote file's size and CRC-64 but not the SHA-256.*kept/)
    expect(err.error.message).toContain(sha256(a))
    expect((await readFile(join(w.dir, 'x.txt'))).equals(a)).toBe(true)

    const right = await w.run(['get', SPACE, '91', '-o', 'x.txt', '--sha256', sha256(a).toUpperCase(), '--json'])
    expect(right.code, right.stderr).toBe(0)
    expect(JSON.parse(right.stdout)).toMatchObject({ ok: true, upToDate: true, checked: ['size', 'crc64', 'sha256'] })
  })

  it('checks an up-to-date target the server sends no CRC for, and says only the size matched', async () => {
    expect((await w.run(['get', SPACE, '93', '-o', 'n.bin'])).code).toBe(0)
    const wrong = await w.run(['get', SPACE, '93', '-o', 'n.bin', '--sha256', WRONG])
    expect(wrong.code).toBe(6)
    expect(wrong.stderr).toMatch(/size \(the server sends no CRC-64\).*--force/)
    const right = await w.run(['get', SPACE, '93', '-o', 'n.bin', '--sha256', sha256(b), '--json'])
    expect(JSON.parse(right.stdout)).toMatchObject({ upToDate: true, checked: ['size', 'sha256'] })
  })

  it('checks a resumed download: the bytes a wrong hash kept are checked again, and pass with the right one', async () => {
    expect((await w.run(['get', SPACE, '91', '-o', 'r.txt', '--sha256', WRONG])).code).toBe(6)
    expect((await w.run(['get', SPACE, '91', '-o', 'r.txt', '--sha256', WRONG])).code).toBe(6)
    const right = await w.run(['get', SPACE, '91', '-o', 'r.txt', '--sha256', sha256(a), '--json'])
    expect(right.code, right.stderr).toBe(0)
    expect(JSON.parse(right.stdout)).toMatchObject({
      upToDate: false,
      resumedBytes: a.length,
      checked: ['size', 'crc64', 'sha256'],
    })
  })

  it('-i: a "  sha256=" line below an entry is checked on up-to-date files too; the wrong one exits 6', async () => {
    expect((await w.run(['get', SPACE, '91', '-o', 'a.txt'])).code).toBe(0)
    expect((await w.run(['get', SPACE, '92', '-o', 'b.txt'])).code).toBe(0)
    await writeFile(
      join(w.dir, 'list.txt'),
      `${SPACE} 91 a.txt\n  sha256=${sha256(a)}\n# b is wrong:\n${SPACE} 92 b.txt\n\tsha256=${WRONG}\n`,
    )
    const r = await w.run(['get', '-i', 'list.txt', '--json'])
    expect(r.code, r.stderr).toBe(6)
    const files = (JSON.parse(r.stdout) as { files: FileJson[] }).files
    expect(files.find((f) => f.line === 1)).toMatchObject({ status: 'skipped', checked: ['size', 'crc64', 'sha256'] })
    expect(files.find((f) => f.line === 4)).toMatchObject({
      status: 'failed',
      error: { code: 'SHA256_MISMATCH', exitCode: 6 },
    })
    expect(files.find((f) => f.line === 4)!.error!.message).toMatch(/from line 5 of list\.txt.*kept/)
    expect((await readFile(join(w.dir, 'b.txt'))).equals(b)).toBe(true)
  })

  it('-i: a bad sha256 line fails its entry, which is not fetched', async () => {
    await writeFile(join(w.dir, 'list.txt'), `${SPACE} 91 a.txt\n  sha256=abc\n${SPACE} 92 b.txt\n`)
    const r = await w.run(['get', '-i', 'list.txt', '--json'])
    expect(r.code).toBe(2)
    const files = (JSON.parse(r.stdout) as { files: FileJson[] }).files
    expect(files.find((f) => f.line === 2)!.error!.message).toMatch(
      /line 2: sha256 must be 64 hex digits; the file on line 1 is not fetched/,
    )
    expect(files.find((f) => f.line === 3)).toMatchObject({ status: 'downloaded' })
    expect(w.emulator.stats.apiRequests.filter((q) => q.path.includes('/91'))).toEqual([])
  })

  it('-i --sha256-file: target paths relative to the current directory, a wrong one exits 6, unlisted files are named', async () => {
    await writeFile(join(w.dir, 'list.txt'), `${SPACE} 91 out/a.txt\n${SPACE} 92 out/b.txt\n${SPACE} 93 out/n.bin\n`)
    await mkdir(join(w.dir, 'out'))
    await writeFile(
      join(w.dir, 'sums'),
      `${sha256(a)}  out/a.txt\n${WRONG} *${join(w.dir, 'out/b.txt')}\n${sha256(a)}  elsewhere.txt\n`,
    )
    const r = await w.run(['get', '-i', 'list.txt', '--sha256-file', 'sums', '--json'])
    expect(r.code, r.stderr).toBe(6)
    const files = (JSON.parse(r.stdout) as { files: FileJson[] }).files
    expect(files.find((f) => f.line === 1)).toMatchObject({
      status: 'downloaded',
      checked: ['size', 'crc64', 'sha256'],
    })
    expect(files.find((f) => f.line === 2)).toMatchObject({ status: 'failed', error: { code: 'SHA256_MISMATCH' } })
    expect(files.find((f) => f.line === 3)).toMatchObject({ status: 'downloaded', checked: ['size'] })
    expect(r.stderr).toMatch(/1 line of sums names no file of this batch \(first: line 3, elsewhere\.txt\)/)
    expect(r.stderr).toMatch(/1 file of this batch has no SHA-256 in sums/)
  })

  it('-r --sha256-file: paths relative to the mirror; checked when up to date; a wrong one exits 6 and keeps the file', async () => {
    expect((await w.run(['get', SPACE, '90', '-r', '-o', 'm'])).code).toBe(0)
    await writeFile(join(w.dir, 'sums'), `${sha256(a)}  ./a.txt\n${WRONG}  b.txt\n`)
    const r = await w.run(['get', SPACE, '90', '-r', '-o', 'm', '--sha256-file', 'sums', '--json'])
    expect(r.code, r.stderr).toBe(6)
    const files = (JSON.parse(r.stdout) as { files: FileJson[] }).files
    // The sync state skips an unchanged file without a request: its size is checked against the state and
    // its SHA-256 against the list, its CRC-64 was checked when it was placed.
    expect(files.find((f) => f.path === 'a.txt')).toMatchObject({ status: 'skipped', checked: ['size', 'sha256'] })
    expect(files.find((f) => f.path === 'b.txt')).toMatchObject({
      status: 'failed',
      error: { code: 'SHA256_MISMATCH', exitCode: 6 },
    })
    expect((await readFile(join(w.dir, 'm', 'b.txt'))).equals(b)).toBe(true)

    await writeFile(join(w.dir, 'sums'), `${sha256(a)}  a.txt\n${sha256(b)}  b.txt\n`)
    const ok = await w.run(['get', SPACE, '90', '-r', '-o', 'm', '--sha256-file', 'sums', '--json'])
    expect(ok.code, ok.stderr).toBe(0)
    for (const f of (JSON.parse(ok.stdout) as { files: FileJson[] }).files)
      expect(f.checked).toEqual(['size', 'sha256'])
  })

  it.each<[string, string[], RegExp]>([
    ['--sha256 with -r points to --sha256-file', ['get', SPACE, '90', '-r', '--sha256', WRONG], /--sha256-file/],
    ['--sha256 with -i also points to sha256= lines', ['get', '-i', 'list.txt', '--sha256', WRONG], /sha256=<hex>/],
    ['--sha256-file without -r/-i', ['get', SPACE, '91', '--sha256-file', 'sums'], /applies to -r and -i/],
    [
      'a --sha256-file that is not sha256sum output',
      ['get', SPACE, '90', '-r', '--sha256-file', 'bad-sums'],
      /line 2 of the --sha256-file bad-sums/,
    ],
    [
      'a missing --sha256-file',
      ['get', SPACE, '90', '-r', '--sha256-file', 'nope'],
      /cannot read the --sha256-file nope: ENOENT/,
    ],
  ])('%s: exit 2 before any request', async (_name, args, message) => {
    await writeFile(join(w.dir, 'list.txt'), `${SPACE} 91\n`)
    await writeFile(join(w.dir, 'bad-sums'), `${sha256(a)}  a.txt\nnot a checksum line\n`)
    const r = await w.run(args)
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(w.emulator.stats.apiRequests).toEqual([])
  })
})

describe('a target that cannot be written costs no API call', () => {
  let w: World
  const unmount: (() => Promise<void>)[] = []
  beforeEach(async () => {
    w = await setupWorld({
      folders: [{ spaceId: SPACE, dentryId: '90', name: 'docs' }],
      files: [{ spaceId: SPACE, dentryId: '91', name: 'a.txt', parentId: '90', content: Buffer.from('hello') }],
    })
    await writeFile(join(w.dir, 'afile'), 'not a directory')
    await writeFile(join(w.dir, 'list.txt'), `${SPACE} 91 missing/a.txt\n${SPACE} 91 afile/a.txt\n`)
  })
  afterEach(async () => {
    for (const u of unmount.splice(0)) await u()
    await w.close()
  })

  const expectNoCall = (r: { code: number | null; stderr: string }, message: RegExp) => {
    expect(r.code, r.stderr).toBe(7)
    expect(r.stderr).toMatch(message)
    expect(w.emulator.stats.apiRequests).toEqual([])
    expect(w.emulator.stats.resourceRequests).toEqual([])
  }

  it.each<[string, string[], RegExp]>([
    ['-o into a missing directory', ['get', SPACE, '91', '-o', 'missing/x.bin'], /directory .*missing does not exist/],
    ['-o missing/ (a directory meant)', ['get', SPACE, '91', '-o', 'missing/'], /directory .*missing does not exist/],
    ['-o below a file', ['get', SPACE, '91', '-o', 'afile/x.bin'], /afile is not a directory/],
    ['-r -o an existing file', ['get', SPACE, '90', '-r', '-o', 'afile'], /afile exists and is not a directory/],
    ['-r -o below a file', ['get', SPACE, '90', '-r', '-o', 'afile/m'], /afile is not a directory/],
    ['-i lines that cannot be written', ['get', '-i', 'list.txt'], /line 1: the directory .*missing does not exist/],
  ])('%s', async (_name, args, message) => {
    expectNoCall(await w.run(args), message)
  })

  it.skipIf(!canMountTmpfs)(
    'a read-only file system: -o dir/, -o file, the current directory, -r and -i (needs a tmpfs mount)',
    async () => {
      const ro = join(w.dir, 'ro')
      unmount.push(await mountTmpfs(ro, 'ro,size=1m'))
      await writeFile(join(w.dir, 'plain-list.txt'), `${SPACE} 91\n`)
      for (const [args, cwd] of [
        [['get', SPACE, '91', '-o', 'ro/'], w.dir],
        [['get', SPACE, '91', '-o', 'ro/x.bin'], w.dir],
        [['get', SPACE, '91'], ro],
        [['get', SPACE, '90', '-r', '-o', 'ro/mirror'], w.dir],
        [['get', SPACE, '90', '-r'], ro],
        [['get', '-i', 'plain-list.txt', '-o', 'ro'], w.dir],
      ] as const) {
        expectNoCall(await w.run([...args], {}, cwd), /EROFS/)
      }
    },
  )

  it('a local directory where the named file would go fails before download info and the probe', async () => {
    await mkdir(join(w.dir, 'into', 'a.txt'), { recursive: true })
    const r = await w.run(['get', SPACE, '91', '-o', 'into/'])
    expect(r.code, r.stderr).toBe(7)
    expect(r.stderr).toMatch(/a\.txt exists and is not a file/)
    // The name needed one lookup; nothing after it was spent.
    expect(w.emulator.stats.downloadInfoCalls).toBe(0)
    expect(w.emulator.stats.resourceRequests).toEqual([])
  })
})

describe('disk full, truncated partials and temporary files', () => {
  let w: World
  const size = 6 * MiB
  const unmount: (() => Promise<void>)[] = []
  beforeEach(async () => {
    w = await setupWorld({ files: [{ spaceId: SPACE, dentryId: '95', name: 'big.bin', size }] })
  })
  afterEach(async () => {
    for (const u of unmount.splice(0)) await u()
    await w.close()
  })

  it.skipIf(!canMountTmpfs)(
    'disk full mid-download: exit 7 FS_ENOSPC, no .tmp, the bytes on disk claimed; freed, the same command finishes identical fetching only what was missing (needs a tmpfs mount)',
    async () => {
      const disk = join(w.dir, 'disk')
      unmount.push(await mountTmpfs(disk, 'size=8m'))
      // 4 MiB taken by something else: the 6 MiB file cannot fit.
      await writeFile(join(disk, 'filler'), Buffer.alloc(4 * MiB, 1))
      const target = join(disk, 'big.bin')
      const args = ['get', SPACE, '95', '-o', target, '-c', '2', '--json']

      const full = await w.run(args)
      expect(full.code, full.stderr).toBe(7)
      expect(JSON.parse(full.stdout)).toMatchObject({ ok: false, exitCode: 7, error: { code: 'FS_ENOSPC' } })
      expect((await walk(disk)).filter((f) => f.endsWith('.tmp'))).toEqual([])
      const record = await readResumeRecord(recordPathFor(target))
      expect(record).toBeDefined()
      const kept = totalLength(record!.done)
      // Nearly all of the 4 MiB that fitted is claimed, and never more than the partial file really holds.
      expect(kept).toBeGreaterThan(3.5 * MiB)
      const partial = await stat(partialPathFor(target))
      expect(kept).toBeLessThanOrEqual(partial.blocks * 512)

      await rm(join(disk, 'filler'))
      w.emulator.resetStats()
      const resumed = await w.run(args)
      expect(resumed.code, resumed.stderr).toBe(0)
      expect(JSON.parse(resumed.stdout)).toMatchObject({ ok: true, resumedBytes: kept, checked: ['size', 'crc64'] })
      expect((await readFile(target)).equals(await w.emulator.fileContent(SPACE, '95'))).toBe(true)
      // What was missing, plus the 1-byte probe.
      expect(w.emulator.stats.bytesServed).toBeLessThanOrEqual(size - kept + 1)
      expect(await walk(disk)).toEqual(['big.bin'])
    },
  )

  it('a partial file shorter than its record claims: the bytes past its end are fetched again, not counted as done', async () => {
    // A wrong --sha256 keeps the whole download beside the target, with a record claiming every byte.
    expect((await w.run(['get', SPACE, '95', '-o', 't.bin', '--sha256', WRONG])).code).toBe(6)
    const target = join(w.dir, 't.bin')
    expect(totalLength((await readResumeRecord(recordPathFor(target)))!.done)).toBe(size)
    await truncate(partialPathFor(target), 1_000_000)

    w.emulator.resetStats()
    const r = await w.run(['get', SPACE, '95', '-o', 't.bin', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, resumedBytes: 1_000_000 })
    expect(r.stderr).toMatch(/shorter than its record says \(1000000 bytes\)/)
    expect(r.stderr).not.toMatch(/CRC-64 mismatch/)
    expect((await readFile(target)).equals(await w.emulator.fileContent(SPACE, '95'))).toBe(true)
    expect(w.emulator.stats.bytesServed).toBe(size - 1_000_000 + 1)
  })

  it('a run that fails before any byte leaves no side file', async () => {
    // Every response goes silent before its first byte (the probe does not wait for its byte).
    w.emulator.setFaults({ silentAfterBytes: { afterBytes: 0, times: 100 } })
    const r = await w.run(['get', SPACE, '95', '-o', 'f.bin', '-c', '1', '--retries', '0', '--stall-timeout', '1'])
    expect(r.code, r.stderr).toBe(5)
    expect(await readdir(w.dir)).toEqual(['config'])
  })
})
