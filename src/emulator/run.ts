// `dtdl emulator`: a local DingTalk API and storage host to try dtdl and scripts offline.
import { createHash } from 'node:crypto'
import { basename, resolve } from 'node:path'
import { stat } from 'node:fs/promises'
import { DtdlError, ExitCode, FileSystemError, UsageError, type ExitCodeValue } from '../errors.js'

export interface EmulatorRunOptions {
  port: number
  files: string[]
  /** Print ready-to-paste `export ...` lines on stdout (everything else on stderr) and keep running. */
  printEnv?: boolean
  /** Start it as a background process, print its env lines (and its pid) and return: for `eval "$(...)"`. */
  background?: boolean
}

export interface EmulatorIo {
  stdout: (line: string) => void
  stderr: (line: string) => void
}

/** The last line of --print-env: `--background` waits for it before it lets the emulator go. */
const READY = '# stop it with: kill $DTDL_EMULATOR_PID'
/** What a background child writes on stderr after its description, so the parent knows it has all of it. */
const DESCRIBED = '# dtdl-emulator: described'

/** How --file ids are chosen, for the help and the description. */
export const FILE_ID_RULE =
  "each --file's dentryId (30000-99999) comes from a hash of its file name: the same from run to run, whatever the order of the --file options"

/**
 * Pure: the dentryId of each served file: 30000 + the file name's SHA-256 modulo 70000, so a name keeps its
 * id from run to run whatever the order of the options. Files whose ids clash (same name in two folders, or
 * a hash collision) take the next free id, in order of name, then path: still independent of the order given.
 * The same path twice is served once.
 */
export function assignFileIds(paths: string[]): { path: string; name: string; dentryId: string }[] {
  const files = [...new Set(paths.map((p) => resolve(p)))].map((path) => ({ path, name: basename(path) }))
  files.sort((a, b) => compare(a.name, b.name) || compare(a.path, b.path))
  const taken = new Set<number>()
  return files.map((f) => {
    let id = 30000 + (createHash('sha256').update(f.name).digest().readUInt32BE(0) % 70000)
    while (taken.has(id)) id = id === 99999 ? 30000 : id + 1
    taken.add(id)
    return { ...f, dentryId: String(id) }
  })
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

/** Pure: the lines `eval` runs: endpoint, a ready token, the unionId, and the pid to stop it with. */
export function envLines(url: string, demo: { accessToken: string; unionId: string }, pid: number): string[] {
  return [
    `export DTDL_ENDPOINT=${shellQuote(url)} DINGTALK_ACCESS_TOKEN=${shellQuote(demo.accessToken)} DINGTALK_UNION_ID=${shellQuote(demo.unionId)}`,
    `export DTDL_EMULATOR_PID=${pid}`,
    READY,
  ]
}

export async function runEmulator(options: EmulatorRunOptions, io: EmulatorIo): Promise<void> {
  if (options.background) return startInBackground(options, io)
  // The background parent reads only until READY and then goes: later writes must not kill the emulator.
  const child = process.env.DTDL_EMULATOR_CHILD === '1'
  if (child) for (const s of [process.stdout, process.stderr]) s.on('error', () => {})
  const { startEmulator, DEMO } = await import('./index.js')
  const emulator = await startEmulator({ port: options.port, quiet: child, requestLogLimit: 10_000 }).catch(
    (err: unknown) => {
      throw listenError(err, options.port)
    },
  )
  for (const file of assignFileIds(options.files)) {
    const info = await stat(file.path).catch(() => undefined)
    if (!info?.isFile()) {
      await emulator.close()
      throw new FileSystemError(file.path, `cannot serve ${file.path}: not a readable file`, {
        code: 'FS_ENOENT',
        hint: 'pass paths of existing files to --file',
      })
    }
    emulator.addFile({
      spaceId: DEMO.spaceId,
      dentryId: file.dentryId,
      name: file.name,
      path: file.path,
      size: info.size,
    })
  }
  const description = options.files.length > 0 ? `${emulator.describe()}\n  note: ${FILE_ID_RULE}` : emulator.describe()
  if (options.printEnv) {
    // stdout holds only what a shell may run; the description is for people, on stderr.
    io.stderr(description)
    if (child) io.stderr(DESCRIBED)
    for (const line of envLines(emulator.url, DEMO, process.pid)) io.stdout(line)
  } else {
    io.stdout(description)
    io.stdout(
      `To use it from this shell: eval "$(dtdl emulator --background)", or paste:\n  ${envLines(emulator.url, DEMO, process.pid)[0]}`,
    )
    io.stdout('Press Ctrl-C to stop.')
  }
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      void emulator.close().then(done)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

/** Runs `dtdl emulator --print-env` detached, relays its env lines once it is listening, and lets it run on. */
async function startInBackground(options: EmulatorRunOptions, io: EmulatorIo): Promise<void> {
  const { spawn } = await import('node:child_process')
  const args = [
    process.argv[1]!,
    'emulator',
    '--print-env',
    '--port',
    String(options.port),
    ...options.files.flatMap((f) => ['--file', resolve(f)]),
  ]
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DTDL_EMULATOR_CHILD: '1' },
  })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  const code = await new Promise<number | null>((done) => {
    // Two pipes: the description (stderr) may come after the env lines (stdout) although written first.
    const ready = () => out.includes(READY) && err.includes(DESCRIBED) && done(null)
    child.stdout.on('data', ready)
    child.stderr.on('data', ready)
    child.on('exit', (c) => done(c ?? 1))
  })
  if (code !== null) {
    // It never got going: its own error line says why.
    const line = err.split('\n').find((l) => l.startsWith('dtdl:'))
    const exitCode = (Object.values(ExitCode) as number[]).includes(code)
      ? (code as ExitCodeValue)
      : ExitCode.unexpected
    throw new DtdlError(
      'EMULATOR_FAILED',
      exitCode,
      line ? line.replace(/^dtdl: /, '') : `the emulator exited with code ${code} before it was ready`,
    )
  }
  child.stdout.destroy()
  child.stderr.destroy()
  child.unref()
  // The ids of the served files: a person running this learns them here, as in the foreground.
  io.stderr(err.slice(0, err.indexOf(DESCRIBED)).trimEnd())
  for (const line of out.trimEnd().split('\n')) io.stdout(line)
  io.stderr(
    `dtdl emulator running in the background at ${/DTDL_ENDPOINT=(\S+)/.exec(out)?.[1] ?? '?'} (pid ${child.pid}); stop it with: kill $DTDL_EMULATOR_PID`,
  )
}

/** A port the emulator cannot listen on is a bad --port (exit 2), said in one line. */
function listenError(err: unknown, port: number): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EADDRINUSE')
    return new UsageError(`port ${port} is in use`, {
      code: 'PORT_IN_USE',
      hint: 'choose another with --port, or --port 0 for a free one',
      cause: err,
    })
  if (code === 'EACCES')
    return new UsageError(`port ${port} needs privileges this user does not have`, {
      code: 'PORT_DENIED',
      hint: 'choose one above 1023 with --port, or --port 0 for a free one',
      cause: err,
    })
  return err
}
