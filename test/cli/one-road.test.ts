// The promise on every path, one test per way it once broke: a full disk under small files, links planted at
// side-file names, --delete through a link or of an adopted file, a file that appears mid-run, a crash's temp
// file, a refusing intranet URL, and a server without validators that changes the file mid-download.
import { afterEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { lstat, mkdir, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { partialPathFor, recordPathFor, lockPathFor } from '../../src/engine/resume-record.js'
import { syncStatePath } from '../../src/batch/sync-state.js'
import type { EmulatorFileSpec, EmulatorFolderSpec } from '../../src/emulator/index.js'
import { DEMO, canMountTmpfs, mountTmpfs, randomBytes, setupWorld, waitFor } from '../helpers.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const S = DEMO.spaceId

interface FileJson {
  path: string | null
  status: string
  error?: { code: string; message: string }
}
interface BatchJson {
  ok: boolean
  exitCode: number
  files: FileJson[]
}

/** Every file below `dir`, relative, with its kind. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix + e.name
    if (e.isDirectory()) out.push(...(await walk(join(dir, e.name), `${rel}/`)))
    else out.push(e.isSymbolicLink() ? `${rel} (link)` : rel)
  }
  return out.sort()
}

/** A pid that ran here and has ended: what a crashed dtdl leaves in its temporary file's name. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'])
  await new Promise((done) => child.on('exit', done))
  return child.pid!
}

let w: World
afterEach(async () => {
  await w?.close()
})

describe('1. a full disk under small files: never a short file at the final path', () => {
  const unmount: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const u of unmount.splice(0)) await u()
  })
  const files: EmulatorFileSpec[] = Array.from({ length: 8 }, (_, i) => ({
    spaceId: S,
    dentryId: String(100 + i),
    name: `s${i}.bin`,
    parentId: '10',
    size: 300_000,
  }))
  const folders: EmulatorFolderSpec[] = [{ spaceId: S, dentryId: '10', name: 'top' }]

  /** Every file at a final name in `dir` holds exactly the remote bytes; returns how many there are. */
  async function checkFinalFiles(dir: string): Promise<number> {
    let complete = 0
    for (const f of files) {
      const at = join(dir, f.name)
      const local = await readFile(at).catch(() => undefined)
      if (local === undefined) continue
      expect(local.equals(await w.emulator.fileContent(S, f.dentryId)), `${f.name}: ${local.length} bytes`).toBe(true)
      complete++
    }
    return complete
  }

  it.skipIf(!canMountTmpfs)(
    '-r and -i on a nearly full tmpfs exit 7 with no short file; freed, the same commands finish identical (needs a tmpfs mount)',
    async () => {
      w = await setupWorld({ files, folders })
      const disk = join(w.dir, 'disk')
      unmount.push(await mountTmpfs(disk, 'size=6m'))
      // About 1.2 MB free for 2.4 MB of files, written four at a time: some fit, the rest meet a full disk mid-write.
      await writeFile(join(disk, 'filler'), Buffer.alloc(6 * 1024 * 1024 - 1_200_000, 1))
      await writeFile(join(w.dir, 'list.txt'), files.map((f) => `${S} ${f.dentryId} ${f.name}`).join('\n'))
      const mirror = ['get', S, '10', '-r', '-o', join(disk, 'm'), '--json', '-j', '4']
      const list = ['get', '-i', 'list.txt', '-o', join(disk, 'i'), '--create-dirs', '--json', '-j', '4']
      for (const args of [mirror, list]) {
        const r = await w.run(args)
        expect(r.code, r.stderr).toBe(7)
        const out = JSON.parse(r.stdout) as BatchJson
        expect(out.files.filter((f) => f.status === 'failed').map((f) => f.error?.code)).toContain('FS_ENOSPC')
        await checkFinalFiles(join(disk, args === mirror ? 'm' : 'i'))
      }
      await rm(join(disk, 'filler'))
      await rm(join(disk, 'i'), { recursive: true })
      for (const args of [mirror, list]) {
        const r = await w.run(args)
        expect(r.code, r.stderr).toBe(0)
        expect(await checkFinalFiles(join(disk, args === mirror ? 'm' : 'i'))).toBe(files.length)
      }
      // The sync state says every file is placed: the next run skips them all, and each is still identical.
      w.emulator.resetStats()
      expect((await w.run(mirror)).code).toBe(0)
      expect(w.emulator.stats.resourceRequests).toEqual([])
    },
  )
})

describe('2. links planted at every side-file name are never followed', () => {
  const SIZE = 200_000
  const sideNames = (target: string) => ({
    partial: partialPathFor(target),
    record: recordPathFor(target),
    'record tmp': `${recordPathFor(target)}.tmp`,
    claim: lockPathFor(target),
  })

  it.each(['partial', 'record', 'record tmp', 'claim'] as const)(
    'get: a link at the %s name leaves what it points to untouched',
    async (which) => {
      w = await setupWorld({ files: [{ spaceId: S, dentryId: '20', name: 't.bin', size: SIZE }] })
      const outside = join(w.dir, 'outside')
      await mkdir(outside)
      const victim = join(outside, 'victim')
      await writeFile(victim, 'not yours')
      const target = join(w.dir, 'out', 't.bin')
      await mkdir(join(w.dir, 'out'))
      await symlink(victim, sideNames(target)[which])
      // And a dangling link: nothing may be created where it points.
      const r = await w.run(['get', S, '20', '-o', target, '--lock-wait', '0'])
      expect(r.code, r.stderr).toBe(7)
      expect(r.stderr).toMatch(/symbolic link/)
      expect(await readFile(victim, 'utf8')).toBe('not yours')
      expect(await lstat(target).catch(() => undefined)).toBeUndefined()
      expect((await lstat(sideNames(target)[which])).isSymbolicLink()).toBe(true)
    },
  )

  it('get: a dangling link at the partial name creates nothing where it points', async () => {
    w = await setupWorld({ files: [{ spaceId: S, dentryId: '20', name: 't.bin', size: SIZE }] })
    const nowhere = join(w.dir, 'nowhere.bin')
    await symlink(nowhere, partialPathFor(join(w.dir, 't.bin')))
    const r = await w.run(['get', S, '20', '-o', 't.bin'])
    expect(r.code, r.stderr).toBe(7)
    expect(await lstat(nowhere).catch(() => undefined)).toBeUndefined()
  })

  it("get -r: links at one file's side names and at the sync state's leave their targets untouched; the other files land", async () => {
    const files: EmulatorFileSpec[] = ['a', 'b', 'c', 'd', 'e'].map((n, i) => ({
      spaceId: S,
      dentryId: String(31 + i),
      name: `${n}.bin`,
      parentId: '30',
      size: SIZE,
    }))
    w = await setupWorld({ files, folders: [{ spaceId: S, dentryId: '30', name: 'top' }] })
    const m = join(w.dir, 'm')
    await mkdir(m)
    const outside = join(w.dir, 'outside')
    await mkdir(outside)
    const victims = ['v1', 'v2', 'v3', 'v4', 'v5'].map((v) => join(outside, v))
    for (const v of victims) await writeFile(v, `victim ${v}`)
    const names = [
      partialPathFor(join(m, 'a.bin')),
      recordPathFor(join(m, 'b.bin')),
      `${recordPathFor(join(m, 'c.bin'))}.tmp`,
      lockPathFor(join(m, 'd.bin')),
      syncStatePath(m, S, '30'),
    ]
    for (const [i, name] of names.entries()) await symlink(victims[i]!, name)
    const r = await w.run(['get', S, '30', '-r', '-o', 'm', '--json', '--lock-wait', '0'])
    expect(r.code, r.stderr).toBe(7)
    for (const v of victims) expect(await readFile(v, 'utf8')).toBe(`victim ${v}`)
    const out = JSON.parse(r.stdout) as BatchJson
    expect(out.files.find((f) => f.path === 'e.bin')?.status).toBe('downloaded')
    // b.bin's record link is refused before its GET; c.bin's record is written only on a failure (a small file).
    for (const f of out.files.filter((x) => x.status === 'failed')) expect(f.error?.code).toBe('FS_SYMLINK')
    for (const f of await walk(m)) if (!f.endsWith('(link)')) expect(f).toMatch(/^[a-e]\.bin$/)
    expect(r.stderr).toMatch(/cannot save the sync state/)
  })
})

describe('3, 4. --delete: never through a link, never an adopted file, still a placed one', () => {
  const folders: EmulatorFolderSpec[] = [
    { spaceId: S, dentryId: '40', name: 'top' },
    { spaceId: S, dentryId: '41', name: 'sub', parentId: '40' },
  ]
  const content = (id: number) => randomBytes(5000, id)
  const files: EmulatorFileSpec[] = [
    { spaceId: S, dentryId: '42', name: 'a.txt', parentId: '41', content: content(42) },
    { spaceId: S, dentryId: '43', name: 'b.txt', parentId: '41', content: content(43) },
    { spaceId: S, dentryId: '44', name: 'mine.txt', parentId: '40', content: content(44) },
    { spaceId: S, dentryId: '45', name: 'placed.txt', parentId: '40', content: content(45) },
  ]

  it('a folder replaced by a link: nothing behind it is deleted; an adopted file stays; a placed file gone remotely goes', async () => {
    w = await setupWorld({ files, folders })
    const m = join(w.dir, 'm')
    await mkdir(m)
    // The user's own copy, there before the first mirror: dtdl finds it identical and adopts it.
    await writeFile(join(m, 'mine.txt'), content(44))
    const first = await w.run(['get', S, '40', '-r', '-o', 'm', '--json'])
    expect(first.code, first.stderr).toBe(0)
    // The user moves sub/ elsewhere (mtimes kept) and leaves a link in its place.
    const outside = join(w.dir, 'outside')
    await rename(join(m, 'sub'), outside)
    await symlink(outside, join(m, 'sub'))
    for (const id of ['43', '44', '45']) w.emulator.removeFile(S, id)

    const r = await w.run(['get', S, '40', '-r', '-o', 'm', '--json', '--delete'])
    const out = JSON.parse(r.stdout) as BatchJson
    expect(await readFile(join(outside, 'b.txt'))).toEqual(content(43))
    expect(out.files.find((f) => f.path === 'sub/b.txt')).toMatchObject({
      status: 'failed',
      error: { code: 'UNSAFE_PATH' },
    })
    expect(await readFile(join(m, 'mine.txt'))).toEqual(content(44))
    expect(out.files.find((f) => f.path === 'placed.txt')?.status).toBe('deleted')
    expect(await lstat(join(m, 'placed.txt')).catch(() => undefined)).toBeUndefined()
    expect(r.code).toBe(2)
  })
})

describe('5. a file that appears at a target during the run is left alone and named', () => {
  it("get -r: the user's bytes stay, exit 7 TARGET_APPEARED; --force replaces it", async () => {
    const files: EmulatorFileSpec[] = [{ spaceId: S, dentryId: '51', name: 'slow.bin', parentId: '50', size: 400_000 }]
    w = await setupWorld({
      files,
      folders: [{ spaceId: S, dentryId: '50', name: 'top' }],
      faults: { bytesPerSecondPerConnection: 200_000 },
    })
    const m = join(w.dir, 'm')
    const running = w.run(['get', S, '50', '-r', '-o', 'm', '--json'])
    await waitFor(
      () =>
        lstat(partialPathFor(join(m, 'slow.bin'))).then(
          () => true,
          () => false,
        ),
      'the partial file',
    )
    await writeFile(join(m, 'slow.bin'), 'written by someone else')
    const r = await running
    expect(r.code, r.stderr).toBe(7)
    expect(await readFile(join(m, 'slow.bin'), 'utf8')).toBe('written by someone else')
    expect((JSON.parse(r.stdout) as BatchJson).files[0]).toMatchObject({
      path: 'slow.bin',
      status: 'failed',
      error: { code: 'TARGET_APPEARED' },
    })
    expect(r.stderr).toMatch(/slow\.bin appeared while dtdl was downloading it/)

    w.emulator.setFaults({})
    const forced = await w.run(['get', S, '50', '-r', '-o', 'm', '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect((await readFile(join(m, 'slow.bin'))).equals(await w.emulator.fileContent(S, '51'))).toBe(true)
  })

  it('get: the same for one file', async () => {
    w = await setupWorld({
      files: [{ spaceId: S, dentryId: '52', name: 'one.bin', size: 400_000 }],
      faults: { bytesPerSecondPerConnection: 200_000 },
    })
    const target = join(w.dir, 'one.bin')
    const running = w.run(['get', S, '52', '-o', 'one.bin', '--json'])
    await waitFor(
      () =>
        lstat(partialPathFor(target)).then(
          () => true,
          () => false,
        ),
      'the partial file',
    )
    await writeFile(target, 'mine')
    const r = await running
    expect(r.code, r.stderr).toBe(7)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'TARGET_APPEARED' } })
    expect(await readFile(target, 'utf8')).toBe('mine')
  })
})

describe("6. a crash at the sync state's rename leaves no temp file after the next run", () => {
  it('the temp files a killed run left beside the state are removed', async () => {
    const files: EmulatorFileSpec[] = [{ spaceId: S, dentryId: '61', name: 'x.txt', parentId: '60', size: 1000 }]
    w = await setupWorld({ files, folders: [{ spaceId: S, dentryId: '60', name: 'top' }] })
    expect((await w.run(['get', S, '60', '-r', '-o', 'm'])).code).toBe(0)
    const state = syncStatePath(join(w.dir, 'm'), S, '60')
    // What a kill -9 between write and rename leaves: this release's name (the dead writer's pid), and an older one's.
    const left = [`${state}.${await deadPid()}-0badc0de.tmp`, `${state}.deadbeef.tmp`]
    for (const t of left) await writeFile(t, '{"format":1')
    // A temp file of a live writer (this test's own process) that is young stays: it is being written.
    const live = `${state}.${process.pid}-00c0ffee.tmp`
    await writeFile(live, '{')
    const r = await w.run(['get', S, '60', '-r', '-o', 'm'])
    expect(r.code, r.stderr).toBe(0)
    const names = await readdir(join(w.dir, 'm'))
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([live.split('/').pop()])
  })
})

describe('7. --intranet with an intranet URL that refuses', () => {
  it('succeeds through resourceUrls with at most 2 download-info calls', async () => {
    w = await setupWorld({
      files: [{ spaceId: S, dentryId: '70', name: 'i.bin', size: 3_000_000 }],
      faults: { intranet: 'refusing' },
    })
    const r = await w.run(['get', S, '70', '-o', 'i.bin', '--intranet', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(w.emulator.stats.downloadInfoCalls).toBeLessThanOrEqual(2)
    expect((await readFile(join(w.dir, 'i.bin'))).equals(await w.emulator.fileContent(S, '70'))).toBe(true)
    const refused = w.emulator.stats.resourceRequests.filter((q) => q.status === 403)
    expect(refused.length).toBeGreaterThan(0)
  })
})

describe('8. no validator: never a file mixed from two versions', () => {
  const noValidators = { etag: 'none', lastModified: false, crcHeader: 'absent' } as const
  const SIZE = 2_000_000

  it('get: a cut mid-body after the file changed restarts from byte 0; the file is the new version whole, checked by size only', async () => {
    w = await setupWorld({ files: [{ spaceId: S, dentryId: '80', name: 'v.bin', size: SIZE }] })
    const before = await w.emulator.fileContent(S, '80')
    // Response 1 is the probe, 2 the body (cut half way); the file changes before response 3.
    w.emulator.setFaults({
      ...noValidators,
      mutateAfterResponses: { afterResponses: 2 },
      cutEveryKth: { k: 2, afterBytes: SIZE / 2 },
    })
    const r = await w.run(['get', S, '80', '-o', 'v.bin', '-c', '4', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const saved = await readFile(join(w.dir, 'v.bin'))
    const after = await w.emulator.fileContent(S, '80')
    expect(after.equals(before)).toBe(false)
    expect(saved.equals(after)).toBe(true)
    expect(JSON.parse(r.stdout)).toMatchObject({ checked: ['size'] })
    expect(r.stderr).toMatch(/checked by size only/)
    // One connection: no two responses were ever in flight for one file.
    expect(
      w.emulator.stats.resourceRequests
        .filter((q) => q.range !== undefined && q.range !== 'bytes=0-0')
        .every((q) => q.range?.startsWith('bytes=0-')),
    ).toBe(true)
  })

  it('-o -: a cut after bytes went out ends with exit 5, the output never continued from another version', async () => {
    w = await setupWorld({ files: [{ spaceId: S, dentryId: '81', name: 's.bin', size: SIZE }] })
    w.emulator.setFaults({
      ...noValidators,
      mutateAfterResponses: { afterResponses: 2 },
      cutEveryKth: { k: 2, afterBytes: SIZE / 2 },
    })
    const r = await w.run(['get', S, '81', '-o', '-'])
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(/no ETag, CRC-64 or Last-Modified/)
  })

  it('a malformed CRC-64 header is reported as malformed, not as absent', async () => {
    w = await setupWorld({
      files: [{ spaceId: S, dentryId: '82', name: 'm.bin', size: 10_000 }],
      faults: { crcHeader: 'malformed' },
    })
    const r = await w.run(['get', S, '82', '-o', 'm.bin', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/malformed CRC-64/)
    expect(JSON.parse(r.stdout)).toMatchObject({ checked: ['size'] })
  })
})
