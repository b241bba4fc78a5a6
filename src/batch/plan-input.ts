// `get -i`'s plan: the input file read, every line looked up and given its target before any download starts.
import { readFile, stat } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import type { BatchItem } from './runner.js'
import type { DingTalkApi, Dentry } from '../dingtalk/client.js'
import { eachAtOnce } from '../each-at-once.js'
import { DtdlError, UsageError } from '../errors.js'
import { dentryKind, dentryName, isFolder } from '../dingtalk/folder-walk.js'
import { INVALID_LINES_BEFORE_GIVING_UP, parseInputFile, type InputEntry, type ParsedInput } from './input-file.js'
import { checkOutput, joinInside, namedTarget, resolveTargetPath, sanitizeFileName } from '../disk/paths.js'
import { fromFailedItem, type DryRunAction } from './dry-run.js'
import { prepareDirectory, type DirPolicy } from '../disk/output-dir.js'
import { isPermissionDenied } from '../dingtalk/connect.js'
import type { DentryRef } from '../dingtalk/dentry-ref.js'
import type { ResolvedRef } from '../dingtalk/resolve-link.js'
import { isOnlineDocument, onlineDocumentError } from '../dingtalk/online-document.js'
import type { BatchGetContext, BatchGetOptions, PlannedBatch } from './batch-options.js'

/**
 * -i: every good line is looked up (name, size, not a folder) and given its target before any download
 * starts, so two lines that would write the same file are caught in line order, not by timing. A line
 * naming its file by a link or dentryUuid is resolved first (cached for the next run).
 */
export async function planInputFile(
  api: DingTalkApi,
  unionId: string,
  parsed: ParsedInput,
  options: BatchGetOptions,
  ctx: BatchGetContext,
  jobs: number,
  resolveRef: (ref: DentryRef) => Promise<ResolvedRef>,
): Promise<PlannedBatch> {
  const items: InputItem[] = parsed.errors.map((e) => ({
    path: null,
    spaceId: '',
    dentryId: '',
    line: e.line,
    error: new UsageError(`line ${e.line}: ${e.message}`, {
      code: 'BAD_INPUT_LINE',
      hint: e.hint ?? 'each line is: <spaceId> <dentryId> [output], or <link-or-dentryUuid> [output]',
    }),
  }))
  const notes: string[] = []
  if (parsed.entries.length === 0 && parsed.errors.length === 0) notes.push('the input file lists no files')

  const base = options.output
  const inputName =
    options.source.kind === 'input' ? (options.source.path === '-' ? 'stdin' : options.source.path) : 'the list'
  const dirs: DirPolicy = { createDirs: options.createDirs, dryRun: options.dryRun }
  // -o must exist unless --create-dirs; --dry-run creates nothing: a missing -o directory it would make
  // stands in for the one a real run would create.
  const baseMissing = base !== undefined && (await prepareDirectory(base, dirs)) === 'pretend'
  ctx.reporter.phase(`looking up ${parsed.entries.length} file${parsed.entries.length === 1 ? '' : 's'}`)
  const resolved: InputItem[] = new Array(parsed.entries.length)
  await eachAtOnce(
    parsed.entries,
    jobs,
    async (entry, index) => {
      resolved[index] =
        (await resolveExisting(entry, base, options)) ??
        (await resolveLine(api, unionId, entry, base, inputName, resolveRef, baseMissing, dirs))
    },
    ctx.signal,
  )
  if (ctx.signal.aborted) throw ctx.signal.reason

  // Two lines, one file: the later line fails, since running both would interleave writes into one partial file.
  const claimed = new Map<string, number>()
  for (const item of resolved) {
    if (item.target === undefined || item.error) continue
    const first = claimed.get(item.target)
    if (first !== undefined)
      item.error = new UsageError(`line ${item.line}: same target as line ${first} (${item.target})`, {
        code: 'DUPLICATE_TARGET',
        hint: 'give one of the lines its own output',
      })
    else claimed.set(item.target, item.line)
  }
  items.push(...resolved)
  items.sort((a, b) => a.line - b.line)
  for (const item of items) {
    if (item.error || item.skip || item.target === undefined || !(options.dryRun || options.skipExisting)) continue
    const local = await stat(item.target).catch(() => undefined)
    if (local && options.skipExisting) Object.assign(item, { skip: 'exists', size: local.size })
    else if (local) item.exists = true
  }
  return { items, notes, ...(options.dryRun ? { preview: previewItems(items) } : {}) }
}

type InputItem = BatchItem & { line: number; exists?: boolean }

/** --skip-existing: a line whose output names an existing file is left alone before any API call. */
async function resolveExisting(
  entry: InputEntry,
  base: string | undefined,
  options: BatchGetOptions,
): Promise<InputItem | undefined> {
  if (!options.skipExisting || entry.output === undefined) return undefined
  const target = await namedTarget(
    base === undefined || isAbsolute(entry.output) ? entry.output : join(base, entry.output),
  )
  const local = target === undefined ? undefined : await stat(target).catch(() => undefined)
  if (!local) return undefined
  return {
    path: target!,
    target,
    spaceId: entry.spaceId,
    dentryId: entry.dentryId,
    line: entry.line,
    size: local.size,
    skip: 'exists',
  }
}

/** One input line → its batch item: target worked out, or the reason it cannot be fetched. */
async function resolveLine(
  api: DingTalkApi,
  unionId: string,
  entry: InputEntry,
  base: string | undefined,
  inputName: string,
  resolveRef: (ref: DentryRef) => Promise<ResolvedRef>,
  baseMissing: boolean,
  dirs: DirPolicy,
): Promise<BatchItem & { line: number }> {
  const item: BatchItem & { line: number } = {
    path: null,
    spaceId: entry.spaceId,
    dentryId: entry.dentryId,
    line: entry.line,
  }
  try {
    const output =
      entry.output === undefined
        ? base
        : base === undefined || isAbsolute(entry.output)
          ? entry.output
          : join(base, entry.output)
    // Before the lookup: a line that cannot be written costs no API call.
    await checkOutput(output, dirs)
    if (entry.dentryUuid !== undefined) {
      const ids = await resolveRef({ kind: 'uuid', dentryUuid: entry.dentryUuid })
      item.spaceId = ids.spaceId
      item.dentryId = ids.dentryId
    }
    let dentry: Dentry | undefined
    try {
      dentry = await api.getDentry(item.spaceId, item.dentryId, unionId)
    } catch (err) {
      if (!isPermissionDenied(err)) throw err
    }
    const name = dentry && dentryName({ id: item.dentryId, ...dentry })
    if (dentry && isFolder(dentry)) {
      throw new UsageError(`${JSON.stringify(name)} is a folder`, {
        code: 'IS_FOLDER',
        hint: `fetch it on its own: dtdl get ${entry.dentryUuid ?? `${item.spaceId} ${item.dentryId}`} -r`,
      })
    }
    if (dentry && isOnlineDocument(dentry)) throw onlineDocumentError(name)
    item.knownFile = dentry !== undefined && dentryKind(dentry) === 'FILE'
    const remoteName = dentry?.name || undefined
    const target =
      baseMissing && output === base
        ? { path: joinInside(base!, sanitizeFileName(remoteName ?? item.dentryId, sanitizeFileName(item.dentryId))) }
        : await resolveTargetPath(output, item.dentryId, async () => remoteName, dirs)
    item.target = target.path
    item.path = target.path
    item.size = dentry?.size
    if (entry.sha256 !== undefined)
      Object.assign(item, { sha256: entry.sha256, sha256From: `from line ${entry.sha256Line} of ${inputName}` })
  } catch (err) {
    if (!(err instanceof DtdlError)) throw err
    item.error = new DtdlError(err.code, err.exitCode, `line ${entry.line}: ${err.message}`, {
      hint: err.hint,
      requestId: err.requestId,
      status: err.status,
    })
  }
  return item
}

/** -i --dry-run: each line's target exists (a check, or a skip) or not (a download). */
function previewItems(items: readonly InputItem[]): DryRunAction[] {
  return items.map((item) => {
    if (item.error) return fromFailedItem({ ...item, error: item.error })
    const line = item.line !== undefined ? { line: item.line } : {}
    const base = { path: item.path, dentryId: item.dentryId, bytes: item.size ?? null, ...line }
    if (item.skip) return { ...base, action: 'skip' as const, reason: 'exists (--skip-existing)' }
    return item.exists
      ? { ...base, action: 'check' as const, reason: 'exists: compared by CRC-64' }
      : { ...base, action: 'download' as const, reason: 'new' }
  })
}

/**
 * The input list parsed, before any request: a list whose first lines are all invalid is refused whole (exit
 * 2), with the first line's problem, rather than reported line by line.
 */
export function parseInputList(text: string, name: string): ParsedInput {
  const parsed = parseInputFile(text)
  if (!parsed.gaveUp) return parsed
  const first = parsed.errors[0]!
  throw new UsageError(
    `the input file ${name} is not a list of files: its first ${INVALID_LINES_BEFORE_GIVING_UP} lines are all invalid (line ${first.line}: ${first.message})`,
    {
      code: 'INPUT_NOT_A_LIST',
      hint: 'give -i a text file with one "<spaceId> <dentryId> [output]" or "<link> [output]" per line',
    },
  )
}

/** The input file's text, read before any request; a file that is not UTF-8 text is refused (checkInputText). */
export async function readInput(path: string, ctx: BatchGetContext): Promise<string> {
  if (path === '-') return checkInputText(await ctx.readStdin(), 'stdin')
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    throw new UsageError(`cannot read the input file ${path}: ${code}`, {
      code: 'INPUT_FILE',
      hint: 'pass an existing file to -i, or - for stdin',
    })
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw notTextError(path, 'it is not UTF-8 text')
  }
  return checkInputText(text, path)
}

/**
 * Pure: a list must be text. NUL bytes (a binary file: an executable, an archive, random bytes), or the
 * replacement characters a decoder put for bytes that are not UTF-8 (stdin), refuse it whole, before any API
 * call: read as a list, every line would be a bad line, or worse, a line that happens to look like ids.
 */
export function checkInputText(text: string, name: string): string {
  if (text.includes('\u0000')) throw notTextError(name, 'it holds NUL bytes')
  if (text.includes('\uFFFD')) throw notTextError(name, 'it is not UTF-8 text')
  return text
}

function notTextError(name: string, why: string): UsageError {
  return new UsageError(`the input file ${name} is not a list of files: ${why}`, {
    code: 'INPUT_NOT_TEXT',
    hint: 'give -i a text file with one "<spaceId> <dentryId> [output]" or "<link> [output]" per line',
  })
}
