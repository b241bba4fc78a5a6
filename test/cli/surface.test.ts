// The CLI's surface as a new user meets it: one-line parse errors, shell completion, --create-dirs,
// --max-time, proxy errors, the --json version, the emulator's env lines, the config prompt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEMO, ROOT, runCli, setupWorld, type CliResult } from '../helpers.js'

type World = Awaited<ReturnType<typeof setupWorld>>
const SPACE = DEMO.spaceId
const SIZE = 1024 * 1024 + 3

describe('the CLI surface', () => {
  let w: World
  beforeAll(async () => {
    w = await setupWorld({
      files: [
        { spaceId: SPACE, dentryId: '501', name: 'report.pdf', size: SIZE },
        { spaceId: SPACE, dentryId: '502', name: 'slow.bin', size: 4 * 1024 * 1024 },
        {
          spaceId: SPACE,
          dentryId: '503',
          name: 'v.txt',
          content: Buffer.from('version three'),
          version: 3,
          versions: [{ version: 2, content: Buffer.from('version two') }],
        },
        { spaceId: SPACE, dentryId: '512', name: 'a.txt', size: 1000, parentId: '510' },
        { spaceId: SPACE, dentryId: '513', name: 'b.txt', size: 2000, parentId: '511' },
      ],
      folders: [
        { spaceId: SPACE, dentryId: '510', name: 'docs' },
        { spaceId: SPACE, dentryId: '511', name: 'inner', parentId: '510' },
      ],
    })
  })
  afterAll(async () => w.close())
  const only = (r: CliResult) => r.stderr.trimEnd().split('\n')

  it.each([
    [
      'an unknown option, with the suggestion folded in',
      ['get', SPACE, '501', '--conections', '4'],
      'dtdl: unknown option --conections (did you mean --connections?)',
    ],
    ['a missing argument', ['ls'], 'dtdl: missing argument <spaceId> (hint: see dtdl ls --help)'],
    ['an unknown command', ['fetch', SPACE, '501'], 'dtdl: unknown command fetch (hint: see dtdl --help)'],
    [
      'help for an unknown command',
      ['help', 'nonexist'],
      'dtdl: unknown command nonexist (hint: the commands are get, ls, info, versions, spaces, user, config, emulator, completion)',
    ],
    [
      'an option without its value',
      ['get', SPACE, '501', '-o'],
      'dtdl: option -o, --output <path> needs a value (hint: see dtdl get --help)',
    ],
    [
      'a config key that does not exist',
      ['config', 'set', 'colour', 'blue'],
      'dtdl: "colour" is not a valid <key>: choose one of token, appKey, appSecret, unionId, userId, endpoint, apiQps, maxApiCalls (hint: see dtdl config set --help)',
    ],
  ])('%s: one dtdl: line, exit 2', async (_what, args, line) => {
    const r = await w.run(args)
    expect(r.code).toBe(2)
    expect(only(r)).toEqual([line])
    expect(r.stdout).toBe('')
  })

  it('`dtdl completion bash`, sourced in bash, completes commands, options and config keys', async () => {
    const r = await w.run(['completion', 'bash'])
    expect(r.code, r.stderr).toBe(0)
    const script = join(w.dir, 'dtdl.bash')
    writeFileSync(script, r.stdout)
    const complete = (...words: string[]) => {
      const quoted = words.map((x) => `'${x}'`).join(' ')
      const out = spawnSync(
        'bash',
        [
          '-c',
          `source '${script}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _dtdl; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      )
      expect(out.status, out.stderr).toBe(0)
      return out.stdout.split('\n').filter((l) => l !== '')
    }
    expect(complete('dtdl', 'ge')).toEqual(['get'])
    expect(complete('dtdl', 'get', '--con')).toEqual(
      ['--connections', '--connect-timeout'].filter((f) => r.stdout.includes(f)),
    )
    expect(complete('dtdl', 'config', 'set', 'app')).toEqual(['appKey', 'appSecret'])
    expect(complete('dtdl', 'config', 'set', 'appKey', '')).toEqual([])
    expect(complete('dtdl', 'completion', '')).toEqual(['bash', 'zsh', 'fish'])
    // Every command and every flag the full help shows is in the script: it is generated from the program.
    for (const cmd of ['get', 'ls', 'info', 'config', 'emulator', 'completion'])
      expect(complete('dtdl', cmd.slice(0, 3)).includes(cmd)).toBe(true)
    const help = await w.run(['help', 'get'])
    const flags = [...help.stdout.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!)
    expect(flags.length).toBeGreaterThan(20)
    for (const f of flags) expect(complete('dtdl', 'get', f)).toContain(f)
  })

  it.each(['zsh', 'fish'])('`dtdl completion %s` prints a script naming every command', async (shell) => {
    const r = await w.run(['completion', shell])
    expect(r.code, r.stderr).toBe(0)
    for (const word of ['get', 'ls', 'info', 'config', 'emulator', 'completion', 'connections', 'appSecret'])
      expect(r.stdout).toContain(word)
  })

  describe('--create-dirs', () => {
    let n = 0
    const fresh = () => {
      const d = join(w.dir, `cd${++n}`)
      mkdirSync(d)
      return d
    }
    const list = (cwd: string) => writeFileSync(join(cwd, 'list.txt'), `${SPACE} 501 newsub/q1.pdf\n`)
    it.each([
      ['-o file in a missing directory', ['get', SPACE, '501', '-o', 'new/dir/r.pdf'], 'new/dir/r.pdf', 'new/dir'],
      ['-o dir/ that is missing', ['get', SPACE, '501', '-o', 'newdir/'], 'newdir/report.pdf', 'newdir'],
      ['-i -o with a missing base', ['get', '-i', 'list.txt', '-o', 'inbox'], 'inbox/newsub/q1.pdf', 'inbox'],
      ['an -i line in a missing directory', ['get', '-i', 'list.txt'], 'newsub/q1.pdf', 'newsub'],
      ["-r with -o's parent missing", ['get', SPACE, '510', '-r', '-o', 'x/y/mirror'], 'x/y/mirror/inner/b.txt', 'x/y'],
    ])('%s: the same FS_ENOENT error without it, created with it', async (_what, args, file, missing) => {
      const cwd = fresh()
      list(cwd)
      const without = await w.run([...args], {}, cwd)
      expect(without.code, without.stderr).toBe(7)
      expect(without.stderr).toContain(
        `the directory ${join(cwd, missing)} does not exist (hint: create it first (mkdir -p), or add --create-dirs)`,
      )
      expect(existsSync(join(cwd, file.split('/')[0]!))).toBe(false)
      const withIt = await w.run([...args, '--create-dirs'], {}, cwd)
      expect(withIt.code, withIt.stderr).toBe(0)
      expect(statSync(join(cwd, file)).isFile()).toBe(true)
    })

    it("-r makes the mirror's own tree (its root included) without --create-dirs", async () => {
      const cwd = fresh()
      const r = await w.run(['get', SPACE, '510', '-r', '-o', 'mirror'], {}, cwd)
      expect(r.code, r.stderr).toBe(0)
      expect(
        readFileSync(join(cwd, 'mirror', 'inner', 'b.txt')).equals(await w.emulator.fileContent(SPACE, '513')),
      ).toBe(true)
    })
  })

  it('--max-time ends a slow download with exit 28, keeps the partial, and the next run resumes', async () => {
    w.emulator.setFaults({ bytesPerSecondPerConnection: 512 * 1024 })
    try {
      const first = await w.run(['get', SPACE, '502', '-o', 'slow.bin', '-c', '2', '--max-time', '1.5'])
      expect(first.code, first.stderr).toBe(28)
      expect(first.stderr).toMatch(
        /^dtdl: --max-time 1\.5s ran out; [\d.]+ [KM]iB of 4\.0 MiB kept: run the same command again to resume$/m,
      )
      const kept = statSync(join(w.dir, 'slow.bin.dtdl-part.json')).isFile()
      expect(kept).toBe(true)
      expect(existsSync(join(w.dir, 'slow.bin'))).toBe(false)
      expect(existsSync(join(w.dir, 'slow.bin.dtdl-lock'))).toBe(false)
      w.emulator.setFaults({})
      const second = await w.run(['get', SPACE, '502', '-o', 'slow.bin', '--json'])
      expect(second.code, second.stderr).toBe(0)
      const out = JSON.parse(second.stdout) as { resumedBytes: number }
      expect(out.resumedBytes).toBeGreaterThan(0)
      expect(readFileSync(join(w.dir, 'slow.bin')).equals(await w.emulator.fileContent(SPACE, '502'))).toBe(true)
    } finally {
      w.emulator.setFaults({})
    }
  })

  it.each([
    ['HTTP_PROXY', 'http://127.0.0.1:9'],
    ['https_proxy', 'http://user:secret@127.0.0.1:9'],
  ])('a proxy that refuses is named with the variable it came from (%s)', async (variable, proxy) => {
    // https_proxy applies to https URLs only: point the endpoint at https so that one is used.
    const endpoint = variable === 'https_proxy' ? w.emulator.url.replace('http:', 'https:') : w.emulator.url
    const r = await w.run(['get', SPACE, '501', '-o', 'p.pdf', '--retries', '1'], {
      [variable]: proxy,
      DTDL_ENDPOINT: endpoint,
    })
    expect(r.code, r.stderr).toBe(5)
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('dtdl:'))
    expect(errors).toEqual([
      expect.stringContaining(
        `dtdl: cannot reach the proxy http://127.0.0.1:9 (from ${variable}) for ${new URL(endpoint).origin}: ECONNREFUSED (after 1 retry)`,
      ),
    ])
    expect(errors[0]).toContain(`fix or unset ${variable}`)
    expect(r.stderr).not.toContain('secret')
    // The token mint (app credentials here) retries like every other call: one line says so.
    expect(
      r.stderr.match(/the network failed \(NET_ECONNREFUSED\): waiting [\d.]+s \(retrying up to 1 time\)/g),
    ).toHaveLength(1)
  })

  it.each([
    ['no --version: the current one, from the file details', [], 3, 'version three'],
    ['no --version, -o naming a file', ['-o', 'named.txt'], 3, 'version three'],
    ['--version 2', ['--version', '2', '-o', 'old.txt'], 2, 'version two'],
  ])('--json reports the version downloaded (%s)', async (_what, extra, version, content) => {
    const r = await w.run(['get', SPACE, '503', ...extra, '--json', '--force'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { version: number | null; path: string }
    expect(out.version).toBe(version)
    expect(readFileSync(out.path, 'utf8')).toBe(content)
  })

  it('--force on an identical target: up to date, nothing fetched; on a different one: replaced', async () => {
    const first = await w.run(['get', SPACE, '501', '-o', 'same.pdf'])
    expect(first.code, first.stderr).toBe(0)
    const before = w.emulator.stats.resourceRequests.length
    const again = await w.run(['get', SPACE, '501', '-o', 'same.pdf', '--force', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ upToDate: true, bytes: SIZE })
    // Only the 1-byte probe went to storage.
    expect(w.emulator.stats.resourceRequests.length - before).toBe(1)
    writeFileSync(join(w.dir, 'same.pdf'), 'changed')
    const forced = await w.run(['get', SPACE, '501', '-o', 'same.pdf', '--force', '--json'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(JSON.parse(forced.stdout)).toMatchObject({ upToDate: false })
    expect(readFileSync(join(w.dir, 'same.pdf')).equals(await w.emulator.fileContent(SPACE, '501'))).toBe(true)
  })

  it('`config set appSecret -` on a terminal prompts without echo; from a pipe it reads silently', async () => {
    const config = join(w.dir, 'tty-config')
    const typed = spawnSync(
      'python3',
      [
        join(ROOT, 'test/cli/pty-type.py'),
        process.execPath,
        join(ROOT, 'bin/dtdl.js'),
        'config',
        'set',
        'appSecret',
        '-',
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH!, DTDL_CONFIG_DIR: config, PTY_TYPE: 'pty-s3cx\x7fret\r' },
      },
    )
    expect(typed.status, typed.stdout + typed.stderr).toBe(0)
    expect(typed.stdout).toContain('appSecret (typing is not shown): ')
    expect(typed.stdout).not.toContain('pty-s3c')
    expect(JSON.parse(readFileSync(join(config, 'config.json'), 'utf8'))).toMatchObject({ appSecret: 'pty-s3cret' })
    const fromPipe = await runCli(['config', 'set', 'appSecret', '-'], {
      env: w.env({ DTDL_CONFIG_DIR: config }),
      stdin: 'from-pipe\n',
    })
    // What was saved is said on stderr, masked: stdout stays empty for scripts, the secret is never shown.
    expect(fromPipe).toMatchObject({ code: 0, stdout: '' })
    expect(fromPipe.stderr).toMatch(/^saved appSecret: .*\*\*\*\*.*\n$/)
    expect(fromPipe.stderr).not.toContain('from-pipe')
    expect(JSON.parse(readFileSync(join(config, 'config.json'), 'utf8'))).toMatchObject({ appSecret: 'from-pipe' })
  })

  it('`eval "$(dtdl emulator --background)"` points the shell at a running emulator, and dtdl get works as is', async () => {
    const bin = join(ROOT, 'bin/dtdl.js')
    const script = `eval "$("${process.execPath}" "${bin}" emulator --background)" || exit 9
trap 'kill "$DTDL_EMULATOR_PID"' EXIT
printf 'env %s %s %s\\n' "$DTDL_ENDPOINT" "$DINGTALK_ACCESS_TOKEN" "$DINGTALK_UNION_ID"
"${process.execPath}" "${bin}" get demo-space 10001 -o demo.bin --json`
    const r = spawnSync('bash', ['-c', script], {
      cwd: w.dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH!, HOME: w.dir, DTDL_CONFIG_DIR: join(w.dir, 'bg-config') },
      timeout: 30_000,
    })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^env http:\/\/127\.0\.0\.1:\d+ dtdl-demo-token dtdl-demo-user$/m)
    expect(r.stdout).toMatch(/"ok":true/)
    expect(statSync(join(w.dir, 'demo.bin')).size).toBe(4 * 1024 * 1024)
  })

  it('every command and subcommand has examples in its --help', async () => {
    const commands = [
      'get',
      'ls',
      'info',
      'versions',
      'spaces',
      'user',
      'config',
      'config set',
      'config get',
      'config unset',
      'config list',
      'config path',
      'emulator',
      'completion',
    ]
    for (const c of commands) {
      const r = await w.run([...c.split(' '), '--help'])
      expect(r.code, c).toBe(0)
      expect(r.stdout, c).toMatch(/\nExamples:\n {2}\$ .*dtdl /)
    }
  })
})
