// The published package, as a user gets it: `npm run tarball`, installed into a fresh project, used from Node and npx.
import { execFile } from 'node:child_process'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { DEMO, ROOT, makeTempDir, setupWorld } from '../helpers.js'

const run = promisify(execFile)
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

let tmp: { dir: string; cleanup: () => Promise<void> }
let project: string
/** What `npm install <tarball>` printed on stderr. */
let installStderr: string

beforeAll(async () => {
  tmp = await makeTempDir()
  // The suite has built dist/ already: `npm run tarball` is `npm run build` and then this script.
  const { stdout } = await run(process.execPath, [join(ROOT, 'scripts', 'pack.cjs'), '--dest', tmp.dir], { cwd: ROOT })
  const tarball = stdout.trim()
  project = join(tmp.dir, 'consumer')
  await mkdir(project)
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  // The dependencies come from npm's cache where `npm ci` left them. No script runs: the native CRC is opt-in.
  installStderr = (
    await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
      cwd: project,
      timeout: 240_000,
    })
  ).stderr
}, 300_000)

it('installs without a word on stderr: no install script to warn about (npm 11 warns about prepare too)', async () => {
  expect(installStderr).not.toMatch(/warn|install-scripts/i)
  expect(installStderr).toBe('')
  const manifest = JSON.parse(await readFile(join(project, 'node_modules', 'dtdl', 'package.json'), 'utf8')) as {
    scripts: Record<string, string>
  }
  expect(manifest.scripts).toEqual({ 'build:native': 'node scripts/build-native.cjs' })
})

it('works without a compiler: the installed CLI uses WebAssembly, and downloads a file with its CRC-64 checked', async () => {
  const bin = join(project, 'node_modules', '.bin', 'dtdl')
  const version = await run(bin, ['--version', '--verbose'], { cwd: project })
  expect(version.stdout).toMatch(/^CRC-64: WebAssembly/m)
  const w = await setupWorld({
    files: [{ spaceId: DEMO.spaceId, dentryId: '601', name: 'cli.bin', size: 5 * 1024 * 1024 }],
  })
  try {
    const r = await run(bin, ['get', DEMO.spaceId, '601', '-o', join(w.dir, 'cli.bin'), '--json'], {
      cwd: w.dir,
      env: w.env(),
    })
    const out = JSON.parse(r.stdout) as { ok: boolean; bytes: number; checked: string[] }
    expect(out).toMatchObject({ ok: true, bytes: 5 * 1024 * 1024 })
    expect(out.checked).toContain('crc64')
    expect((await readFile(join(w.dir, 'cli.bin'))).equals(await w.emulator.fileContent(DEMO.spaceId, '601'))).toBe(
      true,
    )
  } finally {
    await w.close()
  }
})

afterAll(async () => {
  await tmp?.cleanup()
})

it('ships the built code, the C source and the licence, and no tests, sources or maps', async () => {
  const shipped = await readdir(join(project, 'node_modules', 'dtdl'), { recursive: true })
  expect(shipped).toContain('LICENSE')
  expect(shipped).toContain(join('dist', 'index.js'))
  expect(shipped).toContain(join('dist', 'index.d.ts'))
  expect(shipped).toContain(join('src', 'crc64', 'native', 'crc64.c'))
  expect(
    shipped.filter((f) => f.startsWith('test') || f.endsWith('.map') || (f.startsWith('src') && f.endsWith('.ts'))),
  ).toEqual([])
})

it('downloads from the emulator through import { download } from "dtdl", silently, with progress events; an abort rejects with exit code 130 and keeps the partial file', async () => {
  await writeFile(
    join(project, 'use.mjs'),
    `
import { download, DtdlError } from 'dtdl'
import { startEmulator, DEMO } from 'dtdl/emulator'
import { readFile, stat } from 'node:fs/promises'
import { createHash } from 'node:crypto'

const size = 3 * 1024 * 1024
const emu = await startEmulator({ quiet: true, files: [{ spaceId: DEMO.spaceId, dentryId: '501', name: 'lib.bin', size }, { spaceId: DEMO.spaceId, dentryId: '502', name: 'slow.bin', size }] })
const common = { spaceId: DEMO.spaceId, unionId: DEMO.unionId, endpoint: emu.url, appKey: DEMO.appKey, appSecret: DEMO.appSecret, env: { DTDL_CONFIG_DIR: process.cwd() + '/config' } }
const events = []
const result = await download({ ...common, dentryId: '501', output: 'lib.bin', onEvent: (e) => events.push(e.type) })
const served = createHash('sha256').update(await emu.fileContent(DEMO.spaceId, '501')).digest('hex')
const saved = createHash('sha256').update(await readFile('lib.bin')).digest('hex')

emu.setFaults({ bytesPerSecondPerConnection: 512 * 1024 })
const controller = new AbortController()
let aborted
try {
  await download({ ...common, dentryId: '502', output: 'slow.bin', connections: 1, signal: controller.signal, onEvent: (e) => { if (e.type === 'progress' && e.completedBytes > 0) controller.abort() } })
} catch (err) {
  aborted = { isDtdlError: err instanceof DtdlError, exitCode: err.exitCode, code: err.code }
}
const partial = await stat('slow.bin.dtdl-part').then((s) => s.size, () => -1)
const finalExists = await stat('slow.bin').then(() => true, () => false)
await emu.close()
process.stdout.write(JSON.stringify({ result, same: served === saved, events, aborted, partial, finalExists }))
`,
  )
  const { stdout, stderr } = await run(process.execPath, ['use.mjs'], { cwd: project, timeout: 60_000 })
  const out = JSON.parse(stdout) as {
    result: { path: string; bytes: number; crc64: string | null; upToDate: boolean; checked: string[] }
    same: boolean
    events: string[]
    aborted: { isDtdlError: boolean; exitCode: number; code: string }
    partial: number
    finalExists: boolean
  }
  expect(stderr).toBe('')
  expect(out.same).toBe(true)
  expect(out.result).toMatchObject({ path: join(project, 'lib.bin'), bytes: 3 * 1024 * 1024, upToDate: false })
  expect(out.result.checked).toContain('crc64')
  expect(out.events).toContain('start')
  expect(out.events).toContain('progress')
  expect(out.aborted).toEqual({ isDtdlError: true, exitCode: 130, code: 'INTERRUPTED' })
  expect(out.partial).toBeGreaterThan(0)
  expect(out.finalExists).toBe(false)
}, 90_000)

it('runs as npx dtdl', async () => {
  const { stdout } = await run('npx', ['--no-install', 'dtdl', '--help'], { cwd: project })
  expect(stdout).toMatch(/^Usage: dtdl/)
})

it('gives TypeScript users the types of the library and the emulator', async () => {
  await writeFile(
    join(project, 'consumer.ts'),
    `
import { download, DtdlError, type DownloadResult, type DownloadEvent } from 'dtdl'
import { startEmulator, type Emulator } from 'dtdl/emulator'
export async function fetchOne(emu: Emulator): Promise<number> {
  const onEvent = (e: DownloadEvent | { type: 'phase' | 'message'; text: string }) => void e.type
  const r: DownloadResult = await download({ spaceId: 's', dentryId: 'd', endpoint: emu.url, output: 'x', connections: 2, onEvent })
  return r.bytes
}
export const check = (e: unknown): number | undefined => (e instanceof DtdlError ? e.exitCode : undefined)
export const start = startEmulator
`,
  )
  await writeFile(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        typeRoots: [join(ROOT, 'node_modules', '@types')],
        types: ['node'],
      },
      files: ['consumer.ts'],
    }),
  )
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
  const { stdout } = await run(process.execPath, [tsc, '-p', project], { cwd: project }).catch(
    (err: { stdout: string }) => ({ stdout: err.stdout }),
  )
  expect(stdout).toBe('')
  // The same check must be able to fail: a wrong option name is a type error.
  await writeFile(
    join(project, 'consumer.ts'),
    `import { download } from 'dtdl'\nvoid download({ spaceId: 's', dentryId: 'd', conections: 2 })\n`,
  )
  const bad = await run(process.execPath, [tsc, '-p', project], { cwd: project }).then(
    () => '',
    (err: { stdout: string }) => err.stdout,
  )
  expect(bad).toMatch(/conections/)
})
