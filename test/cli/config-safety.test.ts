// The config store under stress: tokens kept per endpoint, a broken config file, a config folder that cannot be made.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startEmulator } from '../../src/emulator/index.js'
import { DEMO, setupWorld, spawnCli, type CliResult } from '../helpers.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId
const FILES = [{ spaceId: SPACE, dentryId: '1', name: 'a.bin', content: Buffer.from('hello, two endpoints') }]

/** Runs the CLI, killing it if it hangs, and says how long it took: these failures must come at once. */
async function runTimed(
  w: World,
  args: string[],
  extra: Record<string, string | undefined> = {},
): Promise<CliResult & { ms: number }> {
  const started = Date.now()
  const child = spawnCli(args, { env: w.env(extra), cwd: w.dir })
  const guard = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const r = await child.result
  clearTimeout(guard)
  return { ...r, ms: Date.now() - started }
}

/** Every header value and body an emulator received, as one string to search for a leaked token. */
function everythingReceived(stats: World['emulator']['stats']): string {
  return JSON.stringify([
    stats.apiRequests.map((a) => [a.headers, a.query, a.body]),
    stats.resourceRequests.map((r) => r.headers),
  ])
}

describe('the token cache is keyed by endpoint, app and secret', () => {
  let a: World
  let b: Awaited<ReturnType<typeof startEmulator>>
  beforeEach(async () => {
    a = await setupWorld({ files: FILES })
    b = await startEmulator({ quiet: true, files: FILES })
  })
  afterEach(async () => {
    await b.close()
    await a.close()
  })

  const mintedToken = (w: { stats: World['emulator']['stats'] }) => w.stats.apiRequests.find((r) => r.token)?.token

  it('a token minted via endpoint A is never sent to endpoint B, and both stay cached', async () => {
    expect((await a.run(['get', SPACE, '1', '-o', 'via-a'])).code).toBe(0)
    const tokenA = mintedToken(a.emulator)!
    expect(tokenA).toMatch(/^[0-9a-f]{32}$/)

    const rb = await a.run(['get', SPACE, '1', '-o', 'via-b'], { DTDL_ENDPOINT: b.url })
    expect(rb.code, rb.stderr).toBe(0)
    expect(b.stats.tokenMints).toBe(1)
    expect(everythingReceived(b.stats)).not.toContain(tokenA)
    const tokenB = mintedToken(b)!
    expect(tokenB).not.toBe(tokenA)

    // One entry per endpoint: neither evicts the other, and a trailing slash is the same endpoint.
    a.emulator.resetStats()
    b.resetStats()
    expect((await a.run(['get', SPACE, '1', '-o', 'again-a', '--endpoint', `${a.emulator.url}/`])).code).toBe(0)
    expect((await a.run(['get', SPACE, '1', '-o', 'again-b'], { DTDL_ENDPOINT: b.url })).code).toBe(0)
    expect([a.emulator.stats.tokenMints, b.stats.tokenMints]).toEqual([0, 0])
    expect(everythingReceived(a.emulator.stats)).not.toContain(tokenB)
    expect(everythingReceived(b.stats)).not.toContain(tokenA)

    // The file keeps a digest of the secret, never the secret itself.
    const file = await readFile(join(a.dir, 'config', 'config.json'), 'utf8')
    expect(file).not.toContain(DEMO.appSecret)
    expect(JSON.parse(file).accessTokens).toHaveLength(2)
  })

  it('a wrong secret with a cached token exits 3 and sends no token', async () => {
    expect((await a.run(['get', SPACE, '1', '-o', 'first'])).code).toBe(0)
    a.emulator.resetStats()
    const r = await a.run(['get', SPACE, '1', '-o', 'second'], { DINGTALK_APP_SECRET: 'wrong-secret-value' })
    expect(r.code, r.stderr).toBe(3)
    expect(r.stderr).toMatch(/invalidClientIdOrSecret/)
    expect(a.emulator.stats.apiRequests.filter((q) => q.token)).toEqual([])
    expect(existsSync(join(a.dir, 'second'))).toBe(false)
    // The right secret still finds its token.
    expect((await a.run(['get', SPACE, '1', '-o', 'third'])).code).toBe(0)
    expect(a.emulator.stats.tokenMints).toBe(0)
  })

  it('an entry in the old format (keyed by appKey alone) is not sent, and is removed on the next write', async () => {
    const legacy = 'legacy-token-0123456789abcdef'
    await mkdir(join(a.dir, 'config'), { recursive: true })
    await writeFile(
      join(a.dir, 'config', 'config.json'),
      JSON.stringify({ tokenCache: { appKey: DEMO.appKey, accessToken: legacy, expiresAt: Date.now() + 3_600_000 } }),
    )
    const r = await a.run(['get', SPACE, '1', '-o', 'x'], { DTDL_ENDPOINT: b.url })
    expect(r.code, r.stderr).toBe(0)
    expect(everythingReceived(b.stats)).not.toContain(legacy)
    expect(b.stats.tokenMints).toBe(1)
    expect(await readFile(join(a.dir, 'config', 'config.json'), 'utf8')).not.toContain(legacy)
  })
})

describe('a broken config file', () => {
  let w: World
  const broken = '{\n  "appKey": "k",\n  unionId: "u"\n}\n'
  const configFile = () => join(w.dir, 'config', 'config.json')
  beforeEach(async () => {
    w = await setupWorld({ files: FILES })
    await mkdir(join(w.dir, 'config'))
    await writeFile(configFile(), broken)
  })
  afterEach(async () => w.close())

  it.each<[string, string[]]>([
    ['get', ['get', SPACE, '1', '-o', 'x']],
    ['get -r', ['get', SPACE, '1', '-r', '-o', 'mirror']],
    ['info', ['info', SPACE, '1']],
    ['ls', ['ls', SPACE]],
    ['config list', ['config', 'list']],
    ['config get', ['config', 'get', 'unionId']],
    ['config set', ['config', 'set', 'unionId', 'someone']],
    ['config unset', ['config', 'unset', 'appKey']],
  ])('%s names the file, the problem and the fix in one line, exit 7, and leaves the file alone', async (_, args) => {
    const r = await runTimed(w, args)
    expect(r.code, r.stderr).toBe(7)
    expect(r.stderr.trim().split('\n')).toEqual([
      `dtdl: the config file ${configFile()} is not valid JSON (line 3, column 3) (hint: fix it or remove it (\`dtdl config path\` shows it))`,
    ])
    expect(r.stdout).toBe('')
    expect(r.ms).toBeLessThan(5000)
    expect(await readFile(configFile(), 'utf8')).toBe(broken)
    expect(w.emulator.stats.apiRequests).toEqual([])
  })

  it('also with a ready token in the environment, and as JSON with --json', async () => {
    const r = await runTimed(w, ['get', SPACE, '1', '-o', 'x', '--json'], { DINGTALK_ACCESS_TOKEN: DEMO.accessToken })
    expect(r.code).toBe(7)
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      exitCode: 7,
      error: { code: 'CONFIG_INVALID', hint: expect.stringMatching(/fix it or remove it/) },
    })
  })

  it('`config path` still shows where it is', async () => {
    const r = await runTimed(w, ['config', 'path'])
    expect([r.code, r.stdout.trim()]).toEqual([0, configFile()])
  })

  it('a file that is not an object, or a directory in its place, is reported the same way', async () => {
    await writeFile(configFile(), '["appKey"]')
    let r = await runTimed(w, ['config', 'list'])
    expect([r.code, r.stderr.trim()]).toEqual([
      7,
      `dtdl: the config file ${configFile()} does not hold a JSON object (hint: fix it or remove it (\`dtdl config path\` shows it))`,
    ])
    expect(await readFile(configFile(), 'utf8')).toBe('["appKey"]')

    const dir = join(w.dir, 'dir-config')
    await mkdir(join(dir, 'config.json'), { recursive: true })
    r = await runTimed(w, ['config', 'set', 'unionId', 'u'], { DTDL_CONFIG_DIR: dir })
    expect(r.code).toBe(7)
    expect(r.stderr.trim()).toBe(
      `dtdl: cannot read the config file ${join(dir, 'config.json')}: EISDIR (hint: it is a directory: remove it, or point DTDL_CONFIG_DIR at another folder)`,
    )
  })

  it('an empty file is an empty store: config set fills it', async () => {
    await writeFile(configFile(), '')
    expect((await runTimed(w, ['config', 'set', 'unionId', 'u1'])).code).toBe(0)
    expect(JSON.parse(await readFile(configFile(), 'utf8'))).toEqual({ unionId: 'u1' })
  })
})

describe('a config folder that cannot be created', () => {
  let w: World
  beforeEach(async () => {
    w = await setupWorld({ files: FILES })
    await writeFile(join(w.dir, 'a-file'), 'not a folder')
  })
  afterEach(async () => w.close())

  const cases: [string, () => string, string][] = [
    ['under /proc', () => '/proc/x/y', 'cannot create the config folder /proc/x/y: ENOENT (at /proc/x)'],
    ['under a regular file', () => join(w.dir, 'a-file', 'dtdl'), 'ENOTDIR (a part of the path is a file)'],
  ]

  it.each(cases)('%s: config set is one line, exit 7, at once', async (_, dir, message) => {
    if (dir().startsWith('/proc') && !existsSync('/proc/self'))
      return void console.warn('skipped: no /proc on this system')
    const r = await runTimed(w, ['config', 'set', 'unionId', 'u'], { DTDL_CONFIG_DIR: dir() })
    expect(r.code, r.stderr).toBe(7)
    expect(r.ms).toBeLessThan(5000)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(message)
    expect(lines[0]).toMatch(
      /^dtdl: cannot create the config folder .* \(hint: point DTDL_CONFIG_DIR at a folder that can be created and written/,
    )
  })

  it.each(cases)('%s: get with app credentials exits 7 before spending a token call', async (_, dir, message) => {
    if (dir().startsWith('/proc') && !existsSync('/proc/self'))
      return void console.warn('skipped: no /proc on this system')
    const r = await runTimed(w, ['get', SPACE, '1', '-o', 'x'], { DTDL_CONFIG_DIR: dir() })
    expect(r.code, r.stderr).toBe(7)
    expect(r.ms).toBeLessThan(5000)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain(message)
    expect(w.emulator.stats.apiRequests).toEqual([])
    expect(existsSync(join(w.dir, 'x'))).toBe(false)
  })

  it('with a ready token nothing needs writing: get works', async () => {
    const r = await runTimed(w, ['get', SPACE, '1', '-o', 'x'], {
      DTDL_CONFIG_DIR: '/proc/x/y',
      DINGTALK_ACCESS_TOKEN: DEMO.accessToken,
    })
    expect(r.code, r.stderr).toBe(0)
    expect(await readFile(join(w.dir, 'x'), 'utf8')).toBe('hello, two endpoints')
  })
})

describe('config list', () => {
  let w: World
  beforeEach(async () => {
    w = await setupWorld({ files: FILES })
  })
  afterEach(async () => w.close())

  it('shows the settings the environment gives, named by their variables and marked, secrets masked, after the store', async () => {
    // setupWorld's environment: DTDL_ENDPOINT, DINGTALK_APP_KEY, DINGTALK_APP_SECRET, DINGTALK_UNION_ID; an empty
    // store.
    const fromEnv = await w.run(['config', 'list'])
    expect(fromEnv.code, fromEnv.stderr).toBe(0)
    expect(fromEnv.stdout.trim().split('\n')).toEqual([
      `DINGTALK_APP_KEY=${DEMO.appKey} (environment: appKey)`,
      expect.stringMatching(/^DINGTALK_APP_SECRET=\S+\*\*\*\*\(\d+ chars\) \(environment: appSecret\)$/),
      `DINGTALK_UNION_ID=${DEMO.unionId} (environment: unionId)`,
      `DTDL_ENDPOINT=${w.emulator.url} (environment: endpoint)`,
    ])
    expect(fromEnv.stdout).not.toContain(DEMO.appSecret)
    expect((await w.run(['config', 'set', 'unionId', 'stored-user'])).code).toBe(0)
    const both = await w.run(['config', 'list'])
    expect(both.stdout.trim().split('\n')).toContain('unionId=stored-user')
    expect(both.stdout).toContain(
      `DINGTALK_UNION_ID=${DEMO.unionId} (environment: unionId; wins over the config store's unionId)`,
    )
    // Without the environment, only the store: as before.
    const storeOnly = await w.run(['config', 'list'], {
      DTDL_ENDPOINT: undefined,
      DINGTALK_APP_KEY: undefined,
      DINGTALK_APP_SECRET: undefined,
      DINGTALK_UNION_ID: undefined,
    })
    expect(storeOnly.stdout).toBe('unionId=stored-user\n')
  })
})
