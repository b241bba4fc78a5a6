// The claim files of one process: claims in one directory share one file (hard links), each still its own claim.
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimTarget, type TargetClaim } from '../../src/engine/target-claim.js'
import { lockPathFor } from '../../src/engine/resume-record.js'

describe('claim files shared per directory', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dtdl-claimfile-'))
  })
  afterAll(async () => rm(dir, { recursive: true, force: true }))

  const claim = (target: string, heartbeatMs?: number) =>
    claimTarget(target, { waitMs: 0, signal: new AbortController().signal, heartbeatMs })
  const inodeOf = async (target: string) => (await stat(lockPathFor(target))).ino

  it('sixteen claims taken at once in one folder are links to one file naming this process; another folder gets its own', async () => {
    const a = join(dir, 'a')
    const b = join(dir, 'b')
    await mkdir(a)
    await mkdir(b)
    const targets = Array.from({ length: 16 }, (_, i) => join(a, `f${i}.bin`))
    const claims = await Promise.all(targets.map((t) => claim(t)))
    const other = await claim(join(b, 'g.bin'))
    const inodes = new Set(await Promise.all(targets.map(inodeOf)))
    expect(inodes.size).toBe(1)
    expect((await stat(lockPathFor(targets[0]!))).nlink).toBe(16)
    expect(await inodeOf(join(b, 'g.bin'))).not.toBe([...inodes][0])
    for (const t of targets)
      expect(JSON.parse(await readFile(lockPathFor(t), 'utf8'))).toMatchObject({ pid: process.pid })
    await Promise.all([...claims, other].map((c) => c.release()))
    expect(await readdir(a)).toEqual([])
    expect(await readdir(b)).toEqual([])
  })

  it('claims keep coming while earlier ones are released: every one is held, nothing is left behind', async () => {
    const d = join(dir, 'churn')
    await mkdir(d)
    const held = new Set<string>()
    let most = 0
    // Eight workers, fifty claims each, releasing and claiming in every order the event loop allows.
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 50; i++) {
          const target = join(d, `w${w}-${i}.bin`)
          const c = await claim(target)
          held.add(target)
          most = Math.max(most, held.size)
          expect(JSON.parse(await readFile(lockPathFor(target), 'utf8')).pid).toBe(process.pid)
          held.delete(target)
          await c.release()
        }
      }),
    )
    expect(most).toBeGreaterThan(1)
    expect(await readdir(d)).toEqual([])
  })

  it('one heartbeat moves every claim; a claim someone removed is lost on its own, the others hold', async () => {
    const d = join(dir, 'beat')
    await mkdir(d)
    const targets = ['x.bin', 'y.bin', 'z.bin'].map((n) => join(d, n))
    const claims: TargetClaim[] = []
    for (const t of targets) claims.push(await claim(t, 20))
    const old = new Date(Date.now() - 60_000)
    await utimes(lockPathFor(targets[0]!), old, old)
    // Touching the shared file shows on every path.
    for (const t of targets)
      while ((await stat(lockPathFor(t))).mtimeMs <= old.getTime() + 1000) await new Promise((r) => setTimeout(r, 5))
    await rm(lockPathFor(targets[1]!))
    await writeFile(lockPathFor(targets[1]!), JSON.stringify({ pid: 1, host: 'elsewhere', token: 'theirs', since: '' }))
    while (!claims[1]!.lost.aborted) await new Promise((r) => setTimeout(r, 5))
    expect(claims[1]!.lost.reason).toMatchObject({ code: 'TARGET_CLAIM_LOST' })
    expect(claims[0]!.lost.aborted).toBe(false)
    expect(claims[2]!.lost.aborted).toBe(false)
    await Promise.all(claims.map((c) => c.release()))
    // The lost one belongs to someone else now: left standing.
    expect(await readdir(d)).toEqual(['y.bin.dtdl-lock'])
  })

  it('a second claim of a held target in the same process waits, then links once the first is released', async () => {
    const d = join(dir, 'twice')
    await mkdir(d)
    const target = join(d, 't.bin')
    const first = await claim(target)
    let waited = false
    const second = claimTarget(target, {
      waitMs: 10_000,
      signal: new AbortController().signal,
      onWait: () => (waited = true),
    })
    while (!waited) await new Promise((r) => setTimeout(r, 5))
    await first.release()
    const got = await second
    expect(JSON.parse(await readFile(lockPathFor(target), 'utf8')).pid).toBe(process.pid)
    await got.release()
    expect(await readdir(d)).toEqual([])
  })
})
