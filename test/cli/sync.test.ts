// Re-runs that cost nothing: the -r sync state, --delete, --dry-run and --skip-existing, counted by the emulator's own
// log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { readFile, readdir, stat, unlink, utimes, writeFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { DEMO, randomBytes, setupWorld } from '../helpers.js'
import type { EmulatorFileSpec, EmulatorFolderSpec } from '../../src/emulator/index.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const S = DEMO.spaceId

// root/ (12 files) → f0..f3/ (22 files each) → g0, g1/ (25 files each): 13 folders, 300 files.
const FOLDERS: EmulatorFolderSpec[] = [{ spaceId: S, dentryId: '1000', name: 'root' }]
const FILES: (EmulatorFileSpec & { relPath: string })[] = []
const addFile = (id: number, parentId: string, relPath: string) =>
  FILES.push({
    spaceId: S,
    dentryId: String(id),
    name: relPath.split('/').pop()!,
    parentId,
    size: 1000 + ((id * 37) % 3000),
    relPath,
  })
for (let k = 0; k < 12; k++) addFile(2000 + k, '1000', `r${k}.bin`)
for (let i = 0; i < 4; i++) {
  FOLDERS.push({ spaceId: S, dentryId: String(1100 + i), name: `f${i}`, parentId: '1000' })
  for (let k = 0; k < 22; k++) addFile(3000 + i * 100 + k, String(1100 + i), `f${i}/a${k}.bin`)
  for (let j = 0; j < 2; j++) {
    const id = String(1200 + i * 10 + j)
    FOLDERS.push({ spaceId: S, dentryId: id, name: `g${j}`, parentId: String(1100 + i) })
    for (let k = 0; k < 25; k++) addFile(4000 + i * 100 + j * 30 + k, id, `f${i}/g${j}/b${k}.bin`)
  }
}
const pathOf = (id: string) => FILES.find((f) => f.dentryId === id)!.relPath

interface BatchJson {
  ok: boolean
  exitCode: number
  files: { path: string; dentryId: string; status: string; bytes: number; existing?: boolean }[]
  summary: { downloaded: number; skipped: number; failed: number; deleted: number }
}
interface DryJson {
  dryRun: true
  exitCode: number
  actions: {
    action: string
    path: string | null
    dentryId: string
    bytes: number | null
    reason: string
    line?: number
  }[]
  summary: Record<string, number>
}

/** Every path under `dir` with its size and mtime: what "writes nothing" is checked against. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return Promise.all(
    entries.map(async (e) => {
      const full = join(e.parentPath, e.name)
      const s = await stat(full)
      return `${relative(dir, full).split(sep).join('/')} ${e.isFile() ? s.size : 'dir'} ${s.mtimeMs}`
    }),
  ).then((l) => l.sort())
}

const paths = (r: BatchJson, status: string) =>
  r.files
    .filter((f) => f.status === status)
    .map((f) => f.path)
    .sort()
const actions = (r: DryJson, action: string) =>
  r.actions
    .filter((a) => a.action === action)
    .map((a) => a.path)
    .sort()

describe('get -r keeps a sync state', () => {
  let w: World
  let mirror: string
  const mirrorArgs = (...extra: string[]) => [
    'get',
    S,
    '1000',
    '-r',
    '-o',
    'm',
    '--json',
    '--no-progress',
    '-j',
    '8',
    ...extra,
  ]
  const runMirror = async (...extra: string[]) => {
    w.emulator.resetStats()
    const r = await w.run(mirrorArgs(...extra))
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/) // no stack trace
    return { r, json: JSON.parse(r.stdout) as BatchJson & DryJson }
  }
  const storageRequests = () => w.emulator.stats.resourceRequests.length
  const downloadInfoCalls = () =>
    w.emulator.stats.apiRequests.filter((a) => a.path.endsWith('/downloadInfos/query')).length

  beforeAll(async () => {
    w = await setupWorld({ files: FILES, folders: FOLDERS })
    mirror = join(w.dir, 'm')
  })
  afterAll(() => w.close())

  it('first run: every file placed and recorded in one hidden .dtdl-sync-*.json at the root', async () => {
    const { r, json } = await runMirror()
    expect(r.code, r.stderr).toBe(0)
    expect(json.summary).toMatchObject({ downloaded: 300, failed: 0 })
    const top = await readdir(mirror)
    const own = top.filter((n) => n.startsWith('.dtdl'))
    expect(own).toHaveLength(1)
    expect(own[0]).toMatch(/^\.dtdl-sync-[0-9a-f]{16}\.json$/)
    const all = await readdir(mirror, { recursive: true })
    // No tmp, no part, no lock.
    expect(all.filter((n) => n.includes('.dtdl') && !n.startsWith('.dtdl-sync-'))).toEqual([])
    const state = JSON.parse(await readFile(join(mirror, own[0]!), 'utf8')) as {
      files: Record<string, { dentryId: string; crc64: string; localSize: number }>
    }
    expect(Object.keys(state.files)).toHaveLength(300)
    expect(state.files['f1/g0/b3.bin']).toMatchObject({
      dentryId: String(4000 + 100 + 3),
      localSize: FILES.find((f) => f.relPath === 'f1/g0/b3.bin')!.size,
    })
  })

  it('an unchanged re-run lists only: 0 download-info calls, 0 storage requests, at most folders + files/50 + 2 API calls', async () => {
    const { r, json } = await runMirror()
    expect(r.code, r.stderr).toBe(0)
    expect(json.summary).toMatchObject({ downloaded: 0, skipped: 300, failed: 0 })
    expect(downloadInfoCalls()).toBe(0)
    expect(storageRequests()).toBe(0)
    expect(w.emulator.stats.apiRequests.length).toBeLessThanOrEqual(FOLDERS.length + 300 / 50 + 2)
    expect(
      w.emulator.stats.apiRequests.every(
        (a) => a.path.endsWith('/dentries') || a.path.endsWith('/query') || a.path.includes('oauth2'),
      ),
    ).toBe(true)
  })

  it('after 3 changed, 2 added, 2 deleted remotely: --dry-run names them and writes nothing; the run fetches exactly the 5; --delete removes the 2, not the user file', async () => {
    const changed = ['2003', '3105', '4231']
    for (const id of changed) w.emulator.updateFile(S, id, randomBytes(777, Number(id)))
    const added = [
      { spaceId: S, dentryId: '5001', name: 'new1.bin', parentId: '1000', size: 1234 },
      { spaceId: S, dentryId: '5002', name: 'new2.bin', parentId: '1201', size: 4321 },
    ]
    for (const f of added) w.emulator.addFile(f)
    const removed = ['2007', '4302']
    for (const id of removed) w.emulator.removeFile(S, id)
    await writeFile(join(mirror, 'mine.txt'), 'the user put this here')
    const before = await snapshot(w.dir)

    for (const withDelete of [false, true]) {
      const { r, json } = await runMirror('--dry-run', ...(withDelete ? ['--delete'] : []))
      expect(r.code, r.stderr).toBe(0)
      expect(json.dryRun).toBe(true)
      expect(actions(json, 'download')).toEqual(['f0/g1/new2.bin', 'new1.bin'])
      expect(actions(json, 'replace')).toEqual(changed.map(pathOf).sort())
      expect(actions(json, withDelete ? 'delete' : 'keep')).toEqual(removed.map(pathOf).sort())
      expect(json.summary).toMatchObject({
        download: 2,
        replace: 3,
        skip: 295,
        check: 0,
        [withDelete ? 'keep' : 'delete']: 0,
      })
      expect(json.actions.map((a) => a.path)).not.toContain('mine.txt')
      expect(json.actions.find((a) => a.path === 'new1.bin')?.bytes).toBe(1234)
      expect(downloadInfoCalls()).toBe(0)
      expect(storageRequests()).toBe(0)
      expect(await snapshot(w.dir)).toEqual(before)
    }
    // The lines for people: one per file on stdout, with sizes.
    const plain = await w.run(mirrorArgs('--dry-run').filter((a) => a !== '--json'))
    expect(plain.stdout.split('\n').filter((l) => /^replace /.test(l))).toHaveLength(3)
    expect(plain.stdout).toMatch(/^download\s+1\.2 KiB\s+new1\.bin\s+\(new\)$/m)
    expect(plain.stderr).toMatch(
      /dry run: 2 to download, 3 to replace, 0 to check, 295 up to date, 0 to delete, 2 kept/,
    )

    const run = await runMirror()
    expect(run.r.code, run.r.stderr).toBe(0)
    expect(paths(run.json, 'downloaded')).toEqual([...changed.map(pathOf), 'f0/g1/new2.bin', 'new1.bin'].sort())
    expect(downloadInfoCalls()).toBe(5)
    for (const id of changed)
      expect(await readFile(join(mirror, pathOf(id)))).toEqual(await w.emulator.fileContent(S, id))
    for (const id of removed) expect(existsSync(join(mirror, pathOf(id)))).toBe(true)

    const del = await runMirror('--delete')
    expect(del.r.code, del.r.stderr).toBe(0)
    expect(paths(del.json, 'deleted')).toEqual(removed.map(pathOf).sort())
    expect(del.json.summary).toMatchObject({ downloaded: 0, deleted: 2, failed: 0 })
    expect(downloadInfoCalls()).toBe(0)
    for (const id of removed) expect(existsSync(join(mirror, pathOf(id)))).toBe(false)
    expect(await readFile(join(mirror, 'mine.txt'), 'utf8')).toBe('the user put this here')
  })

  it('--delete removes a folder dtdl created once it is empty, and nothing the user put in one', async () => {
    for (let k = 0; k < 25; k++) w.emulator.removeFile(S, String(4000 + 300 + 30 + k)) // f3/g1's files
    w.emulator.removeFile(S, '1231')
    for (let k = 0; k < 25; k++) w.emulator.removeFile(S, String(4000 + 200 + 30 + k)) // f2/g1's files
    w.emulator.removeFile(S, '1221')
    await writeFile(join(mirror, 'f2', 'g1', 'notes.txt'), 'mine')
    const { r, json } = await runMirror('--delete')
    expect(r.code, r.stderr).toBe(0)
    expect(json.summary).toMatchObject({ deleted: 50, failed: 0, downloaded: 0 })
    expect(existsSync(join(mirror, 'f3', 'g1'))).toBe(false)
    expect(await readdir(join(mirror, 'f2', 'g1'))).toEqual(['notes.txt'])
  })

  it('a file edited, truncated or removed locally is fetched again; a touched but identical one is checked once and recorded', async () => {
    const edited = pathOf('3002')
    const truncated = pathOf('4001')
    const gone = pathOf('2001')
    const touched = pathOf('2005')
    const original = await readFile(join(mirror, edited))
    const flipped = Buffer.from(original)
    flipped[0] = flipped[0]! ^ 0xff
    await writeFile(join(mirror, edited), flipped) // same size, new bytes, new mtime
    await writeFile(join(mirror, truncated), 'x')
    await unlink(join(mirror, gone))
    await utimes(join(mirror, touched), new Date(), new Date(Date.now() - 86_400_000))

    const { r, json } = await runMirror()
    expect(r.code, r.stderr).toBe(0)
    expect(paths(json, 'downloaded')).toEqual([edited, gone, truncated].sort())
    expect(json.summary.failed).toBe(0)
    expect(await readFile(join(mirror, edited))).toEqual(original)
    // Three fetched, one checked by CRC (download info + probe), the rest from the state alone.
    expect(downloadInfoCalls()).toBe(4)
    const again = await runMirror()
    expect(again.json.summary).toMatchObject({ downloaded: 0, failed: 0 })
    expect(downloadInfoCalls()).toBe(0)
  })

  it('a corrupt state costs a full check, never a wrong skip; a file the state does not know is checked once, then recorded', async () => {
    const statePath = join(
      mirror,
      (await readdir(mirror)).find((n) => n.startsWith('.dtdl-sync-'))!,
    )
    const alive = FILES.length - 2 - 50 + 2 // the 300, less the deletions, plus the two added
    await writeFile(statePath, '{"format":1,"files":{')
    // While the state is unreadable a local change must still be caught: same size, other bytes.
    const victim = pathOf('3301')
    const good = await readFile(join(mirror, victim))
    await writeFile(join(mirror, victim), Buffer.alloc(good.length, 1))
    const { r, json } = await runMirror()
    // Unknown to the state and different: the old rule holds (exit 7 without --force), everything else checked.
    expect(r.code).toBe(7)
    expect(json.files.find((f) => f.path === victim)?.status).toBe('failed')
    expect(json.summary).toMatchObject({ skipped: alive - 1, failed: 1 })
    expect(downloadInfoCalls()).toBe(alive)
    JSON.parse(await readFile(statePath, 'utf8')) // rewritten whole
    const again = await runMirror()
    expect(again.json.summary).toMatchObject({ skipped: alive - 1, failed: 1 })
    expect(downloadInfoCalls()).toBe(1) // only the file it could not record
  })

  it('--dry-run into a directory that does not exist creates nothing', async () => {
    w.emulator.resetStats()
    const r = await w.run(['get', S, '1000', '-r', '-o', 'fresh', '--dry-run', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const json = JSON.parse(r.stdout) as DryJson
    expect(json.summary.download).toBeGreaterThan(200)
    expect(existsSync(join(w.dir, 'fresh'))).toBe(false)
    expect(downloadInfoCalls()).toBe(0)
    expect(storageRequests()).toBe(0)
  })
})

describe('--skip-existing and -i --dry-run', () => {
  let w: World
  const file = (id: string, size: number): EmulatorFileSpec => ({
    spaceId: S,
    dentryId: id,
    name: `file${id}.bin`,
    size,
  })
  beforeAll(async () => {
    w = await setupWorld({ files: [file('11', 5000), file('12', 6000), file('13', 7000)] })
  })
  afterAll(() => w.close())

  it('get -o <existing file> --skip-existing makes zero API calls and exits 0, saying so', async () => {
    await writeFile(join(w.dir, 'have.bin'), 'not the remote bytes')
    w.emulator.resetStats()
    const r = await w.run(['get', S, '11', '-o', 'have.bin', '--skip-existing', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, existing: true, upToDate: false, bytes: 20 })
    expect(r.stderr).toMatch(/exists, left alone \(--skip-existing\)/)
    expect(w.emulator.stats.apiRequests).toEqual([])
    expect(w.emulator.stats.resourceRequests).toEqual([])
    expect(await readFile(join(w.dir, 'have.bin'), 'utf8')).toBe('not the remote bytes')
    // Without -o the name must come from DingTalk: one lookup, still no download.
    await writeFile(join(w.dir, 'file11.bin'), 'x')
    w.emulator.resetStats()
    const named = await w.run(['get', S, '11', '--skip-existing'])
    expect(named.code, named.stderr).toBe(0)
    expect(w.emulator.stats.apiRequests.filter((a) => !a.path.includes('oauth2')).map((a) => a.path)).toEqual([
      `/v1.0/storage/spaces/${S}/dentries/11/query`,
    ])
    expect(w.emulator.stats.resourceRequests).toEqual([])
    // A missing target is downloaded as usual.
    const fresh = await w.run(['get', S, '12', '-o', 'new.bin', '--skip-existing'])
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(await readFile(join(w.dir, 'new.bin'))).toEqual(await w.emulator.fileContent(S, '12'))
  })

  it('-i --skip-existing: lines naming existing files cost nothing; --dry-run makes no download-info call and writes nothing', async () => {
    await writeFile(join(w.dir, 'list.txt'), `${S} 11 out/a.bin\n${S} 12 out/b.bin\n`)
    const { mkdir } = await import('node:fs/promises')
    await mkdir(join(w.dir, 'out'))
    await writeFile(join(w.dir, 'out', 'a.bin'), 'local')
    await writeFile(join(w.dir, 'out', 'b.bin'), 'local too')
    w.emulator.resetStats()
    const all = await w.run(['get', '-i', 'list.txt', '--skip-existing', '--json'])
    expect(all.code, all.stderr).toBe(0)
    const json = JSON.parse(all.stdout) as BatchJson
    expect(json.files.map((f) => [f.status, f.existing])).toEqual([
      ['skipped', true],
      ['skipped', true],
    ])
    expect(w.emulator.stats.apiRequests).toEqual([])

    await writeFile(join(w.dir, 'list2.txt'), `${S} 11 out/a.bin\n${S} 13 out/c.bin\n${S} 13\n`)
    const before = await snapshot(w.dir)
    w.emulator.resetStats()
    const dry = await w.run([
      'get',
      '-i',
      'list2.txt',
      '-o',
      join(w.dir, 'nowhere'),
      '--create-dirs',
      '--dry-run',
      '--json',
    ])
    expect(dry.code, dry.stderr).toBe(0)
    const plan = JSON.parse(dry.stdout) as DryJson
    // As a real run with --create-dirs would: nowhere/ and nowhere/out/ made, every line downloaded.
    expect(plan.actions.map((a) => a.action)).toEqual(['download', 'download', 'download'])
    expect(plan.actions[0]?.path).toBe(join(w.dir, 'nowhere', 'out', 'a.bin'))
    expect(plan.actions[2]?.path).toBe(join(w.dir, 'nowhere', 'file13.bin'))
    expect(plan.exitCode).toBe(0)
    expect(w.emulator.stats.downloadInfoCalls).toBe(0)
    expect(w.emulator.stats.resourceRequests).toEqual([])
    expect(await snapshot(w.dir)).toEqual(before)
    // Without --create-dirs a real run stops at the missing -o directory: so does the dry run.
    const refused = await w.run(['get', '-i', 'list2.txt', '-o', join(w.dir, 'nowhere'), '--dry-run'])
    expect(refused.code, refused.stderr).toBe(7)
    expect(refused.stderr).toMatch(/nowhere does not exist \(hint: .*--create-dirs\)/)
    expect(await snapshot(w.dir)).toEqual(before)
    const dryHere = await w.run(['get', '-i', 'list2.txt', '--dry-run', '--json'])
    expect((JSON.parse(dryHere.stdout) as DryJson).actions.map((a) => [a.action, a.line])).toEqual([
      ['check', 1],
      ['download', 2],
      ['download', 3],
    ])
  })

  it('refuses flags that do not fit', async () => {
    for (const [args, message] of [
      [['get', S, '11', '--dry-run'], /apply to -r and -i only/],
      [['get', S, '11', '--delete'], /apply to -r and -i only/],
      [['get', S, '11', '-o', '-', '--skip-existing'], /needs a file target/],
      [['get', S, '11', '--skip-existing', '--force'], /contradict/],
      [['get', S, '1', '-r', '--skip-existing'], /--skip-existing applies to get and -i/],
      [['get', '-i', 'list.txt', '--delete'], /apply to -r only/],
    ] as const) {
      const r = await w.run([...args])
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toMatch(message)
    }
  })
})
