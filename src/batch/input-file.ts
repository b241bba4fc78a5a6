// Pure parsing of `get -i` input: one `<spaceId> <dentryId> [output]` or `<link-or-dentryUuid> [output]` per line (plus
// indented options); bad lines reported, not fatal.
import { parseDentryLink } from '../dingtalk/dentry-ref.js'
import { DtdlError } from '../errors.js'

export interface InputEntry {
  /** 1-based line number, for messages. */
  line: number
  /** Empty on a line that names the file by a link or dentryUuid (then `dentryUuid` is set). */
  spaceId: string
  dentryId: string
  dentryUuid?: string
  /** The rest of the line (surrounding double quotes removed); undefined = the file's own name. */
  output?: string
  /** From an indented `sha256=<hex>` line below the entry (lower case). */
  sha256?: string
  /** The line that gave `sha256`. */
  sha256Line?: number
}

export interface InputLineError {
  line: number
  message: string
  hint?: string
}

export interface ParsedInput {
  entries: InputEntry[]
  errors: InputLineError[]
  /** Set when the first INVALID_LINES_BEFORE_GIVING_UP lines were all invalid: parsing stopped there. */
  gaveUp?: true
}

/**
 * A list whose first this many lines (blank lines and comments aside) are all invalid is not a list: it is
 * given up at once rather than reported line by line (a binary or wrong file would give thousands).
 */
export const INVALID_LINES_BEFORE_GIVING_UP = 20

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

/** An indented `key=value` line: an option for the entry above it (aria2's input-file convention). */
const OPTION_LINE = /^[ \t]+([A-Za-z][\w-]*)=(.*)$/

/**
 * Pure: parses an input file. Blank lines and lines starting with `#` are skipped. The first two fields
 * are the ids; everything after them is the output path, spaces included (`"..."` around it is optional
 * and removed, for names with leading or trailing spaces). Accepts CRLF line ends and a UTF-8 BOM.
 * An indented `sha256=<hex>` line below an entry (blank lines and comments may come between) gives that
 * entry's SHA-256. A bad option line fails its entry too: it must not be fetched unchecked.
 *
 * @example parseInputFile('123 456 reports/q1.pdf\n  sha256=9f86d0...\n# done\n123 789\n')
 */
export function parseInputFile(text: string): ParsedInput {
  const entries: InputEntry[] = []
  const errors: InputLineError[] = []
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  // The entry option lines attach to: the last entry line above them; null after a bad line.
  let current: InputEntry | null | undefined
  for (const [i, raw] of lines.entries()) {
    if (entries.length === 0 && errors.length >= INVALID_LINES_BEFORE_GIVING_UP)
      return { entries, errors, gaveUp: true }
    const line = i + 1
    const trimmed = raw.replace(/^[ \t]+|[ \t]+$/g, '')
    if (trimmed === '' || trimmed.startsWith('#')) continue
    const option = OPTION_LINE.exec(raw.replace(/[ \t]+$/, ''))
    if (option) {
      // Options of a line that already failed fail with it.
      if (current === null) continue
      const problem =
        current === undefined
          ? 'an indented key=value line must come below the entry it belongs to'
          : applyOption(current, option[1]!, option[2]!, line)
      if (problem === undefined) continue
      errors.push({
        line,
        message: current === undefined ? problem : `${problem}; the file on line ${current.line} is not fetched`,
      })
      if (current) entries.splice(entries.indexOf(current), 1)
      current = null
      continue
    }
    let parsed: ReturnType<typeof parseLine>
    try {
      parsed = parseLine(trimmed)
    } catch (err) {
      // A link dtdl cannot use (a short share link...): the line fails with the link's own advice.
      if (!(err instanceof DtdlError)) throw err
      errors.push({ line, message: err.message, ...(err.hint ? { hint: err.hint } : {}) })
      current = null
      continue
    }
    if (typeof parsed === 'string') {
      errors.push({ line, message: parsed })
      current = null
    } else {
      current = { line, ...parsed }
      entries.push(current)
    }
  }
  return { entries, errors }
}

/** Sets one option on an entry; returns what is wrong with it, if anything. */
function applyOption(entry: InputEntry, key: string, value: string, line: number): string | undefined {
  if (key !== 'sha256') return `unknown option ${JSON.stringify(key)} (known: sha256)`
  if (entry.sha256 !== undefined) return `a second sha256 for one file (the first is on line ${entry.sha256Line})`
  if (!/^[0-9a-f]{64}$/i.test(value.trim())) return 'sha256 must be 64 hex digits'
  entry.sha256 = value.trim().toLowerCase()
  entry.sha256Line = line
  return undefined
}

/** One non-blank line → its fields, or what is wrong with it. */
function parseLine(text: string): Omit<InputEntry, 'line'> | string {
  if (CONTROL.test(text.replace(/\t/g, ' '))) return 'the line holds a control character'
  const first = /^(\S+)(?:[ \t]+(.*))?$/.exec(text)
  const dentryUuid = first ? parseDentryLink(first[1]!) : undefined
  if (dentryUuid !== undefined) {
    if (first?.[2] === undefined) return { spaceId: '', dentryId: '', dentryUuid }
    const output = parseOutput(first[2])
    return 'error' in output ? output.error : { spaceId: '', dentryId: '', dentryUuid, output: output.output }
  }
  const m = /^(\S+)(?:[ \t]+(\S+)(?:[ \t]+(.*))?)?$/.exec(text)
  if (!m || m[2] === undefined)
    return `expected "<spaceId> <dentryId> [output]" or "<link> [output]", got one field ${JSON.stringify(text)}`
  const [, spaceId, dentryId, rest] = m as unknown as [string, string, string, string | undefined]
  if (rest === undefined) return { spaceId, dentryId }
  const output = parseOutput(rest)
  return 'error' in output ? output.error : { spaceId, dentryId, output: output.output }
}

/** The output field, optional quotes removed, or what is wrong with it. */
function parseOutput(rest: string): { output: string } | { error: string } {
  let output = rest
  if (output.startsWith('"')) {
    if (output.length < 2 || !output.endsWith('"')) return { error: `the output ${output} has no closing quote` }
    output = output.slice(1, -1)
  }
  if (output === '') return { error: 'the output is empty ("")' }
  return { output }
}
