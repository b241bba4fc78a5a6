// The shell around the core: argv in, exit code out. Each command declares itself in src/commands/; this file
// puts them together and turns what commander throws into exit codes.
import { readFileSync } from 'node:fs'
import { ExitCode, formatError } from './errors.js'
import { commander, say, toDtdlError, watchOutputs, type Command } from './commands/shell.js'
import { declareGet } from './commands/get.js'
import { declareLs } from './commands/ls.js'
import { declareInfo } from './commands/info.js'
import { declareVersions } from './commands/versions.js'
import { declareSpaces } from './commands/spaces.js'
import { declareUser } from './commands/user.js'
import { declareConfig } from './commands/config.js'
import { declareEmulator } from './commands/emulator.js'
import { keepWasmOnBaselineCompiler } from './http/dispatcher.js'

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
  return program
}

export async function main(argv: string[]): Promise<void> {
  keepWasmOnBaselineCompiler()
  // A reader that goes away (`dtdl ls ... | head`, `dtdl get -r ... 2>&1 | head`) is not an error.
  watchOutputs()
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
