// The target claim: when a found claim still holds (pure table), and real claims on a temp directory racing each other.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STALE_MS, claimTarget, judgeClaim, type ClaimOwner } from '../../src/engine/target-claim.js'
import { lockPathFor } from '../../src/engine/resume-record.js'
import { DtdlError } from '../../src/errors.js'

describe('judgeClaim', () => {
  const here = { host: 'here', isAlive: (pid: number) => pid === 1 }
  const owner = (pid: number, host: string): ClaimOwner => ({ pid, host, token: 't', since: '' })
  it.each<[string, ClaimOwner | undefined, number, ReturnType<typeof judgeClaim>]>([
    ['this host, pid alive', owner(1, 'here'), 0, 'live'],
    ['this host, pid alive, heartbeat long stopped (suspended with Ctrl-Z)', owner(1, 'here'), 10 * STALE_MS, 'live'],
    ['this host, pid gone: at once', owner(2, 'here'), 0, 'gone'],
    ['another host, heartbeat moving', owner(2, 'there'), STALE_MS - 1, 'live'],
    ['another host, heartbeat still for STALE_MS', owner(1, 'there'), STALE_MS, 'stale'],
    ['torn or half-written file, fresh', undefined, 0, 'live'],
    ['torn file left standing', undefined, STALE_MS, 'stale'],
  ])('%s', (_, o, unchangedMs, verdict) => {
    expect(judgeClaim(o, unchangedMs, here)).toBe(verdict)
  })
})

describe('claimTarget', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dtdl-claim-'))
  })
  afterAll(async () => rm(dir, { recursive: true, force: true }))

  it('eight claimers racing over a dead claim: one holder at a time, all served, nothing left behind', async () => {
    const target = join(dir, 'race.bin')
    const child = spawn(process.execPath, ['-e', '0'])
    await new Promise((done) => child.on('exit', done))
    await writeFile(lockPathFor(target), JSON.stringify({ pid: child.pid, host: hostname(), token: 'dead', since: '' }))
    let holders = 0
    let most = 0
    let takeovers = 0
    const signal = new AbortController().signal
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const claim = await claimTarget(target, { waitMs: 30_000, signal, onTakeOver: () => takeovers++ })
        most = Math.max(most, ++holders)
        await new Promise((r) => setTimeout(r, 20))
        holders--
        await claim.release()
      }),
    )
    expect(most).toBe(1)
    expect(takeovers).toBe(1)
    expect(await readdir(dir)).toEqual([])
  })

  it('a wait ends as soon as the signal aborts, with its reason', async () => {
    const target = join(dir, 'held.bin')
    const held = await claimTarget(target, { waitMs: 0, signal: new AbortController().signal })
    const controller = new AbortController()
    let waited = false
    const second = claimTarget(target, { waitMs: 60_000, signal: controller.signal, onWait: () => (waited = true) })
    const outcome = second.then(
      () => 'claimed',
      (err: unknown) => err,
    )
    while (!waited) await new Promise((r) => setTimeout(r, 5))
    const reason = new DtdlError('INTERRUPTED', 130, 'interrupted')
    const t0 = Date.now()
    controller.abort(reason)
    expect(await outcome).toBe(reason)
    expect(Date.now() - t0).toBeLessThan(100)
    await held.release()
    expect(existsSync(lockPathFor(target))).toBe(false)
  })

  it('the heartbeat moves the mtime, and aborts `lost` once the claim is no longer ours', async () => {
    const target = join(dir, 'beat.bin')
    const claim = await claimTarget(target, { waitMs: 0, signal: new AbortController().signal, heartbeatMs: 20 })
    const first = (await stat(lockPathFor(target))).mtimeMs
    await utimes(lockPathFor(target), new Date(first - 60_000), new Date(first - 60_000))
    while ((await stat(lockPathFor(target))).mtimeMs < first) await new Promise((r) => setTimeout(r, 5))
    expect(claim.lost.aborted).toBe(false)
    // Taken over the way another dtdl does it: the old file removed, a new one created in its place.
    await rm(lockPathFor(target))
    await writeFile(lockPathFor(target), JSON.stringify({ pid: 1, host: 'elsewhere', token: 'theirs', since: '' }))
    while (!claim.lost.aborted) await new Promise((r) => setTimeout(r, 5))
    expect(claim.lost.reason).toMatchObject({ code: 'TARGET_CLAIM_LOST', exitCode: 7 })
    await claim.release()
    await rm(lockPathFor(target))
  })

  it('release leaves a claim alone that is no longer ours', async () => {
    const target = join(dir, 'replaced.bin')
    const claim = await claimTarget(target, { waitMs: 0, signal: new AbortController().signal })
    await rm(lockPathFor(target))
    await writeFile(lockPathFor(target), JSON.stringify({ pid: 1, host: 'elsewhere', token: 'theirs', since: '' }))
    await claim.release()
    expect(existsSync(lockPathFor(target))).toBe(true)
    await rm(lockPathFor(target))
  })
})
