// Checking a value against its declaration (options.ts): text from the command line, or a typed value from a
// library caller, each refused with the same UsageError (exit 2), naming the option as its caller knows it.
import { UsageError } from '../errors.js'
import { longFlag, optionsOf, specOf, type CommandName, type OptionSpec } from './options.js'

/** Where a value came from: the command line names `--stall-timeout`, the library `stallTimeoutMs`. */
export type OptionSource = 'cli' | 'library'

export const nameIn = (spec: OptionSpec, from: OptionSource): string => (from === 'cli' ? longFlag(spec) : spec.key)

/**
 * Pure: "500K", "10M", "1.5G", "500KiB/s", "2048" → bytes per second (K, M, G: powers of 1024); undefined when
 * unreadable.
 */
export function parseRate(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(i?b?)?(\/s)?$/i.exec(text.trim())
  if (!m) return undefined
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g']
  return Math.round(Number(m[1]) * mult)
}

/** The UsageError of a value out of its declaration. */
function refuse(spec: OptionSpec, from: OptionSource, expected: string, got: unknown): UsageError {
  return new UsageError(
    `${nameIn(spec, from)} must be ${expected}, not ${typeof got === 'string' ? JSON.stringify(got) : String(got)}`,
    { code: 'BAD_OPTION' },
  )
}

/** Pure: what an int or seconds option's range says, in the caller's unit. */
function rangeText(min: number, max: number | undefined, noun: string): string {
  return max === undefined ? `${noun} >= ${min}` : `${noun} from ${min} to ${max}`
}

/** Pure: a value in the library's unit, checked; `fromCli`: the command line's text, parsed first. */
function check(spec: OptionSpec, value: unknown, from: OptionSource): unknown {
  const kind = spec.kind
  switch (kind.type) {
    case 'flag':
    case 'negatable':
      if (typeof value !== 'boolean') throw refuse(spec, from, 'true or false', value)
      return value
    case 'text':
      if (typeof value !== 'string' || (kind.pattern !== undefined && !kind.pattern.test(value)))
        throw refuse(spec, from, kind.expect ?? 'text', value)
      return value
    case 'list':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
        throw refuse(spec, from, 'a list of text', value)
      return value
    case 'int': {
      const n =
        from === 'cli' && typeof value === 'string'
          ? /^\d+$/.test(value.trim())
            ? Number(value.trim())
            : Number.NaN
          : value
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < kind.min || (kind.max !== undefined && n > kind.max))
        throw refuse(spec, from, rangeText(kind.min, kind.max, 'an integer'), value)
      return n
    }
    case 'seconds': {
      if (from === 'library') {
        const [min, max] = [kind.min * 1000, kind.max === undefined ? undefined : kind.max * 1000]
        if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (max !== undefined && value > max))
          throw refuse(spec, from, rangeText(min, max, 'a number of milliseconds'), value)
        return value
      }
      const text = String(value).trim()
      const n = (kind.whole ? /^\d+$/ : /^\d+(\.\d+)?$/).test(text) ? Number(text) : Number.NaN
      if (!(n >= kind.min) || (kind.max !== undefined && n > kind.max))
        throw refuse(
          spec,
          from,
          kind.whole ? rangeText(kind.min, kind.max, 'an integer') : 'a number of seconds above 0, such as 30 or 0.5',
          value,
        )
      return Math.round(n * 1000)
    }
    case 'rate': {
      const n = from === 'cli' ? parseRate(String(value)) : value
      if (typeof n !== 'number' || !Number.isFinite(n) || n < kind.min)
        throw refuse(
          spec,
          from,
          from === 'cli'
            ? `a rate such as 500K or 10M${kind.min > 0 ? ', above 0' : ''}`
            : `a number of bytes per second >= ${kind.min}`,
          value,
        )
      return n
    }
  }
}

/** Pure: one command-line value (commander's text) in the library's unit, or the UsageError that names the flag. */
export const parseCliValue = (spec: OptionSpec, text: string): unknown => check(spec, text, 'cli')

/**
 * Pure: the options of `command` as given (by the CLI, already parsed, or by a library caller), checked against
 * the declaration, with every declared default filled in. Keys the declaration does not know pass untouched.
 */
export function resolveOptions<T extends object>(
  command: CommandName,
  given: T,
  from: OptionSource,
): T & Record<string, unknown> {
  const out: Record<string, unknown> = { ...(given as Record<string, unknown>) }
  for (const spec of optionsOf(command)) {
    const value = (given as Record<string, unknown>)[spec.key]
    if (value === undefined) {
      if (spec.default !== undefined) out[spec.key] = spec.default
      continue
    }
    out[spec.key] = from === 'library' ? check(spec, value, from) : value
  }
  return out as T & Record<string, unknown>
}

/** Pure: the name of `key` as the caller knows it, for the messages of rules between options. */
export const named = (key: string, from: OptionSource): string => nameIn(specOf(key), from)
