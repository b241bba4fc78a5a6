// --help that fits a terminal, the full help, the manual page drawn from the one declaration, and the library
// refusing a bad option the way the CLI does: before any request, with nothing on disk and nothing printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { OPTIONS, longFlag, optionsOf } from '../../src/config/options.js'
import { ExitCode } from '../../src/errors.js'
import { BIN, DEMO, ROOT, cleanEnv, makeTempDir, runCli, runShell } from '../helpers.js'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'

/** What a pseudo-terminal `cols` wide showed for `dtdl <args>`. */
function onTerminal(cols: number, args: string[]): string[] {
  const r = spawnSync('python3', [join(ROOT, 'test/cli/pty-run.py'), String(cols), process.execPath, BIN, ...args], {
    encoding: 'utf8',
    env: cleanEnv({}),
  })
  expect(r.status, r.stderr).toBe(0)
  return r.stdout.replace(/\n$/, '').split('\n')
}

describe('help that fits', () => {
  it.each<[number, string[]]>([
    [80, ['--help']],
    [50, ['--help']],
    [80, ['get', '--help']],
    [50, ['get', '--help']],
  ])('at %d columns, %j: no line wider, no word broken', (cols, args) => {
    const lines = onTerminal(cols, args)
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(cols)
    // Every word of the plain help is there whole (no word split across lines).
    const plain = execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: cleanEnv({}) })
    const words = (s: string) => s.split(/\s+/).filter(Boolean).sort()
    expect(words(lines.join('\n'))).toEqual(words(plain))
  })

  it('`dtdl get --help` shows the everyday options in at most 45 lines, and says how to see all of them', async () => {
    const lines = onTerminal(80, ['get', '--help'])
    expect(lines.length).toBeLessThanOrEqual(45)
    expect(lines.join('\n')).toMatch(/more options and the details: dtdl help get/)
    for (const flag of ['--output', '--connections', '--recursive', '--input-file', '--json'])
      expect(lines.join('\n')).toContain(flag)
    // Not a terminal: 80 columns.
    const piped = await runCli(['get', '--help'], { env: cleanEnv({}) })
    for (const line of piped.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80)
  })

  it('`dtdl help get` shows every declared option of get', async () => {
    const r = await runCli(['help', 'get'], { env: cleanEnv({}) })
    expect(r.code).toBe(0)
    for (const spec of optionsOf('get')) expect(r.stdout, longFlag(spec)).toContain(longFlag(spec))
    expect(r.stdout).toMatch(/Folders \(-r\)/)
  })

  it('the help lists every exit code', async () => {
    const r = await runCli(['--help'], { env: cleanEnv({}) })
    const text = r.stdout.replace(/\s+/g, ' ')
    for (const code of new Set(Object.values(ExitCode)))
      expect(text, String(code)).toMatch(new RegExp(`\\b${code} [a-z-]`))
  })
})

describe('the manual page', () => {
  const page = join(ROOT, 'dist', 'dtdl.1')
  const hasMan = spawnSync('man', ['--version']).status === 0

  it('is in the package, names every option the completion script knows, and every command', async () => {
    expect(existsSync(page)).toBe(true)
    const pkg = JSON.parse(execFileSync('cat', [join(ROOT, 'package.json')], { encoding: 'utf8' })) as {
      man: string
      files: string[]
    }
    expect(pkg.man).toBe('./dist/dtdl.1')
    const text = execFileSync('cat', [page], { encoding: 'utf8' }).replace(/\\-/g, '-')
    const completion = await runCli(['completion', 'bash'], { env: cleanEnv({}) })
    const flags = new Set(
      [...completion.stdout.matchAll(/(--[a-z][a-z0-9-]+)/g)]
        .map((m) => m[1]!)
        .filter((f) => f !== '--help' && f !== '--version'),
    )
    expect(flags.size).toBeGreaterThan(30)
    for (const flag of flags) expect(text, flag).toContain(flag)
    for (const spec of OPTIONS) expect(text, spec.key).toContain(longFlag(spec))
    for (const command of ['get', 'ls', 'info', 'versions', 'spaces', 'user', 'config', 'emulator', 'completion'])
      expect(text).toContain(`dtdl ${command}`)
  })

  it.skipIf(!hasMan)('renders with man -l without a warning (needs man)', () => {
    const r = spawnSync('man', ['--warnings', '-l', page], {
      encoding: 'utf8',
      env: { ...cleanEnv({}), MANWIDTH: '80', MAN_KEEP_FORMATTING: '0' },
    })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    // man overstrikes bold text when not on a terminal: read it plain.
    expect(r.stdout.replace(/.\x08/g, '')).toMatch(/EXIT STATUS/)
  })
})

describe('the library refuses a bad option as the CLI does', () => {
  let emu: Emulator
  let tmp: { dir: string; cleanup: () => Promise<void> }
  beforeAll(async () => {
    emu = await startEmulator({
      quiet: true,
      files: [{ spaceId: DEMO.spaceId, dentryId: '77', name: 'x.bin', size: 100_000 }],
    })
    tmp = await makeTempDir()
  })
  afterAll(async () => {
    await emu?.close()
    await tmp?.cleanup()
  })

  it('connections 0, 17, 2.5, a malformed sha256, version 0, retries -1: exit code 2 before any request, nothing on disk or stderr; limitRate 0 is no cap', async () => {
    const lib = JSON.stringify(join(ROOT, 'dist/index.js'))
    const common = `{ spaceId: ${JSON.stringify(DEMO.spaceId)}, dentryId: '77', unionId: ${JSON.stringify(DEMO.unionId)}, endpoint: ${JSON.stringify(emu.url)}, token: ${JSON.stringify(DEMO.accessToken)}, env: { DTDL_CONFIG_DIR: 'config' } }`
    writeFileSync(
      join(tmp.dir, 'bad.mjs'),
      `import { download } from ${lib}
const bad = [{ connections: 0 }, { connections: 17 }, { connections: 2.5 }, { sha256: 'xyz' }, { version: 0 }, { retries: -1 }]
const out = []
for (const b of bad) out.push(await download({ ...${common}, ...b, output: 'x.bin' }).then(() => 'downloaded', (e) => ({ code: e.code, exitCode: e.exitCode, message: e.message })))
console.log(JSON.stringify(out))`,
    )
    writeFileSync(
      join(tmp.dir, 'free.mjs'),
      `import { download } from ${lib}\nconsole.log(JSON.stringify(await download({ ...${common}, limitRate: 0, output: 'free.bin' }).then((r) => r.bytes, (e) => e.message)))`,
    )
    emu.resetStats()
    // Not spawnSync: the emulator answers from this process's event loop.
    const r = await runShell(`exec ${JSON.stringify(process.execPath)} bad.mjs`, { cwd: tmp.dir, env: cleanEnv({}) })
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout) as { code: string; exitCode: number; message: string }[]
    expect(out.map((o) => [o.exitCode, o.code, o.message.split(' ')[0]])).toEqual([
      [2, 'BAD_OPTION', 'connections'],
      [2, 'BAD_OPTION', 'connections'],
      [2, 'BAD_OPTION', 'connections'],
      [2, 'BAD_OPTION', 'sha256'],
      [2, 'BAD_OPTION', 'version'],
      [2, 'BAD_OPTION', 'retries'],
    ])
    expect([emu.stats.apiRequests.length, emu.stats.resourceRequests.length]).toEqual([0, 0])
    expect(readdirSync(tmp.dir).sort()).toEqual(['bad.mjs', 'free.mjs'])
    const free = await runShell(`exec ${JSON.stringify(process.execPath)} free.mjs`, {
      cwd: tmp.dir,
      env: cleanEnv({}),
    })
    expect(free.stderr).toBe('')
    expect(JSON.parse(free.stdout)).toBe(100_000)
  })
})
