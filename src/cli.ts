// The shell around the core: argv, env, TTY, signals and exit codes live here and nowhere else.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type * as CommanderModule from 'commander'
import { DtdlError, ExitCode, InterruptedError, UsageError, formatError } from './errors.js'
import { parseIntegerOption } from './config/settings.js'
import { secrets } from './redact.js'
import type { HttpLogEntry } from './http/dispatcher.js'
import type { ProgressReporter } from './output/progress.js'

// commander is CommonJS: require() loads it in about half the time of an ESM import (no ESM wrapper and
// export scan), which is most of what `dtdl --help` costs beyond Node's own start-up.
const { Command, CommanderError, Option } = createRequire(import.meta.url)('commander') as typeof CommanderModule
type Command = CommanderModule.Command

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

/** Every line for people goes through here: stderr, secrets masked. */
const say = (line: string) => process.stderr.write(`${secrets.redact(line)}\n`)
/** Data and --json go to stdout only. */
const print = (line: string) => process.stdout.write(`${secrets.redact(line)}\n`)

interface OutputFlags {
  json?: boolean
  quiet?: boolean
  progress?: boolean
  verbose?: boolean
}

/** Anything thrown that is not a DtdlError is a bug: exit 1, with the stack only under --verbose. */
function toDtdlError(err: unknown): DtdlError {
  if (err instanceof DtdlError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new DtdlError('UNEXPECTED', ExitCode.unexpected, `unexpected error: ${message}`, {
    hint: 'run again with --verbose and report it at the project issue tracker',
    cause: err,
  })
}

function describeCauses(err: unknown): string[] {
  const lines: string[] = []
  let e = (err as { cause?: unknown }).cause
  for (let i = 0; e && i < 5; i++) {
    const code = (e as { code?: string }).code
    lines.push(`  caused by: ${(e as Error).message ?? String(e)}${code ? ` (${code})` : ''}`)
    e = (e as { cause?: unknown }).cause
  }
  return lines
}

/**
 * Runs one command with the process's edges wired in: an AbortSignal tied to SIGINT/SIGTERM, a progress
 * reporter chosen from the terminal, and one place that turns errors into output and exit codes.
 */
async function runWithShell(flags: OutputFlags, body: (ctx: { signal: AbortSignal; reporter: ProgressReporter; log: ((e: HttpLogEntry) => void) | undefined }) => Promise<unknown>, onSuccess: (result: unknown) => void): Promise<void> {
  const controller = new AbortController()
  let interrupts = 0
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    interrupts++
    // A second Ctrl-C means "now": the record from the last checkpoint still allows resuming.
    if (interrupts > 1) process.exit(signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted)
    controller.abort(new InterruptedError(signal))
  }
  const sigint = () => onSignal('SIGINT')
  const sigterm = () => onSignal('SIGTERM')
  process.on('SIGINT', sigint)
  process.on('SIGTERM', sigterm)

  const { chooseProgressMode, createProgressReporter } = await import('./output/progress.js')
  const mode = progressModeFor(flags, chooseProgressMode)
  const reporter = await createProgressReporter({ mode, stream: process.stderr, showProgress: flags.progress !== false, noColor: Boolean(process.env.NO_COLOR) })
  const wrapped: ProgressReporter = {
    phase: (t) => reporter.phase(t),
    event: (e) => reporter.event(e),
    note: (t) => reporter.note(secrets.redact(t)),
    finish: (l) => reporter.finish(l === undefined ? undefined : secrets.redact(l)),
  }
  const log = flags.verbose
    ? (e: HttpLogEntry) => wrapped.note(`${e.method} ${e.url} → ${e.status} in ${Math.round(e.durationMs)} ms${e.note ? ` (${e.note})` : ''}`)
    : undefined
  try {
    const result = await body({ signal: controller.signal, reporter: wrapped, log })
    reporter.finish()
    onSuccess(result)
  } catch (raw) {
    reporter.finish()
    const err = toDtdlError(controller.signal.aborted && !(raw instanceof DtdlError && raw.exitCode !== ExitCode.interrupted) ? controller.signal.reason : raw)
    if (flags.json) {
      print(JSON.stringify({ ok: false, exitCode: err.exitCode, error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}), ...(err.requestId ? { requestId: err.requestId } : {}) } }))
    }
    if (err instanceof InterruptedError) {
      say('dtdl: interrupted; what was downloaded is kept: run the same command again to resume')
    } else if (!flags.json || !flags.quiet) {
      say(formatError(err))
    }
    if (flags.verbose) {
      for (const line of describeCauses(err)) say(line)
      if (err.exitCode === ExitCode.unexpected && err.cause instanceof Error && err.cause.stack) say(err.cause.stack)
    }
    process.exitCode = err.exitCode
  } finally {
    process.off('SIGINT', sigint)
    process.off('SIGTERM', sigterm)
  }
}

const intOption = (flag: string, min: number, max?: number) => (value: string) => parseIntegerOption(value, flag, min, max)

/** The output mode from the terminal, CI and flags: one rule for single files and batches. */
function progressModeFor(flags: OutputFlags, choose: typeof import('./output/progress.js').chooseProgressMode) {
  return choose({
    isTTY: Boolean(process.stderr.isTTY),
    ci: Boolean(process.env.CI) && process.env.CI !== 'false',
    quiet: Boolean(flags.quiet),
    term: process.env.TERM,
    columns: process.stderr.columns,
  })
}

/** --limit-rate as bytes per second, or a usage error. */
async function parseLimitRate(value: unknown): Promise<number | undefined> {
  if (value === undefined) return undefined
  const { parseRate } = await import('./output/format.js')
  const rate = parseRate(String(value))
  if (rate === undefined) throw new UsageError(`--limit-rate must be a rate such as 500K or 10M, not ${JSON.stringify(value)}`, { code: 'BAD_OPTION' })
  return rate
}

/** The API flags get and info share: who asks, where, which version, intranet or not. */
function addFileApiOptions(command: Command): Command {
  return command
    .option('-u, --union-id <id>', "the operator's unionId (or DINGTALK_UNION_ID, or config unionId)")
    .addOption(new Option('--version <n>', 'file version (integer >= 1)').argParser(intOption('--version', 1)))
    .option('--intranet', 'ask for intranet resource URLs (option.preferIntranet = true)')
    .option('--no-intranet', 'ask for public resource URLs (option.preferIntranet = false)')
    .option('--endpoint <url>', 'API base URL (or DTDL_ENDPOINT, or config endpoint)')
}

/** Those flags' values, as the commands take them. */
const fileApiFlags = (o: Record<string, unknown>) => ({
  unionId: o.unionId as string | undefined,
  endpoint: o.endpoint as string | undefined,
  version: o.version as number | undefined,
  preferIntranet: o.intranet as boolean | undefined,
})

function buildProgram(): Command {
  const program = new Command()
  program
    .name('dtdl')
    .description('Download files from DingTalk (钉钉) enterprise storage: resumable, parallel, verified.')
    .version(pkg.version, '-V, --version', 'print the version of dtdl')
    // `dtdl get ... --version 3` is the file version; only `dtdl --version` is dtdl's own.
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .addHelpText(
      'after',
      `
Examples:
  $ export DINGTALK_APP_KEY=... DINGTALK_APP_SECRET=... DINGTALK_UNION_ID=...
  $ dtdl get <spaceId> <dentryId>                  save under the file's own name
  $ dtdl get <spaceId> <dentryId> -o big.iso -c 8  eight connections, resumable
  $ dtdl emulator                                  try it offline against a local emulator

Exit codes: 0 ok, 1 unexpected, 2 usage, 3 auth/permission, 4 not found, 5 remote/network,
6 integrity, 7 local file system, 130 interrupted (143 on SIGTERM).`,
    )

  addFileApiOptions(
    program
      .command('get')
      .description('download one file; a whole folder with -r; a list of files with -i')
      .usage('[options] <spaceId> <dentryId>\n       dtdl get [options] -i <file>')
      // Optional here only so -i can go without them; the action insists on both otherwise.
      .argument('[spaceId]', 'the storage space id')
      .argument('[dentryId]', 'the file (dentry) id; with -r a folder id ("0" = the space root)'),
  )
    .option('-o, --output <path>', 'target file, or an existing directory to save into (default: the file name, here)')
    .addOption(new Option('-c, --connections <n>', 'parallel connections, 1-16 (default: by size, up to 8)').argParser(intOption('--connections', 1, 16)))
    .addOption(new Option('--retries <n>', 'consecutive failures of a connection before giving up').default(5).argParser(intOption('--retries', 0, 100)))
    .addOption(new Option('--stall-timeout <seconds>', 'abort and retry a response silent this long').default(30).argParser(intOption('--stall-timeout', 1, 3600)))
    .addOption(new Option('--archive-wait <seconds>', 'how long to wait for an archived file to be restored').default(600).argParser(intOption('--archive-wait', 0, 86400)))
    .option('--sha256 <hex>', 'also check the SHA-256 of the whole file')
    .option('--limit-rate <rate>', 'overall speed cap across connections, e.g. 500K, 10M (bytes per second)')
    .option('-f, --force', 'replace an existing target that differs from the remote file')
    .option('--json', 'print one JSON object with the result on stdout')
    .option('-q, --quiet', 'print nothing on success, only the error on failure')
    .option('--no-progress', 'no progress bar or periodic progress lines')
    .option('--verbose', 'one line per HTTP request on stderr (secrets masked)')
    .option('-r, --recursive', "download a folder and everything below it (see 'Folders' below)")
    .option('-i, --input-file <path>', "download the files a list names, one batch (see 'Input files' below); - reads stdin")
    .addOption(new Option('-j, --jobs <n>', 'with -r/-i: files at a time, 1-16 (default: 4)').argParser(intOption('--jobs', 1, 16)))
    .option('--include <glob>', 'with -r: fetch only files whose path matches (repeatable)', collect)
    .option('--exclude <glob>', 'with -r: skip files whose path matches (repeatable)', collect)
    .addHelpText(
      'after',
      `
Folders (-r):
  The folder's contents go into -o <dir> (created if missing, like \`cp -r folder/. dir\`); without -o,
  into ./<folder name>. A file id with -r lands in that directory alone. Names from the server are made
  safe (no separators, "..", control characters or names Windows cannot hold; colliding names get " (2)"
  by dentryId order) and nothing is written outside the directory. A file already there and identical
  is skipped; an interrupted run, re-run, resumes; a local file that differs needs --force.
  --include/--exclude match each file's path in the mirror (POSIX, after cleaning): * within a name,
  ** across folders, ? one character; a pattern without / matches at any depth, and a pattern that
  matches a folder matches everything in it. A file is taken if it matches any --include (or none is
  given) and no --exclude.
Input files (-i):
  One "<spaceId> <dentryId> [output]" per line; blank lines and lines starting with # are skipped. The
  output is the rest of the line, spaces included ("..." around it is optional); without it the file's
  own name. With -o <dir>, relative outputs are taken inside <dir>. A bad line is reported as
  "line N: ..." and the other lines still run.
Batches (-r, -i):
  -j files at a time; each uses -c connections if given, else by size up to floor(16 / jobs).
  --limit-rate caps the whole batch: one budget shared by every file in flight. A failed file does
  not stop the others; the exit code is the worst file's by severity: 130 > 6 > 7 > 5 > 3 > 4 > 2 >
  1 > 0. --json prints
  {ok, exitCode, dir?, jobs, connections, maxConnectionsPerFile, files: [{path, spaceId, dentryId,
  status: downloaded|skipped|failed, bytes, line?, error?}], summary: {downloaded, skipped, failed,
  bytes, durationMs}}; with -r each path is relative to dir, with -i it is the target path.

Examples:
  $ dtdl get 123456 7890123 -u $UNION_ID                 save as the file's own name
  $ dtdl get 123456 7890123 -o backups/ -c 8             into backups/, 8 connections
  $ dtdl get 123456 7890123 -o db.tar --version 3 --json  version 3, JSON result
  $ dtdl get 123456 4455 -r -o mirror/ --exclude '*.tmp'  a folder's contents into mirror/
  $ dtdl get -i list.txt -j 8                             every file list.txt names, 8 at a time
Interrupted? Run the same command again: it resumes.`,
    )
    .action(async (spaceId: string | undefined, dentryId: string | undefined, o: Record<string, unknown>) => {
      const flags = o as OutputFlags
      if (o.recursive || o.inputFile !== undefined) return runBatchGetCommand(spaceId, dentryId, o)
      if (o.jobs !== undefined || o.include !== undefined || o.exclude !== undefined) {
        throw new UsageError('-j, --include and --exclude apply to -r and -i only', { code: 'BAD_OPTION', hint: 'add -r to download a folder' })
      }
      if (spaceId === undefined || dentryId === undefined) {
        throw new UsageError('missing <spaceId> <dentryId>', { code: 'MISSING_ARGUMENT', hint: 'dtdl get <spaceId> <dentryId>, or dtdl get -i <file>' })
      }
      if (o.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(String(o.sha256))) {
        throw new UsageError('--sha256 must be 64 hex digits', { code: 'BAD_OPTION' })
      }
      const limitRate = await parseLimitRate(o.limitRate)
      if (o.output === '-' && flags.json) {
        throw new UsageError('--json and -o - both want stdout', { code: 'BAD_OPTION', hint: 'drop --json, or save to a file with -o <path>' })
      }
      const { runGet } = await import('./engine/get-file.js')
      await runWithShell(
        flags,
        (ctx) =>
          runGet(
            {
              spaceId,
              dentryId,
              output: o.output as string | undefined,
              ...fileApiFlags(o),
              connections: o.connections as number | undefined,
              retries: o.retries as number,
              stallTimeoutMs: (o.stallTimeout as number) * 1000,
              archiveWaitMs: (o.archiveWait as number) * 1000,
              sha256: o.sha256 as string | undefined,
              limitRate,
              force: Boolean(o.force),
            },
            { env: process.env, stdout: process.stdout, ...ctx },
          ),
        (result) => {
          const r = result as import('./engine/download.js').DownloadResult
          if (flags.json) {
            print(
              JSON.stringify({
                ok: true,
                path: r.path,
                bytes: r.bytes,
                upToDate: r.upToDate,
                version: (o.version as number | undefined) ?? null,
                crc64: r.crc64,
                checked: r.checked,
                durationMs: r.durationMs,
                bytesPerSecond: r.durationMs > 0 && !r.upToDate ? Math.round(((r.bytes - r.resumedBytes) * 1000) / r.durationMs) : 0,
                resumedBytes: r.resumedBytes,
                retries: r.retries,
                urlRefreshes: r.urlRefreshes,
              }),
            )
          }
          if (flags.quiet) return
          const bytes = `${r.bytes} byte${r.bytes === 1 ? '' : 's'}`
          if (r.upToDate) say(`up to date: ${r.path} (${bytes})`)
          else if (r.path === '-') say(`streamed ${bytes} to stdout (checked: ${r.checked.join(' + ')})`)
          else say(`saved ${r.path} (${bytes} in ${(r.durationMs / 1000).toFixed(1)}s, checked: ${r.checked.join(' + ')})`)
        },
      )
    })

  program
    .command('ls')
    .description("list a folder's entries (the space root when no folder is given): type, size, modified time, id, path")
    .argument('<spaceId>', 'the storage space id')
    .argument('[folderDentryId]', 'the folder (dentry) id (default: the space root)')
    .option('-r, --recursive', 'list the whole tree below the folder')
    .option('-u, --union-id <id>', "the operator's unionId (or DINGTALK_UNION_ID, or config unionId)")
    .option('--endpoint <url>', 'API base URL (or DTDL_ENDPOINT, or config endpoint)')
    .option('--json', 'print one JSON object: {"ok": true, "entries": [{id, name, type, size, modifiedTime, path}]}')
    .option('--verbose', 'one line per HTTP request on stderr (secrets masked)')
    .addHelpText(
      'after',
      `
Paths are relative to the listed folder, names as the server has them (control characters shown as
\\xNN; in --json, verbatim). Sizes are in bytes in --json, null for folders.`,
    )
    .action(async (spaceId: string, folderId: string | undefined, o: Record<string, unknown>) => {
      const flags = o as OutputFlags
      const { runLs, formatLs } = await import('./dingtalk/list.js')
      await runWithShell(
        flags,
        (ctx) =>
          runLs(
            { spaceId, folderId, recursive: Boolean(o.recursive), unionId: o.unionId as string | undefined, endpoint: o.endpoint as string | undefined },
            { env: process.env, ...ctx },
          ),
        (result) => {
          const entries = result as import('./dingtalk/list.js').LsEntry[]
          if (flags.json) print(JSON.stringify({ ok: true, entries }))
          else for (const line of formatLs(entries)) print(line)
        },
      )
    })

  addFileApiOptions(
    program
      .command('info')
      .description("show a file's metadata and download info (region, hosts, expiry); secrets masked")
      .argument('<spaceId>', 'the storage space id')
      .argument('<dentryId>', 'the file (dentry) id'),
  )
    .option('--show-secrets', 'print the signed URLs and headers in full (they grant access for a while)')
    .option('--json', 'print one JSON object on stdout')
    .option('--verbose', 'one line per HTTP request on stderr (secrets masked)')
    .action(async (spaceId: string, dentryId: string, o: Record<string, unknown>) => {
      const flags = o as OutputFlags
      const { runInfo, formatInfo } = await import('./dingtalk/file-info.js')
      await runWithShell(
        flags,
        (ctx) =>
          runInfo(
            {
              spaceId,
              dentryId,
              ...fileApiFlags(o),
              showSecrets: Boolean(o.showSecrets),
            },
            { env: process.env, ...ctx },
          ),
        (result) => {
          const info = result as import('./dingtalk/file-info.js').FileInfo
          if (flags.json) print(JSON.stringify({ ok: true, ...info }))
          else for (const line of formatInfo(info)) print(line)
        },
      )
    })

  const config = program.command('config').description('read and change settings (token, appKey, appSecret, unionId, endpoint)')
  config.addHelpText(
    'after',
    `
The store lives in DTDL_CONFIG_DIR when set. Secrets are masked by list and get.
Examples:
  $ dtdl config set appKey dingxxxx
  $ printf %s "$SECRET" | dtdl config set appSecret -     read the value from stdin`,
  )
  const configAction = (action: 'set' | 'get' | 'unset' | 'list' | 'path') => async (...args: unknown[]) => {
    const strings = args.filter((a): a is string => typeof a === 'string')
    const { runConfig } = await import('./config/edit.js')
    await runConfig(action, strings, { env: process.env, stdout: print, readStdin })
  }
  config.command('set').description('set a key (value - reads stdin)').argument('<key>').argument('<value>').action(configAction('set'))
  config.command('get').description('print a key (secrets masked)').argument('<key>').action(configAction('get'))
  config.command('unset').description('remove a key').argument('<key>').action(configAction('unset'))
  config.command('list').description('print all keys (secrets masked)').action(configAction('list'))
  config.command('path').description('print the config file path').action(configAction('path'))

  program
    .command('emulator')
    .description('run a local emulator of the DingTalk API and storage, to try dtdl offline')
    .addOption(new Option('--port <n>', 'port to listen on (default: a free one)').default(0).argParser(intOption('--port', 0, 65535)))
    .option('--file <path...>', 'serve these local files (besides the demo files)')
    .action(async (o: { port: number; file?: string[] }) => {
      const { runEmulator } = await import('./emulator/run.js')
      await runEmulator({ port: o.port, files: o.file ?? [] }, { stdout: print })
    })
  return program
}

/** Commander's way to take a repeatable option: each use appends to the list. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/** `get -r` and `get -i`: checks the flags that do not fit a batch, then runs it with a batch's progress and exit code. */
async function runBatchGetCommand(spaceId: string | undefined, dentryId: string | undefined, o: Record<string, unknown>): Promise<void> {
  const flags = o as OutputFlags
  const inputFile = o.inputFile as string | undefined
  const include = (o.include as string[] | undefined) ?? []
  const exclude = (o.exclude as string[] | undefined) ?? []
  if (o.recursive && inputFile !== undefined) throw new UsageError('-r and -i do not go together', { code: 'BAD_OPTION', hint: 'list folders with -r one at a time' })
  if (inputFile !== undefined && spaceId !== undefined) throw new UsageError('-i takes the ids from the file: give no <spaceId> <dentryId>', { code: 'BAD_OPTION' })
  if (o.recursive && (spaceId === undefined || dentryId === undefined)) throw new UsageError('missing <spaceId> <folderDentryId>', { code: 'MISSING_ARGUMENT', hint: 'dtdl get <spaceId> <folderDentryId> -r' })
  if (inputFile !== undefined && (include.length > 0 || exclude.length > 0)) throw new UsageError('--include and --exclude apply to -r only', { code: 'BAD_OPTION' })
  for (const [flag, value] of [['--version', o.version], ['--sha256', o.sha256]] as const) {
    if (value !== undefined) throw new UsageError(`${flag} applies to one file, not to -r or -i`, { code: 'BAD_OPTION' })
  }
  if (o.output === '-') throw new UsageError('-o - streams one file to stdout; -r and -i write files', { code: 'BAD_OPTION', hint: 'give a directory with -o' })
  const limitRate = await parseLimitRate(o.limitRate)
  const { globToRegExp } = await import('./batch/mirror-plan.js')
  for (const pattern of [...include, ...exclude]) globToRegExp(pattern) // a bad pattern is a usage error before any request
  const { chooseProgressMode } = await import('./output/progress.js')
  const mode = progressModeFor(flags, chooseProgressMode)
  const { runBatchGet } = await import('./batch/batch-get.js')
  const { describeSummary } = await import('./output/batch-progress.js')
  await runWithShell(
    flags,
    (ctx) =>
      runBatchGet(
        {
          source: inputFile !== undefined ? { kind: 'input', path: inputFile } : { kind: 'folder', spaceId: spaceId!, dentryId: dentryId! },
          output: o.output as string | undefined,
          filters: { include, exclude },
          jobs: o.jobs as number | undefined,
          connections: o.connections as number | undefined,
          unionId: o.unionId as string | undefined,
          endpoint: o.endpoint as string | undefined,
          preferIntranet: o.intranet as boolean | undefined,
          retries: o.retries as number,
          stallTimeoutMs: (o.stallTimeout as number) * 1000,
          archiveWaitMs: (o.archiveWait as number) * 1000,
          limitRate,
          force: Boolean(o.force),
          progress: { mode, showProgress: flags.progress !== false, stream: process.stderr },
        },
        { env: process.env, readStdin, ...ctx },
      ),
    (result) => {
      const r = result as import('./batch/batch-get.js').BatchGetResult
      if (flags.json) {
        const files = r.files.map(({ exitCode, error, ...f }) => ({ ...f, ...(error ? { error: { ...error, exitCode } } : {}) }))
        const { ok, exitCode, dir, jobs, connections, maxConnectionsPerFile, summary } = r
        print(JSON.stringify({ ok, exitCode, ...(dir !== undefined ? { dir } : {}), jobs, connections, maxConnectionsPerFile, files, summary }))
      }
      if (!flags.quiet) say(describeSummary(r))
      process.exitCode = r.exitCode
    },
  )
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export async function main(argv: string[]): Promise<void> {
  // A reader that goes away (`dtdl --help | head`) is not an error worth a stack trace; `-o -` reports
  // it itself, with its exit code.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
  })
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with exit 0; every parse error (unknown flag, missing argument) is a usage error.
      process.exitCode = err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : ExitCode.usage
      return
    }
    const e = toDtdlError(err)
    say(formatError(e))
    process.exitCode = e.exitCode
  }
}

await main(process.argv)
