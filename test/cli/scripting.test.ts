// Made for scripts and CI: exit codes for every bad input, --json, -o -, quiet and plain output, TTY bar,
// idempotent re-runs, local file-system failures, proxies, --limit-rate, `dtdl info`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import { existsSync } from 'node:fs'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BIN, DEMO, runShell, setupWorld, type CliResult } from '../helpers.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId
const SIZE = 3 * 1024 * 1024 + 5
const ESC = '\x1b'

describe('scripts and CI', () => {
  let w: World
  beforeEach(async () => {
    w = await setupWorld({
      files: [{ spaceId: SPACE, dentryId: '301', name: 'data.tar', size: SIZE }],
      folders: [{ spaceId: SPACE, dentryId: '302', name: 'dir' }],
    })
  })
  afterEach(async () => w.close())
  const expected = () => w.emulator.fileContent(SPACE, '301')
  const errorLines = (r: CliResult) =>
    r.stderr.split('\n').filter((l) => l.startsWith('dtdl:') || l.startsWith('error:'))

  it.each([
    ['unknown space', 4, ['get', 'no-such-space', '301', '-o', 'x'], {}],
    ['bad -c (0)', 2, ['get', SPACE, '301', '-c', '0'], {}],
    ['bad -c (17)', 2, ['get', SPACE, '301', '-c', '17'], {}],
    ['bad -c (abc)', 2, ['get', SPACE, '301', '-c', 'abc'], {}],
    ['bad --version (0)', 2, ['get', SPACE, '301', '--version', '0'], {}],
    ['bad --version (1.5)', 2, ['get', SPACE, '301', '--version', '1.5'], {}],
    ['bad --limit-rate', 2, ['get', SPACE, '301', '--limit-rate', 'fast'], {}],
    ['unknown flag', 2, ['get', SPACE, '301', '--bogus'], {}],
    ['missing argument', 2, ['get', SPACE], {}],
    ['unknown command', 2, ['fetch', SPACE, '301'], {}],
    ['unknown config key', 2, ['config', 'set', 'colour', 'blue'], {}],
    [
      'unreachable endpoint',
      5,
      ['get', SPACE, '301', '-o', 'x', '--retries', '0'],
      { DTDL_ENDPOINT: 'http://127.0.0.1:1' },
    ],
    ['missing output directory', 7, ['get', SPACE, '301', '-o', 'no/such/dir/x'], {}],
    ['--json with -o -', 2, ['get', SPACE, '301', '-o', '-', '--json'], {}],
  ] as const)('%s → exit %i, one short line, no stack', async (_name, code, args, env) => {
    const r = await w.run([...args], env)
    expect(r.code, r.stderr).toBe(code)
    expect(errorLines(r)).toHaveLength(1)
    expect(errorLines(r)[0]!.length).toBeLessThan(400)
    expect(r.stderr).not.toMatch(/\n\s+at .*\(/)
  })

  it('--version and -V print the package version alone (answered before the CLI loads), as commander does', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    for (const flag of ['--version', '-V']) {
      const r = await w.run([flag])
      expect(r).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' })
    }
    // With another argument the fast path stands aside and commander answers: the same line.
    expect(await w.run(['--version', 'extra'])).toMatchObject({ code: 0, stdout: `${version}\n` })
  })

  it('--json prints exactly one parsable object on success and on failure', async () => {
    const ok = await w.run(['get', SPACE, '301', '-o', 'a.tar', '--json'])
    expect(ok.code).toBe(0)
    const good = JSON.parse(ok.stdout) as Record<string, unknown>
    expect(good).toMatchObject({
      ok: true,
      bytes: SIZE,
      checked: ['size', 'crc64'],
      resumedBytes: 0,
      retries: 0,
      urlRefreshes: 0,
    })
    for (const key of ['path', 'version', 'crc64', 'durationMs', 'bytesPerSecond']) expect(good).toHaveProperty(key)
    const bad = await w.run(['get', SPACE, '999', '-o', 'b.tar', '--json'])
    expect(bad.code).toBe(4)
    expect(JSON.parse(bad.stdout)).toMatchObject({
      ok: false,
      exitCode: 4,
      error: { code: 'dentryNotExist', requestId: expect.any(String) },
    })
    expect(bad.stdout.trim().split('\n')).toHaveLength(1)
  })

  it('-o - streams byte-identical data into a pipe, resuming in place after a cut', async () => {
    w.emulator.setFaults({ cutEveryKth: { k: 1, afterBytes: 1_000_000 } })
    const child = spawn(process.execPath, [BIN, 'get', SPACE, '301', '-o', '-'], {
      env: w.env(),
      cwd: w.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const chunks: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => chunks.push(c))
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const code = await new Promise<number | null>((done) => child.on('close', done))
    expect(code, stderr).toBe(0)
    expect(Buffer.concat(chunks).equals(await expected())).toBe(true)
    expect(stderr).toMatch(/retrying/)
    // Each retry asks for the rest from where the pipe stands, never from byte 0 again.
    const starts = w.emulator.stats.resourceRequests
      .slice(1)
      .map((q) => Number(/bytes=(\d+)-/.exec(q.range ?? '')?.[1]))
    expect(starts.length).toBeGreaterThan(1)
    expect(starts.slice(1).every((start, i) => start > starts[i]!)).toBe(true)
  })

  it('a non-TTY run of several seconds prints a few plain lines and no escape codes', async () => {
    w.emulator.setFaults({ bytesPerSecondPerConnection: 500_000 })
    const r = await w.run(['get', SPACE, '301', '-o', 'slow.tar', '-c', '1'], { CI: 'true' })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain(ESC)
    const lines = r.stderr.trim().split('\n')
    expect(lines.length).toBeGreaterThanOrEqual(3) // start, at least one progress line, end
    expect(lines.length).toBeLessThanOrEqual(6)
    expect(lines.some((l) => /^\d+\.\d% .* at .*, ETA/.test(l))).toBe(true)
  })

  it('--no-progress keeps only the start and end lines; --quiet prints nothing at all', async () => {
    w.emulator.setFaults({ bytesPerSecondPerConnection: 500_000 })
    const noProgress = await w.run(['get', SPACE, '301', '-o', 'a.tar', '-c', '1', '--no-progress'])
    expect(noProgress.stderr.trim().split('\n')).toHaveLength(2)
    w.emulator.setFaults({})
    const quiet = await w.run(['get', SPACE, '301', '-o', 'b.tar', '--quiet'])
    expect(quiet.code).toBe(0)
    expect(quiet.stdout + quiet.stderr).toBe('')
  })

  it.skipIf(spawnSync('script', ['--version']).status !== 0)('draws a progress bar on a terminal', async () => {
    w.emulator.setFaults({ bytesPerSecondPerConnection: 1_000_000 })
    // A pseudo-terminal from script(1); it starts with no size, so give it one as a real terminal has.
    const cmd = `stty cols 100 rows 30; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} get ${SPACE} 301 -o tty.tar -c 1`
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
      env: w.env({ TERM: 'xterm-256color' }),
      cwd: w.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    const code = await new Promise<number | null>((done) => child.on('close', done))
    expect(code, out).toBe(0)
    expect(out).toContain(ESC) // drawn in place
    expect(out).toMatch(/[░█]{5,}/) // the bar itself
    expect(out).toMatch(/\d+% \|\s+[\d.]+ \w+ of 3\.0 MiB \|\s+[\d.]+ \w+\/s \| ETA/)
    expect((await readFile(join(w.dir, 'tty.tar'))).equals(await expected())).toBe(true)
  })

  it('a re-run on a complete file fetches nothing; a different file exits 7 unless --force, and --json says it was replaced', async () => {
    expect((await w.run(['get', SPACE, '301', '-o', 'c.tar'])).code).toBe(0)
    const served = w.emulator.stats.bytesServed
    const again = await w.run(['get', SPACE, '301', '-o', 'c.tar', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, upToDate: true })
    expect(w.emulator.stats.bytesServed - served).toBeLessThanOrEqual(1) // the 1-byte probe
    await writeFile(join(w.dir, 'c.tar'), 'something else')
    const differs = await w.run(['get', SPACE, '301', '-o', 'c.tar'])
    expect(differs.code).toBe(7)
    expect(differs.stderr).toMatch(/differs.*--force/)
    expect(await readFile(join(w.dir, 'c.tar'), 'utf8')).toBe('something else')
    const forced = await w.run(['get', SPACE, '301', '-o', 'c.tar', '--force', '--json'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(JSON.parse(forced.stdout)).toMatchObject({ ok: true, upToDate: false, replaced: true })
    expect(JSON.parse(again.stdout).replaced).toBeUndefined()
    expect((await readFile(join(w.dir, 'c.tar'))).equals(await expected())).toBe(true)
  })

  it('a file-size limit hit mid-download exits 7, names the path, and keeps the bytes for the next run', async () => {
    const cmd = `ulimit -f 1024; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} get ${SPACE} 301 -o limited.tar -c 1`
    const r = await runShell(cmd, { env: w.env(), cwd: w.dir })
    expect(r.code, r.stderr).toBe(7)
    expect(r.stderr).toMatch(/EFBIG.*limited\.tar|limited\.tar.*EFBIG/)
    expect(existsSync(join(w.dir, 'limited.tar'))).toBe(false)
    expect(existsSync(join(w.dir, 'limited.tar.dtdl-part.json'))).toBe(true)
    const resumed = await w.run(['get', SPACE, '301', '-o', 'limited.tar'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stderr).toMatch(/resuming with/)
    expect((await readFile(join(w.dir, 'limited.tar'))).equals(await expected())).toBe(true)
  })

  it('--limit-rate caps the whole download across connections', async () => {
    const started = performance.now()
    const r = await w.run(['get', SPACE, '301', '-o', 'r.tar', '-c', '4', '--limit-rate', '1M'])
    expect(r.code, r.stderr).toBe(0)
    // 3 MiB at 1 MiB/s, less the quarter-second burst the bucket starts with.
    expect(performance.now() - started).toBeGreaterThan(2500)
  })

  it('goes through HTTPS_PROXY / HTTP_PROXY (CONNECT tunnels), for the API and the resource URLs', async () => {
    let tunnels = 0
    let tunnelled = 0
    const proxy: Server = createServer((_req, res) => res.writeHead(405).end())
    proxy.on('connect', (req, client: Socket, head: Buffer) => {
      tunnels++
      const [host, port] = String(req.url).split(':')
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.write(head)
        upstream.on('data', (d: Buffer) => (tunnelled += d.length))
        upstream.pipe(client)
        client.pipe(upstream)
      })
      upstream.on('error', () => client.destroy())
      client.on('error', () => upstream.destroy())
    })
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done))
    try {
      const port = (proxy.address() as { port: number }).port
      const r = await w.run(['get', SPACE, '301', '-o', 'p.tar'], {
        HTTP_PROXY: `http://127.0.0.1:${port}`,
        NO_PROXY: '',
      })
      expect(r.code, r.stderr).toBe(0)
      expect((await readFile(join(w.dir, 'p.tar'))).equals(await expected())).toBe(true)
      expect(tunnels).toBeGreaterThan(0)
      // The file's bytes came through the proxy, not around it.
      expect(tunnelled).toBeGreaterThan(SIZE)
    } finally {
      proxy.closeAllConnections()
      await new Promise((done) => proxy.close(done))
    }
  })

  it('dtdl info shows metadata and masked download info; --show-secrets reveals them', async () => {
    const r = await w.run(['info', SPACE, '301', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const info = JSON.parse(r.stdout) as {
      name: string
      size: number
      download: { region: string; hosts: string[]; expirationSeconds: number; headers: Record<string, string> }
    }
    expect(info).toMatchObject({
      name: 'data.tar',
      size: SIZE,
      download: { region: 'ZHANGJIAKOU', expirationSeconds: 900 },
    })
    expect(info.download.headers.Authorization).toMatch(/\*\*\*\*/)
    const signed = w.emulator.stats.apiRequests.filter((a) => a.path.endsWith('/downloadInfos/query')).length
    expect(signed).toBe(1)
    const human = await w.run(['info', SPACE, '301'])
    expect(human.stdout).toMatch(/name\s+data\.tar/)
    expect(human.stdout).toMatch(/region\s+ZHANGJIAKOU/)
    const shown = await w.run(['info', SPACE, '301', '--json', '--show-secrets'])
    expect((JSON.parse(shown.stdout) as typeof info).download.headers.Authorization).toMatch(/^OSS [^*]+:[^*]+$/)
  })

  it('explains API errors with what to do: missing scope, IP allow-list, IP block page', async () => {
    w.emulator.setFaults({ apiError: { code: 'Forbidden.AccessDenied.IpNotInWhiteList', status: 403, times: 1 } })
    expect((await w.run(['get', SPACE, '301', '-o', 'x'])).stderr).toMatch(/IP address to the app's IP allow-list/)
    w.emulator.setFaults({ htmlBlock: true })
    const blocked = await w.run(['get', SPACE, '301', '-o', 'x', '--retries', '0'])
    expect(blocked.code).toBe(3)
    expect(blocked.stderr).toMatch(/HTML page.*wait 5 minutes/)
    w.emulator.setFaults({
      denyDentryQuery: true,
      apiError: { code: 'Forbidden.AccessDenied.AccessTokenPermissionDenied', status: 403, times: 1 },
    })
    expect((await w.run(['get', SPACE, '301', '-o', 'x'])).stderr).toMatch(/Storage\.DownloadInfo\.Read|permission/)
    expect(await readdir(w.dir)).not.toContain('x')
  })
})
