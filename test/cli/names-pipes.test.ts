// Long server names, closed pipes, a busy port and abort listeners: the real CLI against the emulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BIN, DEMO, randomBytes, runShell, setupWorld, spawnCli, waitFor, type CliResult } from '../helpers.js'
import type { EmulatorFileSpec, EmulatorFolderSpec } from '../../src/emulator/index.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId

const file = (dentryId: string, name: string, size: number, parentId = '0'): EmulatorFileSpec => ({
  spaceId: SPACE,
  dentryId,
  name,
  parentId,
  content: randomBytes(size, Number(dentryId)),
})
const folder = (dentryId: string, name: string, parentId = '0'): EmulatorFolderSpec => ({
  spaceId: SPACE,
  dentryId,
  name,
  parentId,
})

// 250 bytes each: too long for "<name>.dtdl-part.json" under the 255-byte limit.
const ASCII_NAME = `${'a'.repeat(246)}.bin`
const CJK_NAME = `${'报'.repeat(82)}.bin`
// What they are saved as: cut to 240 bytes on a character boundary, the extension kept.
const ASCII_SAVED = `${'a'.repeat(236)}.bin`
const CJK_SAVED = `${'报'.repeat(78)}.bin`

const FILES = [
  file('501', ASCII_NAME, 300_000),
  file('502', CJK_NAME, 200_000),
  file('503', 'big.bin', 16 * 1024 * 1024),
  file('504', CJK_NAME, 3 * 1024 * 1024), // a long name being written when a run stops
  file('505', 'bigger.bin', 32 * 1024 * 1024), // big enough for the automatic 8 connections
  // long/ for -r: the two long names beside each other, and two that collide only after the cut.
  file('511', ASCII_NAME, 1000, '510'),
  file('512', CJK_NAME, 2000, '510'),
  file('513', `${'报'.repeat(90)}甲.txt`, 3000, '510'),
  file('514', `${'报'.repeat(90)}乙.txt`, 4000, '510'),
  // pipe/ for -r | head: one slow big file first, then small ones that each print lines.
  file('521', 'a-big.bin', 4 * 1024 * 1024, '520'),
  ...['1', '2', '3', '4', '5', '6'].map((n) => file(`52${Number(n) + 1}`, `b${n}.txt`, 1000, '520')),
  // many/ for a batch of 16 files at once under one rate cap.
  ...Array.from({ length: 16 }, (_, i) => file(`${600 + i}`, `f${i}.bin`, 100_000, '599')),
]
const FOLDERS = [folder('510', 'long'), folder('520', 'pipe'), folder('599', 'many')]

/** The files of a directory, dtdl's side files included (hidden ones too). */
const list = async (dir: string) => (await readdir(dir)).sort()

/** Runs a bash pipeline with the CLI as its first stage; stdout of the pipeline is PIPESTATUS[0]. */
function runPipeline(w: World, dtdlArgs: string, tail: string): Promise<CliResult> {
  return runShell(
    `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${dtdlArgs} ${tail}; echo "\${PIPESTATUS[0]}"`,
    { env: w.env(), cwd: w.dir },
  )
}

describe('long names, closed pipes, busy ports, abort listeners', () => {
  let w: World
  beforeAll(async () => {
    w = await setupWorld({ files: FILES, folders: FOLDERS })
  })
  afterAll(async () => {
    await w.close()
  })
  const content = (id: string) => w.emulator.fileContent(SPACE, id)

  it.each<[string, string, string]>([
    ['250 ASCII bytes', '501', ASCII_SAVED],
    ['82 CJK characters + .bin', '502', CJK_SAVED],
  ])('get: a name of %s is saved under a shortened name, exit 0, no side file left', async (_, id, saved) => {
    const dir = join(w.dir, `get-${id}`)
    await mkdir(dir)
    const r = await w.run(['get', SPACE, id], {}, dir)
    expect(r.code, r.stderr).toBe(0)
    expect(await list(dir)).toEqual([saved])
    expect((await readFile(join(dir, saved))).equals(await content(id))).toBe(true)
    // Into a directory given with -o, and again: up to date.
    const again = await w.run(['get', SPACE, id, '-o', `get-${id}/`, '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, upToDate: true, path: join(dir, saved) })
  })

  it('get -r: long names are shortened, and names that collide only after the cut are settled', async () => {
    const r = await w.run(['get', SPACE, '510', '-r', '-o', 'mirror', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const dir = join(w.dir, 'mirror')
    const expected: Record<string, string> = {
      '511': ASCII_SAVED,
      '512': CJK_SAVED,
      '513': `${'报'.repeat(78)}.txt`,
      '514': `${'报'.repeat(78)} (2).txt`,
    }
    // The mirror's own state aside.
    expect((await list(dir)).filter((f) => !f.startsWith('.dtdl-sync-'))).toEqual(Object.values(expected).sort())
    for (const [id, name] of Object.entries(expected))
      expect((await readFile(join(dir, name))).equals(await content(id)), name).toBe(true)
    expect(JSON.parse(r.stdout).summary).toMatchObject({ downloaded: 4, failed: 0 })
  })

  it('an interrupted download of a long name keeps short side files and resumes', async () => {
    const dir = join(w.dir, 'resume')
    await mkdir(dir)
    const child = spawnCli(['get', SPACE, '504', '--limit-rate', '1M', '-c', '2'], { env: w.env(), cwd: dir })
    // The record is written before the first byte; once a checkpoint has made it claim bytes, stop the run as
    // Ctrl-C would (stopped before any byte, a run leaves no side file at all).
    const claimsBytes = async () => {
      const record = (await list(dir)).find((f) => /^\.dtdl-[0-9a-f]{16}\.json$/.test(f))
      if (record === undefined) return false
      const text = await readFile(join(dir, record), 'utf8').catch(() => '')
      try {
        return ((JSON.parse(text) as { done?: unknown[] }).done?.length ?? 0) > 0
      } catch {
        return false // caught mid-write
      }
    }
    await waitFor(claimsBytes, 'a resume record that claims bytes')
    child.kill('SIGINT')
    const stopped = await child.result
    expect(stopped.code, stopped.stderr).toBe(130)
    const left = await list(dir)
    expect(left).toHaveLength(2)
    expect(left.every((f) => /^\.dtdl-[0-9a-f]{16}\.(part|json)$/.test(f) && Buffer.byteLength(f) < 30)).toBe(true)
    const resumed = await w.run(['get', SPACE, '504'], {}, dir)
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stderr).toMatch(/resuming with/)
    expect(await list(dir)).toEqual([CJK_SAVED])
    expect((await readFile(join(dir, CJK_SAVED))).equals(await content('504'))).toBe(true)
  })

  it('-o with a name over 255 bytes: one line, exit 7, before any download', async () => {
    const calls = w.emulator.stats.downloadInfoCalls
    for (const output of ['x'.repeat(256), `${'报'.repeat(86)}.bin`, `${'d'.repeat(300)}/out.bin`]) {
      const r = await w.run(['get', SPACE, '501', '-o', output])
      expect(r.code, r.stderr).toBe(7)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(
        /^dtdl: the name ".*" in -o is \d+ bytes; file systems hold at most 255 bytes per name \(hint: pass a shorter -o/,
      )
    }
    expect(w.emulator.stats.downloadInfoCalls).toBe(calls)
  })

  it('-i: a line whose output is over 255 bytes is reported; the other lines run', async () => {
    await writeFile(join(w.dir, 'list.txt'), `${SPACE} 501 ${'y'.repeat(300)}\n${SPACE} 502 short.bin\n`)
    const calls = w.emulator.stats.downloadInfoCalls
    const r = await w.run(['get', '-i', 'list.txt', '--json'])
    expect(r.code, r.stderr).toBe(7)
    expect(r.stderr).toMatch(/line 1: the name "y+…" in -o is 300 bytes/)
    expect(w.emulator.stats.downloadInfoCalls - calls).toBe(1) // line 2's only
    const out = JSON.parse(r.stdout) as { files: { line?: number; status: string; error?: { code: string } }[] }
    expect(out.files.map((f) => [f.line, f.status, f.error?.code])).toEqual([
      [1, 'failed', 'FS_ENAMETOOLONG'],
      [2, 'downloaded', undefined],
    ])
  })

  it('-o - | head -c 100: exit 141 (as if ended by SIGPIPE), nothing on stderr', async () => {
    const quiet = await runPipeline(w, `get ${SPACE} 503 -o - -q 2>stderr-q.txt`, '| head -c 100 >/dev/null')
    expect(quiet.stdout.trim()).toBe('141')
    expect(await readFile(join(w.dir, 'stderr-q.txt'), 'utf8')).toBe('')
    // Without -q only the start line: no error line, no EPIPE.
    const plain = await runPipeline(w, `get ${SPACE} 503 -o - 2>stderr.txt`, '| head -c 100 | wc -c')
    expect(plain.stdout.trim().split('\n')).toEqual(['100', '141'])
    const stderr = await readFile(join(w.dir, 'stderr.txt'), 'utf8')
    expect(stderr).not.toMatch(/dtdl:|EPIPE|error/i)
  })

  it('get -r 2>&1 | head -3: exit 141, not 1; the file being written keeps its partial file and record', async () => {
    const r = await runPipeline(
      w,
      `get ${SPACE} 520 -r -o piped -j 2 --limit-rate 1M --no-progress 2>&1`,
      '| head -3 >/dev/null',
    )
    expect(r.stdout.trim()).toBe('141')
    const dir = join(w.dir, 'piped')
    expect(existsSync(join(dir, 'a-big.bin'))).toBe(false)
    expect(existsSync(join(dir, 'a-big.bin.dtdl-part'))).toBe(true)
    expect(existsSync(join(dir, 'a-big.bin.dtdl-part.json'))).toBe(true)
    const again = await w.run(['get', SPACE, '520', '-r', '-o', 'piped'])
    expect(again.code, again.stderr).toBe(0)
    expect((await readFile(join(dir, 'a-big.bin'))).equals(await content('521'))).toBe(true)
  })

  it('dtdl emulator on a busy port: one line, exit 2, within a second', async () => {
    const started = performance.now()
    const r = await w.run(['emulator', '--port', String(w.emulator.port)])
    const elapsed = performance.now() - started
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toBe(
      `dtdl: port ${w.emulator.port} is in use (hint: choose another with --port, or --port 0 for a free one)\n`,
    )
    expect(r.stdout).toBe('')
    expect(elapsed).toBeLessThan(1000)
  })

  it.each<[string, string[]]>([
    [
      '--limit-rate 10M -c 16 on one file',
      ['get', SPACE, '503', '-o', 'limited.bin', '--limit-rate', '10M', '-c', '16'],
    ],
    [
      '--limit-rate 20M with the automatic 8 connections',
      ['get', SPACE, '505', '-o', 'auto.bin', '--limit-rate', '20M'],
    ],
    [
      '16 files at once under --limit-rate',
      ['get', SPACE, '599', '-r', '-o', 'many', '-j', '16', '--limit-rate', '1M'],
    ],
  ])('%s: no Node warning on stderr', async (_, args) => {
    const r = await w.run([...args, '-q'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toMatch(/Warning/)
    expect(r.stderr).toBe('')
  })
})
