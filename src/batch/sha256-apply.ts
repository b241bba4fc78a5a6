// `--sha256-file` applied to a planned batch: the list read, and each file given the SHA-256 it names.
import { readFile } from 'node:fs/promises'
import type { BatchItem } from './runner.js'
import { UsageError } from '../errors.js'
import { matchSha256List, type Sha256ListEntry } from './sha256-list.js'

/**
 * Gives each file the SHA-256 the --sha256-file names it with; returns notes for people: the lines that
 * name no file of the batch, and the files no line names (checked without a SHA-256, said rather than hidden).
 * A file given two different SHA-256s (its input-file line and the list) fails: which one is right is unknown.
 */
export function applySha256List(
  items: BatchItem[],
  entries: readonly Sha256ListEntry[],
  base: string,
  name: string,
): string[] {
  const runnable = items.filter((i): i is BatchItem & { target: string } => !i.error && i.target !== undefined)
  const { byTarget, unmatched } = matchSha256List(
    entries,
    base,
    runnable.map((i) => i.target),
  )
  let unlisted = 0
  for (const item of runnable) {
    const entry = byTarget.get(item.target)
    if (!entry) {
      if (item.sha256 === undefined) unlisted++
      continue
    }
    const from = `from line ${entry.line} of ${name}`
    if (item.sha256 === undefined) Object.assign(item, { sha256: entry.hex, sha256From: from })
    else if (item.sha256 !== entry.hex) {
      const where = item.line !== undefined ? `line ${item.line}: ` : `${item.path}: `
      item.error = new UsageError(`${where}the SHA-256 ${item.sha256From} differs from the one ${from}`, {
        code: 'SHA256_CONFLICT',
        hint: 'keep one of them',
      })
    }
  }
  const notes: string[] = []
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  if (unmatched.length > 0)
    notes.push(
      `${plural(unmatched.length, 'line')} of ${name} name${unmatched.length === 1 ? 's' : ''} no file of this batch (first: line ${unmatched[0]!.line}, ${unmatched[0]!.path})`,
    )
  if (unlisted > 0)
    notes.push(
      `${plural(unlisted, 'file')} of this batch ${unlisted === 1 ? 'has' : 'have'} no SHA-256 in ${name}: checked by size and CRC-64 only`,
    )
  return notes
}

export async function readSha256File(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    throw new UsageError(`cannot read the --sha256-file ${path}: ${code}`, {
      code: 'SHA256_FILE',
      hint: 'pass an existing file (the output of sha256sum)',
    })
  }
}
