// `dtdl get -r` and `dtdl get -i`: work out the files (walk a folder, or read a list), then run them as one batch.
import { mkdir, readFile, realpath, stat } from 'node:fs/promises'
import { dirname, isAbsolute, join, posix, resolve } from 'node:path'
import { DEFAULT_JOBS, connectionsPerFile, runBatch, summarize, worstExitCode, type BatchEvent, type BatchFileResult, type BatchItem, type BatchResult } from './runner.js'
import type { DingTalkApi, Dentry } from '../dingtalk/client.js'
import { DtdlError, ExitCode, UsageError, toFileSystemError } from '../errors.js'
import { dentryKind, dentryName, isFolder, missingFields, walkFolder } from '../dingtalk/folder-walk.js'
import { parseInputFile, type InputEntry } from './input-file.js'
import { matchSha256List, parseSha256List, type Sha256ListEntry } from './sha256-list.js'
import { cleanName, compileFilters, planMirror, type PathFilters, type RemoteNode } from './mirror-plan.js'
import { checkOutput, isInside, joinInside, namedTarget, resolveTargetPath, sanitizeFileName } from '../engine/target-path.js'
import { checkCreatableDir, checkFileTarget, checkWritableDir } from '../engine/target-check.js'
import { dryRunResult, fromFailedItem, fromSyncAction, type DryRunAction, type DryRunResult } from './dry-run.js'
import { openMirrorSync } from './mirror-sync.js'
import { prepareDirectory, type DirPolicy } from '../engine/output-dir.js'
import { connectApi, isPermissionDenied, signedDownloadInfo, type ApiContext, type ApiFlags, type StepReporter } from '../dingtalk/connect.js'
import type { DentryRef } from '../dingtalk/dentry-ref.js'
import type { ResolvedRef } from '../dingtalk/resolve-link.js'
import { isOnlineDocument, onlineDocumentError } from '../dingtalk/online-document.js'
import type { RequestCounts } from '../http/request-counter.js'

export interface BatchGetOptions extends ApiFlags {
  /** A folder (or file) to mirror, or an input file ("-" = stdin). */
  source: { kind: 'folder'; spaceId: string; dentryId: string } | { kind: 'folder'; ref: DentryRef } | { kind: 'input'; path: string } | { kind: 'text'; text: string }
  /** -r: the directory the folder's contents go into. -i: the base directory of every line's output. */
  output?: string | undefined
  filters: PathFilters
  jobs?: number | undefined
  connections?: number | undefined
  unionId?: string | undefined
  endpoint?: string | undefined
  /** Calls per second per DingTalk API, shared by all jobs (0 = no pacing); default from env/config, else 20. */
  apiQps?: number | undefined
  preferIntranet?: boolean | undefined
  retries?: number | undefined
  stallTimeoutMs?: number | undefined
  archiveWaitMs?: number | undefined
  limitRate?: number | undefined
  force?: boolean | undefined
  /** --connect-timeout in ms (undici's default 10 s when absent). */
  connectTimeoutMs?: number | undefined
  /** --create-dirs: make a missing -i -o base, -i line directories and the parents of -r's -o. */
  createDirs?: boolean | undefined
  /** How long each file waits for another dtdl writing the same target (ms). */
  lockWaitMs?: number | undefined
  /** --sha256-file: sha256sum lines, paths relative to the mirror (-r) or the current directory (-i). */
  sha256File?: string | undefined
  /** Plan only: listing (and -i lookup) calls, no download info, no storage request, nothing written. */
  dryRun?: boolean | undefined
  /** -r: remove files dtdl placed earlier (by the sync state) that are gone from the remote. */
  delete?: boolean | undefined
  /** -i: an existing target is left alone, unchecked; with an output naming the file, without any API call. */
  skipExisting?: boolean | undefined
}

export interface BatchGetContext extends ApiContext {
  /** The spinner of the planning steps, cleared before the batch's own progress starts. */
  reporter: StepReporter & { finish(): void }
  readStdin: () => Promise<string>
  /** Opens the batch's own progress display once planning is done (the shell draws bars; a library caller its own). */
  openProgress: () => Promise<BatchProgressSink>
}

/** Where a running batch reports: notes for people, per-file events, and the end. */
export interface BatchProgressSink {
  note(text: string): void
  event(e: BatchEvent): void
  finish(): void
}

export interface BatchGetResult extends BatchResult, RequestCounts {
  /** -r: the mirror's directory (absolute); `files[].path` is relative to it. */
  dir?: string
  jobs: number
  /** A number when -c was given; "auto" = by size, at most `maxConnectionsPerFile` (16 shared by the files running at once). */
  connections: number | 'auto'
  maxConnectionsPerFile: number
}


/** Plans and runs a `-r` or `-i` batch; with `dryRun`, only plans (see dry-run.ts). */
export async function runBatchGet(options: BatchGetOptions & { dryRun?: false | undefined }, ctx: BatchGetContext): Promise<BatchGetResult>
export async function runBatchGet(options: BatchGetOptions, ctx: BatchGetContext): Promise<BatchGetResult | (DryRunResult & RequestCounts)>
export async function runBatchGet(options: BatchGetOptions, ctx: BatchGetContext): Promise<BatchGetResult | (DryRunResult & RequestCounts)> {
  const jobs = options.jobs ?? DEFAULT_JOBS
  // Notes from the API client (throttling waits) go to whichever drawer is current: the spinner, then the bars.
  let note = (text: string) => ctx.reporter.note(text)
  const apiCtx = { ...ctx, reporter: { ...ctx.reporter, note: (text: string) => note(text) } }
  const text = options.source.kind === 'input' ? await readInput(options.source.path, ctx) : options.source.kind === 'text' ? options.source.text : undefined
  // Read before any request: a list that cannot be read whole is a usage error, not a batch checked in part.
  const sha256List = options.sha256File === undefined ? undefined : parseSha256List(await readSha256File(options.sha256File), options.sha256File)
  ctx.reporter.phase('resolving credentials')
  const connected = await connectApi(apiCtx, options, options)
  const { api, dispatcher, requests } = connected
  try {
    const unionId = await connected.unionId()
    const source = options.source
    let planned: PlannedBatch
    if (source.kind === 'folder') {
      if ('ref' in source) ctx.reporter.phase('resolving the link')
      const { spaceId, dentryId } = await connected.resolve('ref' in source ? source.ref : { kind: 'ids', spaceId: source.spaceId, dentryId: source.dentryId })
      planned = await planFolder(api, unionId, spaceId, dentryId, options, ctx)
    } else {
      planned = await planInputFile(api, unionId, text ?? '', options, ctx, jobs, connected.resolve)
    }
    if (sha256List && options.sha256File !== undefined) {
      planned.notes.push(...applySha256List(planned.items, sha256List, planned.dir ?? process.cwd(), options.sha256File))
    }
    ctx.reporter.finish()
    if (options.dryRun) return { ...dryRunResult(planned.preview ?? [], planned.dir), ...requests.snapshot() }
    const progress = await ctx.openProgress()
    note = (t) => progress.note(t)
    for (const line of planned.notes) progress.note(line)
    try {
      const ran = runBatch(planned.items, {
        jobs,
        connections: options.connections,
        dispatcher,
        getDownloadInfo: signedDownloadInfo(api, unionId, options.preferIntranet),
        retries: options.retries,
        stallTimeoutMs: options.stallTimeoutMs,
        limitRate: options.limitRate,
        force: options.force,
        lockWaitMs: options.lockWaitMs,
        signal: ctx.signal,
        onEvent: (e) => progress.event(e),
        log: ctx.log,
        requests,
      })
      const result = planned.finish ? await finishMirror(ran, planned.finish, note) : await ran
      return {
        ...result,
        ...requests.snapshot(),
        ...(planned.dir !== undefined ? { dir: planned.dir } : {}),
        jobs,
        connections: options.connections ?? 'auto',
        maxConnectionsPerFile: connectionsPerFile({ jobs, files: planned.items.filter((i) => !i.error).length, requested: options.connections }),
      }
    } finally {
      progress.finish()
    }
  } finally {
    await dispatcher.destroy().catch(() => {})
  }
}

interface PlannedBatch {
  items: BatchItem[]
  dir?: string
  /** Things people should know before the downloads start (empty folders that could not be made...). */
  notes: string[]
  /** --dry-run of -r: the sync plan's actions (for -i they come from the items). */
  preview?: DryRunAction[]
  /** -r: after the batch, --delete's removals and the sync state saved; returns the deletions' results. */
  finish?: (interrupted: boolean) => Promise<BatchFileResult[]>
}

/** Runs the mirror's after-work (also when interrupted, so the files placed so far are remembered) and merges its results. */
async function finishMirror(ran: Promise<BatchResult>, finish: (interrupted: boolean) => Promise<BatchFileResult[]>, note: (text: string) => void): Promise<BatchResult> {
  const settle = async (interrupted: boolean) =>
    finish(interrupted).catch((err: unknown) => {
      // A state that cannot be saved costs the next run a full check, not this run's downloads.
      note(`dtdl: cannot save the sync state (${err instanceof Error ? err.message : String(err)}): the next run checks every file again`)
      return []
    })
  let result: BatchResult
  try {
    result = await ran
  } catch (err) {
    await settle(true)
    throw err
  }
  const deleted = await settle(false)
  if (deleted.length === 0) return result
  const files = [...result.files, ...deleted]
  const exitCode = worstExitCode(files.map((f) => f.exitCode))
  return { ok: exitCode === 0, exitCode, files, summary: summarize(files, result.summary.durationMs) }
}

/** -i --dry-run: each line's target exists (a check, or a skip) or not (a download). */
function previewItems(items: readonly InputItem[]): DryRunAction[] {
  return items.map((item) => {
    if (item.error) return fromFailedItem({ ...item, error: item.error })
    const line = item.line !== undefined ? { line: item.line } : {}
    const base = { path: item.path, dentryId: item.dentryId, bytes: item.size ?? null, ...line }
    if (item.skip) return { ...base, action: 'skip' as const, reason: 'exists (--skip-existing)' }
    return item.exists ? { ...base, action: 'check' as const, reason: 'exists: compared by CRC-64' } : { ...base, action: 'download' as const, reason: 'new' }
  })
}

/**
 * -r: a folder is walked, its names made safe, and mirrored under the output directory (its contents go
 * straight into -o, or into ./<folder name> without it). A file id just lands in that directory.
 */
async function planFolder(api: DingTalkApi, unionId: string, spaceId: string, dentryId: string, options: BatchGetOptions, ctx: BatchGetContext): Promise<PlannedBatch> {
  // Before any request: a mirror that cannot be written costs no API call.
  await checkCreatableDir(options.output ?? '.')
  // The mirror's root is part of the copy (like `cp -r folder/. dir`) and is made; the directory it goes
  // into must exist, unless --create-dirs.
  if (options.output !== undefined && !options.createDirs && !(await stat(options.output).then(() => true, () => false))) await checkWritableDir(dirname(resolve(options.output)))
  const { top, rootId, nodes, unlisted, reported, listNotes, dir } = await listSource(api, unionId, spaceId, dentryId, options.output, ctx)
  const plan = planMirror(rootId, nodes, options.filters)
  // Unfiltered, for the sync state: a file the filters leave out is not gone from the remote.
  const everything = planMirror(rootId, nodes)
  const failed: BatchItem[] = unlisted.map((u) => {
    const relPath = plan.folders.find((f) => f.id === u.id)?.relPath ?? u.names.map((n) => cleanName(n, u.id)).join('/')
    return { path: `${relPath}/`, spaceId, dentryId: u.id, error: new DtdlError(u.error.code, u.error.exitCode, `cannot list the folder: ${u.error.message}`, { hint: u.error.hint, requestId: u.error.requestId }) }
  })
  // Entries the listing holds but dtdl cannot fetch (no type, online documents): failed items of their own.
  const unfetchable: BatchItem[] = reported.map((r) => ({ path: r.names.map((n) => cleanName(n, r.id)).join('/'), spaceId, dentryId: r.id, error: r.error }))
  const sync = await openMirrorSync({
    dir,
    spaceId,
    folderId: top.id ?? dentryId,
    files: plan.files,
    // Still on the remote, though not fetched: --delete must not remove their local copies.
    remotePaths: new Set([...everything.files.map((f) => f.relPath), ...unfetchable.map((u) => u.path!)]),
    remoteFolders: new Set(everything.folders.map((f) => f.relPath)),
    accept: compileFilters(options.filters),
    unlisted: failed.map((f) => f.path!.slice(0, -1)),
    delete: Boolean(options.delete),
  })
  const notes: string[] = [...listNotes]
  if (plan.excluded > 0) notes.push(`${plan.excluded} file${plan.excluded === 1 ? '' : 's'} left out by --include/--exclude`)
  const kept = sync.plan.actions.filter((a) => a.kind === 'keep').length
  if (kept > 0) notes.push(`${kept} file${kept === 1 ? '' : 's'} gone from the remote kept here (${options.delete ? 'changed locally since dtdl placed them' : '--delete removes them'})`)
  if (options.dryRun) return { items: [], dir, notes, preview: [...[...failed, ...unfetchable].map((f) => fromFailedItem({ ...f, error: f.error! })), ...sync.plan.actions.map(fromSyncAction)] }

  try {
    await mkdir(dir, { recursive: true })
  } catch (err) {
    throw toFileSystemError(err, dir, 'create the directory')
  }
  // Compare real paths, so a symlink inside the mirror cannot carry a write outside it.
  const realDir = await realpath(dir)
  const filtered = options.filters.include.length > 0 || options.filters.exclude.length > 0
  if (!filtered) {
    // Folders with files appear as their files are written; empty ones are made here, so the tree is whole.
    for (const folder of plan.folders) {
      try {
        await sync.makeFolder(folder.relPath)
      } catch (err) {
        notes.push(`dtdl: cannot create the folder ${folder.relPath}: ${err instanceof Error ? err.message : String(err)}`)
      }
    }
  }

  const byPath = new Map(plan.files.map((f) => [f.relPath, f]))
  const items: BatchItem[] = [...failed, ...unfetchable]
  for (const action of sync.plan.actions) {
    const file = byPath.get(action.relPath)
    if (!file) continue // deletes and keeps: done after the batch
    // Listed as a file (knownFile): a refusal of download info can then only mean an online document.
    const item: BatchItem = { path: file.relPath, spaceId, dentryId: file.id, size: file.size, skip: action.kind === 'skip' ? 'up-to-date' : undefined, replace: action.kind === 'replace', knownFile: true }
    try {
      // Defence in depth: planning already made every segment safe; this refuses anything that still escapes.
      const target = joinInside(dir, file.relPath)
      item.target = target
      item.onDone = (r) => sync.record(file, r)
      item.prepare = async () => {
        const parent = dirname(target)
        try {
          if (posix.dirname(file.relPath) !== '.') await sync.makeFolder(posix.dirname(file.relPath))
        } catch (err) {
          throw toFileSystemError(err, parent, 'create the directory')
        }
        if (!isInside(realDir, await realpath(parent))) throw new UsageError(`refusing to write ${file.relPath}: ${parent} leads outside ${dir}`, { code: 'UNSAFE_PATH' })
        // Before this file's download-info call: a local folder of that name, or a parent that cannot be written.
        await checkFileTarget(target)
      }
    } catch (err) {
      item.error = err instanceof DtdlError ? err : new UsageError(String(err), { code: 'UNSAFE_NAME' })
    }
    items.push(item)
  }
  return { items, dir, notes, finish: (interrupted) => sync.finish(interrupted) }
}

/**
 * -r's listing: the top dentry looked up ("0", the root, has none), then, for a folder, its whole tree.
 * Every field is optional in the API's model: an entry without a type or id, and an online document,
 * is `reported` (a failed entry) and the rest go on; an entry without a name takes its id as the name.
 */
async function listSource(api: DingTalkApi, unionId: string, spaceId: string, dentryId: string, output: string | undefined, ctx: BatchGetContext) {
  ctx.reporter.phase('looking up the folder')
  const top: Dentry = dentryId === '0' ? { id: '0', spaceId, parentId: '', type: 'FOLDER', name: spaceId } : { id: dentryId, ...(await api.getDentry(spaceId, dentryId, unionId)) }
  if (dentryKind(top) === undefined) throw unknownTypeError(dentryName(top))
  if (!isFolder(top) && isOnlineDocument(top)) throw onlineDocumentError(dentryName(top))
  const topId = top.id ?? dentryId
  const dir = resolve(output ?? (isFolder(top) ? cleanName(dentryName(top), topId) : '.'))
  // Without -o the directory's name comes from the folder: check it before the walk's calls.
  if (output === undefined) await checkCreatableDir(dir)
  const toNode = (d: Dentry & { id: string }, parentId: string, folder: boolean): RemoteNode => ({ id: d.id, parentId, name: dentryName(d), isFolder: folder, size: d.size, version: d.version, modifiedTime: d.modifiedTime })
  const nodes: RemoteNode[] = []
  const unlisted: { id: string; names: string[]; error: DtdlError }[] = []
  const reported: { id: string; names: string[]; error: DtdlError }[] = []
  const listNotes: string[] = []
  // A single file is planned as the only child of a stand-in root, so it gets the same cleaning and filters.
  if (!isFolder(top)) return { top, dir, rootId: '\u0000file', nodes: [toNode({ ...top, id: topId }, '\u0000file', false)], unlisted, reported, listNotes }
  ctx.reporter.phase('listing the folder')
  const walked = await walkFolder(api, spaceId, topId, unionId, { recursive: true, signal: ctx.signal, onListed: (n) => ctx.reporter.phase(`listing the folder: ${n} entries`) })
  for (const e of walked.entries) {
    const id = e.dentry.id
    if (id === undefined || e.unknownType) {
      reported.push({ id: id ?? '', names: e.names, error: incompleteEntryError(missingFields(e.dentry)) })
    } else if (!e.isFolder && isOnlineDocument(e.dentry)) {
      reported.push({ id, names: e.names, error: onlineDocumentError(dentryName(e.dentry)) })
    } else {
      if (missingFields(e.dentry).includes('name')) listNotes.push(`dtdl: ${e.isFolder ? 'a folder' : 'a file'} in the listing has no name: saved under its id ${id}`)
      nodes.push(toNode({ ...e.dentry, id }, e.parentId, e.isFolder))
    }
  }
  for (const f of walked.failures) unlisted.push({ id: f.folder.id ?? '', names: f.names, error: f.error })
  return { top, dir, rootId: topId, nodes, unlisted, reported, listNotes }
}

/** A listed entry without the type (or id) dtdl needs to fetch it: reported, the rest of the mirror goes on. */
export function incompleteEntryError(missing: string[]): DtdlError {
  const what = missing.filter((m) => m !== 'name').join(' and ') || 'type'
  return new DtdlError('INCOMPLETE_ENTRY', ExitCode.remote, `the listing gives this entry no ${what}, so dtdl cannot tell whether it is a file or a folder`, {
    hint: 'fetch it on its own by its id or link (dtdl get ...), or report the listing to DingTalk',
  })
}

/** The entry asked for has no (known) type: dtdl cannot tell a file from a folder. */
export function unknownTypeError(name: string): DtdlError {
  return new DtdlError('UNKNOWN_TYPE', ExitCode.remote, `DingTalk did not say whether ${JSON.stringify(name)} is a file or a folder`, {
    hint: 'run again later; if it persists, report it with the request id (--verbose)',
  })
}

/**
 * -i: every good line is looked up (name, size, not a folder) and given its target before any download
 * starts, so two lines that would write the same file are caught in line order, not by timing. A line
 * naming its file by a link or dentryUuid is resolved first (cached for the next run).
 */
async function planInputFile(
  api: DingTalkApi,
  unionId: string,
  text: string,
  options: BatchGetOptions,
  ctx: BatchGetContext,
  jobs: number,
  resolveRef: (ref: DentryRef) => Promise<ResolvedRef>,
): Promise<PlannedBatch> {
  const parsed = parseInputFile(text)
  const items: InputItem[] = parsed.errors.map((e) => ({
    path: null,
    spaceId: '',
    dentryId: '',
    line: e.line,
    error: new UsageError(`line ${e.line}: ${e.message}`, { code: 'BAD_INPUT_LINE', hint: e.hint ?? 'each line is: <spaceId> <dentryId> [output], or <link-or-dentryUuid> [output]' }),
  }))
  const notes: string[] = []
  if (parsed.entries.length === 0 && parsed.errors.length === 0) notes.push('the input file lists no files')

  const base = options.output
  const inputName = options.source.kind === 'input' ? (options.source.path === '-' ? 'stdin' : options.source.path) : 'the list'
  const dirs: DirPolicy = { createDirs: options.createDirs, dryRun: options.dryRun }
  // -o must exist unless --create-dirs; --dry-run creates nothing: a missing -o directory it would make
  // stands in for the one a real run would create.
  const baseMissing = base !== undefined && (await prepareDirectory(base, dirs)) === 'pretend'
  ctx.reporter.phase(`looking up ${parsed.entries.length} file${parsed.entries.length === 1 ? '' : 's'}`)
  const resolved: InputItem[] = new Array(parsed.entries.length)
  let next = 0
  const lookup = async () => {
    while (next < parsed.entries.length && !ctx.signal.aborted) {
      const index = next++
      const entry = parsed.entries[index]!
      resolved[index] = (await resolveExisting(entry, base, options)) ?? (await resolveLine(api, unionId, entry, base, inputName, resolveRef, baseMissing, dirs))
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, parsed.entries.length)) }, lookup))
  if (ctx.signal.aborted) throw ctx.signal.reason

  // Two lines, one file: the later line fails, since running both would interleave writes into one partial file.
  const claimed = new Map<string, number>()
  for (const item of resolved) {
    if (item.target === undefined || item.error) continue
    const first = claimed.get(item.target)
    if (first !== undefined) item.error = new UsageError(`line ${item.line}: same target as line ${first} (${item.target})`, { code: 'DUPLICATE_TARGET', hint: 'give one of the lines its own output' })
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
async function resolveExisting(entry: InputEntry, base: string | undefined, options: BatchGetOptions): Promise<InputItem | undefined> {
  if (!options.skipExisting || entry.output === undefined) return undefined
  const target = await namedTarget(base === undefined || isAbsolute(entry.output) ? entry.output : join(base, entry.output))
  const local = target === undefined ? undefined : await stat(target).catch(() => undefined)
  if (!local) return undefined
  return { path: target!, target, spaceId: entry.spaceId, dentryId: entry.dentryId, line: entry.line, size: local.size, skip: 'exists' }
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
  const item: BatchItem & { line: number } = { path: null, spaceId: entry.spaceId, dentryId: entry.dentryId, line: entry.line }
  try {
    const output = entry.output === undefined ? base : base === undefined || isAbsolute(entry.output) ? entry.output : join(base, entry.output)
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
      throw new UsageError(`${JSON.stringify(name)} is a folder`, { code: 'IS_FOLDER', hint: `fetch it on its own: dtdl get ${entry.dentryUuid ?? `${item.spaceId} ${item.dentryId}`} -r` })
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
    if (entry.sha256 !== undefined) Object.assign(item, { sha256: entry.sha256, sha256From: `from line ${entry.sha256Line} of ${inputName}` })
  } catch (err) {
    if (!(err instanceof DtdlError)) throw err
    item.error = new DtdlError(err.code, err.exitCode, `line ${entry.line}: ${err.message}`, { hint: err.hint, requestId: err.requestId, status: err.status })
  }
  return item
}

/**
 * Gives each file the SHA-256 the --sha256-file names it with; returns notes for people: the lines that
 * name no file of the batch, and the files no line names (checked without a SHA-256, said rather than hidden).
 * A file given two different SHA-256s (its input-file line and the list) fails: which one is right is unknown.
 */
function applySha256List(items: BatchItem[], entries: readonly Sha256ListEntry[], base: string, name: string): string[] {
  const runnable = items.filter((i): i is BatchItem & { target: string } => !i.error && i.target !== undefined)
  const { byTarget, unmatched } = matchSha256List(entries, base, runnable.map((i) => i.target))
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
      item.error = new UsageError(`${where}the SHA-256 ${item.sha256From} differs from the one ${from}`, { code: 'SHA256_CONFLICT', hint: 'keep one of them' })
    }
  }
  const notes: string[] = []
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  if (unmatched.length > 0) notes.push(`${plural(unmatched.length, 'line')} of ${name} name${unmatched.length === 1 ? 's' : ''} no file of this batch (first: line ${unmatched[0]!.line}, ${unmatched[0]!.path})`)
  if (unlisted > 0) notes.push(`${plural(unlisted, 'file')} of this batch ${unlisted === 1 ? 'has' : 'have'} no SHA-256 in ${name}: checked by size and CRC-64 only`)
  return notes
}

async function readSha256File(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    throw new UsageError(`cannot read the --sha256-file ${path}: ${code}`, { code: 'SHA256_FILE', hint: 'pass an existing file (the output of sha256sum)' })
  }
}

async function readInput(path: string, ctx: BatchGetContext): Promise<string> {
  if (path === '-') return ctx.readStdin()
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    throw new UsageError(`cannot read the input file ${path}: ${code}`, { code: 'INPUT_FILE', hint: 'pass an existing file to -i, or - for stdin' })
  }
}
