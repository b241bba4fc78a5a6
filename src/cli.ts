// The shell around the core: argv, env, TTY, signals and exit codes live here and nowhere else.
import { readFileSync } from 'node:fs'
import { Command, CommanderError, Option } from 'commander'
import { DtdlError, ExitCode, InterruptedError, UsageError, formatError } from './errors.js'
import { parseIntegerOption } from './settings.js'
import { secrets } from './redact.js'
import type { HttpLogEntry } from './http.js'
import type { ProgressReporter } from './progress.js'

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

  const { chooseProgressMode, createProgressReporter } = await import('./progress.js')
  const mode = chooseProgressMode({
    isTTY: Boolean(process.stderr.isTTY),
    ci: Boolean(process.env.CI) && process.env.CI !== 'false',
    quiet: Boolean(flags.quiet),
    term: process.env.TERM,
    columns: process.stderr.columns,
  })
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

  program
    .command('get')
    .description('download one file')
    .argument('<spaceId>', 'the storage space id')
    .argument('<dentryId>', 'the file (dentry) id')
    .option('-o, --output <path>', 'target file, or an existing directory to save into (default: the file name, here)')
    .option('-u, --union-id <id>', "the operator's unionId (or DINGTALK_UNION_ID, or config unionId)")
    .addOption(new Option('--version <n>', 'file version to download (integer >= 1)').argParser(intOption('--version', 1)))
    .option('--intranet', 'ask for intranet resource URLs (option.preferIntranet = true)')
    .option('--no-intranet', 'ask for public resource URLs (option.preferIntranet = false)')
    .addOption(new Option('-c, --connections <n>', 'parallel connections, 1-16 (default: by size, up to 8)').argParser(intOption('--connections', 1, 16)))
    .option('--endpoint <url>', 'API base URL (or DTDL_ENDPOINT, or config endpoint)')
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
    .addHelpText(
      'after',
      `
Examples:
  $ dtdl get 123456 7890123 -u $UNION_ID                 save as the file's own name
  $ dtdl get 123456 7890123 -o backups/ -c 8             into backups/, 8 connections
  $ dtdl get 123456 7890123 -o db.tar --version 3 --json  version 3, JSON result
Interrupted? Run the same command again: it resumes.`,
    )
    .action(async (spaceId: string, dentryId: string, o: Record<string, unknown>) => {
      const flags = o as OutputFlags
      if (o.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(String(o.sha256))) {
        throw new UsageError('--sha256 must be 64 hex digits', { code: 'BAD_OPTION' })
      }
      const { parseRate } = await import('./format.js')
      const limitRate = o.limitRate === undefined ? undefined : parseRate(String(o.limitRate))
      if (o.limitRate !== undefined && limitRate === undefined) {
        throw new UsageError(`--limit-rate must be a rate such as 500K or 10M, not ${JSON.stringify(o.limitRate)}`, { code: 'BAD_OPTION' })
      }
      if (o.output === '-' && flags.json) {
        throw new UsageError('--json and -o - both want stdout', { code: 'BAD_OPTION', hint: 'drop --json, or save to a file with -o <path>' })
      }
      const { runGet } = await import('./commands/get.js')
      await runWithShell(
        flags,
        (ctx) =>
          runGet(
            {
              spaceId,
              dentryId,
              output: o.output as string | undefined,
              unionId: o.unionId as string | undefined,
              endpoint: o.endpoint as string | undefined,
              version: o.version as number | undefined,
              preferIntranet: o.intranet as boolean | undefined,
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
          const r = result as import('./download.js').DownloadResult
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
          if (r.upToDate) say(`up to date: ${r.path} (${r.bytes} bytes)`)
          else if (r.path === '-') say(`streamed ${r.bytes} bytes to stdout (checked: ${r.checked.join(' + ')})`)
          else say(`saved ${r.path} (${r.bytes} bytes in ${(r.durationMs / 1000).toFixed(1)}s, checked: ${r.checked.join(' + ')})`)
        },
      )
    })

  program
    .command('info')
    .description("show a file's metadata and download info (region, hosts, expiry); secrets masked")
    .argument('<spaceId>', 'the storage space id')
    .argument('<dentryId>', 'the file (dentry) id')
    .option('-u, --union-id <id>', "the operator's unionId (or DINGTALK_UNION_ID, or config unionId)")
    .addOption(new Option('--version <n>', 'file version (integer >= 1)').argParser(intOption('--version', 1)))
    .option('--intranet', 'ask for intranet resource URLs')
    .option('--no-intranet', 'ask for public resource URLs')
    .option('--endpoint <url>', 'API base URL (or DTDL_ENDPOINT, or config endpoint)')
    .option('--show-secrets', 'print the signed URLs and headers in full (they grant access for a while)')
    .option('--json', 'print one JSON object on stdout')
    .option('--verbose', 'one line per HTTP request on stderr (secrets masked)')
    .action(async (spaceId: string, dentryId: string, o: Record<string, unknown>) => {
      const flags = o as OutputFlags
      const { runInfo, formatInfo } = await import('./commands/info.js')
      await runWithShell(
        flags,
        (ctx) =>
          runInfo(
            {
              spaceId,
              dentryId,
              unionId: o.unionId as string | undefined,
              endpoint: o.endpoint as string | undefined,
              version: o.version as number | undefined,
              preferIntranet: o.intranet as boolean | undefined,
              showSecrets: Boolean(o.showSecrets),
            },
            { env: process.env, ...ctx },
          ),
        (result) => {
          const info = result as import('./commands/info.js').FileInfo
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
    const { runConfig } = await import('./commands/config.js')
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
      const { runEmulator } = await import('./commands/emulator.js')
      await runEmulator({ port: o.port, files: o.file ?? [] }, { stdout: print })
    })
  return program
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export async function main(argv: string[]): Promise<void> {
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
