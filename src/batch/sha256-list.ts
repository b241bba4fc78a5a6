// `--sha256-file`: SHA-256s for a batch in sha256sum's format, matched to the batch's files by path.
import { resolve } from 'node:path'
import { UsageError } from '../errors.js'

/** One hash of the list: the path as written (for messages) and its line. */
export interface Sha256ListEntry {
  hex: string
  path: string
  line: number
}

/**
 * Pure: parses what `sha256sum` prints: `<64 hex>  <path>` (or ` *<path>`, binary mode), `\` before the
 * hash when the path holds a backslash or line break (escaped as `\\`, `\n`, `\r`), and the BSD form
 * `SHA256 (<path>) = <hex>`. Blank lines and `#` comments are skipped. Any other line, or one path given
 * two different hashes, is an error: a list that cannot be read whole must not check only some files.
 *
 * @example parseSha256List('9f86d08...  docs/a.pdf\n')
 */
export function parseSha256List(text: string, name: string): Sha256ListEntry[] {
  const entries = new Map<string, Sha256ListEntry>()
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = i + 1
      if (raw.trim() === '' || raw.trimStart().startsWith('#')) return
      const entry = parseSha256Line(raw, line)
      if (!entry) {
        throw new UsageError(
          `line ${line} of the --sha256-file ${name} is not "<sha256>  <path>": ${JSON.stringify(raw.slice(0, 80))}`,
          {
            code: 'BAD_SHA256_FILE',
            hint: 'give the output of sha256sum (run it inside the mirror for -r)',
          },
        )
      }
      const seen = entries.get(entry.path)
      if (seen && seen.hex !== entry.hex) {
        throw new UsageError(
          `the --sha256-file ${name} gives ${entry.path} two SHA-256s (lines ${seen.line} and ${line})`,
          { code: 'BAD_SHA256_FILE', hint: 'keep one line per file' },
        )
      }
      if (!seen) entries.set(entry.path, entry)
    })
  return [...entries.values()]
}

function parseSha256Line(raw: string, line: number): Sha256ListEntry | undefined {
  const bsd = /^SHA256 ?\((.*)\) ?= ?([0-9a-fA-F]{64})$/.exec(raw)
  if (bsd) return { hex: bsd[2]!.toLowerCase(), path: bsd[1]!, line }
  const gnu = /^(\\?)([0-9a-fA-F]{64}) [ *](.+)$/.exec(raw)
  if (!gnu) return undefined
  const path =
    gnu[1] === '\\'
      ? gnu[3]!.replace(/\\(\\|n|r)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'))
      : gnu[3]!
  return { hex: gnu[2]!.toLowerCase(), path, line }
}

/** What matching a list to a batch found, for the notes people see. */
export interface Sha256Match {
  /** Absolute target path → its entry. */
  byTarget: Map<string, Sha256ListEntry>
  /** Entries that name no file of the batch. */
  unmatched: Sha256ListEntry[]
}

/**
 * Pure: keys each entry by the absolute path it names, resolved against `base` (the mirror's directory
 * for -r, the current directory for -i: what `cd <base> && sha256sum -c` would check), and says which
 * entries name none of `targets`.
 */
export function matchSha256List(
  entries: readonly Sha256ListEntry[],
  base: string,
  targets: readonly string[],
): Sha256Match {
  const wanted = new Set(targets)
  const byTarget = new Map<string, Sha256ListEntry>()
  const unmatched: Sha256ListEntry[] = []
  for (const e of entries) {
    const abs = resolve(base, e.path)
    if (wanted.has(abs)) byTarget.set(abs, e)
    else unmatched.push(e)
  }
  return { byTarget, unmatched }
}
