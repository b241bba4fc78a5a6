// `dtdl emulator` itself: its --help, the ids of --file files (stable whatever the order), and --background's
// description.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assignFileIds } from '../../src/emulator/run.js'
import { cleanEnv, makeTempDir, runCli, spawnCli, waitFor } from '../helpers.js'

const READY = '# stop it with: kill $DTDL_EMULATOR_PID'

/** The `dentryId=N  "/name"` lines of a description, as name → id. */
function idsIn(description: string): Record<string, string> {
  return Object.fromEntries([...description.matchAll(/dentryId=(\d+) {2}"\/([^"/]+)"/g)].map((m) => [m[2]!, m[1]!]))
}

describe('dtdl emulator', () => {
  let dir: string
  let cleanup: () => Promise<void>
  const env = () => cleanEnv({ DTDL_CONFIG_DIR: join(dir, 'config') })
  beforeAll(async () => {
    ;({ dir, cleanup } = await makeTempDir())
    mkdirSync(join(dir, 'other'))
    for (const [name, text] of [
      ['alpha.txt', 'a'],
      ['beta.bin', 'bb'],
      ['gamma.pdf', 'ccc'],
      ['other/alpha.txt', 'dddd'],
    ] as const)
      writeFileSync(join(dir, name), text)
  })
  afterAll(async () => cleanup())

  /** Runs `dtdl emulator --print-env` with these --file options until it is ready; its description, then stops it. */
  async function describeWith(files: string[]): Promise<string> {
    const child = spawnCli(['emulator', '--print-env', ...files.flatMap((f) => ['--file', f])], {
      env: env(),
      cwd: dir,
    })
    let stdout = ''
    child.stdout!.on('data', (d: string) => (stdout += d))
    try {
      await waitFor(() => stdout.includes(READY), 'the emulator to be ready')
    } finally {
      child.kill('SIGTERM')
    }
    const result = await child.result
    expect(result.code, result.stderr).toBe(0)
    return result.stderr
  }

  it('--help shows the default port once, and the id rule', async () => {
    const r = await runCli(['emulator', '--help'], { env: env() })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('(default: a free one)')
    expect(r.stdout).not.toContain('(default: 0)')
    expect(r.stdout.match(/\(default:/g)).toHaveLength(1)
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('whatever the order of the --file options')
  })

  it('gives each --file the same dentryId whatever the order, and says how', async () => {
    const forward = await describeWith(['alpha.txt', 'beta.bin', 'gamma.pdf'])
    const backward = await describeWith(['gamma.pdf', 'beta.bin', 'alpha.txt'])
    const ids = idsIn(forward)
    expect(Object.keys(ids)).toEqual(expect.arrayContaining(['alpha.txt', 'beta.bin', 'gamma.pdf', 'demo.bin']))
    expect(idsIn(backward)).toEqual(ids)
    // One file alone keeps its id too: ids do not depend on what else is served.
    expect(idsIn(await describeWith(['beta.bin']))['beta.bin']).toBe(ids['beta.bin'])
    for (const name of ['alpha.txt', 'beta.bin', 'gamma.pdf']) expect(Number(ids[name])).toBeGreaterThanOrEqual(30000)
    expect(forward).toContain("each --file's dentryId (30000-99999) comes from a hash of its file name")
  })

  it('assignFileIds: same-named files in two folders get distinct ids, in an order-free way; a path given twice is served once', () => {
    const a = assignFileIds([join(dir, 'alpha.txt'), join(dir, 'other/alpha.txt'), join(dir, 'beta.bin')])
    const b = assignFileIds([
      join(dir, 'beta.bin'),
      join(dir, 'other/alpha.txt'),
      join(dir, 'alpha.txt'),
      join(dir, 'beta.bin'),
    ])
    expect(b).toEqual(a)
    expect(a).toHaveLength(3)
    expect(new Set(a.map((f) => f.dentryId)).size).toBe(3)
    const alone = assignFileIds([join(dir, 'alpha.txt')])[0]!
    expect(a.find((f) => f.path === join(dir, 'alpha.txt'))!.dentryId).toBe(alone.dentryId)
  })

  it("--background prints the description with the files' ids on stderr, the env lines on stdout", async () => {
    const r = await runCli(['emulator', '--background', '--file', 'gamma.pdf'], { env: env(), cwd: dir })
    const pid = Number(/DTDL_EMULATOR_PID=(\d+)/.exec(r.stdout)?.[1])
    try {
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/^export DTDL_ENDPOINT=/)
      expect(r.stdout).not.toContain('dentryId=')
      const ids = idsIn(r.stderr)
      expect(ids['gamma.pdf']).toBe(assignFileIds([join(dir, 'gamma.pdf')])[0]!.dentryId)
      expect(ids['demo.bin']).toBe('10001')
      // One file per line, as in the foreground: its lines are said one by one, not shown as one escaped line.
      expect(r.stderr).toMatch(/^ {4}spaceId=demo-space dentryId=\d+ {2}"\/gamma\.pdf"/m)
      expect(r.stderr).not.toContain('\\x0a')
      expect(r.stderr).toMatch(/running in the background at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)/)
      expect(r.stderr).not.toContain('# dtdl-emulator')
    } finally {
      if (pid > 0) process.kill(pid, 'SIGTERM')
    }
  })
})
