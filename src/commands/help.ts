// --help that fits: wrapped to the terminal (80 columns when not one), the everyday options first and every option
// with `dtdl help <command>`, examples and notes from help-text.ts, exit codes at the root.
import type { Command, Help } from 'commander'
import { optionsOf, type CommandName, type OptionSpec } from '../config/options.js'
import { HELP_TEXT, type HelpText } from './help-text.js'

/** Set by main() for `dtdl help <command>`: every option and the notes, not only the everyday ones. */
let fullHelp = false
export const showFullHelp = (): void => {
  fullHelp = true
}

/** The width help wraps to: the terminal's (40 to 120 columns), else 80. */
export function helpWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return stream.isTTY && stream.columns ? Math.max(40, Math.min(120, stream.columns)) : 80
}

/** Pure: `text` wrapped at spaces to `width`, each line after the first indented by `indent` spaces. */
export function wrap(text: string, width: number, indent = 0): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const room = width - (lines.length > 0 ? indent : 0)
    if (line !== '' && line.length + 1 + word.length > room) {
      lines.push(line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  if (line !== '' || lines.length === 0) lines.push(line)
  return lines.map((l, i) => (i > 0 ? ' '.repeat(indent) + l : l))
}

/**
 * Pure: term/description rows as a two-column list when the terms leave room (`maxTerm` columns at most for
 * them); a longer term takes its line with the description after it when both fit, else the description
 * goes below it, indented (so a narrow terminal gets one column).
 */
export function formatRows(rows: readonly [string, string][], width: number, maxTerm = 28): string[] {
  const termWidth = Math.min(maxTerm, Math.max(0, ...rows.map(([t]) => t.length)))
  const twoColumns = width - termWidth - 4 >= 30
  const out: string[] = []
  for (const [term, description] of rows) {
    if (twoColumns && term.length <= termWidth) {
      const [first, ...rest] = wrap(description, width - termWidth - 4)
      out.push(`  ${term.padEnd(termWidth)}  ${first}`, ...rest.map((l) => `${' '.repeat(termWidth + 4)}${l}`))
    } else if (4 + term.length + description.length <= width) {
      out.push(`  ${term}  ${description}`)
    } else {
      out.push(
        ...wrap(term, width - 2, 4).map((l) => `  ${l}`),
        ...(description ? wrap(description, width - 6).map((l) => `      ${l}`) : []),
      )
    }
  }
  return out
}

/** Pure: an option's default as help shows it (seconds for a seconds option), or undefined. */
export function defaultShown(spec: OptionSpec): string | undefined {
  if (spec.defaultText !== undefined) return spec.defaultText
  if (typeof spec.default === 'number' && spec.kind.type === 'seconds') return String(spec.default / 1000)
  return spec.default !== undefined && spec.default !== false ? String(spec.default) : undefined
}

/** Pure: an option's line of help: what it does and its default; in full, where else it can be set. */
export function describeOption(spec: OptionSpec, full = false): string {
  const more: string[] = []
  const shown = defaultShown(spec)
  if (shown !== undefined) more.push(`default: ${shown}`)
  if (full && spec.env) more.push(`or ${spec.env}`)
  if (full && spec.config) more.push(`or config ${spec.config}`)
  return more.length ? `${spec.help} (${more.join('; ')})` : spec.help
}

/** Pure: the options a command's help shows: the everyday ones, or all of them. */
export function shownOptions(name: CommandName, full: boolean): OptionSpec[] {
  return optionsOf(name).filter((o) => full || o.everyday?.includes(name))
}

/** Pure: the flags column of an option (a negatable one shows both forms). */
const flagsOf = (spec: OptionSpec) =>
  spec.kind.type === 'negatable' && !spec.flags.startsWith('--no-')
    ? `${spec.flags}, --no-${spec.flags.slice(2)}`
    : spec.flags

/** The whole help of a command (or of the program), as commander asks for it. */
export function formatHelp(cmd: Command, helper: Help): string {
  const width = helpWidth()
  const isRoot = cmd.parent === null
  const name = (isRoot ? '' : cmd.name()) as CommandName
  const text: HelpText = HELP_TEXT[
    isRoot ? 'dtdl' : cmd.parent?.parent ? `${cmd.parent.name()} ${cmd.name()}` : cmd.name()
  ] ?? { examples: [] }
  const usage = helper
    .commandUsage(cmd)
    .split('\n')
    .map((l) => l.trim())
  const out: string[] = [
    `Usage: ${usage[0]}`,
    ...usage.slice(1).map((l) => `       ${l}`),
    '',
    ...wrap(helper.commandDescription(cmd), width),
    '',
  ]
  // The usage names the arguments; what they may be is for the full help (and a command without options).
  const args = helper
    .visibleArguments(cmd)
    .map((a) => [helper.argumentTerm(a), helper.argumentDescription(a)] as [string, string])
  const isDeclared = !isRoot && optionsOf(name).length > 0
  if (args.length > 0 && (fullHelp || !isDeclared)) out.push('Arguments:', ...formatRows(args, width), '')
  const declared = isDeclared ? shownOptions(name, fullHelp) : []
  const options: [string, string][] = isDeclared
    ? [...declared.map((o): [string, string] => [flagsOf(o), describeOption(o, fullHelp)]), ['-h, --help', 'this help']]
    : helper
        .visibleOptions(cmd)
        .map((o) => [
          helper.optionTerm(o),
          o.long === '--help' && isRoot ? 'this help; dtdl help <command> for a command' : helper.optionDescription(o),
        ])
  out.push('Options:', ...formatRows(options, width))
  const hidden = isDeclared ? optionsOf(name).length - declared.length : 0
  if (hidden > 0)
    out.push(...wrap(`${hidden} more options and the details: dtdl help ${cmd.name()}`, width - 2).map((l) => `  ${l}`))
  out.push('')
  const commands = helper
    .visibleCommands(cmd)
    .map((c) => [helper.subcommandTerm(c), helper.subcommandDescription(c)] as [string, string])
  if (commands.length > 0) out.push('Commands:', ...formatRows(commands, width), '')
  if (fullHelp && text.details) out.push(...text.details.flatMap((p) => (p === '' ? [''] : wrap(p, width))), '')
  if (text.examples.length > 0)
    out.push(
      'Examples:',
      ...formatRows(
        text.examples.map(([c, d]) => [`$ ${c}`, d]),
        width,
        46,
      ),
      '',
    )
  for (const line of text.footer ?? []) out.push(...wrap(line, width))
  return `${out.join('\n').replace(/\n+$/, '')}\n`
}
