// The manual page, dtdl(1), drawn from the program as declared: its commands, every option of the declaration
// (with defaults, environment variables and config keys), the notes and examples of the help, the exit codes.
import type { Command } from 'commander'
import { optionsOf, type CommandName } from '../config/options.js'
import { ExitCode } from '../errors.js'
import { defaultShown } from './help.js'
import { HELP_TEXT } from './help-text.js'

/** Pure: text as roff takes it: backslashes and hyphens escaped, no line starting with a control character. */
export function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n')
}

/** What each exit code means, in the order of errors.ts. */
const EXIT_MEANINGS: Record<keyof typeof ExitCode, string> = {
  ok: 'success, also when the target was already up to date',
  unexpected: 'an unexpected error (a bug): run with --verbose and report it',
  usage: 'usage or bad input: options, arguments, a folder without -r, a list that is no list',
  auth: 'authentication or permission: credentials, an app permission, the operator, the monthly quota',
  notFound: 'not found: the space, the file, the link or the user',
  remote: 'DingTalk, the storage host or the network failed after retries, or answered what dtdl cannot use',
  integrity: 'a CRC-64 mismatch twice, or a SHA-256 mismatch',
  fileSystem:
    'the local file system: a missing directory, permissions, a full disk, a target that differs or appeared, a symbolic link at a name dtdl uses',
  apiBudget: '--max-api-calls reached: what was finished is kept, and the same command goes on',
  timeout: '--max-time ran out, or a file stayed below --speed-limit: what was downloaded is kept',
  interrupted: 'interrupted by SIGINT (a library caller: aborted); the same command resumes',
  outputClosed: 'the reader of stdout or stderr went away (| head)',
  terminated: 'terminated by SIGTERM; the same command resumes',
}

/** Pure: one option as a tagged paragraph. */
function optionEntry(spec: ReturnType<typeof optionsOf>[number]): string[] {
  const term = roff(spec.flags).replace(/<([^>]+)>/g, (_, v: string) => `\\fI${v}\\fR`)
  const facts: string[] = []
  const shown = defaultShown(spec)
  if (shown !== undefined) facts.push(`Default: ${shown}.`)
  if (spec.env) facts.push(`Environment: ${spec.env}.`)
  if (spec.config) facts.push(`Config key: ${spec.config}.`)
  if (spec.kind.type === 'negatable' && !spec.flags.startsWith('--no-'))
    facts.push(`--no-${spec.flags.slice(2)} says the opposite.`)
  return ['.TP', `.B ${term}`, roff([`${spec.help.replace(/^./, (c) => c.toUpperCase())}.`, ...facts].join(' '))]
}

/** The whole page, for a program built by buildProgram(); `version` and `date` go in the title line. */
export function manPage(program: Command, version: string, date: string): string {
  const out: string[] = [
    `.TH DTDL 1 "${date}" "dtdl ${version}" "User Commands"`,
    '.SH NAME',
    'dtdl \\- download files from DingTalk enterprise storage',
    '.SH SYNOPSIS',
  ]
  const commands = program.commands.filter((c) => c.name() !== 'help')
  for (const c of commands) out.push(`.B dtdl ${c.name()}`, roff(c.usage().split('\n')[0]!), '.br')
  out.push(
    '.SH DESCRIPTION',
    roff(
      `${program.description()} The file at the final path is absent or byte-identical to the remote one; nothing is written or deleted outside the target; a file dtdl did not write is never replaced or removed without --force. An interrupted run, run again, resumes.`,
    ),
  )
  out.push('.SH COMMANDS')
  for (const c of commands) {
    const name = c.name() as CommandName
    out.push(`.SS "dtdl ${c.name()}"`, roff(`${c.description().replace(/^./, (ch) => ch.toUpperCase())}.`))
    for (const sub of c.commands) out.push('.TP', `.B dtdl ${c.name()} ${sub.name()}`, roff(sub.description()))
    for (const spec of optionsOf(name)) out.push(...optionEntry(spec))
    for (const paragraph of HELP_TEXT[c.name()]?.details ?? []) out.push(paragraph === '' ? '.PP' : roff(paragraph))
  }
  out.push('.SH ENVIRONMENT')
  const envs = new Map<string, string>([
    ['DINGTALK_ACCESS_TOKEN', 'a ready access token'],
    ['DINGTALK_APP_KEY', "the app's Client ID"],
    ['DINGTALK_APP_SECRET', "the app's Client Secret"],
    ['DTDL_CONFIG_DIR', 'the folder of the config store'],
    ['DTDL_OAPI_ENDPOINT', 'the old-style API host for the user lookups'],
    ['HTTPS_PROXY, HTTP_PROXY, NO_PROXY', 'proxies'],
    ['CI, NO_COLOR', 'plain output, no colours'],
  ])
  for (const c of commands)
    for (const spec of optionsOf(c.name() as CommandName))
      if (spec.env) envs.set(spec.env, `the default of ${spec.flags.split(' ')[0]!.replace(/,$/, '')}`)
  for (const [name, what] of envs)
    out.push('.TP', `.B ${roff(name)}`, roff(`${what.replace(/^./, (ch) => ch.toUpperCase())}.`))
  out.push('.SH EXIT STATUS')
  for (const [key, code] of Object.entries(ExitCode))
    out.push(
      '.TP',
      `.B ${code}`,
      roff(`${EXIT_MEANINGS[key as keyof typeof ExitCode].replace(/^./, (ch) => ch.toUpperCase())}.`),
    )
  out.push('.SH EXAMPLES')
  for (const [command, what] of [...(HELP_TEXT.dtdl?.examples ?? []), ...(HELP_TEXT.get?.examples ?? [])])
    out.push('.TP', `.B ${roff(command)}`, roff(`${what.replace(/^./, (ch) => ch.toUpperCase())}.`))
  out.push(
    '.SH SEE ALSO',
    roff(
      'The user guide (docs/usage.md), the library (docs/library.md) and the emulator (docs/emulator.md) in the package; dtdl help <command>.',
    ),
  )
  return `${out.join('\n')}\n`
}
