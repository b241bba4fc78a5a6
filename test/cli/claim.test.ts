// One writer per target: two dtdl processes (or two lines of a batch) on one file, claims left by dead or far-away
// owners.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { lockPathFor, partialPathFor, recordPathFor } from '../../src/engine/resume-record.js'
import { DEMO, randomBytes, setupWorld, spawnCli, waitFor } from '../helpers.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId
const SIZE = 3 * 1024 * 1024
const FILES = [
  { spaceId: SPACE, dentryId: '501', name: 'slow.bin', content: randomBytes(SIZE, 501) },
  { spaceId: SPACE, dentryId: '502', name: 'other.bin', content: randomBytes(50_000, 502) },
]
const FOLDER_FILES = [
  { spaceId: SPACE, dentryId: '601', name: 'one.bin', parentId: '600', content: randomBytes(40_000, 601) },
  { spaceId: SPACE, dentryId: '602', name: 'two.bin', parentId: '600', content: randomBytes(40_000, 602) },
]

/** A claim as another dtdl would have left it. */
const writeClaim = (target: string, owner: { pid: number; host?: string }) =>
  writeFile(
    lockPathFor(target),
    JSON.stringify({
      pid: owner.pid,
      host: owner.host ?? hostname(),
      token: `test-${owner.pid}`,
      since: new Date().toISOString(),
    }),
  )

/** The pid of a process that has just exited: nobody owns it now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'])
  await new Promise((done) => child.on('exit', done))
  return child.pid!
}

describe('one writer per target', () => {
  let w: World
  beforeAll(async () => {
    w = await setupWorld({
      files: [...FILES, ...FOLDER_FILES],
      folders: [{ spaceId: SPACE, dentryId: '600', name: 'pack' }],
    })
  })
  afterAll(async () => w.close())
  beforeEach(async () => {
    w.emulator.setFaults({})
    w.emulator.resetStats()
    for (const name of await readdir(w.dir))
      if (name !== 'config') await rm(join(w.dir, name), { recursive: true, force: true })
  })

  it('two concurrent gets of one target: both exit 0, the second waits and finds it up to date, the file is served once', async () => {
    // About 2 s on one connection: long enough for the second run to start while the first holds the claim.
    w.emulator.setFaults({ bytesPerSecondPerConnection: 1_500_000 })
    const target = join(w.dir, 'out.bin')
    const args = ['get', SPACE, '501', '-o', 'out.bin', '--no-progress']
    const first = spawnCli(args, { env: w.env(), cwd: w.dir })
    await waitFor(
      () => existsSync(lockPathFor(target)) && w.emulator.stats.bytesServed > 1,
      'the first run to claim the target and start',
    )
    const second = spawnCli(args, { env: w.env(), cwd: w.dir })
    let secondErr = ''
    second.stderr!.on('data', (d: string) => (secondErr += d))
    await waitFor(() => secondErr.includes('waiting for another dtdl'), 'the second run to say it waits')
    const [a, b] = await Promise.all([first.result, second.result])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    expect(b.stderr).toContain(`waiting for another dtdl (pid ${first.pid}) downloading ${target}`)
    expect(b.stderr.match(/waiting for/g)).toHaveLength(1)
    expect(b.stderr).toMatch(/up to date/)
    expect((await readFile(target)).equals(FILES[0]!.content)).toBe(true)
    expect(w.emulator.stats.bytesServed).toBeLessThanOrEqual(1.1 * SIZE)
    expect((await readdir(w.dir)).filter((n) => n !== 'config')).toEqual(['out.bin'])
  })

  it('takes over a claim whose process is gone at once, and resumes what it left', async () => {
    const target = join(w.dir, 'slow.bin')
    const pid = await deadPid()
    await writeClaim(target, { pid })
    const started = Date.now()
    const r = await w.run(['get', SPACE, '501', '-o', 'slow.bin', '--lock-wait', '600'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(
      new RegExp(`taking over .*slow\\.bin from another dtdl \\(pid ${pid}\\), which is no longer running`),
    )
    expect(r.stderr).not.toMatch(/waiting for/)
    expect(Date.now() - started).toBeLessThan(15_000)
    expect((await readFile(target)).equals(FILES[0]!.content)).toBe(true)
    expect(existsSync(lockPathFor(target))).toBe(false)
  })

  it('with a live holder, --lock-wait 0 exits 7 TARGET_BUSY at once and touches nothing', async () => {
    const target = join(w.dir, 'slow.bin')
    // This test's own process: alive, on this host, and not a dtdl that will ever let go.
    await writeClaim(target, { pid: process.pid })
    const before = await readFile(lockPathFor(target), 'utf8')
    const r = await w.run(['get', SPACE, '501', '-o', 'slow.bin', '--lock-wait', '0', '--json'])
    expect(r.code, r.stderr).toBe(7)
    const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string; hint: string } }
    expect(out.error.code).toBe('TARGET_BUSY')
    expect(out.error.message).toBe(`another dtdl (pid ${process.pid}) is still downloading ${target}`)
    expect(out.error.hint).toContain(lockPathFor(target))
    expect(r.stderr).not.toMatch(/waiting for/)
    expect(await readFile(lockPathFor(target), 'utf8')).toBe(before)
    for (const p of [target, partialPathFor(target), recordPathFor(target)]) expect(existsSync(p), p).toBe(false)
    // No API call was spent on a run that could not write.
    expect(w.emulator.stats.downloadInfoCalls).toBe(0)
  })

  it('with a live holder, a short --lock-wait says it waits once, then exits 7', async () => {
    const target = join(w.dir, 'slow.bin')
    await writeClaim(target, { pid: process.pid })
    const r = await w.run(['get', SPACE, '501', '-o', 'slow.bin', '--lock-wait', '1'])
    expect(r.code, r.stderr).toBe(7)
    expect(r.stderr.match(/waiting for another dtdl/g)).toHaveLength(1)
    expect(r.stderr).toContain(
      `dtdl: another dtdl (pid ${process.pid}) is still downloading ${target} after waiting 1s`,
    )
    expect(existsSync(target)).toBe(false)
  })

  it('honours a fresh claim from another host (a shared file system) even though its pid means nothing here', async () => {
    const target = join(w.dir, 'slow.bin')
    await writeClaim(target, { pid: await deadPid(), host: 'build-agent-7' })
    const r = await w.run(['get', SPACE, '501', '-o', 'slow.bin', '--lock-wait', '1'])
    expect(r.code, r.stderr).toBe(7)
    expect(r.stderr).toMatch(/waiting for another dtdl \(pid \d+ on build-agent-7\)/)
    expect(r.stderr).toMatch(/TARGET_BUSY|still downloading/)
  })

  it('Ctrl-C releases the claim and keeps the partial download; the next run resumes without a takeover', async () => {
    w.emulator.setFaults({ bytesPerSecondPerConnection: 1_000_000 })
    const target = join(w.dir, 'slow.bin')
    const child = spawnCli(['get', SPACE, '501', '-o', 'slow.bin'], { env: w.env(), cwd: w.dir })
    await waitFor(
      () => existsSync(recordPathFor(target)) && w.emulator.stats.bytesServed > 300_000,
      'the first checkpoint',
    )
    child.kill('SIGINT')
    expect((await child.result).code).toBe(130)
    expect(existsSync(lockPathFor(target))).toBe(false)
    expect(existsSync(partialPathFor(target))).toBe(true)
    w.emulator.setFaults({})
    const r = await w.run(['get', SPACE, '501', '-o', 'slow.bin'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/resuming with/)
    expect(r.stderr).not.toMatch(/taking over/)
    expect((await readFile(target)).equals(FILES[0]!.content)).toBe(true)
  })

  it('-i: two lines with one target: the first downloads, the later one is reported, the others run', async () => {
    await writeFile(
      join(w.dir, 'list.txt'),
      `${SPACE} 502 same.bin\n${SPACE} 501 other-name.bin\n${SPACE} 501 same.bin\n`,
    )
    const r = await w.run(['get', '-i', 'list.txt', '--json'])
    const out = JSON.parse(r.stdout) as {
      exitCode: number
      files: { line: number; status: string; error?: { code: string; message: string } }[]
    }
    const byLine = Object.fromEntries(out.files.map((f) => [f.line, f]))
    expect(byLine[1]).toMatchObject({ status: 'downloaded' })
    expect(byLine[2]).toMatchObject({ status: 'downloaded' })
    expect(byLine[3]).toMatchObject({ status: 'failed', error: { code: 'DUPLICATE_TARGET' } })
    expect(byLine[3]!.error!.message).toMatch(/^line 3: same target as line 1 /)
    expect(r.stderr).toMatch(/line 3: same target as line 1/)
    expect(r.code).toBe(2)
    expect((await readFile(join(w.dir, 'same.bin'))).equals(FILES[1]!.content)).toBe(true)
    expect((await readFile(join(w.dir, 'other-name.bin'))).equals(FILES[0]!.content)).toBe(true)
  })

  it('-r: a file of the mirror another dtdl holds fails with TARGET_BUSY, the rest of the folder downloads', async () => {
    await mkdir(join(w.dir, 'mirror'))
    const held = join(w.dir, 'mirror', 'one.bin')
    await writeClaim(held, { pid: process.pid })
    const r = await w.run(['get', SPACE, '600', '-r', '-o', 'mirror', '--lock-wait', '0', '--json'])
    expect(r.code, r.stderr).toBe(7)
    const out = JSON.parse(r.stdout) as { files: { path: string; status: string; error?: { code: string } }[] }
    expect(out.files.find((f) => f.path === 'one.bin')).toMatchObject({
      status: 'failed',
      error: { code: 'TARGET_BUSY' },
    })
    expect(out.files.find((f) => f.path === 'two.bin')).toMatchObject({ status: 'downloaded' })
    expect(existsSync(held)).toBe(false)
    expect(existsSync(lockPathFor(join(w.dir, 'mirror', 'two.bin')))).toBe(false)
  })
})
