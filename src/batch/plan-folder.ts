// `get -r`'s plan: the folder listed, mirrored under the output directory, its sync state opened; and its after-work.
import { stat } from 'node:fs/promises'
import { makeDirectory } from '../disk/make-dir.js'
import { dirname, posix, resolve } from 'node:path'
import { type BatchItem } from './runner.js'
import { summarize, worstExitCode, type BatchEvent, type BatchResult } from './results.js'
import type { DingTalkApi, Dentry } from '../dingtalk/client.js'
import { DtdlError, ExitCode, UsageError, toFileSystemError } from '../errors.js'
import { dentryKind, dentryName, isFolder, missingFields, walkFolder } from '../dingtalk/folder-walk.js'
import {
  cleanName,
  compileFilters,
  planMirror,
  type MirrorPlan,
  type PathFilters,
  type RemoteNode,
} from './mirror-plan.js'
import { joinInside } from '../disk/paths.js'
import { checkCreatableDir, checkNotADirectory, checkWritableDir } from '../disk/checks.js'
import { fromFailedItem, fromSyncAction } from './dry-run.js'
import { openMirrorSync, type MirrorSync } from './mirror-sync.js'
import { isOnlineDocument, onlineDocumentError } from '../dingtalk/online-document.js'
import type { BatchGetContext, BatchGetOptions, PlannedBatch } from './batch-options.js'

/**
 * Runs the mirror's after-work (also when interrupted, so the files placed so far are remembered) and merges its
 * results.
 */
export async function finishMirror(
  ran: Promise<BatchResult>,
  finish: NonNullable<PlannedBatch['finish']>,
  note: (text: string) => void,
  emit: (e: BatchEvent) => void = () => {},
): Promise<BatchResult> {
  const settle = async (interrupted: boolean) =>
    finish(interrupted, note).catch((err: unknown) => {
      // A state that cannot be saved costs the next run a full check, not this run's downloads.
      note(
        `dtdl: cannot save the sync state (${err instanceof Error ? err.message : String(err)}): the next run checks every file again`,
      )
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
  for (const file of deleted) emit({ type: 'delete-done', file })
  if (deleted.length === 0) return result
  const files = [...result.files, ...deleted]
  const exitCode = worstExitCode(files.map((f) => f.exitCode))
  return { ok: exitCode === 0, exitCode, files, summary: summarize(files, result.summary.durationMs) }
}

/**
 * -r: a folder is walked, its names made safe, and mirrored under the output directory (its contents go
 * straight into -o, or into ./<folder name> without it). A file id just lands in that directory.
 */
export async function planFolder(
  api: DingTalkApi,
  unionId: string,
  spaceId: string,
  dentryId: string,
  options: BatchGetOptions,
  ctx: BatchGetContext,
): Promise<PlannedBatch> {
  // Before any request: a mirror that cannot be written costs no API call.
  await checkCreatableDir(options.output ?? '.')
  // The mirror's root is part of the copy (like `cp -r folder/. dir`) and is made; the directory it goes
  // into must exist, unless --create-dirs.
  if (
    options.output !== undefined &&
    !options.createDirs &&
    !(await stat(options.output).then(
      () => true,
      () => false,
    ))
  )
    await checkWritableDir(dirname(resolve(options.output)))
  const { top, rootId, nodes, unlisted, reported, listNotes, dir } = await listSource(
    api,
    unionId,
    spaceId,
    dentryId,
    options.output,
    ctx,
  )
  const filters: PathFilters = { include: options.include ?? [], exclude: options.exclude ?? [] }
  const plan = planMirror(rootId, nodes, filters)
  // Unfiltered, for the sync state: a file the filters leave out is not gone from the remote.
  const everything = isFiltered(filters) ? planMirror(rootId, nodes) : plan
  const failed: BatchItem[] = unlisted.map((u) => {
    const relPath = plan.folders.find((f) => f.id === u.id)?.relPath ?? u.names.map((n) => cleanName(n, u.id)).join('/')
    return {
      path: `${relPath}/`,
      spaceId,
      dentryId: u.id,
      error: new DtdlError(u.error.code, u.error.exitCode, `cannot list the folder: ${u.error.message}`, {
        hint: u.error.hint,
        requestId: u.error.requestId,
      }),
    }
  })
  // Entries the listing holds but dtdl cannot fetch (no type, online documents): failed items of their own.
  const unfetchable: BatchItem[] = reported.map((r) => ({
    path: r.names.map((n) => cleanName(n, r.id)).join('/'),
    spaceId,
    dentryId: r.id,
    error: r.error,
  }))
  const sync = await openMirrorSync({
    dir,
    spaceId,
    folderId: top.id ?? dentryId,
    files: plan.files,
    // Still on the remote, though not fetched: --delete must not remove their local copies.
    remotePaths: new Set([...everything.files.map((f) => f.relPath), ...unfetchable.map((u) => u.path!)]),
    remoteFolders: new Set(everything.folders.map((f) => f.relPath)),
    accept: compileFilters(filters),
    unlisted: failed.map((f) => f.path!.slice(0, -1)),
    delete: Boolean(options.delete),
  })
  const notes: string[] = [...listNotes]
  if (plan.excluded > 0)
    notes.push(`${plan.excluded} file${plan.excluded === 1 ? '' : 's'} left out by --include/--exclude`)
  const kept = sync.plan.actions.filter((a) => a.kind === 'keep').length
  if (kept > 0)
    notes.push(
      `${kept} file${kept === 1 ? '' : 's'} gone from the remote kept here (${options.delete ? 'changed locally since dtdl placed them' : '--delete removes them'})`,
    )
  if (options.dryRun)
    return {
      items: [],
      dir,
      notes,
      preview: [
        ...[...failed, ...unfetchable].map((f) => fromFailedItem({ ...f, error: f.error! })),
        ...sync.plan.actions.map(fromSyncAction),
      ],
    }
  const items = await placeMirror(dir, spaceId, plan, sync, filters, notes, [...failed, ...unfetchable])
  return { items, dir, notes, finish: (interrupted, note) => sync.finish(interrupted, note) }
}

const isFiltered = (filters: PathFilters) => filters.include.length > 0 || filters.exclude.length > 0

/** -r, a real run: the mirror's directory made (and its empty folders), every file given its target inside it. */
async function placeMirror(
  dir: string,
  spaceId: string,
  plan: MirrorPlan,
  sync: MirrorSync,
  filters: PathFilters,
  notes: string[],
  failed: BatchItem[],
): Promise<BatchItem[]> {
  try {
    await makeDirectory(dir)
  } catch (err) {
    throw toFileSystemError(err, (err as { path?: string }).path ?? dir, 'create the directory')
  }
  // Folders with files appear as their files are written; empty ones are made here, so the tree is whole.
  if (!isFiltered(filters)) notes.push(...(await makeAllFolders(plan, sync)))

  // Each folder is made, resolved and checked once per run rather than once per file: a 1,000-file tree has
  // a few dozen folders, and these system calls were most of the per-file cost of a mirror of small files.
  const prepared = new Map<string, Promise<void>>()
  const prepareFolder = (relDir: string, parent: string): Promise<void> => {
    let done = prepared.get(relDir)
    if (done === undefined) {
      done = (async () => {
        // Level by level, never through a link: nothing below the mirror's root can lead a write outside it.
        try {
          if (relDir !== '.') await sync.makeFolder(relDir)
        } catch (err) {
          throw toFileSystemError(err, parent, 'create the directory')
        }
        // Before any download-info call for its files: a folder that cannot be written.
        await checkWritableDir(parent)
      })()
      prepared.set(relDir, done)
    }
    return done
  }
  const byPath = new Map(plan.files.map((f) => [f.relPath, f]))
  const items: BatchItem[] = [...failed]
  for (const action of sync.plan.actions) {
    const file = byPath.get(action.relPath)
    if (!file) continue // deletes and keeps: done after the batch
    // Listed as a file (knownFile): a refusal of download info can then only mean an online document.
    const seenAbsent = sync.inBareFolder.has(file.relPath)
    const item: BatchItem = {
      path: file.relPath,
      spaceId,
      dentryId: file.id,
      size: file.size,
      skip: action.kind === 'skip' ? 'up-to-date' : undefined,
      replace: action.kind === 'replace',
      knownFile: true,
      seenAbsent,
    }
    try {
      // Defence in depth: planning already made every segment safe; this refuses anything that still escapes.
      const target = joinInside(dir, file.relPath)
      item.target = target
      item.onDone = (r) => sync.record(file, r)
      item.prepare = async () => {
        await prepareFolder(posix.dirname(file.relPath), dirname(target))
        // Before this file's download-info call: a local folder of that name (none in a folder seen bare).
        if (!seenAbsent) await checkNotADirectory(target)
      }
    } catch (err) {
      item.error = err instanceof DtdlError ? err : new UsageError(String(err), { code: 'UNSAFE_NAME' })
    }
    items.push(item)
  }
  return items
}

/**
 * Every folder of the mirror made at once: a parent two of them share is made by whichever gets there first (mkdir -p).
 */
async function makeAllFolders(plan: MirrorPlan, sync: MirrorSync): Promise<string[]> {
  const failures = await Promise.all(
    plan.folders.map((folder) =>
      sync.makeFolder(folder.relPath).then(
        () => undefined,
        (err: unknown) =>
          `dtdl: cannot create the folder ${folder.relPath}: ${err instanceof Error ? err.message : String(err)}`,
      ),
    ),
  )
  return failures.filter((line) => line !== undefined)
}

/**
 * -r's listing: the top dentry looked up ("0", the root, has none), then, for a folder, its whole tree.
 * Every field is optional in the API's model: an entry without a type or id, and an online document,
 * is `reported` (a failed entry) and the rest go on; an entry without a name takes its id as the name.
 */
async function listSource(
  api: DingTalkApi,
  unionId: string,
  spaceId: string,
  dentryId: string,
  output: string | undefined,
  ctx: BatchGetContext,
) {
  ctx.reporter.phase('looking up the folder')
  const top: Dentry =
    dentryId === '0'
      ? { id: '0', spaceId, parentId: '', type: 'FOLDER', name: spaceId }
      : { id: dentryId, ...(await api.getDentry(spaceId, dentryId, unionId)) }
  if (dentryKind(top) === undefined) throw unknownTypeError(dentryName(top))
  if (!isFolder(top) && isOnlineDocument(top)) throw onlineDocumentError(dentryName(top))
  const topId = top.id ?? dentryId
  const dir = resolve(output ?? (isFolder(top) ? cleanName(dentryName(top), topId) : '.'))
  // Without -o the directory's name comes from the folder: check it before the walk's calls.
  if (output === undefined) await checkCreatableDir(dir)
  const toNode = (d: Dentry & { id: string }, parentId: string, folder: boolean): RemoteNode => ({
    id: d.id,
    parentId,
    name: dentryName(d),
    isFolder: folder,
    size: d.size,
    version: d.version,
    modifiedTime: d.modifiedTime,
  })
  const nodes: RemoteNode[] = []
  const unlisted: { id: string; names: string[]; error: DtdlError }[] = []
  const reported: { id: string; names: string[]; error: DtdlError }[] = []
  const listNotes: string[] = []
  // A single file is planned as the only child of a stand-in root, so it gets the same cleaning and filters.
  if (!isFolder(top))
    return {
      top,
      dir,
      rootId: '\u0000file',
      nodes: [toNode({ ...top, id: topId }, '\u0000file', false)],
      unlisted,
      reported,
      listNotes,
    }
  ctx.reporter.phase('listing the folder')
  const walked = await walkFolder(api, spaceId, topId, unionId, {
    recursive: true,
    signal: ctx.signal,
    onListed: (n) => ctx.reporter.phase(`listing the folder: ${n} entries`),
  })
  for (const e of walked.entries) {
    const id = e.dentry.id
    if (id === undefined || e.unknownType) {
      reported.push({ id: id ?? '', names: e.names, error: incompleteEntryError(missingFields(e.dentry)) })
    } else if (!e.isFolder && isOnlineDocument(e.dentry)) {
      reported.push({ id, names: e.names, error: onlineDocumentError(dentryName(e.dentry)) })
    } else {
      if (missingFields(e.dentry).includes('name'))
        listNotes.push(
          `dtdl: ${e.isFolder ? 'a folder' : 'a file'} in the listing has no name: saved under its id ${id}`,
        )
      nodes.push(toNode({ ...e.dentry, id }, e.parentId, e.isFolder))
    }
  }
  for (const f of walked.failures) unlisted.push({ id: f.folder.id ?? '', names: f.names, error: f.error })
  return { top, dir, rootId: topId, nodes, unlisted, reported, listNotes }
}

/** A listed entry without the type (or id) dtdl needs to fetch it: reported, the rest of the mirror goes on. */
export function incompleteEntryError(missing: string[]): DtdlError {
  const what = missing.filter((m) => m !== 'name').join(' and ') || 'type'
  return new DtdlError(
    'INCOMPLETE_ENTRY',
    ExitCode.remote,
    `the listing gives this entry no ${what}, so dtdl cannot tell whether it is a file or a folder`,
    {
      hint: 'fetch it on its own by its id or link (dtdl get ...), or report the listing to DingTalk',
    },
  )
}

/** The entry asked for has no (known) type: dtdl cannot tell a file from a folder. */
export function unknownTypeError(name: string): DtdlError {
  return new DtdlError(
    'UNKNOWN_TYPE',
    ExitCode.remote,
    `DingTalk did not say whether ${JSON.stringify(name)} is a file or a folder`,
    {
      hint: 'run again later; if it persists, report it with the request id (--verbose)',
    },
  )
}
