// The shell around the core: argv in, exit code out. Each command declares itself in src/commands/; this file
// puts them together and turns what commander throws into exit codes.
import { ExitCode, UsageError, formatError } from './errors.js'
import { formatParseError, helpCommandFor } from './commands/parse-errors.js'
import { commander, say, toDtdlError, watchOutputs } from './commands/shell.js'
import { buildProgram, packageVersion } from './commands/program.js'
import { showFullHelp } from './commands/help.js'
import { tuneV8ForTheCli } from './http/dispatcher.js'
import { isVerboseVersion } from './output/version.js'

const { CommanderError } = commander

export async function main(argv: string[]): Promise<void> {
  if (isVerboseVersion(argv.slice(2))) {
    const { versionLines } = await import('./output/version.js')
    for (const line of await versionLines(packageVersion())) process.stdout.write(`${line}\n`)
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
      throw new UsageError(`unknown command ${second}`, {
        code: 'UNKNOWN_COMMAND',
        hint: `the commands are ${[...commands.keys()].join(', ')}`,
      })
    }
    // `dtdl get --help` shows the everyday options; `dtdl help get` every option and the notes.
    if (first === 'help') showFullHelp()
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with exit 0; every parse error (unknown flag, missing argument) is a usage error.
      const ok =
        err.exitCode === 0 ||
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
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
