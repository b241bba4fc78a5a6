// Shell completion scripts for bash, zsh and fish, generated from the commander program so they never drift.
import type { Command } from './shell.js'

/** One command as completion sees it: its path below `dtdl`, subcommands, flags and argument values. */
export interface CompletionNode {
  path: string[]
  description: string
  subcommands: string[]
  options: { flags: string[]; takesValue: boolean; description: string; choices?: string[] | undefined }[]
  /** Values for the first positional argument (e.g. config keys), when the command declares choices. */
  argChoices: string[]
}

/** Walks the program: every command and subcommand, with what --help shows of it. */
export function completionTree(program: Command): CompletionNode[] {
  const nodes: CompletionNode[] = []
  const visit = (cmd: Command, path: string[]) => {
    const help = cmd.createHelp()
    const commands = help.visibleCommands(cmd).filter((c) => c.name() !== 'help')
    nodes.push({
      path,
      description: cmd.description(),
      subcommands: commands.map((c) => c.name()),
      options: help.visibleOptions(cmd).map((o) => ({
        flags: [o.short, o.long].filter((f): f is string => f !== undefined),
        takesValue: o.required || o.optional,
        description: o.description,
        choices: o.argChoices,
      })),
      argChoices: help.visibleArguments(cmd)[0]?.argChoices ?? [],
    })
    for (const c of commands) visit(c, [...path, c.name()])
  }
  visit(program, [])
  return nodes
}

const words = (list: string[]) => list.join(' ')

/** bash: `source <(dtdl completion bash)`. The function finds the command path, then offers its words. */
export function bashScript(nodes: CompletionNode[]): string {
  const known = nodes.filter((n) => n.path.length > 0).map((n) => `"/${n.path.join('/')}"`)
  const cases = nodes.map((n) => {
    const flags = n.options.flatMap((o) => o.flags)
    const valued = n.options.filter((o) => o.takesValue).flatMap((o) => o.flags)
    return `    "${n.path.length ? `/${n.path.join('/')}` : ''}") words="${words([...n.subcommands, ...n.argChoices])}"; opts="${words(flags)}"; valued="${words(valued)}" ;;`
  })
  return `# dtdl completion for bash; install: echo 'source <(dtdl completion bash)' >> ~/.bashrc
_dtdl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" cmd="" i w words="" opts="" valued="" args=0
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for (( i = 1; i < COMP_CWORD; i++ )); do
    w="\${COMP_WORDS[i]}"
    case "$cmd/$w" in
      ${known.join('|')}) cmd="$cmd/$w"; args=0 ;;
      *) [[ "$w" != -* ]] && (( args++ )) ;;
    esac
  done
  case "$cmd" in
${cases.join('\n')}
  esac
  if [[ " $valued " == *" $prev "* ]]; then
    COMPREPLY=( $(compgen -f -- "$cur") )
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  elif (( args == 0 )); then
    COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  fi
}
complete -o default -F _dtdl dtdl
`
}

/** zsh: the bash function through zsh's bashcompinit, so both shells complete the same words. */
export function zshScript(nodes: CompletionNode[]): string {
  return `#compdef dtdl
# dtdl completion for zsh; install: echo 'source <(dtdl completion zsh)' >> ~/.zshrc
autoload -U +X bashcompinit && bashcompinit
${bashScript(nodes).split('\n').slice(1).join('\n')}`
}

const fishQuote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

/** fish: one `complete` line per subcommand and flag, each guarded by the command path it belongs to. */
export function fishScript(nodes: CompletionNode[]): string {
  const lines = [
    '# dtdl completion for fish; install: dtdl completion fish > ~/.config/fish/completions/dtdl.fish',
    'complete -c dtdl -f',
  ]
  for (const n of nodes) {
    const subs = n.subcommands
    const here =
      n.path.length === 0
        ? '__fish_use_subcommand'
        : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}${subs.length ? `; and not __fish_seen_subcommand_from ${words(subs)}` : ''}`
    const guard = `-n ${fishQuote(here)}`
    for (const s of subs) {
      const child = nodes.find((c) => c.path.join('/') === [...n.path, s].join('/'))
      lines.push(
        `complete -c dtdl ${guard} -a ${s} -d ${fishQuote(child?.description.split(/[;:(]/)[0]!.trim() ?? '')}`,
      )
    }
    if (n.argChoices.length) lines.push(`complete -c dtdl ${guard} -a ${fishQuote(words(n.argChoices))}`)
    for (const o of n.options) {
      const parts = o.flags.map((f) => (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`))
      lines.push(
        `complete -c dtdl ${guard} ${parts.join(' ')}${o.takesValue ? ' -r -F' : ''} -d ${fishQuote(o.description)}`,
      )
    }
  }
  return `${lines.join('\n')}\n`
}
