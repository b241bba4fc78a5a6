// The rules between options of `get`: what goes with one file, what with a batch, what contradicts what. Pure,
// for the CLI and the library alike; each message names the options as the caller knows them.
import { UsageError } from '../errors.js'
import { named, type OptionSource } from './option-values.js'

type Values = object
const given = (values: Values, key: string) => {
  const v = (values as Record<string, unknown>)[key]
  return v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)
}
const valueOf = (values: Values, key: string) => (values as Record<string, unknown>)[key]

/** Pure: `a and b` (or `a, b and c`) in the caller's names. */
const names = (keys: string[], from: OptionSource) => {
  const n = keys.map((k) => named(k, from))
  return n.length > 1 ? `${n.slice(0, -1).join(', ')} and ${n.at(-1)}` : n[0]!
}

/** One file (`get` without -r/-i, or the library's download()): the options that belong to batches are refused. */
export function checkOneFile(v: Values, from: OptionSource): void {
  const batchOnly = ['jobs', 'include', 'exclude', 'delete', 'dryRun'].filter((k) => given(v, k))
  if (batchOnly.length > 0 && from === 'cli')
    throw new UsageError('-j, --include, --exclude, --delete and --dry-run apply to -r and -i only', {
      code: 'BAD_OPTION',
      hint: 'add -r to download a folder',
    })
  if (batchOnly.length > 0)
    throw new UsageError(`${names(batchOnly, from)} apply to mirrorFolder and downloadList only`, {
      code: 'BAD_OPTION',
      hint: 'use mirrorFolder() for a folder',
    })
  if (given(v, 'sha256File')) {
    throw new UsageError(
      `${named('sha256File', from)} applies to ${from === 'cli' ? '-r and -i' : 'mirrorFolder and downloadList'}`,
      { code: 'BAD_OPTION', hint: `for one file, pass ${named('sha256', from)}` },
    )
  }
  if (given(v, 'skipExisting') && valueOf(v, 'output') === '-')
    throw new UsageError(`${named('skipExisting', from)} needs a file target, not -o -`, { code: 'BAD_OPTION' })
  checkContradictions(v, from)
}

/** A batch (`get -r`, `get -i`, mirrorFolder, downloadList): the options of one file are refused. */
export function checkBatch(v: Values, from: OptionSource, kind: 'folder' | 'list'): void {
  if (kind === 'list' && ['include', 'exclude', 'delete'].some((k) => given(v, k))) {
    throw new UsageError(
      `${names(['include', 'exclude', 'delete'], from)} apply to ${from === 'cli' ? '-r' : 'mirrorFolder'} only`,
      { code: 'BAD_OPTION' },
    )
  }
  if (kind === 'folder' && given(v, 'skipExisting')) {
    throw new UsageError(
      `${named('skipExisting', from)} applies to get and -i; -r already skips files its sync state shows unchanged`,
      { code: 'BAD_OPTION', hint: `drop ${named('skipExisting', from)}` },
    )
  }
  checkContradictions(v, from)
  if (given(v, 'version'))
    throw new UsageError(`${named('version', from)} applies to one file, not to -r or -i`, { code: 'BAD_OPTION' })
  if (given(v, 'sha256')) {
    throw new UsageError(`${named('sha256', from)} checks one file, not -r or -i`, {
      code: 'BAD_OPTION',
      hint: `give the batch's SHA-256s with ${named('sha256File', from)} <file> (sha256sum's format)${kind === 'list' ? ', or a "  sha256=<hex>" line below each entry of the input file' : ''}`,
    })
  }
  if (valueOf(v, 'output') === '-')
    throw new UsageError('-o - streams one file to stdout; -r and -i write files', {
      code: 'BAD_OPTION',
      hint: 'give a directory with -o',
    })
}

function checkContradictions(v: Values, from: OptionSource): void {
  if (given(v, 'skipExisting') && given(v, 'force')) {
    throw new UsageError(`${names(['skipExisting', 'force'], from)} contradict each other`, {
      code: 'BAD_OPTION',
      hint: 'keep one of them',
    })
  }
}
