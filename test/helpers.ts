// Shared test plumbing: temp dirs, the real CLI as a child process, and waiting on observable conditions.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEMO, startEmulator, type Emulator, type EmulatorOptions } from '../src/emulator/index.js'

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..')
export const BIN = join(ROOT, 'bin', 'dtdl.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** A clean environment: nothing from the developer's shell leaks into a test (no real credentials). */
export function cleanEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const k of ['PATH', 'HOME', 'SYSTEMROOT', 'TMPDIR', 'LANG']) if (process.env[k]) env[k] = process.env[k]!
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v
  return env
}

/** Starts the CLI; the caller decides when to wait, signal or kill it. */
export function spawnCli(
  args: string[],
  options: { env: Record<string, string>; cwd?: string; stdin?: string },
): ChildProcess & { result: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: options.env,
    cwd: options.cwd ?? ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  child.stdin!.end(options.stdin ?? '')
  const result = new Promise<CliResult>((done) =>
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr })),
  )
  return Object.assign(child, { result })
}

export function runCli(
  args: string[],
  options: { env: Record<string, string>; cwd?: string; stdin?: string },
): Promise<CliResult> {
  return spawnCli(args, options).result
}

/** Runs a bash command line (pipelines, ulimit) and collects what it printed, like runCli does for the CLI alone. */
export function runShell(command: string, options: { env: Record<string, string>; cwd: string }): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', command], { env: options.env, cwd: options.cwd })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }))
  })
}

/** Polls a condition (an observable fact, not a guess about time) until it holds or the deadline passes. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'dtdl-test-'))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** An emulator plus a temp dir and the env that points the CLI at both, torn down together. */
export async function setupWorld(options: EmulatorOptions = {}) {
  const emulator: Emulator = await startEmulator({ quiet: true, ...options })
  const tmp = await makeTempDir()
  const env = (extra: Record<string, string | undefined> = {}) =>
    cleanEnv({
      DTDL_CONFIG_DIR: join(tmp.dir, 'config'),
      DTDL_ENDPOINT: emulator.url,
      DINGTALK_APP_KEY: DEMO.appKey,
      DINGTALK_APP_SECRET: DEMO.appSecret,
      DINGTALK_UNION_ID: DEMO.unionId,
      ...extra,
    })
  return {
    emulator,
    dir: tmp.dir,
    env,
    run: (args: string[], extra: Record<string, string | undefined> = {}, cwd?: string) =>
      runCli(args, { env: env(extra), cwd: cwd ?? tmp.dir }),
    close: async () => {
      await emulator.close()
      await tmp.cleanup()
    },
  }
}

/** Deterministic pseudo-random bytes (xorshift), so a failing comparison is reproducible. */
export function randomBytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

export { DEMO }

/**
 * Can this process mount a tmpfs (root, or a container that allows it)? Decided once, before the tests are declared.
 */
export const canMountTmpfs = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'dtdl-tmpfs-probe-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' })
    execFileSync('umount', [dir], { stdio: 'ignore' })
    return true
  } catch {
    return false
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})()

/** Mounts a tmpfs at `dir` (made if missing); the returned function unmounts it. */
export async function mountTmpfs(dir: string, options: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true })
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir])
  return async () => {
    execFileSync('umount', [dir])
  }
}
