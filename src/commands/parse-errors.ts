// Commander's parse errors ("error: unknown option '--x'\n(Did you mean --y?)") as dtdl's one `dtdl: ...` line.

/** Commander's wording → ours; the first pattern that matches wins. Quotes go: flags read better bare. */
const REWRITES: [RegExp, (...m: string[]) => string][] = [
  [/^unknown option '([^']*)'/, (_, f) => `unknown option ${f}`],
  [/^unknown command '([^']*)'/, (_, c) => `unknown command ${c}`],
  [/^missing required argument '([^']*)'/, (_, a) => `missing argument <${a}>`],
  [/^option '([^']*)' argument missing/, (_, f) => `option ${f} needs a value`],
  [
    /^command-argument value '([^']*)' is invalid for argument '([^']*)'\. Allowed choices are (.*)\.$/,
    (_, v, a, list) => `${JSON.stringify(v)} is not a valid <${a}>: choose one of ${list}`,
  ],
  [
    /^too many arguments(?: for '([^']*)')?\. Expected (\d+) arguments? but got (\d+)\./,
    (_, c, n, got) => `too many arguments${c ? ` for ${c}` : ''}: expected at most ${n}, got ${got}`,
  ],
]

/**
 * Pure: one line from commander's message. The suggestion commander puts on its own line is folded in
 * lower-case; without one, the hint names the help of the command the user was typing.
 */
export function formatParseError(message: string, helpCommand: string): string {
  const lines = message
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
  let head = (lines[0] ?? 'bad command line').replace(/^error:\s*/, '')
  for (const [pattern, rewrite] of REWRITES) {
    const m = pattern.exec(head)
    if (m) {
      head = rewrite(...m) + head.slice(m[0].length)
      break
    }
  }
  const rest = lines.slice(1).map((l) => l.replace(/^\(Did you mean/, '(did you mean'))
  const suggestion = rest.find((l) => l.startsWith('(did you mean'))
  const others = rest.filter((l) => l !== suggestion)
  const text = [head, ...others].join(' ')
  return `dtdl: ${text}${suggestion ? ` ${suggestion}` : ` (hint: see ${helpCommand} --help)`}`
}

/** Pure: `dtdl get` for `dtdl get --x`, `dtdl config set` for `dtdl config set`, `dtdl` for the rest. */
export function helpCommandFor(args: readonly string[], commands: ReadonlyMap<string, readonly string[]>): string {
  const words = args.filter((a) => !a.startsWith('-'))
  const first = words[0]
  if (first === undefined || !commands.has(first)) return 'dtdl'
  const second = words[1]
  return second !== undefined && commands.get(first)!.includes(second) ? `dtdl ${first} ${second}` : `dtdl ${first}`
}
