// Folders and batches end to end: `get -r`, `get -i`, `ls`, against the emulator with small list pages and hostile
// names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { readFile, readdir, realpath, writeFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { DEMO, randomBytes, setupWorld, spawnCli, waitFor } from '../helpers.js'
import type { EmulatorFileSpec, EmulatorFolderSpec } from '../../src/emulator/index.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId

const folder = (dentryId: string, name: string, parentId = '0'): EmulatorFolderSpec => ({
  spaceId: SPACE,
  dentryId,
  name,
  parentId,
})
const file = (dentryId: string, name: string, parentId: string, size: number): EmulatorFileSpec => ({
  spaceId: SPACE,
  dentryId,
  name,
  parentId,
  content: randomBytes(size, Number(dentryId)),
})

// project/ has 6 entries and project/docs/ 7: both more than the 3-entry pages the emulator serves.
const FOLDERS = [
  folder('100', 'project'),
  folder('110', 'docs', '100'),
  folder('120', 'deep', '110'),
  folder('130', 'empty', '100'),
  folder('140', 'tmp', '100'),
]
const FILES = [
  file('101', 'a.txt', '100', 1000),
  file('102', 'b.bin', '100', 200_000),
  file('103', 'notes.md', '100', 10),
  ...['1', '2', '3', '4', '5'].map((n) => file(`11${n}`, `d${n}.txt`, '110', 100 * Number(n))),
  file('116', 'big.pdf', '110', 1_500_000),
  file('121', 'z.bin', '120', 300_000),
  file('122', 'trace.log', '120', 50),
  file('141', 'x.txt', '140', 20),
]
/** Where each file of project/ must land, relative to the mirror's directory. */
const PROJECT: Record<string, string> = {
  '101': 'a.txt',
  '102': 'b.bin',
  '103': 'notes.md',
  '111': 'docs/d1.txt',
  '112': 'docs/d2.txt',
  '113': 'docs/d3.txt',
  '114': 'docs/d4.txt',
  '115': 'docs/d5.txt',
  '116': 'docs/big.pdf',
  '121': 'docs/deep/z.bin',
  '122': 'docs/deep/trace.log',
  '141': 'tmp/x.txt',
}

// Names a hostile or careless server could send, stored verbatim by the emulator.
const HOSTILE_FOLDERS = [folder('200', 'evil'), folder('209', '..', '200')]
const HOSTILE_FILES = [
  file('201', '../x', '200', 11),
  file('202', '/etc/x', '200', 12),
  file('203', 'a\u0001b', '200', 13),
  file('204', 'CON', '200', 14),
  file('205', 'Report.txt', '200', 15),
  file('206', 'report.txt', '200', 16),
  file('207', 'a/b', '200', 17),
  file('210', '../../y', '209', 18),
]
const EVIL: Record<string, string> = {
  '201': '.._x',
  '202': '_etc_x',
  '203': 'ab',
  '204': '_CON',
  '205': 'Report.txt',
  '206': 'report (2).txt', // collides with Report.txt ignoring case; the higher dentryId counts
  '207': 'a_b',
  '210': '209/.._.._y', // a folder named ".." keeps nothing of its name: its id stands in
}

/**
 * Every file and folder under `dir`, as POSIX paths relative to it; the mirror's own sync state (.dtdl-sync-*) is
 * skipped, as scripts comparing a mirror would.
 */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => !(e.name.startsWith('.dtdl-sync-') && e.parentPath === dir))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort()
}

interface BatchJson {
  ok: boolean
  exitCode: number
  dir?: string
  files: {
    path: string | null
    dentryId: string
    status: string
    bytes: number
    line?: number
    error?: { code: string; message: string; exitCode: number }
  }[]
  summary: { downloaded: number; skipped: number; failed: number; bytes: number }
}

async function expectMirror(w: World, dir: string, layout: Record<string, string>) {
  for (const [id, rel] of Object.entries(layout)) {
    expect((await readFile(join(dir, rel))).equals(await w.emulator.fileContent(SPACE, id)), rel).toBe(true)
  }
}

describe('dtdl get -r', () => {
  let w: World
  beforeAll(async () => {
    w = await setupWorld({
      files: [...FILES, ...HOSTILE_FILES],
      folders: [...FOLDERS, ...HOSTILE_FOLDERS],
      faults: { listPageSize: 3 },
    })
  })
  afterAll(async () => w.close())

  it('mirrors a nested folder larger than a page byte for byte, empty folders included; a second run downloads nothing', async () => {
    const r = await w.run(['get', SPACE, '100', '-r', '-o', 'mirror', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as BatchJson
    expect(out.dir).toBe(join(await realpath(w.dir), 'mirror'))
    expect(out.files.map((f) => f.path).sort()).toEqual(Object.values(PROJECT).sort())
    expect(out.summary).toMatchObject({ downloaded: 12, skipped: 0, failed: 0 })
    await expectMirror(w, join(w.dir, 'mirror'), PROJECT)
    expect(await walk(join(w.dir, 'mirror'))).toEqual(
      [...Object.values(PROJECT), 'docs', 'docs/deep', 'empty', 'tmp'].sort(),
    )
    // The listing really was paged: more list calls than folders.
    expect(
      w.emulator.stats.apiRequests.filter((a) => a.method === 'GET' && a.path.endsWith('/dentries')).length,
    ).toBeGreaterThan(5)

    w.emulator.resetStats()
    const again = await w.run(['get', SPACE, '100', '-r', '-o', 'mirror', '--json'])
    expect(again.code, again.stderr).toBe(0)
    const second = JSON.parse(again.stdout) as BatchJson
    expect(second.summary).toMatchObject({ downloaded: 0, skipped: 12, failed: 0, bytes: 0 })
    expect(second.files.every((f) => f.status === 'skipped')).toBe(true)
    // Only the 1-byte size probes: nothing was downloaded again.
    expect(w.emulator.stats.bytesServed).toBeLessThanOrEqual(12)
    expect(again.stderr).toMatch(/0 downloaded, 12 unchanged \(no call\), 0 failed/)
  })

  it('mirrors into ./<folder name> without -o, and a file id with -r lands in the directory', async () => {
    const r = await w.run(['get', SPACE, '110', '-r', '-j', '2'])
    expect(r.code, r.stderr).toBe(0)
    expect(
      (await readFile(join(w.dir, 'docs', 'deep', 'z.bin'))).equals(await w.emulator.fileContent(SPACE, '121')),
    ).toBe(true)
    const one = await w.run(['get', SPACE, '116', '-r', '-o', 'single'])
    expect(one.code, one.stderr).toBe(0)
    expect(await walk(join(w.dir, 'single'))).toEqual(['big.pdf'])
  })

  it('keeps hostile names inside the output directory, cleaned and collision-free', async () => {
    const r = await w.run(['get', SPACE, '200', '-r', '-o', 'safe/out', '--create-dirs', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const root = join(w.dir, 'safe', 'out')
    expect(await walk(root)).toEqual([...Object.values(EVIL), '209'].sort())
    await expectMirror(w, root, EVIL)
    // Nothing beside the output directory: "../x" would have landed in safe/, "../../y" in safe/ or here.
    expect(await readdir(join(w.dir, 'safe'))).toEqual(['out'])
    for (const name of ['x', 'y', 'etc']) expect(existsSync(join(w.dir, name))).toBe(false)
    const out = JSON.parse(r.stdout) as BatchJson
    expect(out.files.map((f) => f.path).sort()).toEqual(Object.values(EVIL).sort())
  })

  it.each<[string, string[], string[]]>([
    [
      '--include by extension, any depth',
      ['--include', '*.txt'],
      ['a.txt', 'docs/d1.txt', 'docs/d2.txt', 'docs/d3.txt', 'docs/d4.txt', 'docs/d5.txt', 'tmp/x.txt'],
    ],
    ['--exclude a folder by name', ['--exclude', 'tmp', '--exclude', 'docs'], ['a.txt', 'b.bin', 'notes.md']],
    ['--include a subtree with **', ['--include', 'docs/**/*.bin'], ['docs/deep/z.bin']],
    ['--include anchored at the top', ['--include', '/*.txt'], ['a.txt']],
    [
      'include and exclude together',
      ['--include', 'docs/**', '--exclude', 'd?.txt', '--exclude', '*.log'],
      ['docs/big.pdf', 'docs/deep/z.bin'],
    ],
  ])('%s', async (name, flags, expected) => {
    const dir = `filtered-${name.replace(/\W+/g, '-')}`
    const r = await w.run(['get', SPACE, '100', '-r', '-o', dir, '--json', ...flags])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as BatchJson
    expect(out.files.map((f) => f.path).sort()).toEqual(expected)
    // With a filter only the folders holding selected files are made.
    expect(
      (await walk(join(w.dir, dir))).filter((p) => !expected.some((e) => e === p || e.startsWith(`${p}/`))),
    ).toEqual([])
  })

  it('refuses flags that do not fit a batch, before any request', async () => {
    for (const args of [
      ['-o', '-'],
      ['--sha256', 'a'.repeat(64)],
      ['--version', '2'],
      ['--include', ''],
    ]) {
      const r = await w.run(['get', SPACE, '100', '-r', ...args])
      expect(r.code, args.join(' ')).toBe(2)
    }
    const noR = await w.run(['get', SPACE, '101', '--include', '*.txt'])
    expect(noR.code).toBe(2)
    expect(noR.stderr).toMatch(/-r/)
  })
})

describe('dtdl get -r: interrupted', () => {
  it('keeps partial files on Ctrl-C (exit 130) and the next run resumes them', async () => {
    const size = 6 * 1024 * 1024
    const w = await setupWorld({
      folders: [folder('300', 'big')],
      files: ['301', '302', '303'].map((id) => ({
        spaceId: SPACE,
        dentryId: id,
        name: `part${id}.bin`,
        parentId: '300',
        size,
      })),
      faults: { bytesPerSecondPerConnection: 2_000_000, listPageSize: 2 },
    })
    try {
      const child = spawnCli(['get', SPACE, '300', '-r', '-o', 'big', '-c', '2'], { env: w.env(), cwd: w.dir })
      await waitFor(() => w.emulator.stats.bytesServed > size, 'the downloads to be under way')
      child.kill('SIGINT')
      const stopped = await child.result
      expect(stopped.code, stopped.stderr).toBe(130)
      expect(stopped.stderr).toMatch(/interrupted/)
      const left = await readdir(join(w.dir, 'big'))
      expect(left.some((f) => f.endsWith('.dtdl-part.json'))).toBe(true)
      const before = w.emulator.stats.bytesServed

      const r = await w.run(['get', SPACE, '300', '-r', '-o', 'big', '-c', '2'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toMatch(
        /^\[\d\/3\] downloaded: part30\d\.bin \(6\.0 MiB, [\d.]+ [KM]iB of it from an earlier run\)$/m,
      )
      for (const id of ['301', '302', '303'])
        expect(
          (await readFile(join(w.dir, 'big', `part${id}.bin`))).equals(await w.emulator.fileContent(SPACE, id)),
        ).toBe(true)
      expect(await walk(join(w.dir, 'big'))).toEqual(['part301.bin', 'part302.bin', 'part303.bin'])
      // Most of what the first run fetched was not fetched again (bytes served after the last checkpoint,
      // or still in socket buffers at the signal, are fetched twice).
      expect(w.emulator.stats.bytesServed - before).toBeLessThan(3 * size - before / 2)
    } finally {
      await w.close()
    }
  })
})

describe('dtdl ls', () => {
  let w: World
  beforeAll(async () => {
    w = await setupWorld({
      files: [...FILES, ...HOSTILE_FILES],
      folders: [...FOLDERS, ...HOSTILE_FOLDERS],
      faults: { listPageSize: 3 },
    })
  })
  afterAll(async () => w.close())

  it('lists one level: type, size, modified time, id, path, aligned', async () => {
    const r = await w.run(['ls', SPACE, '100'])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines, r.stdout).toHaveLength(6)
    expect(lines).toContain('file    195 KiB  2024-05-01T08:00:00.000Z  102  b.bin')
    expect(lines).toContain('folder        -  2024-05-01T08:00:00.000Z  110  docs/')
    // The id column starts at the same place on every line.
    expect(new Set(lines.map((l) => l.indexOf('Z  1')))).toHaveProperty('size', 1)
  })

  it('lists the space root without a folder id, and the whole tree with -r', async () => {
    const root = await w.run(['ls', SPACE])
    expect(root.code, root.stderr).toBe(0)
    expect(
      root.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s+/).at(-1)),
    ).toEqual(['evil/', 'project/'])
    const tree = await w.run(['ls', SPACE, '100', '-r', '--json'])
    expect(tree.code, tree.stderr).toBe(0)
    const out = JSON.parse(tree.stdout) as {
      ok: boolean
      entries: { id: string; type: string; size: number | null; path: string; modifiedTime: string }[]
    }
    expect(out.ok).toBe(true)
    expect(
      out.entries
        .filter((e) => e.type === 'FILE')
        .map((e) => e.path)
        .sort(),
    ).toEqual(Object.values(PROJECT).sort())
    expect(
      out.entries
        .filter((e) => e.type === 'FOLDER')
        .map((e) => e.path)
        .sort(),
    ).toEqual(['docs', 'docs/deep', 'empty', 'tmp'])
    expect(out.entries.find((e) => e.id === '116')).toMatchObject({
      size: 1_500_000,
      modifiedTime: '2024-05-01T08:00:00.000Z',
      path: 'docs/big.pdf',
    })
    expect(out.entries.find((e) => e.id === '110')!.size).toBeNull()
  })

  it('shows control characters in names as escapes, and verbatim in --json', async () => {
    const r = await w.run(['ls', SPACE, '200'])
    expect(r.stdout).toContain('a\\x01b')
    expect(r.stdout).not.toContain('\u0001')
    const j = JSON.parse((await w.run(['ls', SPACE, '200', '--json'])).stdout) as { entries: { name: string }[] }
    expect(j.entries.map((e) => e.name)).toContain('a\u0001b')
  })
})

describe('dtdl get -i', () => {
  let w: World
  beforeAll(async () => {
    w = await setupWorld({ files: FILES, folders: FOLDERS })
  })
  afterAll(async () => w.close())

  it('reports a bad line by number, fetches the other lines, and exits with the failure code', async () => {
    await writeFile(
      join(w.dir, 'list.txt'),
      `# wanted\n${SPACE} 101\nnot-a-line\n${SPACE} 102 renamed bin.dat\n\n${SPACE} 116\n`,
    )
    const r = await w.run(['get', '-i', 'list.txt'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/line 3: .*one field "not-a-line"/)
    expect(r.stderr).toMatch(/2 downloaded|3 downloaded/)
    for (const [id, name] of [
      ['101', 'a.txt'],
      ['102', 'renamed bin.dat'],
      ['116', 'big.pdf'],
    ] as const) {
      expect((await readFile(join(w.dir, name))).equals(await w.emulator.fileContent(SPACE, id)), name).toBe(true)
    }
  })

  it('reads stdin with -i -, puts outputs under -o, and gives each line in --json', async () => {
    const stdin = `${SPACE} 121\n${SPACE} 999\n${SPACE} 111 sub/../renamed.txt\n${SPACE} 110\n${SPACE} 121 again.bin\n${SPACE} 121\n`
    const child = spawnCli(['get', '-i', '-', '-o', 'inbox', '--create-dirs', '--json'], {
      env: w.env(),
      cwd: w.dir,
      stdin,
    })
    const res = await child.result
    const out = JSON.parse(res.stdout) as BatchJson
    const byLine = Object.fromEntries(out.files.map((f) => [f.line, f]))
    expect(byLine[1]).toMatchObject({ status: 'downloaded', path: join(await realpath(w.dir), 'inbox', 'z.bin') })
    expect(byLine[2]!.error).toMatchObject({ code: 'dentryNotExist', exitCode: 4 })
    expect(byLine[3]).toMatchObject({ status: 'downloaded', path: join(await realpath(w.dir), 'inbox', 'renamed.txt') })
    expect(byLine[4]!.error).toMatchObject({ code: 'IS_FOLDER', exitCode: 2 })
    expect(byLine[5]).toMatchObject({ status: 'downloaded' })
    expect(byLine[6]!.error).toMatchObject({ code: 'DUPLICATE_TARGET', exitCode: 2 })
    expect(byLine[6]!.error!.message).toMatch(/line 6: .*line 1/)
    // Severity, not number: not found (4) outranks usage (2).
    expect(out.exitCode).toBe(4)
    expect(res.code).toBe(4)
    expect(out.summary).toMatchObject({ downloaded: 3, failed: 3 })
    expect((await readFile(join(w.dir, 'inbox', 'again.bin'))).equals(await w.emulator.fileContent(SPACE, '121'))).toBe(
      true,
    )
  })

  it('-o <dir>: a relative output lands inside it; ".." and an absolute output are followed out of it, as docs/usage.md says', async () => {
    const root = await realpath(w.dir)
    const absolute = join(root, 'elsewhere', 'abs.bin')
    await writeFile(
      join(w.dir, 'outs.txt'),
      `${SPACE} 101 in/a.txt\n${SPACE} 102 ../beside.bin\n${SPACE} 121 ${absolute}\n${SPACE} 111\n${SPACE} 103 in/../up.md\n`,
    )
    const r = await w.run(['get', '-i', 'outs.txt', '-o', 'base', '--create-dirs', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as BatchJson
    expect(Object.fromEntries(out.files.map((f) => [f.line, f.path]))).toEqual({
      1: join(root, 'base', 'in', 'a.txt'),
      2: join(root, 'beside.bin'),
      3: absolute,
      4: join(root, 'base', 'd1.txt'),
      5: join(root, 'base', 'up.md'),
    })
    for (const [id, path] of [
      ['102', join(root, 'beside.bin')],
      ['121', absolute],
    ] as const)
      expect((await readFile(path)).equals(await w.emulator.fileContent(SPACE, id))).toBe(true)
  })

  it('an unreadable input file is a usage error', async () => {
    const r = await w.run(['get', '-i', 'missing.txt'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/cannot read the input file missing\.txt/)
  })
})
