// Hostile, slow and huge answers, driven through the real CLI: no hang, no truncation, no runaway API bill, no
// escape sequence on the terminal, and one line with a documented exit code for every foreseeable garbage.
import { afterEach, describe, expect, it } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { EmulatorFaults, EmulatorFileSpec, EmulatorFolderSpec } from '../../src/emulator/index.js'
import { BIN, DEMO, randomBytes, runCli, runShell, setupWorld, spawnCli } from '../helpers.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const S = DEMO.spaceId
let w: World
afterEach(async () => {
  await w?.close()
})

/** The lines of stderr, and whether any raw terminal control reached either stream. */
const lines = (text: string) => text.split('\n').filter((l) => l !== '')
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

const longName = (i: number) => `${'季度财务报告与审计意见'.repeat(20)}-${i}.pdf`
const calls = (api: string) => w.emulator.stats.apiRequests.filter((q) => q.path.includes(api)).length

describe('bodies: read whole up to a generous limit, never cut, refused beyond it', () => {
  it('a listing page and a versions page over 64 KiB both succeed', async () => {
    const versions = Array.from({ length: 99 }, (_, i) => ({ version: i + 1, content: randomBytes(i + 1, i) }))
    w = await setupWorld({
      folders: [{ spaceId: S, dentryId: 'f', name: '归档'.repeat(30) }],
      files: [
        ...Array.from({ length: 50 }, (_, i) => ({
          spaceId: S,
          dentryId: String(100 + i),
          name: longName(i),
          parentId: 'f',
          content: randomBytes(3, i),
        })),
        { spaceId: S, dentryId: 'v', name: longName(99), content: randomBytes(200), version: 100, versions },
      ],
    })
    const ls = await w.run(['ls', S, 'f', '--json'])
    expect(ls.code, ls.stderr).toBe(0)
    expect((JSON.parse(ls.stdout) as { entries: unknown[] }).entries).toHaveLength(50)
    const v = await w.run(['versions', S, 'v', '--json'])
    expect(v.code, v.stderr).toBe(0)
    expect((JSON.parse(v.stdout) as { versions: unknown[] }).versions).toHaveLength(100)
  })

  it('a 100 MB JSON body is refused with one line, exit 5, without holding it in memory', async () => {
    w = await setupWorld({ faults: { hugeBody: { api: 'list', bytes: 100_000_000 } } })
    const child = spawnCli(['ls', S], { env: w.env(), cwd: w.dir })
    // The child's peak RSS, as the kernel keeps it (VmHWM), sampled until it exits.
    let peakKiB = 0
    const sample = setInterval(() => {
      readFile(`/proc/${child.pid}/status`, 'utf8').then(
        (s) => (peakKiB = Math.max(peakKiB, Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0))),
        () => {},
      )
    }, 20)
    const r = await child.result
    clearInterval(sample)
    expect(r.code).toBe(5)
    expect(lines(r.stderr)).toHaveLength(1)
    expect(r.stderr).toMatch(/^dtdl: listing a folder failed: the answer is larger than 32 MiB, and was refused/)
    expect(peakKiB).toBeGreaterThan(0)
    expect(peakKiB / 1024).toBeLessThan(250)
  })
})

describe('every API call bounded in time', () => {
  it('an answer stalled after its headers is retried after --stall-timeout, and the run succeeds', async () => {
    w = await setupWorld({ faults: { apiStall: { mode: 'after-headers', times: 1, api: 'dentry' } } })
    const started = performance.now()
    const r = await w.run(['get', S, '10001', '-o', 'd.bin', '--stall-timeout', '1', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(calls('/query')).toBeGreaterThanOrEqual(2)
    expect(performance.now() - started).toBeLessThan(15_000)
  })

  it.each(['after-headers', 'no-headers'] as const)(
    'one that always stalls (%s) ends with exit 5 within (retries + 1) x stall-timeout and a few seconds',
    async (mode) => {
      w = await setupWorld({ faults: { apiStall: { mode, times: 'always', api: 'dentry' } } })
      const started = performance.now()
      // No -o: the file's name is looked up (the dentry call that stalls).
      const r = await w.run(['get', S, '10001', '--stall-timeout', '1', '--retries', '2'])
      const seconds = (performance.now() - started) / 1000
      expect(r.code).toBe(5)
      expect(lines(r.stderr).filter((l) => l.startsWith('dtdl:'))).toHaveLength(1)
      expect(seconds).toBeLessThan(3 * 1 + 5)
    },
  )

  it('endless empty pages stop within 50 calls, with a documented code', async () => {
    w = await setupWorld({ faults: { endlessPages: { api: 'list' } } })
    const r = await w.run(['ls', S, '--api-qps', '0', '--json'])
    expect(r.code).toBe(5)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'LIST_EMPTY_PAGES' } })
    expect(calls('/dentries')).toBeLessThanOrEqual(50)
  })
})

describe("--max-api-calls: a hard cap on one run's calls", () => {
  // 13 folders, 300 files: the listing alone costs 15 calls (token, folder lookup, 13 pages).
  const folders: EmulatorFolderSpec[] = [{ spaceId: S, dentryId: '1000', name: 'root' }]
  const files: EmulatorFileSpec[] = []
  for (let i = 0; i < 12; i++)
    files.push({ spaceId: S, dentryId: String(2000 + i), name: `r${i}.bin`, parentId: '1000', size: 1000 + i })
  for (let f = 0; f < 12; f++) {
    folders.push({ spaceId: S, dentryId: String(1100 + f), name: `f${f}`, parentId: '1000' })
    for (let i = 0; i < 24; i++)
      files.push({
        spaceId: S,
        dentryId: String(3000 + f * 100 + i),
        name: `a${i}.bin`,
        parentId: String(1100 + f),
        size: 500 + i,
      })
  }

  it('a 300-file mirror stops at 20 calls with exit 8, keeps what it finished, and later runs complete it identical', async () => {
    w = await setupWorld({ files, folders })
    const capped = await w.run(['get', S, '1000', '-r', '-o', 'm', '--max-api-calls', '20', '--api-qps', '0', '--json'])
    expect(capped.code, capped.stderr).toBe(8)
    expect(w.emulator.stats.apiRequests.length).toBeLessThanOrEqual(20)
    const out = JSON.parse(capped.stdout) as {
      ok: boolean
      exitCode: number
      error: { code: string }
      files: { status: string }[]
    }
    expect(out).toMatchObject({ ok: false, exitCode: 8, error: { code: 'MAX_API_CALLS' } })
    const finished = out.files.filter((f) => f.status === 'downloaded').length
    expect(finished).toBeGreaterThan(0)
    expect(capped.stderr).toMatch(/--max-api-calls 20 reached/)
    // The environment sets the same cap; each capped run goes further, spending nothing on what is done.
    for (let run = 0; run < 80; run++) {
      w.emulator.resetStats()
      const r = await w.run(['get', S, '1000', '-r', '-o', 'm', '--api-qps', '0', '--json'], {
        DTDL_MAX_API_CALLS: '20',
      })
      expect(w.emulator.stats.apiRequests.length).toBeLessThanOrEqual(20)
      if (r.code === 0) break
      expect(r.code, r.stderr).toBe(8)
    }
    for (const f of files) {
      const path = f.parentId === '1000' ? f.name : `f${Number(f.parentId) - 1100}/${f.name}`
      expect((await readFile(join(w.dir, 'm', path))).equals(await w.emulator.fileContent(S, f.dentryId)), path).toBe(
        true,
      )
    }
  })
})

describe('progress means progress', () => {
  it('responses that send 10 bytes and then go silent end the run within a minute', async () => {
    w = await setupWorld({
      files: [{ spaceId: S, dentryId: '60', name: 't.bin', size: 1_000_000 }],
      faults: { silentAfterBytes: { afterBytes: 10, times: 'always' } },
    })
    const started = performance.now()
    const r = await w.run(['get', S, '60', '-o', 't.bin', '--stall-timeout', '2', '--retries', '2'])
    expect(r.code).toBe(5)
    expect((performance.now() - started) / 1000).toBeLessThan(60)
  })

  it('--speed-limit 100K --speed-time 3 against 2 KB/s ends with exit 28, what arrived kept', async () => {
    w = await setupWorld({
      files: [{ spaceId: S, dentryId: '61', name: 's.bin', size: 400_000 }],
      faults: { bytesPerSecondPerConnection: 2000 },
    })
    const r = await w.run([
      'get',
      S,
      '61',
      '-o',
      's.bin',
      '-c',
      '1',
      '--speed-limit',
      '100K',
      '--speed-time',
      '3',
      '--json',
    ])
    expect(r.code).toBe(28)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, exitCode: 28, error: { code: 'TOO_SLOW' } })
    expect(lines(r.stderr).filter((l) => l.startsWith('dtdl:'))).toHaveLength(1)
  })
})

describe('foreseeable garbage: one line and a documented code, never exit 1', () => {
  it.each<[string, EmulatorFaults['garbage'], string[]]>([
    [
      "a captive portal's HTML page with status 200",
      { kind: 'html', api: 'list' },
      ['get', S, '20001', '-r', '-o', 'm'],
    ],
    ['a null body', { kind: 'null', api: 'dentry' }, ['get', S, '10001']],
    [
      'dentries that is not an array',
      { kind: 'dentries-not-array', api: 'list' },
      ['get', S, '20001', '-r', '-o', 'm'],
    ],
    ['a name that is a number', { kind: 'name-number', api: 'list' }, ['get', S, '20001', '-r', '-o', 'm']],
    ['a file: resource URL', { kind: 'url-file', api: 'downloadInfo' }, ['get', S, '10001', '-o', 'x.bin']],
    ['a data: resource URL', { kind: 'url-data', api: 'downloadInfo' }, ['get', S, '10001', '-o', 'x.bin']],
    ['an invalid resource URL', { kind: 'url-invalid', api: 'downloadInfo' }, ['get', S, '10001', '-o', 'x.bin']],
    [
      'a token with a newline',
      { kind: 'token-newline', api: 'token', times: 'always' },
      ['get', S, '10001', '-o', 'x.bin'],
    ],
  ])('%s', async (_, garbage, args) => {
    w = await setupWorld({ faults: { garbage: garbage! } })
    const r = await w.run([...args, '--retries', '1'])
    expect(r.code, r.stderr).toBe(5)
    expect(lines(r.stderr).filter((l) => l.startsWith('dtdl:'))).toHaveLength(1)
    expect(r.stderr).toMatch(/BAD_RESPONSE|failed: /)
    expect(r.stderr).not.toMatch(/unexpected error/)
    expect(w.emulator.stats.resourceRequests).toEqual([])
  })
})

describe('terminal safety', () => {
  const evil = `evil\u001b]0;pwned\u0007\u001b[2J\r\u202etxt.exe`
  it('escape sequences in names and server messages never reach stdout or stderr; --json stays exact', async () => {
    w = await setupWorld({
      folders: [{ spaceId: S, dentryId: 'f', name: `dir\u001b[31m` }],
      files: [{ spaceId: S, dentryId: 'e1', name: evil, parentId: 'f', content: randomBytes(2000) }],
    })
    for (const args of [
      ['ls', S, 'f'],
      ['ls', S, 'f', '-r'],
      ['info', S, 'e1'],
      ['versions', S, 'e1'],
      ['get', S, 'f', '-r', '-o', 'm', '-v'],
      ['get', S, 'f', '-r', '-o', 'm2', '--dry-run'],
    ]) {
      const r = await w.run(args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
      expect(RAW_CONTROL.test(r.stdout), `${args.join(' ')} stdout`).toBe(false)
      expect(RAW_CONTROL.test(r.stderr), `${args.join(' ')} stderr`).toBe(false)
    }
    const json = await w.run(['ls', S, 'f', '--json'])
    expect((JSON.parse(json.stdout) as { entries: { path: string }[] }).entries[0]!.path).toContain(evil)
    // Error codes and messages from the API and from OSS carry escapes too.
    w.emulator.setFaults({ escapes: true, apiError: { code: 'dentryNotExist', status: 404, times: 1 } })
    const failed = await w.run(['get', S, 'e1', '-o', 'x.bin'])
    expect(failed.code).toBe(4)
    expect(failed.stderr).toMatch(/\\x1b/)
    expect(RAW_CONTROL.test(failed.stderr)).toBe(false)
  })
})

describe('out of open files', () => {
  it('with ulimit -n 40 and -j 16 the run goes on with fewer files at a time, saying so once: every file lands', async () => {
    const files: EmulatorFileSpec[] = Array.from({ length: 24 }, (_, i) => ({
      spaceId: S,
      dentryId: String(700 + i),
      name: `f${i}.bin`,
      parentId: 'top',
      size: 500_000,
    }))
    w = await setupWorld({
      files,
      folders: [{ spaceId: S, dentryId: 'top', name: 'top' }],
      faults: { bytesPerSecondPerConnection: 2_000_000 },
    })
    const r = await runShell(
      `ulimit -n 40; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} get ${S} top -r -o m -j 16 -c 1 --api-qps 0`,
      { env: w.env(), cwd: w.dir },
    )
    expect(r.code, r.stderr).toBe(0)
    // The limit was met (on a file or a socket), and the gate's line, when it came to it, came once.
    expect(r.stderr).toMatch(/EMFILE/)
    expect(lines(r.stderr).filter((l) => /ran out of open files/.test(l)).length).toBeLessThanOrEqual(1)
    for (const f of files)
      expect((await readFile(join(w.dir, 'm', f.name))).equals(await w.emulator.fileContent(S, f.dentryId))).toBe(true)
  })
})

describe('inputs from outside', () => {
  it.each([false, true])('a binary -i file makes no API call and exits 2 (--dry-run: %s)', async (dryRun) => {
    w = await setupWorld()
    await writeFile(join(w.dir, 'bin.lst'), randomBytes(1_000_000, 7))
    const r = await w.run(['get', '-i', 'bin.lst', ...(dryRun ? ['--dry-run'] : [])])
    expect(r.code).toBe(2)
    expect(lines(r.stderr)).toHaveLength(1)
    expect(r.stderr).toMatch(/is not a list of files/)
    expect(w.emulator.stats.apiRequests).toEqual([])
  })

  it('a list whose first 20 lines are all invalid stops before any call, with one line', async () => {
    w = await setupWorld()
    await writeFile(join(w.dir, 'junk.lst'), Array.from({ length: 5000 }, (_, i) => `just-one-field-${i}`).join('\n'))
    const r = await w.run(['get', '-i', 'junk.lst'])
    expect(r.code).toBe(2)
    expect(lines(r.stderr)).toHaveLength(1)
    expect(r.stderr).toMatch(/first 20 lines are all invalid \(line 1: /)
    expect(w.emulator.stats.apiRequests).toEqual([])
  })

  it('config set token - reads the token from stdin and says what it saved, masked; on the command line it warns', async () => {
    w = await setupWorld()
    const piped = await runCli(['config', 'set', 'token', '-'], { env: w.env(), stdin: 'tok-from-stdin-123\n' })
    expect(piped.code, piped.stderr).toBe(0)
    expect(piped.stderr).toMatch(/^saved token: tok-\*\*\*\*/)
    expect(piped.stderr).not.toContain('tok-from-stdin-123')
    expect(JSON.parse(await readFile(join(w.dir, 'config', 'config.json'), 'utf8'))).toMatchObject({
      token: 'tok-from-stdin-123',
    })
    const argv = await w.run(['config', 'set', 'appSecret', 'on-the-command-line'])
    expect(argv.code).toBe(0)
    expect(lines(argv.stderr)).toHaveLength(1)
    expect(argv.stderr).toMatch(/warning: the appSecret was given on the command line/)
    const bad = await runCli(['config', 'set', 'token', '-'], { env: w.env(), stdin: 'two\nlines\n' })
    expect(bad.code).toBe(2)
  })
})
