// Pure parsing of `get -i` input: one `<spaceId> <dentryId> [output]` per line; bad lines reported, not fatal.

export interface InputEntry {
  /** 1-based line number, for messages. */
  line: number
  spaceId: string
  dentryId: string
  /** The rest of the line (surrounding double quotes removed); undefined = the file's own name. */
  output?: string
}

export interface InputLineError {
  line: number
  message: string
}

export interface ParsedInput {
  entries: InputEntry[]
  errors: InputLineError[]
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

/**
 * Pure: parses an input file. Blank lines and lines starting with `#` are skipped. The first two fields
 * are the ids; everything after them is the output path, spaces included (`"..."` around it is optional
 * and removed, for names with leading or trailing spaces). Accepts CRLF line ends and a UTF-8 BOM.
 *
 * @example parseInputFile('123 456 reports/q1.pdf\n# done\n123 789\n')
 */
export function parseInputFile(text: string): ParsedInput {
  const entries: InputEntry[] = []
  const errors: InputLineError[] = []
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  lines.forEach((raw, i) => {
    const line = i + 1
    const trimmed = raw.replace(/^[ \t]+|[ \t]+$/g, '')
    if (trimmed === '' || trimmed.startsWith('#')) return
    const parsed = parseLine(trimmed)
    if (typeof parsed === 'string') errors.push({ line, message: parsed })
    else entries.push({ line, ...parsed })
  })
  return { entries, errors }
}

/** One non-blank line → its fields, or what is wrong with it. */
function parseLine(text: string): Omit<InputEntry, 'line'> | string {
  if (CONTROL.test(text.replace(/\t/g, ' '))) return 'the line holds a control character'
  const m = /^(\S+)(?:[ \t]+(\S+)(?:[ \t]+(.*))?)?$/.exec(text)
  if (!m || m[2] === undefined) return `expected "<spaceId> <dentryId> [output]", got one field ${JSON.stringify(text)}`
  const [, spaceId, dentryId, rest] = m as unknown as [string, string, string, string | undefined]
  if (rest === undefined) return { spaceId, dentryId }
  let output = rest
  if (output.startsWith('"')) {
    if (output.length < 2 || !output.endsWith('"')) return `the output ${output} has no closing quote`
    output = output.slice(1, -1)
  }
  if (output === '') return 'the output is empty ("")'
  return { spaceId, dentryId, output }
}
