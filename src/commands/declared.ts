// The declared options (config/options.ts) as commander options: each value parsed by the same check a library
// caller's value goes through, and handed to the command under the library's name.
import type { Command } from 'commander'
import { optionsOf, type CommandName, type OptionSpec } from '../config/options.js'
import { parseCliValue } from '../config/option-values.js'
import { commander } from './shell.js'

const { Option } = commander

/** Does the option take a value on the command line? */
const takesValue = (spec: OptionSpec) => /[<[]/.test(spec.flags)

/** Adds every option the declaration gives `name` to `command`; no defaults here (the resolution fills them). */
export function addDeclaredOptions(command: Command, name: CommandName): Command {
  for (const spec of optionsOf(name)) {
    const option = new Option(spec.flags, spec.help)
    if (spec.kind.type === 'list')
      option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    else if (takesValue(spec)) option.argParser((value: string) => parseCliValue(spec, value))
    command.addOption(option)
    // A negatable option has both forms: --intranet and --no-intranet (--no-progress alone is declared as such).
    if (spec.kind.type === 'negatable' && !spec.flags.startsWith('--no-'))
      command.addOption(new Option(`--no-${spec.flags.slice(2)}`, `the opposite of ${spec.flags}`).hideHelp())
  }
  return command
}

/** The values commander parsed for `name`, under the library's names (`stallTimeout` → `stallTimeoutMs`). */
export function declaredValues(name: CommandName, parsed: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const spec of optionsOf(name)) {
    const value = parsed[new Option(spec.flags).attributeName()]
    // commander sets --no-x options to true unless given: only what the user said counts.
    if (value === undefined || (spec.flags.startsWith('--no-') && value === true)) continue
    values[spec.key] = value
  }
  return values
}
