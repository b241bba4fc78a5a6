// The shell around the core: argv in, exit code out. Each command declares itself in src/commands/; this file
// puts them together and turns what commander throws into exit codes.
import { readFileSync } from 'node:fs'
import { ExitCode, UsageError, formatError } from './errors.js'
import { formatParseError, helpCommandFor } from './commands/parse-errors.js'
import { commander, say, toDtdlError, watchOutputs, type Command } from './commands/shell.js'
import { declareGet } from './commands/get.js'
import { declareLs } from './commands/ls.js'
import { declareInfo } from './commands/info.js'
import { declareVersions } from './commands/versions.js'
import { declareSpaces } from './commands/spaces.js'
import { declareUser } from './commands/user.js'
import { declareConfig } from './commands/config.js'
import { declareEmulator } from './commands/emulator.js'
import { declareCompletion } from './commands/completion.js'
import { tuneV8ForTheCli } from './http/dispatcher.js'
import { isVerboseVersion } from './output/version.js'

const { Command: CommandClass, CommanderError } = commander

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

function buildProgram(): Command {
  const program = new CommandClass()
  program
    .name('dtdl')
    .description('Download files from DingTalk (钉钉) enterprise storage: resumable, parallel, verified.')
    .version(pkg.version, '-V, --version', 'print the version of dtdl')
    // `dtdl get ... --version 3` is the file version; only `dtdl --version` is dtdl's own.
    .enablePositionalOptions()
    .exitOverride()
    // Parse errors are printed once, as one `dtdl: ...` line, by main() below: commander's own two or
    // three lines (message, suggestion, "run with --help") are kept quiet. Subcommands inherit this.
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s), outputError: () => {} })
    .addHelpText(
      'after',
      `
Examples:
  $ export DINGTALK_APP_KEY=... DINGTALK_APP_SECRET=... DINGTALK_UNION_ID=...
  $ dtdl get <spaceId> <dentryId>                  save under the file's own name
  $ dtdl get <spaceId> <dentryId> -o big.iso -c 8  eight connections, resumable
  $ dtdl get https://alidocs.dingtalk.com/i/nodes/<dentryUuid>   by a link copied from DingTalk
  $ dtdl spaces                                    knowledge bases, with the rootNodeId to ls or get -r
  $ dtdl emulator                                  try it offline against a local emulator

Exit codes: 0 ok, 1 unexpected, 2 usage, 3 auth/permission, 4 not found, 5 remote/network,
6 integrity, 7 local file system, 130 interrupted (143 on SIGTERM), 141 output pipe closed.`,
    )
  declareGet(program)
  declareLs(program)
  declareInfo(program)
  declareVersions(program)
  declareSpaces(program)
  declareUser(program)
  declareConfig(program)
  declareEmulator(program)
  declareCompletion(program)
  return program
}

export async function main(argv: string[]): Promise<void> {
  if (isVerboseVersion(argv.slice(2))) {
    const { versionLines } = await import('./output/version.js')
    for (const line of await versionLines(pkg.version)) process.stdout.write(`${line}\n`)
    return
  }
  tuneV8ForTheCli()
  // A reader that goes away (`dtdl ls ... | head`, `dtdl get -r ... 2>&1 | head`) is not an error.
  watchOutputs()
  const program = buildProgram()
  const commands = new Map(program.commands.map((c) => [c.name(), c.commands.map((s) => s.name())]))
  try {
    // `dtdl help nonexist` would print the main help and succeed: a typo there is an error like any other.
    const [first, second] = argv.slice(2)
    if (first === 'help' && second !== undefined && !commands.has(second)) {
      throw new UsageError(`unknown command ${second}`, { code: 'UNKNOWN_COMMAND', hint: `the commands are ${[...commands.keys()].join(', ')}` })
    }
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with exit 0; every parse error (unknown flag, missing argument) is a usage error.
      const ok = err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help'
      if (!ok) say(formatParseError(err.message, helpCommandFor(argv.slice(2), commands)))
      process.exitCode = ok ? 0 : ExitCode.usage
      return
    }
    const e = toDtdlError(err)
    say(formatError(e))
    process.exitCode = e.exitCode
  }
}

await main(process.argv)
