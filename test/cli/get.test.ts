// `dtdl get` end to end: the real CLI in a child process against the emulator on port 0.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { DEMO, ROOT, randomBytes, setupWorld, spawnCli, waitFor } from '../helpers.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId

describe('dtdl get', () => {
  let w: World
  const content = randomBytes(3 * 1024 * 1024 + 17, 7)
  beforeEach(async () => {
    w = await setupWorld({
      files: [
        { spaceId: SPACE, dentryId: '501', name: 'report 2026.pdf', content },
        {
          spaceId: SPACE,
          dentryId: '502',
          name: 'old.bin',
          content: Buffer.from('version two'),
          version: 2,
          versions: [{ version: 1, content: Buffer.from('version one') }],
        },
      ],
      folders: [{ spaceId: SPACE, dentryId: '600', name: 'folder' }],
    })
  })
  afterEach(async () => w.close())

  it('downloads a byte-identical file to -o', async () => {
    const r = await w.run(['get', SPACE, '501', '-o', 'out.pdf'])
    expect(r.code, r.stderr).toBe(0)
    expect((await readFile(join(w.dir, 'out.pdf'))).equals(content)).toBe(true)
    expect(r.stderr).toMatch(/checked: size \+ CRC-64/)
    // Neither the partial file nor the record remains after success.
    expect((await readdir(w.dir)).filter((f) => f.includes('dtdl-part'))).toEqual([])
  })

  it.each([
    ['an empty file', 0],
    ['a 1-byte file', 1],
  ])('downloads %s (%i bytes) without claiming the host ignores Range', async (_name, size) => {
    w.emulator.addFile({ spaceId: SPACE, dentryId: `tiny${size}`, name: 'tiny', content: Buffer.alloc(size, 65) })
    const r = await w.run(['get', SPACE, `tiny${size}`, '-o', 'tiny', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, bytes: size, checked: ['size', 'crc64'] })
    expect((await readFile(join(w.dir, 'tiny'))).equals(Buffer.alloc(size, 65))).toBe(true)
    expect(r.stderr).not.toMatch(/ignores Range/)
  })

  it('saves under the dentry name without -o, and inside an existing directory given as -o', async () => {
    expect((await w.run(['get', SPACE, '501'])).code).toBe(0)
    expect((await readFile(join(w.dir, 'report 2026.pdf'))).equals(content)).toBe(true)
    await w.run(['config', 'path']) // creates nothing; just exercises the store
    const sub = join(w.dir, 'config')
    const r = await w.run(['get', SPACE, '501', '-o', sub])
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(join(sub, 'report 2026.pdf'))).toBe(true)
  })

  it('falls back to the dentryId as the name when the app may not read file details', async () => {
    w.emulator.setFaults({ denyDentryQuery: true })
    const r = await w.run(['get', SPACE, '501'])
    expect(r.code, r.stderr).toBe(0)
    expect((await readFile(join(w.dir, '501'))).equals(content)).toBe(true)
    expect(r.stderr).toMatch(/Storage\.File\.Read/)
  })

  it('sends unionId, version and preferIntranet as asked, and no preferIntranet without a flag', async () => {
    const calls = () => w.emulator.stats.apiRequests.filter((a) => a.path.endsWith('/downloadInfos/query'))
    expect((await w.run(['get', SPACE, '502', '-o', 'a', '-u', 'dtdl-demo-user'])).code).toBe(0)
    expect(calls().at(-1)!.query.unionId).toBe('dtdl-demo-user')
    expect(calls().at(-1)!.body).toEqual({ option: {} })
    expect((await w.run(['get', SPACE, '502', '-o', 'b', '--version', '1', '--intranet'])).code).toBe(0)
    expect(calls().at(-1)!.body).toEqual({ option: { version: 1, preferIntranet: true } })
    expect(await readFile(join(w.dir, 'b'), 'utf8')).toBe('version one')
    expect((await w.run(['get', SPACE, '502', '-o', 'c', '--no-intranet'])).code).toBe(0)
    expect(calls().at(-1)!.body).toEqual({ option: { preferIntranet: false } })
    expect(await readFile(join(w.dir, 'c'), 'utf8')).toBe('version two')
  })

  it('mints a token once from app credentials and reuses it on the next run', async () => {
    expect((await w.run(['get', SPACE, '502', '-o', 'a'])).code).toBe(0)
    expect((await w.run(['get', SPACE, '502', '-o', 'b'])).code).toBe(0)
    expect(w.emulator.stats.tokenMints).toBe(1)
    const mode = (await stat(join(w.dir, 'config', 'config.json'))).mode & 0o777
    expect(mode).toBe(0o600)
  })

  it('mints a new token when the cached one is refused mid-life', async () => {
    expect((await w.run(['get', SPACE, '502', '-o', 'a'])).code).toBe(0)
    w.emulator.revokeTokens()
    const r = await w.run(['get', SPACE, '502', '-o', 'b'])
    expect(r.code, r.stderr).toBe(0)
    expect(w.emulator.stats.tokenMints).toBe(2)
  })

  it('exits 3 on a wrong app secret, with one line and no secret', async () => {
    const r = await w.run(['get', SPACE, '501', '-o', 'x'], { DINGTALK_APP_SECRET: 'wrong-secret-value' })
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/invalidClientIdOrSecret/)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).not.toContain('wrong-secret-value')
    expect(existsSync(join(w.dir, 'x'))).toBe(false)
  })

  it.each([
    [
      'no credentials anywhere',
      3,
      { DINGTALK_APP_KEY: undefined, DINGTALK_APP_SECRET: undefined },
      ['501'],
      /no DingTalk credentials found/,
    ],
    [
      'only DINGTALK_APP_KEY',
      3,
      { DINGTALK_APP_SECRET: undefined },
      ['501'],
      /^dtdl: no DingTalk credentials: DINGTALK_APP_SECRET is not set \(DINGTALK_APP_KEY is\) \(hint: set DINGTALK_APP_SECRET to the app's Client Secret/,
    ],
    [
      'only DINGTALK_APP_SECRET',
      3,
      { DINGTALK_APP_KEY: undefined },
      ['501'],
      /^dtdl: no DingTalk credentials: DINGTALK_APP_KEY is not set \(DINGTALK_APP_SECRET is\)/,
    ],
    ['a bad token', 3, { DINGTALK_ACCESS_TOKEN: 'not-a-valid-token' }, ['501'], /InvalidAuthentication/],
    [
      'a unionId without permission',
      3,
      { DINGTALK_UNION_ID: 'someone-else' },
      ['501'],
      /permissionDenied.*someone-else/,
    ],
    ['no unionId', 2, { DINGTALK_UNION_ID: undefined }, ['501'], /unionId/],
    ['an unknown file', 4, {}, ['999'], /dentryNotExist/],
    ['a folder', 2, {}, ['600'], /folder.*-r/],
    ['an endpoint that is not a URL', 2, { DTDL_ENDPOINT: 'not a url' }, ['501'], /not a URL/],
  ] as const)('%s → exit %i', async (_name, code, env, ids, pattern) => {
    const r = await w.run(['get', SPACE, ...ids, '-o', 'x'], env)
    expect(r.code, r.stderr).toBe(code)
    expect(r.stderr).toMatch(pattern)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it.each([
    ['spaceNotExist', 404, 4],
    ['dentryNotExist', 404, 4],
    ['permissionDenied', 403, 3],
    ['orgAuthLevelNotEnough', 403, 3],
    ['Forbidden.AccessDenied.AccessTokenPermissionDenied', 403, 3],
    ['Forbidden.AccessDenied.IpNotInWhiteList', 403, 3],
    ['Forbidden.AccessDenied.ApiCountLimitForOrg', 403, 3],
    ['Unauthorized', 401, 3],
    ['paramError', 400, 2],
    ['operationNotSupported', 400, 2],
    ['dentryDownloadProtocolNotSupport', 400, 5],
  ])('maps the API error %s (HTTP %i) to exit %i with one line and no stack', async (code, status, exit) => {
    w.emulator.setFaults({ apiError: { code, status, times: 100 } })
    const r = await w.run(['get', SPACE, '501', '-o', 'x', '--retries', '1'])
    expect(r.code, r.stderr).toBe(exit)
    expect(r.stderr).toContain(code)
    expect(r.stderr).toMatch(/request id/)
    // One error line (an Unauthorized run may first say it minted a new token).
    expect(r.stderr.split('\n').filter((l) => l.startsWith('dtdl:'))).toHaveLength(1)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('answers an unsupported download protocol with a clear error', async () => {
    w.emulator.setFaults({ protocol: 'URL_SIGNATURE' })
    const r = await w.run(['get', SPACE, '501', '-o', 'x'])
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(/URL_SIGNATURE.*HEADER_SIGNATURE/)
  })

  it('never prints the token, the app secret or the signed Authorization header, even with --verbose', async () => {
    const r = await w.run(['get', SPACE, '501', '-o', 'x', '--verbose', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const minted = w.emulator.stats.apiRequests.find((a) => a.token)!.token!
    const auth = w.emulator.stats.resourceRequests[0]!.headers.authorization!
    const output = r.stdout + r.stderr
    expect(output).toMatch(/GET .*\/oss\//) // --verbose did log the requests
    for (const secret of [minted, DEMO.appSecret, auth, auth.split(':')[1]!]) expect(output).not.toContain(secret)
    const bad = await w.run(['get', SPACE, '501', '-o', 'y', '--verbose'], {
      DINGTALK_ACCESS_TOKEN: 'tok-secret-123456',
    })
    expect(bad.stderr).not.toContain('tok-secret-123456')
  })

  it('--verbose names the CRC-64 implementation: the native addon where built, WebAssembly with DTDL_NATIVE=0', async () => {
    const { crc64Implementation } = await import('../../src/crc64/crc64.js')
    const r = await w.run(['get', SPACE, '501', '-o', 'x', '--verbose'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`CRC-64: ${crc64Implementation === 'native' ? 'native addon' : 'WebAssembly'}`)
    const fallback = await w.run(['get', SPACE, '501', '-o', 'y', '--verbose'], { DTDL_NATIVE: '0' })
    expect(fallback.code, fallback.stderr).toBe(0)
    expect(fallback.stderr).toContain('CRC-64: WebAssembly')
    expect((await readFile(join(w.dir, 'y'))).equals(content)).toBe(true)
  })

  it('dtdl --version --verbose names the CRC-64 implementation; --version alone prints the version only', async () => {
    const { crc64Implementation } = await import('../../src/crc64/crc64.js')
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    const verbose = await w.run(['--version', '--verbose'])
    expect([verbose.code, verbose.stderr]).toEqual([0, ''])
    const lines = verbose.stdout.trim().split('\n')
    expect(lines[0]).toBe(version)
    expect(lines).toContain(
      `CRC-64: ${crc64Implementation === 'native' ? 'native addon (carry-less multiplication)' : 'WebAssembly (`npm run build:native` builds the faster native addon)'}`,
    )
    expect((await w.run(['-v', '-V'], { DTDL_NATIVE: '0' })).stdout).toMatch(
      /^CRC-64: WebAssembly \(DTDL_NATIVE=0 skips the native addon\)$/m,
    )
    expect((await w.run(['--version'])).stdout).toBe(`${version}\n`)
  })
})

describe('dtdl get: crash safety', () => {
  it('resumes after kill -9: identical file, about 1.1x the size fetched, never a partial file at the target', async () => {
    const size = 48 * 1024 * 1024
    const w = await setupWorld({
      files: [{ spaceId: SPACE, dentryId: '700', name: 'big.bin', size }],
      faults: { bytesPerSecondPerConnection: 6_000_000 },
    })
    try {
      const target = join(w.dir, 'big.bin')
      const child = spawnCli(['get', SPACE, '700', '-o', target, '-c', '2'], { env: w.env(), cwd: w.dir })
      await waitFor(() => w.emulator.stats.bytesServed > size * 0.4, 'the download to be under way')
      expect(existsSync(target)).toBe(false)
      child.kill('SIGKILL')
      const killed = await child.result
      expect(killed.signal).toBe('SIGKILL')
      expect(existsSync(target)).toBe(false)
      expect(existsSync(`${target}.dtdl-part.json`)).toBe(true)

      const r = await w.run(['get', SPACE, '700', '-o', target, '-c', '2'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toMatch(/resuming with/)
      expect((await readFile(target)).equals(await w.emulator.fileContent(SPACE, '700'))).toBe(true)
      expect(w.emulator.stats.bytesServed).toBeLessThanOrEqual(size * 1.1)
    } finally {
      await w.close()
    }
  })
})
